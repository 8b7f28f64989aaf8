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


#: Words for a flagged difference (see :func:`copro_scale.reports.certainty.flag`).
FLAG_TEXT = {"higher": "clearly higher", "lower": "clearly lower", "": ""}


def response_rate(n: int, expected) -> dict | None:
    """``n`` of ``expected`` answered, as numbers and text; None without a headcount.

    Examples
    --------
    >>> response_rate(6, 16)["text"], response_rate(6, None)
    ('6 of 16 (38%)', None)
    """
    text = rate_text(n, expected)
    if text is None:
        return None
    return dict(n=int(n), expected=int(expected), share=n / int(expected), text=text)


def certainty_text(p: float, outcome: str, colleagues_only: bool, rate: dict | None) -> dict:
    """What a type's probability means, in words: the headline, what it assumes, and what the
    response rate leaves open.

    The probability is the share of posterior draws of the team's profile that fall in the
    type's region. It holds *if* the typology describes the team and the people who answered
    see things as the whole team does; non-response and misfit are not in it.

    Examples
    --------
    >>> t = certainty_text(0.999, "neutralized", False, response_rate(6, 16))
    >>> t["headline"]
    'Almost certain (probability over 99%), among those who answered'
    >>> t["response"]
    '6 of 16 answered (38%). Fewer than half the team answered, so treat the type as provisional: those who did not may see it differently.'
    >>> certainty_text(0.999, "neutralized", True, None)["headline"]
    "Colleagues' view only: no peer support worker answered"
    """
    assumes = ("The probability assumes that the typology fits this team and that those who "
               "answered see things as the whole team does; it does not allow for anyone who did "
               "not answer.")
    if rate is None:
        response = ("The team's headcount is not known, so it cannot be said how many did not "
                    "answer or what their answers might change.")
    elif rate["share"] < 0.5:
        response = (f"{rate['n']} of {rate['expected']} answered ({pct(rate['share'])}). Fewer "
                    "than half the team answered, so treat the type as provisional: those who "
                    "did not may see it differently.")
    else:
        response = (f"{rate['n']} of {rate['expected']} answered ({pct(rate['share'])}); those "
                    "who did not may see it differently.")
    if colleagues_only:
        headline = "Colleagues' view only: no peer support worker answered"
        assumes = ("This type says how colleagues see the peer support workers' position, not "
                   f"how PSWs experience it (probability {probability_text(p)} from the "
                   "colleagues' answers alone). " + assumes)
    elif outcome == "indeterminate":
        headline = "No type is likely enough to report"
    else:
        headline = (f"{likelihood(p).capitalize()} (probability {probability_text(p)}), among "
                    "those who answered")
    return dict(headline=headline, assumes=assumes, response=response)
