"""Administer the questionnaire: export an instrument to the survey platforms teams use.

:func:`export_instrument` is the one entry point (``copro instrument export``). Each format
lives in its own module; :data:`FORMATS` lists them with whether one file can hold both forms.
Where it cannot (platform variable names are the item ids, which must be unique in a survey),
the default form is ``psw`` and the colleague form is a second export. Every export is
deterministic: no dates, no random ids, so a rerun is byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CoproError
from ..instrument import Instrument
from ..responses.teams import read_team_list
from ._layout import forms_for
from .forms_sheet import export_forms_sheet
from .json import export_json
from .limesurvey import export_limesurvey
from .markdown import export_markdown
from .paper import export_paper
from .qsf import export_qsf
from .qualtrics_txt import export_qualtrics_txt
from .redcap import export_redcap
from .surveyjs import export_surveyjs


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its writer, whether one file holds both forms, and a file suffix."""

    name: str
    write: Callable
    both_forms: bool
    suffix: str
    description: str


def _one(fn):
    """Adapt a one-form writer ``fn(inst, form, teams)`` to the ``(inst, forms, teams)`` call."""
    return lambda inst, forms, teams: fn(inst, forms[0], teams)


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("redcap", _one(export_redcap), False, ".csv", "REDCap data dictionary (CSV)"),
    ExportFormat("qualtrics", _one(export_qualtrics_txt), False, ".txt",
                 "Qualtrics Advanced Format TXT"),
    ExportFormat("qsf", _one(export_qsf), False, ".qsf", "Qualtrics survey file (QSF JSON)"),
    ExportFormat("limesurvey", _one(export_limesurvey), False, ".txt",
                 "LimeSurvey tab-separated survey structure"),
    ExportFormat("surveyjs", _one(export_surveyjs), False, ".json", "SurveyJS survey JSON"),
    ExportFormat("forms-sheet", export_forms_sheet, True, ".csv",
                 "build sheet for Microsoft Forms and Google Forms (CSV)"),
    ExportFormat("html", export_paper, True, ".html", "printable A4 paper form (HTML)"),
    ExportFormat("markdown", export_markdown, True, ".md", "Markdown rendering"),
    ExportFormat("json", None, True, ".json", "the instrument as JSON"),
)}


def team_names(teams) -> list[str] | None:
    """The team names to offer as choices: from a TeamList, a team-list CSV path, or a list.

    Examples
    --------
    >>> team_names(["Ward A", "Ward B"]), team_names(None)
    (['Ward A', 'Ward B'], None)
    """
    if teams is None:
        return None
    if isinstance(teams, (list, tuple)):
        return [str(t) for t in teams]
    return list(read_team_list(teams).teams)


def export_instrument(inst: Instrument, format: str, form: str | None = None, *,
                      teams=None) -> str:
    """Export an instrument in a survey platform's format.

    Parameters
    ----------
    inst : Instrument
    format : str
        A key of :data:`FORMATS`: ``redcap``, ``qualtrics``, ``qsf``, ``limesurvey``,
        ``surveyjs``, ``forms-sheet``, ``html``, ``markdown`` or ``json``.
    form : {"psw", "colleague"}, optional
        The form to export. When None: both forms for formats that hold both
        (``forms-sheet``, ``html``, ``markdown``, ``json``), else ``psw``.
    teams : TeamList, path or list of str, optional
        Offer the team as a choice of these teams (REDCap and Qualtrics drop-downs coded 1..n,
        LimeSurvey drop-down coded T1..Tn, SurveyJS drop-down, a choice in the forms sheet, a
        box per team on paper) instead of free text, so that a typo cannot split a team.
        Score the responses with the same list (``--teams``) to read the codes back.

    Returns
    -------
    str
        The file's text (UTF-8 when written; LimeSurvey's starts with a byte order mark).

    Raises
    ------
    CoproError
        For an unknown format or form.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> export_instrument(inst, "redcap").splitlines()[0].split(",")[0]
    'Variable / Field Name'
    >>> export_instrument(inst, "redcap") == export_instrument(inst, "redcap", form="psw")
    True
    """
    fmt = FORMATS.get(format)
    if fmt is None:
        raise CoproError(f"unknown export format {format!r}; expected one of {list(FORMATS)}",
                         field="--format")
    if fmt.name == "json":  # the instrument as data (Instrument.to_dict); --form filters items
        forms_for(inst, form, both=True)
        return export_json(inst, form)
    return fmt.write(inst, forms_for(inst, form, both=fmt.both_forms), team_names(teams))


def write_exports(inst: Instrument, out: str | Path) -> dict[str, Path]:
    """Write every format into ``out`` (replaced whole): one file per form where a format holds one form.

    Files are named ``<form or both>-<format><suffix>``, e.g. ``colleague-redcap.csv`` or
    ``both-html.html``.

    Returns
    -------
    dict
        ``"<format>:<form or both>"`` -> path written.

    Examples
    --------
    >>> import tempfile
    >>> from copro_scale import load_instrument
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = write_exports(load_instrument(), d)
    >>> len(paths), paths["redcap:colleague"].name
    (14, 'colleague-redcap.csv')
    """
    from ..outputs import write_folder

    return write_folder(out, "instrument export", lambda d: _write_exports(inst, d))


def _write_exports(inst: Instrument, out: Path) -> dict[str, Path]:
    written: dict[str, Path] = {}
    for fmt in FORMATS.values():
        for form in ([None] if fmt.both_forms else list(inst.forms)):
            label = form or "both"
            path = out / f"{label}-{fmt.name}{fmt.suffix}"
            path.write_bytes(export_instrument(inst, fmt.name, form=form).encode("utf-8"))
            written[f"{fmt.name}:{label}"] = path
    return written


__all__ = ["FORMATS", "ExportFormat", "export_instrument", "write_exports"]
