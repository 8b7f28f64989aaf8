"""``--format redcap``: a REDCap data dictionary (CSV) for one form.

The dictionary has REDCap's 18 columns in their order (:data:`COLUMNS`). Fields, in order:
``record_id`` (text, first, as REDCap requires), ``participant_info`` and ``support_info``
(descriptive), ``team`` (text), ``role`` (radio; raw codes are the instrument's role codes),
``months_in_role`` (integer 0-600), then one radio field per item named by its item id, with
choices ``1, Strongly disagree | ... | 5, Strongly agree`` (plus ``9, Don't know / haven't
seen`` on the colleague form), grouped into one matrix group per
section (the group's section header carries the section title). A REDCap record export of this
project therefore has the columns ``record_id, team, role, months_in_role, <item ids>,
<form name>_complete`` with the raw codes the scoring reader expects.

One dictionary holds one form: item ids are field names, and REDCap field names are unique in a
project, so the two forms are two projects (or two exports). The default form is ``psw``.
"""

from __future__ import annotations

from ..instrument import Instrument
from ..platforms.redcap import RECORD_ID, choice_string, form_name, team_recodes
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

#: REDCap's data dictionary columns, in the order REDCap requires.
COLUMNS: tuple[str, ...] = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
    "Identifier?", "Branching Logic (Show field only if...)", "Required Field?",
    "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name", "Matrix Ranking?",
    "Field Annotation",
)


def export_redcap(inst: Instrument, form: str, teams: list[str] | None = None) -> str:
    """The REDCap data dictionary of one form, as CSV text.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> lines = export_redcap(load_instrument(), "psw").splitlines()
    >>> lines[1].split(",")[:4]
    ['record_id', 'psw_form', '', 'text']
    """
    fn = form_name(form)
    rf = inst.respondent_fields
    rows: list[dict[str, str]] = []

    def field(name, ftype, label, **kw):
        row = dict.fromkeys(COLUMNS, "")
        row.update({"Variable / Field Name": name, "Form Name": fn, "Field Type": ftype,
                    "Field Label": label})
        row.update({COLUMN_KEYS[k]: v for k, v in kw.items()})
        rows.append(row)

    field(RECORD_ID, "text", "Record ID")
    field("participant_info", "descriptive",
          f"<h3>{survey_title(inst, form)}</h3>"
          + html_paragraphs(participant_information(inst, form)),
          section=INFO_TITLE)
    field("support_info", "descriptive",
          f"<b>{SUPPORT_TITLE}</b>" + html_paragraphs(SUPPORT_TEXT))
    if teams:  # a drop-down list; raw code k = the k-th team of the list
        field("team", "dropdown", rf["team"]["label"], section="About you", required="y",
              choices=choice_string((k, t) for t, k in team_recodes(teams).items()))
    else:
        field("team", "text", rf["team"]["label"], section="About you", required="y")
    roles = role_choices(inst, form)
    field("role", "radio", rf["role"]["label"], choices=choice_string(roles), required="y",
          annotation=f"@DEFAULT='{roles[0][0]}' @READONLY" if len(roles) == 1 else "")
    mr = rf["months_in_role"]
    field("months_in_role", "text", mr["label"], validation="integer",
          vmin=str(mr.get("min", "")), vmax=str(mr.get("max", "")))
    codes = choice_string(choices(inst, form))
    for sec in sections(inst):
        for k, it in enumerate(sec.items):
            field(it.id, "radio", it.text(form), choices=codes, matrix=sec.key,
                  section=(f"{sec.number}. {sec.title}: thinking about the "
                           f"{inst.recall_period.removeprefix('in the ')}, how much do you agree?"
                           if k == 0 else ""))
    return write_delimited(COLUMNS, ([r[c] for c in COLUMNS] for r in rows),
                           keep=["Field Annotation"])  # action tags (@DEFAULT...) are the feature


COLUMN_KEYS = {
    "section": "Section Header", "choices": "Choices, Calculations, OR Slider Labels",
    "validation": "Text Validation Type OR Show Slider Number", "vmin": "Text Validation Min",
    "vmax": "Text Validation Max", "required": "Required Field?", "matrix": "Matrix Group Name",
    "annotation": "Field Annotation",
}
