"""Careless-response flags: straight-lining, long strings and speeding (marked, not dropped)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..blocks import over_blocks
from ..instrument import Instrument
from .model import FLAG_COLUMNS

#: Straight-lining needs at least this many answered items; long strings at least this share.
MIN_STRAIGHTLINE_ITEMS = 6
LONGSTRING_SHARE = 0.5
SPEEDER_SHARE = 0.3


def _same_answers(codes: np.ndarray, is_rev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(straight-lined, long string) of each row of a block of the code matrix."""
    n, k = codes.shape
    count = np.zeros(n, dtype=np.int32)
    hi = np.zeros(n, dtype=codes.dtype) if k else np.zeros(n, dtype=np.int8)
    # lowest answered code; for int8 codes as the min of (code - 1) seen as uint8, where every
    # unanswered code (<= 0) maps to 127 or more and an answered one (1-127) to 0-126
    as_int8 = codes.dtype == np.int8
    low = np.full(n, 255 if as_int8 else 127, dtype=np.uint8 if as_int8 else codes.dtype)
    rev = np.zeros(n, dtype=bool)
    fwd = np.zeros(n, dtype=bool)
    run = np.zeros(n, dtype=np.int8)
    best = np.zeros(n, dtype=np.int8)
    same = np.empty(n, dtype=bool)
    for j in range(k):  # over items, vectorised over respondents, in place
        c = codes[:, j]
        answered = c > 0
        count += answered
        if j == 0:
            hi[:] = c
        else:
            np.maximum(hi, c, out=hi)
        np.minimum(low, (c - 1).view(np.uint8) if as_int8 else np.where(answered, c, 127), out=low)
        seen = rev if is_rev[j] else fwd
        seen |= answered
        if j:  # a run goes on where the code repeats and is answered, else restarts at 0 or 1
            np.equal(c, codes[:, j - 1], out=same)
            same &= answered
            np.multiply(run, same, out=run, casting="unsafe")
        run += answered
        np.maximum(best, run, out=best)
    lowest = low.astype(np.int16) + 1 if as_int8 else low  # right wherever count >= 1
    straight = (count >= MIN_STRAIGHTLINE_ITEMS) & (lowest == hi) & fwd & rev
    return straight, best >= int(np.ceil(LONGSTRING_SHARE * k))


def careless_flags(codes: np.ndarray, inst: Instrument, duration=None, *,
                   keep: np.ndarray | None = None) -> pd.DataFrame:
    """Careless-response flags on a respondent x item matrix of codes (0 or NaN = no answer).

    - ``straightline``: at least :data:`MIN_STRAIGHTLINE_ITEMS` answers, all the same code,
      across both forward- and reverse-keyed items (a contradiction unless the answers are
      careless);
    - ``longstring``: the longest run of one code in instrument order covers at least
      :data:`LONGSTRING_SHARE` of the items (Johnson 2005);
    - ``speeder``: ``duration`` below :data:`SPEEDER_SHARE` of the median duration of the rows
      in ``keep`` (only where a duration exists).

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> v = np.vstack([np.full(36, 4.0), np.tile([1.0, 2.0, 3.0, 4.0], 9)])
    >>> careless_flags(v, inst)["straightline"].tolist()
    [True, False]
    """
    codes = np.asarray(codes)
    if codes.dtype.kind == "f":
        codes = np.nan_to_num(codes, nan=0).astype(np.int8)
    codes = np.asfortranarray(codes)  # one item = one contiguous column
    n, _k = codes.shape
    is_rev = np.array([it.reverse for it in inst.items], dtype=bool)
    straight = np.zeros(n, dtype=bool)
    longstring = np.zeros(n, dtype=bool)

    def block(rows: slice) -> None:
        straight[rows], longstring[rows] = _same_answers(codes[rows], is_rev)

    over_blocks(block, n)
    speeder = speeders(duration, keep) if duration is not None else np.zeros(n, dtype=bool)
    return pd.DataFrame({"straightline": straight, "longstring": longstring, "speeder": speeder},
                        columns=list(FLAG_COLUMNS))


def speeders(duration, keep: np.ndarray | None = None) -> np.ndarray:
    """Rows whose ``duration`` is below :data:`SPEEDER_SHARE` of the median duration of the
    rows in ``keep`` (all rows by default); none where no duration is known.

    Examples
    --------
    >>> speeders([600.0, 60.0, np.nan, 700.0]).tolist()
    [False, True, False, False]
    """
    d = pd.Series(duration).to_numpy(dtype="float64", na_value=np.nan)
    ref = d[keep] if keep is not None else d
    if not np.isfinite(ref).any():
        return np.zeros(len(d), dtype=bool)
    return np.isfinite(d) & (d < SPEEDER_SHARE * np.nanmedian(ref))
