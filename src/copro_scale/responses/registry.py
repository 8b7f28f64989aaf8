"""The one place readers are registered, and auto-detection.

Every reader is a module with the same protocol:

- ``NAME``: the ``--format`` value;
- ``sniff(head, inst) -> bool``: whether the first rows (:class:`~.tables.Head`) are its format;
- ``read(path, inst, head, *, mapping=None, encoding=None, sheet=None) -> Raw``: the raw table
  (:class:`~.tables.Raw`), which :func:`~copro_scale.responses.normalise.finish` validates;
- for a CSV platform, ``plan(path, inst, head, *, mapping=None, wave_column=None) -> Plan``
  (:class:`~.tables.Plan`): the columns it reads and the row-by-row shaping of its raw table,
  so that :mod:`.chunked` can read a large file in blocks.

Detection asks each registered reader in order; the first whose ``sniff`` says yes reads the
file. To add a format, write its module and add it to :data:`READERS` (before ``canonical``,
which is the most permissive); its platform's codes go in :mod:`copro_scale.platforms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from ..errors import CoproError
from ..instrument import Instrument
from . import canonical, forms, limesurvey, mapped, qualtrics, redcap, spss, surveyjs
from .mapped import load_mapping
from .tables import Head, Raw

#: Detection order: the most specific formats first.
READERS = {m.NAME: m for m in (spss, surveyjs, limesurvey, qualtrics, redcap, forms, canonical,
                               mapped)}


@dataclass(frozen=True)
class Choice:
    """The reader of a file, the mapping it reads with, and a mapping's ``labels`` / ``roles``
    laid over a platform reader's (a mapping without ``columns``)."""

    reader: ModuleType
    mapping: dict | None = None
    overlay: dict | None = None

    def options(self, raw: Raw) -> dict:
        """The options :func:`~.normalise.finish` reads the reader's raw table with."""
        labels, roles = raw.labels, raw.roles
        if self.overlay is not None:
            labels = {**(labels or {}), **(self.overlay.get("labels") or {})}
            roles = {**(roles or {}), **(self.overlay.get("roles") or {})}
        return {"labels": labels, "roles": roles, "team_code": raw.team_code,
                "reader_warnings": raw.warnings}


def choose(head: Head, inst: Instrument, format: str = "auto", mapping=None) -> Choice:
    """The reader for the file of ``head``: ``format`` (``auto``: detected), or ``mapped``
    when a mapping with ``columns`` is given."""
    fmt = {"sav": "spss"}.get(format, format)
    if mapping is not None and fmt == "auto":
        fmt = "mapped"
    if fmt != "auto" and fmt not in READERS:
        raise CoproError(f"unknown format {format!r}; expected auto or one of {', '.join(READERS)}",
                         file=head.path)
    overlay = None
    if mapping is not None:
        mapping = load_mapping(mapping, inst)
        if "columns" not in mapping:  # labels / roles only: the platform's reader reads
            overlay, mapping, fmt = mapping, None, "auto" if fmt == "mapped" else fmt
    reader = detect(head, inst, mapping) if fmt == "auto" else READERS[fmt]
    return Choice(reader, mapping, overlay)


def detect(head: Head, inst: Instrument, mapping=None):
    """The reader module for a file: ``mapped`` when a mapping is given, else the first that sniffs.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> from pathlib import Path
    >>> inst = load_instrument()
    >>> detect(Head(Path("x.csv"), ".csv", [["response_id", "team", "role"] + inst.item_ids]), inst).NAME
    'canonical'
    """
    if mapping is not None:
        return mapped
    for reader in READERS.values():
        if reader is not mapped and reader.sniff(head, inst):
            return reader
    raise CoproError(_unrecognised(head, inst), file=head.path, row=1)


def _unrecognised(head: Head, inst: Instrument) -> str:
    """What to do about a file no reader recognises: a separator hint, a title row, another
    sheet, or else a wrong instrument or an unknown platform."""
    from dataclasses import replace

    shown = ", ".join(head.header()[:4])[:80]
    first = head.header()[0].strip().lower() if head.header() else ""
    if first.startswith("sep=") and len(head.header()) <= 2:
        return ("the first line 'sep=...' is a separator hint for Excel; delete that line and "
                "read the file again")
    for k in range(1, len(head.rows)):
        if any(r is not mapped and r.sniff(replace(head, rows=head.rows[k:]), inst)
               for r in READERS.values()):
            return (f"the header is on row {k + 1}, below a title (row 1 starts: {shown}); "
                    f"delete the {k} row(s) above the header")
    if len(head.sheets) > 1:
        return (f"format not recognised on the first sheet ({head.sheets[0]!r}); the workbook "
                f"has sheets {', '.join(head.sheets)}: pass --sheet NAME for the one with the "
                "responses")
    return (f"format not recognised (header starts: {shown}); wrong instrument? Pass --format, "
            "or --mapping with a YAML column map")
