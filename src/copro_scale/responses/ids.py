"""Response ids: kept, replaced by a salted hash, or numbered; and repeated ids resolved."""

from __future__ import annotations

import hashlib
import re
import secrets

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .text import TEXT_DTYPE


def hash_ids(ids: pd.Series, salt: str) -> pd.Series:
    """Salted, keyed hash (SipHash-2-4, 16 hex digits) of each id, vectorised.

    Examples
    --------
    >>> hash_ids(pd.Series(["R_1", "R_1", "R_2"]), "pepper").nunique()
    2
    """
    key = hashlib.sha256(salt.encode("utf-8")).hexdigest()[:16]
    h = pd.util.hash_pandas_object(ids.astype("string").fillna(""), index=False,
                                   hash_key=key).to_numpy(dtype=np.uint64)
    nibbles = (h[:, None] >> np.arange(60, -1, -4, dtype=np.uint64)) & np.uint64(15)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles.astype(np.intp)]
    # the 16 hex digits of each row are its text: an arrow string array over those bytes,
    # with fixed offsets and the source's missing ids as nulls (no string object per row)
    n = len(h)
    hexed = pa.StringArray.from_buffers(
        n, pa.py_buffer(np.arange(0, 16 * n + 1, 16, dtype=np.int32)),
        pa.py_buffer(np.ascontiguousarray(digits)), pa.array(~ids.isna().to_numpy()).buffers()[1])
    return pd.Series(pd.array(hexed if TEXT_DTYPE is not object else hexed.to_pylist(),
                              dtype=TEXT_DTYPE), index=ids.index)


def sequence_ids(n: int) -> pd.Series:
    """``r1, r2, ..., rn`` as a text Series, built by pyarrow's string kernels (no row loop).

    Examples
    --------
    >>> sequence_ids(3).tolist()
    ['r1', 'r2', 'r3']
    """
    numbers = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
    text = pc.utf8_replace_slice(numbers, 0, 0, "r")  # "r" in front
    return pd.Series(pd.array(text.to_pylist() if TEXT_DTYPE is object else text,
                              dtype=TEXT_DTYPE))


def new_salt() -> str:
    """A random salt for one run (32 hex digits)."""
    return secrets.token_hex(16)


#: What a spreadsheet makes of an id it reads as a number or a date.
EXCEL_DAMAGE = (
    (re.compile(r"^[0-9](\.[0-9]+)?E\+[0-9]+$", re.I), "scientific notation such as 1.23457E+15"),
    (re.compile(r"^[0-9]{16,}$"), "numbers of 16 or more digits, which Excel keeps to 15"),
    (re.compile(r"^([0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}|[0-9]{1,2}-[A-Za-z]{3}(-[0-9]{2,4})?"
                r"|[A-Za-z]{3}-[0-9]{2,4})$"), "dates made of ids such as 1-5"),
)


def excel_damage(repeated) -> str | None:
    """What damaged a column's ids, judged from the ids that repeat: the kind shared by at
    least half of them, or None (true repeats).

    Examples
    --------
    >>> excel_damage(["1.23457E+15", "1.23457E+15"])
    'scientific notation such as 1.23457E+15'
    >>> excel_damage(["R_1", "R_2"]) is None
    True
    """
    values = [str(v).strip() for v in repeated]
    for pattern, kind in EXCEL_DAMAGE:
        if values and sum(bool(pattern.match(v)) for v in values) * 2 >= len(values):
            return kind
    return None
