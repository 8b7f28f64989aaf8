"""``--format html``: the printable paper form, one self-contained HTML file.

A4 pages (``@page { size: A4 }``); each form starts with a page holding the participant
information, a box signposting support and a box for team (a box to tick per listed team when
a team list is given), role and months in role; then each
section on a page of its own: a table of statements with one circle per answer code (the
scoring codes, 9 for don't-know on the colleague form) and the item id under each statement for
data entry. No script, no external resources. Rendered from the Jinja2 template
``reports/templates/paper_form.html`` through the shared environment (:mod:`copro_scale.render`,
autoescape on).
"""

from __future__ import annotations

from .. import __version__
from ..instrument import Instrument
from ..render import render_template
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

TEMPLATE = "paper_form.html"


def paper_context(inst: Instrument, forms: list[str], teams: list[str] | None = None) -> dict:
    """Everything the paper form template shows, as plain data.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> ctx = paper_context(load_instrument(), ["colleague"])
    >>> ctx["forms"][0]["choices"][-1], len(ctx["forms"][0]["sections"])
    ((9, "Don't know / haven't seen"), 3)
    """
    rf = inst.respondent_fields
    period = inst.recall_period.removeprefix("in the ")
    return {
        "title": inst.title if len(forms) > 1 else survey_title(inst, forms[0]),
        "short_title": inst.short_title, "version": inst.version,
        "package_version": __version__.split("+")[0],
        "info_title": INFO_TITLE, "support_title": SUPPORT_TITLE, "support": SUPPORT_TEXT,
        "team_label": rf["team"]["label"], "role_label": rf["role"]["label"],
        "teams": list(teams or []),
        "months_label": rf["months_in_role"]["label"],
        "dont_know_label": inst.dont_know.label,
        "forms": [{
            "id": form, "title": survey_title(inst, form), "form_title": inst.forms[form].title,
            "info": participant_information(inst, form), "roles": role_choices(inst, form),
            "choices": choices(inst, form), "dont_know": inst.forms[form].dont_know,
            "prompt": f"Thinking about the {period}, how much do you agree with each statement?",
            "sections": [{"key": s.key, "number": s.number, "title": s.title,
                          "statements": [{"id": it.id, "text": it.text(form)} for it in s.items]}
                         for s in sections(inst)],
        } for form in forms],
    }


def export_paper(inst: Instrument, forms: list[str], teams: list[str] | None = None) -> str:
    """The printable paper form (HTML) of the given forms.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> html = export_paper(load_instrument(), ["psw"])
    >>> html.startswith("<!DOCTYPE html>"), html.count('class="page"')
    (True, 4)
    """
    return render_template(TEMPLATE, **paper_context(inst, forms, teams))
