"""``--format limesurvey``: a LimeSurvey tab-separated survey structure file for one form.

The file is UTF-8 with a byte order mark, one row per survey setting (class ``S``), language
setting (``SL``), group (``G``), question (``Q``), subquestion (``SQ``) and answer (``A``), in
LimeSurvey's column order (:data:`COLUMNS`); rows relate by proximity (a question belongs to the
group above it, subquestions and answers to the question above them).

Groups: "About this questionnaire" (text display questions ``info`` and ``support``), "About
you" (``team`` short text, ``role`` list radio, ``months`` numerical: months in role), then one
group per section holding one array question (type ``F``) named by the section key whose
subquestions are the item ids and whose answers are the scoring codes ``1``-``5`` (plus ``9``
don't-know on the colleague form), each answer's assessment value equal to its code. LimeSurvey
answer codes hold at most 5 characters, so the role answers use :data:`ROLE_ANSWER_CODES`.

A response export with question-code headings therefore has the columns ``team``, ``role``,
``months`` and ``<section>[<item id>]``, which :mod:`copro_scale.responses.limesurvey`
reads.
"""

from __future__ import annotations

from ..instrument import Instrument
from ..platforms.limesurvey import FIELD_CODES, ROLE_ANSWER_CODES, team_answer_codes
from ._layout import (
    INFO_TITLE,
    SUPPORT_TEXT,
    SUPPORT_TITLE,
    choices,
    participant_information,
    role_choices,
    sections,
    survey_title,
)
from ._text import html_paragraphs, write_delimited

COLUMNS: tuple[str, ...] = (
    "id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language",
    "validation", "mandatory", "encrypted", "other", "default", "same_default",
)
LANGUAGE = "en"
#: Question types used (LimeSurvey one-letter codes).
TYPES = {"display": "X", "short_text": "S", "list_radio": "L", "dropdown": "!", "numerical": "N",
         "array": "F"}


def export_limesurvey(inst: Instrument, form: str, teams: list[str] | None = None) -> str:
    """The LimeSurvey TSV survey structure of one form (text starting with a BOM).

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> tsv = export_limesurvey(load_instrument(), "psw")
    >>> tsv[0] == "\\ufeff", tsv.splitlines()[0].lstrip("\\ufeff").split("\\t")[:5]
    (True, ['id', 'related_id', 'class', 'type/scale', 'name'])
    """
    rows: list[dict[str, str]] = []
    ids = {"G": 0, "Q": 0}

    def row(cls, **kw):
        r = dict.fromkeys(COLUMNS, "")
        r["class"] = cls
        r.update({k.replace("type_scale", "type/scale"): str(v) for k, v in kw.items()})
        rows.append(r)

    def group(name, text=""):
        ids["G"] += 1
        row("G", id=ids["G"], name=name, relevance="1", text=text, language=LANGUAGE)

    def question(qtype, name, text, mandatory="N", **kw):
        ids["Q"] += 1
        row("Q", id=ids["Q"], type_scale=qtype, name=name, relevance="1", text=text,
            language=LANGUAGE, mandatory=mandatory, encrypted="N", other="N", same_default="0",
            **kw)

    for name, value in (("language", LANGUAGE), ("format", "G"), ("anonymized", "Y"),
                        ("datestamp", "N"), ("ipaddr", "N"), ("refurl", "N"),
                        ("assessments", "N"), ("allowprev", "Y"), ("showprogress", "Y")):
        row("S", name=name, text=value)
    row("SL", name="surveyls_title", text=survey_title(inst, form), language=LANGUAGE)
    info = html_paragraphs(participant_information(inst, form))
    row("SL", name="surveyls_description", text=info, language=LANGUAGE)
    row("SL", name="surveyls_endtext", text="<p>Thank you for taking part.</p>", language=LANGUAGE)

    rf = inst.respondent_fields
    group(INFO_TITLE)
    question(TYPES["display"], "info", info)
    question(TYPES["display"], "support",
             f"<h3>{SUPPORT_TITLE}</h3>" + html_paragraphs(SUPPORT_TEXT))
    group("About you")
    if teams:  # a drop-down list; answer code T<k> = the k-th team of the list
        question(TYPES["dropdown"], FIELD_CODES["team"], rf["team"]["label"], mandatory="Y")
        team_qid = ids["Q"]
        for t, code in team_answer_codes(teams).items():
            row("A", id=team_qid, type_scale="0", name=code, text=t, language=LANGUAGE)
    else:
        question(TYPES["short_text"], FIELD_CODES["team"], rf["team"]["label"], mandatory="Y")
    roles = role_choices(inst, form)
    question(TYPES["list_radio"], FIELD_CODES["role"], rf["role"]["label"], mandatory="Y",
             default=ROLE_ANSWER_CODES[roles[0][0]] if len(roles) == 1 else "")
    role_qid = ids["Q"]
    for code, label in roles:
        row("A", id=role_qid, type_scale="0", name=ROLE_ANSWER_CODES[code],
            text=label, language=LANGUAGE)
    mr = rf["months_in_role"]
    question(TYPES["numerical"], FIELD_CODES["months_in_role"], mr["label"])
    answers = choices(inst, form)
    period = inst.recall_period.removeprefix("in the ")
    for sec in sections(inst):
        group(f"{sec.number}. {sec.title}")
        question(TYPES["array"], sec.key,
                 f"Thinking about the {period}, how much do you agree with each statement?")
        qid = ids["Q"]
        for it in sec.items:  # subquestions share the question id space: ids of their own
            ids["Q"] += 1
            row("SQ", id=ids["Q"], type_scale="0", name=it.id, relevance="1", text=it.text(form),
                language=LANGUAGE, mandatory="N")
        for code, label in answers:
            row("A", id=qid, type_scale="0", name=str(code), relevance=str(code), text=label,
                language=LANGUAGE)
    return write_delimited(COLUMNS, ([r[c] for c in COLUMNS] for r in rows), delimiter="\t",
                           bom=True)
