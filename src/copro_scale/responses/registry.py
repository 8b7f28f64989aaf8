"""The one place readers are registered, and auto-detection.

Every reader is a module with the same protocol:

- ``NAME``: the ``--format`` value;
- ``sniff(head, inst) -> bool``: whether the first rows (:class:`~.tables.Head`) are its format;
- ``read(path, inst, head, *, mapping=None, encoding=None, sheet=None) -> Raw``: the raw table
  (:class:`~.tables.Raw`), which :func:`~copro_scale.responses.normalise.finish` validates.

Detection asks each registered reader in order; the first whose ``sniff`` says yes reads the
file. To add a format, write its module and add it to :data:`READERS` (before ``canonical``,
which is the most permissive); its platform's codes go in :mod:`copro_scale.platforms`.
"""

from __future__ import annotations

from ..errors import CoproError
from ..instrument import Instrument
from . import canonical, forms, limesurvey, mapped, qualtrics, redcap, spss, surveyjs
from .tables import Head

#: Detection order: the most specific formats first.
READERS = {m.NAME: m for m in (spss, surveyjs, limesurvey, qualtrics, redcap, forms, canonical,
                               mapped)}


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
