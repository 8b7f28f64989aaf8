"""Arrow columns worked on where they are: the fast read of a canonical CSV, and the text
columns the CSV writer checks.

pandas shows such a column with an ``ArrowDtype``; these helpers reach the arrow array through
the public ``__arrow_array__`` protocol and answer in NumPy, without a conversion per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_of(column: pd.Series) -> pa.Array | None:
    """The column's arrow array (chunks combined) when pyarrow holds it, else None.

    Examples
    --------
    >>> s = pd.Series([1, None], dtype=pd.ArrowDtype(pa.int8()))
    >>> arrow_of(s).to_pylist(), arrow_of(pd.Series([1, 2]))
    ([1, None], None)
    """
    if not isinstance(column.dtype, pd.ArrowDtype):
        return None
    arr = pa.array(column)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def is_int8(column: pd.Series) -> bool:
    """Whether pyarrow holds the column as int8 (the fast read's item columns)."""
    return isinstance(column.dtype, pd.ArrowDtype) and pa.types.is_int8(column.dtype.pyarrow_dtype)


def is_text(column: pd.Series) -> bool:
    """Whether pyarrow holds the column as text."""
    return isinstance(column.dtype, pd.ArrowDtype) and (
        pa.types.is_string(column.dtype.pyarrow_dtype)
        or pa.types.is_large_string(column.dtype.pyarrow_dtype))


def values_and_missing(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(values with nulls as 0, null mask) of a numeric arrow array.

    Examples
    --------
    >>> v, m = values_and_missing(pa.array([3, None], pa.int8()))
    >>> v.tolist(), m.tolist()
    ([3, 0], [False, True])
    """
    values = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False)
    return values, arr.is_null().to_numpy(zero_copy_only=False)


def factorize(arr: pa.Array) -> tuple[np.ndarray, list]:
    """(code per row, -1 for null; distinct values) by arrow's hash kernel.

    Examples
    --------
    >>> codes, uniques = factorize(pa.array(["a", None, "a", "b"]))
    >>> codes.tolist(), uniques
    ([0, -1, 0, 1], ['a', 'b'])
    """
    enc = pc.dictionary_encode(arr)
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.intp, copy=False)
    return codes, enc.dictionary.to_pylist()


#: Bytes of a control character (NUL and C0 except tab, line feed and carriage return; DEL).
_CONTROL_BYTES = np.zeros(256, dtype=bool)
_CONTROL_BYTES[[*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]] = True


def text_bytes(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(the text's bytes, each cell's start and end in them) of a string or large_string array:
    views of arrow's buffers, nothing copied.

    Examples
    --------
    >>> data, ends = text_bytes(pa.array(["ab", None, "c"]).slice(1))
    >>> bytes(data[ends[0]:ends[-1]]), ends.tolist()
    (b'c', [2, 2, 3])
    """
    _, offsets, data = chunk.buffers()
    wide = pa.types.is_large_string(chunk.type)
    ends = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32)[
        chunk.offset:chunk.offset + len(chunk) + 1]
    return (np.frombuffer(data, dtype=np.uint8) if data is not None
            else np.zeros(0, dtype=np.uint8)), ends


def any_control(arr: pa.Array) -> bool:
    """Whether any text in the array holds a control byte: one look-up over its data buffer.

    Examples
    --------
    >>> any_control(pa.array(["ok", None])), any_control(pa.array(["n\\x00"]))
    (False, True)
    """
    data, ends = text_bytes(arr)
    body = data[ends[0]:ends[-1]]
    if not len(body) or (body.min() >= 0x20 and not (body == 0x7F).any()):
        return False  # two quick passes settle the common case
    return bool(_CONTROL_BYTES[body].any())


def all_distinct(arr: pa.Array) -> bool:
    """Whether every value is given and none repeats: a check that they ascend (ids are often
    written in order), else one sort; both cheaper than hashing a million ids.

    Examples
    --------
    >>> all_distinct(pa.array(["a", "b"])), all_distinct(pa.array(["b", "a", "b"]))
    (True, False)
    """
    if arr.null_count:
        return False
    if len(arr) < 2 or pc.all(pc.greater(arr[1:], arr[:-1])).as_py():
        return True
    ordered = pc.take(arr, pc.sort_indices(arr))
    return not pc.any(pc.equal(ordered[1:], ordered[:-1])).as_py()
