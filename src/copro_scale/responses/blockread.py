"""Reading a CSV in blocks of rows: the columns a reader uses, as text or typed, one block of
rows at a time (pyarrow's streaming CSV reader), for :mod:`.chunked`.

:func:`blocks_of` says how a file is read in blocks (or None where it is read whole): the
canonical table (:func:`raw_blocks`, its numbers typed as the whole-file fast read types them),
or a platform's export whose reader shapes its raw rows row by row (:func:`text_blocks`, then
the reader's :class:`~.tables.Plan`).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ..errors import CoproError
from ..instrument import Instrument
from .tables import (
    READ_BYTES,
    Head,
    Raw,
    _check_last_line,
    drop_blank_rows,
    duplicate_headers,
)

#: Text read into one block (pyarrow's block size): about 130,000 rows of the canonical table.
BLOCK_BYTES = 16 << 20
_META = ("response_id", "team", "role", "form", "months_in_role", "duration_s")
_WHOLE = r"^[0-9]+$"


@dataclass(frozen=True)
class Blocks:
    """A file to read in blocks: its reader's name, its header rows, and the raw tables
    (:class:`~.tables.Raw`) of its blocks of rows (``read(block_bytes)``)."""

    format: str
    header_rows: int
    read: Callable[[int], Iterator[Raw]]
    options: Callable[[Raw], dict]


def blocks_of(path, inst: Instrument, head: Head, *, format: str = "auto", mapping=None
              ) -> Blocks | None:
    """How to read ``path`` in blocks, or None where it is read whole: a UTF-8 CSV whose
    headers occur once, of the canonical format or of a platform reader whose raw rows are
    made row by row (:class:`~.tables.Plan`); not xlsx, SPSS or SurveyJS, and not a REDCap
    export with events or repeat instances."""
    from . import canonical
    from .registry import choose

    try:
        utf8 = codecs.lookup(head.encoding).name in ("utf-8", "utf-8-sig")
    except LookupError:
        return None
    if not utf8 or head.suffix in (".xlsx", ".sav", ".zsav", ".json") \
            or not head.header() or duplicate_headers(head.header()):
        return None
    choice = choose(head, inst, format=format, mapping=mapping)
    if choice.reader is canonical:
        return Blocks("canonical", 1, lambda size: (Raw(raw) for raw in raw_blocks(
            path, head, inst, size)), choice.options)
    planner = getattr(choice.reader, "plan", None)
    if planner is None:
        return None
    plan = planner(path, inst, head, mapping=choice.mapping)
    columns = plan.columns(head)
    if not plan.rowwise or columns is None:
        return None
    return Blocks(choice.reader.NAME, plan.header_rows, lambda size: (plan.shape(frame) for frame in (
        text_blocks(path, head, columns, plan.header_rows, size))), choice.options)


def streamable(head: Head, inst: Instrument) -> bool:
    """Whether a file can be scored in blocks (:func:`blocks_of`)."""
    return blocks_of(head.path, inst, head) is not None


def _column(col: pa.ChunkedArray, kind: pa.DataType) -> pd.Series:
    """A text column as the whole-file fast read gives it: whole numbers as ``kind``, where every
    cell is one (or blank); otherwise the text, which the checks read as the pandas read's."""
    if kind != pa.string() and col.null_count < len(col):
        ok = pc.all(pc.match_substring_regex(col, _WHOLE if pa.types.is_integer(kind)
                                             else r"^-?[0-9]+(\.[0-9]+)?$")).as_py()
        if ok:
            try:
                col = pc.cast(col, kind)
            except pa.ArrowInvalid:  # a whole number too large for the type: checked as text
                pass
    return pd.Series(col.to_pandas(types_mapper=pd.ArrowDtype))


def _blocks(path, head: Head, columns: list[str], header_rows: int,
            block_bytes: int, frame_of: Callable[[pa.Table], pd.DataFrame]
            ) -> Iterator[pd.DataFrame]:
    """``columns`` of ``path`` read as text, a table (``frame_of`` the block's arrow table) per
    block of rows, without its blank rows; each block's spreadsheet rows are in
    ``attrs["source_rows"]`` (:func:`~.tables.drop_blank_rows`).

    Arrow's streaming reader reads up to 32 of its blocks ahead in the background, whatever the
    threads: it is given :data:`~.tables.READ_BYTES` at a time (so that its read-ahead holds
    about 130 MB), and its batches are gathered into a block of ``block_bytes``."""
    step = min(block_bytes, READ_BYTES)
    per_block = max(1, block_bytes // step)
    reader = pa_csv.open_csv(
        path, read_options=pa_csv.ReadOptions(block_size=step, use_threads=False,
                                              skip_rows_after_names=header_rows - 1),
        parse_options=pa_csv.ParseOptions(delimiter=head.sep, newlines_in_values=True,
                                          ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(include_columns=columns, null_values=[""],
                                              strings_can_be_null=True,
                                              column_types={c: pa.string() for c in columns}))
    first, done = header_rows + 1, False
    while not done:
        batches = []
        while len(batches) < per_block:
            try:
                batches.append(reader.read_next_batch())
            except StopIteration:
                done = True
                break
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:  # past the rows given so far
                raise _block_error(exc, path, first + sum(len(b) for b in batches), step) from None
        if not batches:
            break
        frame = frame_of(pa.Table.from_batches(batches))
        del batches
        n = len(frame)
        frame = drop_blank_rows(frame, first)
        first += n
        if len(frame):
            yield frame
    _check_last_line(Path(path), head.encoding, head.sep, len(head.header()), first - 1)


def _block_error(exc: Exception, path, row: int, step: int) -> CoproError:
    """A one-line error for what arrow could not read past ``row``."""
    text = str(exc).split("\n")[0]
    if "UTF8" in text or "utf-8" in text:
        what = "is not UTF-8 text; save it as CSV UTF-8"
    elif "straddl" in text:
        what = (f"holds a row of more than {step / 2**20:g} MB of text, more than a large file "
                "is read at a time; export it without the free-text questions that hold it")
    else:
        what = f"is not a well-formed table ({text}); fix the rows or export again"
    return CoproError(f"{what} (in the rows from {row} on)", file=path, row=row)


def raw_blocks(path, head: Head, inst: Instrument, block_bytes: int = BLOCK_BYTES
               ) -> Iterator[pd.DataFrame]:
    """The canonical columns of ``path``, a raw table (with ``_row``) per block of rows."""
    wanted = [c for c in head.header() if c in _META or c in inst.item_ids]
    kinds = {c: pa.int8() if c in inst.item_ids else pa.float64()
             if c in ("months_in_role", "duration_s") else pa.string() for c in wanted}
    for frame in _blocks(path, head, wanted, 1, block_bytes, lambda table: pd.DataFrame(
            {c: _column(table[c], kinds[c]) for c in wanted})):
        frame["_row"] = frame.attrs["source_rows"]
        yield frame


#: The dtype of the text pandas' whole read gives (``read_csv(dtype="str")``).
_TEXT = pd.StringDtype("pyarrow", np.nan)


def text_blocks(path, head: Head, columns: list[str], header_rows: int = 1,
                block_bytes: int = BLOCK_BYTES) -> Iterator[pd.DataFrame]:
    """``columns`` of ``path`` as text, per block of rows: the table :func:`~.tables.read_any`
    gives of the whole file, a block at a time (its ``frame.attrs`` as well)."""
    def frame_of(table: pa.Table) -> pd.DataFrame:
        return pd.DataFrame({c: table[c].to_pandas(types_mapper={pa.string(): _TEXT}.get)
                             for c in columns})

    for frame in _blocks(path, head, columns, header_rows, block_bytes, frame_of):
        frame.attrs.update(duplicate_headers=[], source=str(path))
        yield frame
