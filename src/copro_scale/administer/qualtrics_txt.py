"""``--format qualtrics``: a Qualtrics Advanced Format TXT survey for one form.

Layout: ``[[AdvancedFormat]]``; a block "About this questionnaire" with the participant
information and the support box (descriptive text, ``[[Question:DB]]``); a block "About you"
with ``team`` (single-line text entry), ``role`` (multiple choice, recode values 1..k in the
order of the instrument's roles, see :func:`role_recodes`) and ``months_in_role``; then one
block per section holding one Likert matrix (``[[Question:Matrix]]``) whose statements are the
section's items (``[[Choice:n]]``, n = position in the section) and whose scale points carry
the scoring codes as recode values (``[[Answer:1]]`` ... ``[[Answer:5]]``, ``[[Answer:9]]`` for
don't-know on the colleague form). Question tags (``[[ID:...]]``) are the respondent field
names and the section keys, so a response export has the columns ``team``, ``role``,
``months_in_role`` and ``<section>_<n>``; :func:`~copro_scale.platforms.qualtrics.response_columns`
maps them to item ids.

The Advanced TXT format cannot set a matrix statement's own export tag, so the columns cannot be
the bare item ids here; the QSF export (:mod:`.qsf`) can, through ``ChoiceDataExportTags``.
"""

from __future__ import annotations

from ..instrument import Instrument
from ..platforms.qualtrics import role_recodes, team_recodes
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
from ._text import html_paragraphs


def export_qualtrics_txt(inst: Instrument, form: str, teams: list[str] | None = None) -> str:
    """The Qualtrics Advanced Format TXT of one form.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> txt = export_qualtrics_txt(load_instrument(), "colleague")
    >>> txt.splitlines()[0], txt.count("[[Question:Matrix]]"), "[[Answer:9]]" in txt
    ('[[AdvancedFormat]]', 3, True)
    """
    rf = inst.respondent_fields
    out = ["[[AdvancedFormat]]", "", f"[[Block:{INFO_TITLE}]]", "",
           "[[Question:DB]]", "[[ID:info]]",
           f"<h2>{survey_title(inst, form)}</h2>"
           + html_paragraphs(participant_information(inst, form)), "",
           "[[Question:DB]]", "[[ID:support]]",
           f"<h3>{SUPPORT_TITLE}</h3>" + html_paragraphs(SUPPORT_TEXT), "",
           "[[Block:About you]]", "",
           ]
    if teams:  # a drop-down list; recode k = the k-th team of the list
        out += ["[[Question:MC:Dropdown]]", "[[ID:team]]", rf["team"]["label"], "[[AdvancedChoices]]"]
        for t, k in team_recodes(teams).items():
            out += [f"[[Choice:{k}]]", t]
        out.append("")
    else:
        out += ["[[Question:TextEntry:SingleLine]]", "[[ID:team]]", rf["team"]["label"], ""]
    out += ["[[Question:MC:SingleAnswer:Vertical]]", "[[ID:role]]", rf["role"]["label"],
            "[[AdvancedChoices]]"]
    recode = role_recodes(inst)
    for code, label in role_choices(inst, form):
        out += [f"[[Choice:{recode[code]}]]", label]
    out += ["", "[[Question:TextEntry:SingleLine]]", "[[ID:months_in_role]]",
            rf["months_in_role"]["label"], ""]
    answers = choices(inst, form)
    period = inst.recall_period.removeprefix("in the ")
    for sec in sections(inst):
        out += [f"[[Block:{sec.number}. {sec.title}]]", "", "[[Question:Matrix]]",
                f"[[ID:{sec.key}]]",
                f"Thinking about the {period}, how much do you agree with each statement?",
                "[[AdvancedChoices]]"]
        for n, it in enumerate(sec.items, start=1):
            out += [f"[[Choice:{n}]]", it.text(form)]
        out.append("[[AdvancedAnswers]]")
        for code, label in answers:
            out += [f"[[Answer:{code}]]", label]
        out.append("")
    return "\n".join(out)
