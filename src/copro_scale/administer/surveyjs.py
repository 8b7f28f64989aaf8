"""``--format surveyjs``: a SurveyJS survey JSON for one form.

Pages: "About this questionnaire" (two ``html`` elements: participant information and the
support box), "About you" (``team`` text, ``role`` radiogroup whose values are the role codes,
``months_in_role`` text with ``inputType`` number), then one page per section holding one
single-select ``matrix`` named by the section key, whose ``rows`` values are the item ids and
whose ``columns`` values are the scoring codes (9 = don't-know on the colleague form).

SurveyJS stores a response as ``{"team": ..., "role": ..., "months_in_role": ...,
"voice": {"vdm1": 4, ...}, ...}``; :mod:`copro_scale.responses.surveyjs` reads a JSON array of
such objects.
"""

from __future__ import annotations

import json as _json

from ..instrument import Instrument
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


def survey_dict(inst: Instrument, form: str, teams: list[str] | None = None) -> dict:
    """The SurveyJS survey definition of one form, as a dict.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> d = survey_dict(load_instrument(), "psw")
    >>> [p["name"] for p in d["pages"]]
    ['about', 'you', 'voice', 'experience', 'identity']
    """
    rf = inst.respondent_fields
    roles = role_choices(inst, form)
    mr = rf["months_in_role"]
    role_q = {"type": "radiogroup", "name": "role", "title": rf["role"]["label"],
              "isRequired": True, "choices": [{"value": c, "text": t} for c, t in roles]}
    if len(roles) == 1:
        role_q["defaultValue"] = roles[0][0]
    period = inst.recall_period.removeprefix("in the ")
    pages = [
        {"name": "about", "title": INFO_TITLE, "elements": [
            {"type": "html", "name": "info",
             "html": html_paragraphs(participant_information(inst, form))},
            {"type": "html", "name": "support",
             "html": f"<h3>{SUPPORT_TITLE}</h3>" + html_paragraphs(SUPPORT_TEXT)}]},
        {"name": "you", "title": "About you", "elements": [
            {"type": "dropdown", "name": "team", "title": rf["team"]["label"], "isRequired": True,
             "choices": list(teams)} if teams else
            {"type": "text", "name": "team", "title": rf["team"]["label"], "isRequired": True},
            role_q,
            {"type": "text", "name": "months_in_role", "title": mr["label"], "inputType": "number",
             "min": mr.get("min", 0), "max": mr.get("max", 600)}]},
    ]
    cols = [{"value": code, "text": label} for code, label in choices(inst, form)]
    for sec in sections(inst):
        pages.append({"name": sec.key, "title": f"{sec.number}. {sec.title}", "elements": [{
            "type": "matrix", "name": sec.key,
            "title": f"Thinking about the {period}, how much do you agree with each statement?",
            "columns": cols,
            "rows": [{"value": it.id, "text": it.text(form)} for it in sec.items],
        }]})
    return {"title": survey_title(inst, form), "showProgressBar": "top",
            "completedHtml": "<p>Thank you for taking part.</p>", "pages": pages}


def export_surveyjs(inst: Instrument, form: str, teams: list[str] | None = None) -> str:
    """The SurveyJS survey JSON of one form, as text.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> export_surveyjs(load_instrument(), "psw").startswith('{\\n  "title"')
    True
    """
    return _json.dumps(survey_dict(inst, form, teams), indent=2, ensure_ascii=False) + "\n"
