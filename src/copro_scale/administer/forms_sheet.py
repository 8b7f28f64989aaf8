"""``--format forms-sheet``: a build sheet for Microsoft Forms and Google Forms (CSV).

Neither product imports a questionnaire file, so this is the sheet a person builds the form
from, row by row, copying text. Columns: ``form, page, kind, text, options``. ``kind`` is one of
``title``, ``description``, ``support``, ``short_answer``, ``number``, ``choice``, ``likert``
(the section's Likert question in Microsoft Forms, a "multiple choice grid" in Google Forms) and
``statement`` (a row of that Likert question). Options are written ``1 - Strongly disagree``,
so that the label text the products export carries its code, and are joined by `` | ``.

The products head a response column by the statement text alone (Microsoft) or by
``Question [statement]`` (Google), so each statement text is unique within its form; the
scoring reader matches headers by these texts.
"""

from __future__ import annotations

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
from ._text import write_delimited

COLUMNS: tuple[str, ...] = ("form", "page", "kind", "text", "options")
OPTION_SEPARATOR = " | "


def option_text(code: int, label: str) -> str:
    """An answer option as the sheet writes it.

    Examples
    --------
    >>> option_text(1, "Strongly disagree")
    '1 - Strongly disagree'
    """
    return f"{code} - {label}"


def export_forms_sheet(inst: Instrument, forms: list[str], teams: list[str] | None = None) -> str:
    """The build sheet for the given forms, as CSV text.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> sheet = export_forms_sheet(load_instrument(), ["psw"])
    >>> sheet.splitlines()[0], sheet.count(",statement,")
    ('form,page,kind,text,options', 36)
    """
    rf = inst.respondent_fields
    rows: list[tuple[str, str, str, str, str]] = []
    for form in forms:
        period = inst.recall_period.removeprefix("in the ")
        rows.append((form, INFO_TITLE, "title", survey_title(inst, form), ""))
        info = "\n\n".join(participant_information(inst, form))
        rows.append((form, INFO_TITLE, "description", info, ""))
        rows.append((form, INFO_TITLE, "support", "\n\n".join((SUPPORT_TITLE, *SUPPORT_TEXT)), ""))
        rows.append((form, "About you", "choice", rf["team"]["label"],
                     OPTION_SEPARATOR.join(teams)) if teams else
                    (form, "About you", "short_answer", rf["team"]["label"], ""))
        rows.append((form, "About you", "choice", rf["role"]["label"],
                     OPTION_SEPARATOR.join(label for _, label in role_choices(inst, form))))
        rows.append((form, "About you", "number", rf["months_in_role"]["label"], ""))
        opts = OPTION_SEPARATOR.join(option_text(c, label) for c, label in choices(inst, form))
        for sec in sections(inst):
            page = f"{sec.number}. {sec.title}"
            rows.append((form, page, "likert",
                         f"Thinking about the {period}, how much do you agree with each statement?",
                         opts))
            rows += [(form, page, "statement", it.text(form), "") for it in sec.items]
    return write_delimited(COLUMNS, rows)
