"""Numbers put into words for readers: probabilities, intervals, response rates, counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..render import fmt, pct

#: (lower bound, words) for a probability, highest first.
_LIKELIHOOD = ((0.99, "almost certain"), (0.90, "very likely"), (0.66, "likely"),
               (0.50, "more likely than not"), (0.0, "unlikely"))


def probability_text(p: float) -> str:
    """A probability for readers: never a flat "100%" from a finite number of draws.

    Examples
    --------
    >>> probability_text(1.0), probability_text(0.8123)
    ('over 99%', '81%')
    """
    return "over 99%" if p is not None and np.isfinite(p) and p >= 0.995 else pct(p)


def likelihood(p: float) -> str:
    """Words for a probability, after the IPCC likelihood scale (simplified).

    Examples
    --------
    >>> likelihood(0.999), likelihood(0.93), likelihood(0.8), likelihood(0.3)
    ('almost certain', 'very likely', 'likely', 'unlikely')
    """
    if p is None or not np.isfinite(p):
        return "not known"
    return next(words for bound, words in _LIKELIHOOD if p >= bound)


def interval_text(lo, hi) -> str:
    """A 95% interval as text, or a dash when it cannot be computed.

    Examples
    --------
    >>> interval_text(-0.001, 1.06), interval_text(None, 2)
    ('0.00 to 1.06', '–')
    """
    if fmt(lo) == "–" or fmt(hi) == "–":
        return "–"
    return f"{fmt(lo)} to {fmt(hi)}"


def rate_text(n: int, expected) -> str | None:
    """A response rate "12 of 15 (80%)", or None when no headcount is known.

    Examples
    --------
    >>> rate_text(12, 15), rate_text(3, None)
    ('12 of 15 (80%)', None)
    """
    if expected is None or pd.isna(expected) or int(expected) <= 0:
        return None
    return f"{int(n)} of {int(expected)} ({pct(n / int(expected))})"
