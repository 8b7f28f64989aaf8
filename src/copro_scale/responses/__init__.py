"""Read survey platform exports into validated, accounted-for responses.

:func:`read_responses` is the entry point: it detects the format (or takes the one given), lets
that format's reader find its columns, and hands the raw table to the shared normalisation step
(:func:`~copro_scale.responses.normalise.finish`), which checks every value and accounts for
every row. Readers live one per module and are registered in :mod:`.registry`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import CoproError
from ..instrument import Instrument, load_instrument
from .mapped import load_mapping
from .model import EXCLUSION_COLUMNS, FLAG_COLUMNS, META_COLUMNS, REASONS, Responses
from .normalise import finish
from .registry import READERS, choose
from .streams import as_read_from, is_stream, spooled
from .tables import read_head
from .teams import TeamList, read_team_list

__all__ = [
    "EXCLUSION_COLUMNS",
    "FLAG_COLUMNS",
    "META_COLUMNS",
    "READERS",
    "REASONS",
    "Responses",
    "TeamList",
    "read_responses",
    "read_team_list",
]


def read_responses(path, instrument: Instrument | str | Path | None = None, format: str = "auto",
                   mapping=None, *, encoding: str | None = None, sheet=None, ids: str = "keep",
                   salt: str | None = None, drop_flagged: bool = False, teams=None,
                   team_codes: bool = False, wave: str | None = None,
                   wave_column: str | None = None) -> Responses:
    """Read a response export, validate it and account for every row.

    Parameters
    ----------
    path : str, Path or DataFrame
        The export file (CSV, xlsx or .sav), or a DataFrame already in canonical form. ``-``
        (standard input) and a named pipe are read once, into a temporary copy.
    instrument : Instrument or path, optional
        The instrument the responses answer (default: the packaged one).
    format : {"auto", "canonical", "qualtrics", "redcap", "limesurvey", "surveyjs", "forms", "spss", "mapped"}
        The reader; ``auto`` detects it from the file. ``sav`` is accepted for ``spss``.
    mapping : dict or path, optional
        A column map (YAML file or dict) for the ``mapped`` reader; implies ``format="mapped"``.
        Without ``columns``, its ``labels`` and ``roles`` are added to the detected reader's.
    encoding : str, optional
        Text encoding of a CSV (default UTF-8, with or without BOM; UTF-16 with BOM).
    sheet : str or int, optional
        Worksheet of an xlsx file (default the first).
    ids : {"keep", "hash", "sequence"}
        Keep response ids, replace them by a salted hash, or number them ``r1, r2, ...``.
    salt : str, optional
        Salt for ``ids="hash"``.
    drop_flagged : bool
        Exclude careless (flagged) responses instead of only marking them.
    teams : TeamList or path, optional
        A team list (:func:`read_team_list`): names are matched to it (aliases, case, spacing,
        punctuation) and names it does not hold are excluded as ``unknown_team``. Without one,
        spelling variants are merged and near-duplicates listed in ``warnings``.
    team_codes : bool
        The team cells are the answer codes of a team question offered as a choice of the team
        list (``copro instrument export --teams``): REDCap's and Qualtrics' ``1..n`` are read as
        positions in the list. Without it, a number is matched as a team name only (a number
        typed into a free-text question is not a position). LimeSurvey's ``T1..Tn`` codes are
        read either way.
    wave : str, optional
        Read only the rows of this wave (the others are excluded as ``other_wave``). A file
        whose rows answer the form in more than one wave needs it.
    wave_column : str, optional
        The column naming each row's wave (default: ``redcap_event_name`` in a REDCap export).

    Returns
    -------
    Responses
        ``data`` (canonical table), ``exclusions`` (source_row, response_id, reason, detail),
        ``flags``, ``n_read`` (= kept + excluded), ``warnings`` and ``team_list``.

    Raises
    ------
    CoproError
        For a file that cannot be read as responses to this instrument, naming file, row and
        column.

    Examples
    --------
    >>> import tempfile, os
    >>> from copro_scale.simulate import simulate
    >>> p = os.path.join(tempfile.mkdtemp(), "responses.csv")
    >>> simulate(3, 8, seed=1).responses.to_csv(p, index=False)
    >>> r = read_responses(p)
    >>> r.format, r.n_read, len(r.data)
    ('canonical', 24, 24)
    """
    options = {"ids": ids, "salt": salt, "drop_flagged": drop_flagged, "teams": teams,
               "team_codes": team_codes, "wave": wave}
    return _read(path, instrument, format, mapping, encoding=encoding, sheet=sheet,
                 wave_column=wave_column, finishes=[options])[0]


def read_with_and_without_teams(path, instrument: Instrument | str | Path | None = None,
                                format: str = "auto", mapping=None, *, teams,
                                team_codes: bool = False, encoding: str | None = None, sheet=None,
                                wave_column: str | None = None) -> tuple[Responses, Responses]:
    """The export read once and validated twice: with the team list ``teams``, and as the file
    reads alone (each as :func:`read_responses` gives it), to check that the list leaves the
    file's teams as they are. A stream (``-``, a named pipe) is read once."""
    with_list = {"teams": teams, "team_codes": team_codes}
    return tuple(_read(path, instrument, format, mapping, encoding=encoding, sheet=sheet,
                       wave_column=wave_column, finishes=[with_list, {}]))


def _read(path, instrument, format, mapping, *, encoding, sheet, wave_column,
          finishes: list[dict]) -> list[Responses]:
    """``path`` read once, and its raw table validated once per options of ``finishes``
    (:func:`~.normalise.finish`'s ``ids``, ``salt``, ``drop_flagged``, ``teams``,
    ``team_codes``, ``wave``)."""
    if not isinstance(path, pd.DataFrame) and is_stream(path):
        with spooled(path) as (copy, digest):  # a FIFO or stdin can be read once: copied, then read
            try:
                read = _read(copy, instrument, format, mapping, encoding=encoding, sheet=sheet,
                             wave_column=wave_column, finishes=finishes)
            except CoproError as exc:
                raise CoproError(exc.message.replace(str(copy), str(path)), file=path,
                                 row=exc.row, column=exc.column, item=exc.item,
                                 field=exc.field) from None
            return [as_read_from(r, path, copy, digest) for r in read]
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    if isinstance(path, pd.DataFrame):
        raw = path.copy()
        if "_row" not in raw:
            raw["_row"] = range(2, len(raw) + 2)
        return [finish(raw.copy(), inst, source="<DataFrame>", format="canonical",
                       **{k: v for k, v in options.items() if k != "wave"}) for options in finishes]
    if mapping is not None:
        mapping = load_mapping(mapping, inst)  # checked before the file is opened
    head = read_head(path, encoding, sheet=sheet)
    choice = choose(head, inst, format, mapping)
    reader = choice.reader
    raw = reader.read(path, inst, head, mapping=choice.mapping, encoding=encoding, sheet=sheet,
                      wave_column=wave_column)
    if wave_column is not None and "_wave" not in raw.frame:
        raise CoproError(f"--wave-column is not read for {reader.NAME} files; export one wave "
                         "per file", file=path)
    if raw.frame.empty:
        raise CoproError("has a header but no responses: nothing to score; export the responses "
                         "again (with the responses recorded so far)", file=path, row=2)
    found = choice.options(raw)
    return [finish(raw.frame if k == len(finishes) - 1 else raw.frame.copy(), inst,
                   source=str(path), format=reader.NAME, teams_encoding=encoding, **found,
                   **options) for k, options in enumerate(finishes)]
