"""CSV writing that is safe against spreadsheet formula injection.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can run as a
formula when the CSV is opened in Excel, LibreOffice or Google Sheets (OWASP, "CSV Injection").
:func:`write_csv` prefixes such text cells with a single quote, so they show as text. Numbers
are written as numbers and never changed. Every stage that writes a CSV uses this module.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from .errors import CoproError

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot start a formula (vectorised per column).

    Examples
    --------
    >>> defuse(pd.DataFrame({"a": ["=1+1", "ok", None], "b": [-1, 2, 3]}))["a"].tolist()
    ["'=1+1", 'ok', nan]
    """
    out = frame.copy()
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            continue
        text = col.astype("string")
        risky = text.str.startswith(FORMULA_START).fillna(False).astype(bool)
        if risky.any():
            out[c] = col.where(~risky, "'" + text)
    if any(str(c).startswith(FORMULA_START) for c in out.columns):
        out.columns = [("'" + str(c)) if str(c).startswith(FORMULA_START) else c for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path, *, float_format: str | None = "%.4f", **kwargs) -> None:
    """Write ``frame`` as UTF-8 CSV with formula-injection protection; ``path`` "-" is stdout.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> write_csv(pd.DataFrame({"team": ["@SUM(A1)"], "x": [1.5]}), buf)
    >>> buf.getvalue().splitlines()[1]
    "'@SUM(A1),1.5000"
    """
    safe = defuse(frame)
    target = sys.stdout if str(path) == "-" else path
    try:
        safe.to_csv(target, index=False, float_format=float_format, lineterminator="\n", **kwargs)
    except OSError as exc:
        raise CoproError(f"cannot write ({exc.strerror})", file=path) from None
    if isinstance(target, (str, Path)):
        return None
