"""``--format markdown``: the questionnaire as a Markdown document, one part per form."""

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


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def export_markdown(inst: Instrument, forms: list[str], teams: list[str] | None = None) -> str:
    """The forms as Markdown: information, support, respondent questions, one table per section.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> md = export_markdown(load_instrument(), ["psw"])
    >>> md.splitlines()[0]
    '# Power in Co-production with Peer Support Workers - Peer support worker form'
    >>> md.count("| vdm1 |")
    1
    """
    out: list[str] = []
    for form in forms:
        out += [f"# {survey_title(inst, form)}", "", f"## {INFO_TITLE}", ""]
        for para in participant_information(inst, form):
            out += [para, ""]
        out += [f"> **{SUPPORT_TITLE}**", ">"]
        for i, para in enumerate(SUPPORT_TEXT):
            out += [f"> {para}"] + ([">"] if i < len(SUPPORT_TEXT) - 1 else [])
        out += ["", "## About you", ""]
        rf = inst.respondent_fields
        if teams:
            out += [f"1. {rf['team']['label']} (tick one)", ""]
            out += [f"   - [ ] {_cell(t)}" for t in teams] + [""]
        else:
            out += [f"1. {rf['team']['label']} ______________________", ""]
        out += [f"2. {rf['role']['label']} (tick one)", ""]
        out += [f"   - [ ] {label}" for _, label in role_choices(inst, form)]
        out += ["", f"3. {rf['months_in_role']['label']} ______", ""]
        codes = choices(inst, form)
        key = "; ".join(f"{c} = {label}" for c, label in codes)
        for sec in sections(inst):
            out += [f"## {sec.number}. {sec.title}", "",
                    (f"Thinking about the {inst.recall_period.removeprefix('in the ')}, how much do "
                    f"you agree? Answer codes: {key}."), ""]
            out += ["| id | statement | " + " | ".join(str(c) for c, _ in codes) + " |",
                    "|---|---|" + "---|" * len(codes)]
            out += [f"| {it.id} | {_cell(it.text(form))} |" + " [ ] |" * len(codes)
                    for it in sec.items]
            out.append("")
        out += ["Thank you for taking part.", ""]
    return "\n".join(out)
