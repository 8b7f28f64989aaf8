"""Reader for the canonical wide CSV (what ``copro simulate`` writes, and any tool that follows it).

Columns ``response_id, team, role, form, months_in_role`` (``form`` and ``months_in_role`` are
optional, ``duration_s`` too), then one column per item id with codes 1-5, blank for missing.
Other columns are ignored; identifying ones are dropped first.
"""

from __future__ import annotations

import pyarrow as pa

from ..errors import CoproError
from ..instrument import Instrument
from .text import BLANKS, drop_identifying
from .tables import Head, Raw, read_csv, read_csv_fast, read_excel, source_rows

#: Text read as a missing answer in an item column by pandas' Int8 read: the blanks of every
#: answer (:data:`~.text.BLANKS`) as platforms write them: lower, upper or title case, and NaN.
ITEM_NA = sorted({v for b in BLANKS for v in (b, b.upper(), b.title())} | {"NaN"})

NAME = "canonical"
META = ("response_id", "team", "role", "form", "months_in_role", "duration_s")


def sniff(head: Head, inst: Instrument) -> bool:
    """True when the header names every item id and the ``team`` column."""
    header = set(head.header())
    return "team" in header and set(inst.item_ids) <= header


def read(path, inst: Instrument, head: Head, *, encoding=None, sheet=None, wave_column=None,
         **_) -> Raw:
    """Read the canonical table: numeric items on the fast path, text items otherwise."""
    if wave_column is not None and wave_column not in head.header():
        raise CoproError("the wave column (--wave-column) is not in the file", file=path, row=1,
                         column=wave_column)
    if head.suffix == ".xlsx":
        frame = read_excel(path, sheet=0 if sheet is None else sheet)
    else:
        wanted = [c for c in head.header() if c in META or c in inst.item_ids or c == wave_column]
        types = {c: pa.int8() if c in inst.item_ids else pa.float64()
                 if c in ("months_in_role", "duration_s") else pa.string() for c in wanted}
        frame = read_csv_fast(path, head, columns=wanted, types=types, encoding=encoding)
        if frame is None:  # not UTF-8, or a cell that is no whole code: pandas reads it
            # every column, so that a row with too many fields is an error; text as text
            na = {c: ITEM_NA if c in inst.item_ids else [""] for c in wanted}
            text = {c: "str" for c in wanted if c in META[:4] or c == wave_column}
            try:  # whole-number codes parse straight into Int8, the canonical item dtype
                frame = read_csv(path, head, encoding=encoding, na_values=na, dtype={
                    **text, **{i: "Int8" for i in inst.item_ids if i in wanted}})
            except TypeError:  # an item holds text: labels, junk or Excel-mangled numbers
                frame = read_csv(path, head, dtype="str", encoding=encoding)
            attrs = dict(frame.attrs)
            frame = frame[wanted]
            frame.attrs.update(attrs)
    twice = [c for c in frame.attrs.get("duplicate_headers", ()) if c in META or c in inst.item_ids]
    if twice:
        raise CoproError(f"has two columns headed {twice[0]!r}; rename one so that it is clear "
                         "which holds the answers", file=path, row=1, column=twice[0])
    frame = drop_identifying(frame, keep=(wave_column,) if wave_column else ())
    frame["_row"] = source_rows(frame)
    if wave_column is not None:
        frame["_wave"] = frame.pop(wave_column).astype("string").to_numpy(dtype=object)
        frame.attrs["wave_column"] = wave_column
    return Raw(frame)
