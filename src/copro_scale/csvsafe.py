"""CSV writing that is safe against spreadsheet formula injection.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can run as a
formula when the CSV is opened in Excel, LibreOffice or Google Sheets (OWASP, "CSV Injection").
The one rule (:data:`FORMULA`, :func:`safe_text`): such a text cell is written with a single
quote in front, so that it shows as text. Numbers are written as numbers and never changed.
Tables go through pyarrow's CSV writer (:func:`write_csv`); the instrument exports, written row
by row, through the ``csv`` module with :func:`safe_text`. Every CSV the package writes takes
one of these two roads.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from .arrow import text_bytes

#: A text cell that a spreadsheet would read as a formula (the pattern is valid for Python's
#: ``re`` and for RE2, which pyarrow's compute functions use).
FORMULA = re.compile(r"^[=+\-@\t\r]")


def safe_text(text) -> str:
    """A cell's text with a single quote in front if a spreadsheet would run it as a formula.

    Examples
    --------
    >>> safe_text("=HYPERLINK(1)"), safe_text("Ward A"), safe_text("-3")
    ("'=HYPERLINK(1)", 'Ward A', "'-3")
    """
    text = str(text)
    return "'" + text if FORMULA.match(text) else text


#: First bytes that make a cell a formula (:data:`FORMULA`), as a look-up table.
_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[list(b"=+-@\t\r")] = True


def _any_formula_start(arr) -> bool:
    """Whether a text cell may start like a formula: one look-up of each cell's first byte in
    the arrow buffers (a null's slot, empty by arrow's writers, can only add a false alarm)."""
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        data, ends = text_bytes(chunk)
        starts = ends[:-1][ends[1:] > ends[:-1]]
        if _FORMULA_BYTES[data[starts]].any():
            return True
    return False


def _text_array(column: pd.Series) -> pa.Array:
    """A text (or mixed object) column as an arrow string array, formula cells made safe."""
    try:
        arr = pa.array(column, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed objects: each value as its text
        arr = pa.array(column.map(lambda v: v if v is None or v is pd.NA or
                                  (isinstance(v, float) and np.isnan(v)) else str(v)).astype(object),
                       type=pa.string(), from_pandas=True)
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    if not _any_formula_start(arr):
        return arr
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    risky = pc.fill_null(pc.match_substring_regex(arr, FORMULA.pattern), False)
    if pc.any(risky).as_py():
        quote, empty = pa.scalar("'", arr.type), pa.scalar("", arr.type)
        arr = pc.if_else(risky, pc.binary_join_element_wise(quote, arr, empty), arr)
    return arr


def to_arrow(frame: pd.DataFrame, decimals: int | None = 4) -> pa.Table:
    """The table as pyarrow will write it: floats rounded to ``decimals``, text made safe."""
    arrays, names = [], []
    for j, name in enumerate(frame.columns):
        column = frame.iloc[:, j]
        dtype = column.dtype
        if pd.api.types.is_bool_dtype(dtype) or (pd.api.types.is_numeric_dtype(dtype)
                                                 and not isinstance(dtype, pd.CategoricalDtype)):
            arr = pa.array(column, from_pandas=True)
            if decimals is not None and pa.types.is_floating(arr.type):
                arr = pc.round(arr, decimals)
        else:
            arr = _text_array(column)
        arrays.append(arr)
        names.append(safe_text(name))
    return pa.Table.from_arrays(arrays, names=names) if arrays else pa.table({})


#: Rows pyarrow formats in one piece; pieces are formatted in threads and written in order.
PIECE_ROWS = 65_536


def write_rows(table: pa.Table, sink, *, header: bool = True) -> None:
    """``table`` as CSV bytes into ``sink``, header first (unless ``header`` is False): pieces of :data:`PIECE_ROWS` rows are
    formatted by pyarrow in one thread per core (it releases the GIL) and written in order, at
    most two pieces per thread ahead, so memory stays bounded.

    Examples
    --------
    >>> buf = io.BytesIO()
    >>> write_rows(pa.table({"a": [1, 2]}), buf)
    >>> buf.getvalue()
    b'"a"\\n1\\n2\\n'
    """
    def piece(start: int) -> bytes:
        buf = io.BytesIO()
        pa_csv.write_csv(table.slice(start, PIECE_ROWS), buf,
                         pa_csv.WriteOptions(include_header=header and start == 0))
        return buf.getvalue()

    starts = range(0, max(table.num_rows, 1), PIECE_ROWS)
    workers = min(os.cpu_count() or 1, len(starts))
    if workers == 1:
        for start in starts:
            sink.write(piece(start))
        return
    with ThreadPoolExecutor(workers) as pool:
        ahead = deque()
        for start in starts:
            ahead.append(pool.submit(piece, start))
            if len(ahead) > 2 * workers:
                sink.write(ahead.popleft().result())
        while ahead:
            sink.write(ahead.popleft().result())


def write_csv(frame: pd.DataFrame, path, *, float_format: str | None = "%.4f") -> None:
    """Write ``frame`` as UTF-8 CSV, safe against formula injection; ``path`` "-" is stdout.

    pyarrow's CSV writer writes the rows (text cells quoted, numbers bare, missing values
    empty); floats are rounded to the places of ``float_format`` (``"%.4f"``: 4; None: as
    they are).

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> write_csv(pd.DataFrame({"team": ["@SUM(A1)"], "x": [1.23456]}), buf)
    >>> buf.getvalue().splitlines()
    ['"team","x"', '"\\'@SUM(A1)",1.2346']
    """
    places = re.fullmatch(r"%\.(\d+)f", float_format) if float_format else None
    if float_format and places is None:
        raise ValueError("float_format must look like '%.4f'")
    table = to_arrow(frame, int(places.group(1)) if places else None)

    def dump(sink) -> None:
        if table.num_columns == 0:
            sink.write(b"\n" if len(frame) == 0 else b"\n" * (len(frame) + 1))
            return
        write_rows(table, sink)

    if hasattr(path, "write"):
        if isinstance(path, io.TextIOBase) or not isinstance(path, (io.RawIOBase, io.BufferedIOBase)):
            buf = io.BytesIO()
            dump(buf)
            path.write(buf.getvalue().decode("utf-8"))
        else:
            dump(path)
    elif str(path) == "-":
        sys.stdout.flush()
        dump(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        from .outputs import replaced_file  # whole or not at all, never through a link

        with replaced_file(path, newline="") as fh:
            fh.flush()
            dump(fh.buffer)  # pyarrow writes bytes: the text file's own binary buffer
