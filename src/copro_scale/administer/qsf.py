"""``--format qsf``: a Qualtrics survey file (QSF JSON) for one form.

A QSF is ``{"SurveyEntry": {...}, "SurveyElements": [...]}``. Elements: ``BL`` (the blocks and
the questions in each), ``FL`` (the survey flow: the blocks in order) and one ``SQ`` per
question. The respondent questions carry the data export tags ``team``, ``role`` (multiple
choice, recode values from :func:`.qualtrics_txt.role_recodes`) and ``months_in_role``; each
section is a Likert matrix (``QuestionType`` Matrix, ``Selector`` Likert, ``SubSelector``
SingleAnswer) whose ``ChoiceDataExportTags`` are the item ids, so a response export has one
column per item id, and whose ``RecodeValues`` are the scoring codes (9 = don't-know).
Dates are fixed placeholders, so a rerun is byte-identical.
"""

from __future__ import annotations

import json as _json

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

NO_DATE = "0000-00-00 00:00:00"


def _question(survey_id: str, qid: str, tag: str, text: str, payload: dict) -> dict:
    base = {"QuestionText": text, "DataExportTag": tag, "QuestionDescription": tag,
            "Configuration": {"QuestionDescriptionOption": "UseText"},
            "Validation": {"Settings": {"Type": "None"}}, "Language": [], "QuestionID": qid,
            "DataVisibility": {"Private": False, "Hidden": False}}
    base.update(payload)
    return {"SurveyID": survey_id, "Element": "SQ", "PrimaryAttribute": qid,
            "SecondaryAttribute": tag, "TertiaryAttribute": None, "Payload": base}


def _numbered(labels) -> tuple[dict, list[int]]:
    """Qualtrics choices keyed "1", "2", ... and their order."""
    return ({str(k): {"Display": t} for k, t in enumerate(labels, 1)},
            list(range(1, len(labels) + 1)))


def qsf_dict(inst: Instrument, form: str, teams: list[str] | None = None) -> dict:
    """The QSF of one form, as a dict.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> d = qsf_dict(load_instrument(), "psw")
    >>> [e["Element"] for e in d["SurveyElements"]][:3]
    ['BL', 'FL', 'SQ']
    """
    sid = f"SV_{inst.name.replace('-', '')}{form}"[:18]
    rf = inst.respondent_fields
    questions: list[dict] = []
    blocks: list[tuple[str, list[str]]] = []

    def add(tag, text, payload):
        qid = f"QID{len(questions) + 1}"
        questions.append(_question(sid, qid, tag, text, payload))
        blocks[-1][1].append(qid)

    blocks.append((INFO_TITLE, []))
    info = html_paragraphs(participant_information(inst, form))
    add("info", f"<h2>{survey_title(inst, form)}</h2>" + info,
        {"QuestionType": "DB", "Selector": "TB"})
    add("support", f"<h3>{SUPPORT_TITLE}</h3>" + html_paragraphs(SUPPORT_TEXT),
        {"QuestionType": "DB", "Selector": "TB"})
    blocks.append(("About you", []))
    if teams:  # a drop-down list; recode k = the k-th team of the list
        codes = team_recodes(teams)
        add("team", rf["team"]["label"], {
            "QuestionType": "MC", "Selector": "DL", "SubSelector": "TX",
            "Choices": {str(codes[t]): {"Display": t} for t in teams},
            "ChoiceOrder": [codes[t] for t in teams],
            "RecodeValues": {str(codes[t]): str(codes[t]) for t in teams},
            "Validation": {"Settings": {"ForceResponse": "ON", "Type": "None"}}})
    else:
        add("team", rf["team"]["label"], {"QuestionType": "TE", "Selector": "SL",
                                          "Validation": {"Settings": {"ForceResponse": "ON",
                                                                      "Type": "None"}}})
    recode = role_recodes(inst)
    roles = role_choices(inst, form)
    add("role", rf["role"]["label"], {
        "QuestionType": "MC", "Selector": "SAVR", "SubSelector": "TX",
        "Choices": {str(recode[c]): {"Display": t} for c, t in roles},
        "ChoiceOrder": [recode[c] for c, _ in roles],
        "RecodeValues": {str(recode[c]): str(recode[c]) for c, _ in roles},
        "Validation": {"Settings": {"ForceResponse": "ON", "Type": "None"}}})
    mr = rf["months_in_role"]
    add("months_in_role", mr["label"], {
        "QuestionType": "TE", "Selector": "SL",
        "Validation": {"Settings": {"ContentType": "ValidNumber", "Type": "ContentType",
                                    "ValidDecimals": 0, "ValidNumber": {
                                        "Min": str(mr.get("min", 0)),
                                        "Max": str(mr.get("max", 600)), "NumDecimals": "0"}}}})
    answers = choices(inst, form)
    ans, ans_order = _numbered([label for _, label in answers])
    period = inst.recall_period.removeprefix("in the ")
    for sec in sections(inst):
        blocks.append((f"{sec.number}. {sec.title}", []))
        stmts, order = _numbered([it.text(form) for it in sec.items])
        add(sec.key, f"Thinking about the {period}, how much do you agree with each statement?", {
            "QuestionType": "Matrix", "Selector": "Likert", "SubSelector": "SingleAnswer",
            "Choices": stmts, "ChoiceOrder": order, "Answers": ans, "AnswerOrder": ans_order,
            "RecodeValues": {str(k): str(code) for k, (code, _) in enumerate(answers, 1)},
            "ChoiceDataExportTags": {str(k): it.id for k, it in enumerate(sec.items, 1)},
        })
    bl = {"SurveyID": sid, "Element": "BL", "PrimaryAttribute": "Survey Blocks",
          "SecondaryAttribute": None, "TertiaryAttribute": None,
          "Payload": [{"Type": "Default" if i == 0 else "Standard", "Description": name,
                       "ID": f"BL_{i + 1}",
                       "BlockElements": [{"Type": "Question", "QuestionID": q} for q in qids]}
                      for i, (name, qids) in enumerate(blocks)]}
    fl = {"SurveyID": sid, "Element": "FL", "PrimaryAttribute": "Survey Flow",
          "SecondaryAttribute": None, "TertiaryAttribute": None,
          "Payload": {"Type": "Root", "FlowID": "FL_1",
                      "Flow": [{"Type": "Block" if i else "Standard", "ID": f"BL_{i + 1}",
                                "FlowID": f"FL_{i + 2}"} for i in range(len(blocks))],
                      "Properties": {"Count": len(blocks) + 1}}}
    entry = {"SurveyID": sid, "SurveyName": survey_title(inst, form),
             "SurveyDescription": None, "SurveyOwnerID": "", "SurveyBrandID": "",
             "DivisionID": None, "SurveyLanguage": "EN", "SurveyActiveResponseSet": "",
             "SurveyStatus": "Inactive", "SurveyStartDate": NO_DATE,
             "SurveyExpirationDate": NO_DATE, "SurveyCreationDate": NO_DATE, "CreatorID": "",
             "LastModified": NO_DATE, "LastAccessed": NO_DATE, "LastActivated": NO_DATE,
             "Deleted": None}
    return {"SurveyEntry": entry, "SurveyElements": [bl, fl, *questions]}


def export_qsf(inst: Instrument, form: str, teams: list[str] | None = None) -> str:
    """The QSF of one form, as JSON text.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> export_qsf(load_instrument(), "psw").startswith('{\\n  "SurveyEntry"')
    True
    """
    return _json.dumps(qsf_dict(inst, form, teams), indent=2, ensure_ascii=False) + "\n"
