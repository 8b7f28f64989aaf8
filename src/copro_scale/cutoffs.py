"""The conventional cut-offs the validation battery judges each figure by, and its verdicts.

One place for every threshold (docs/cutoffs.md gives each source): the battery
(:mod:`copro_scale.validate`), its page and the reports read them from here; alpha's minimum is
:data:`copro_scale.psychometrics.ALPHA_MIN`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .psychometrics import ALPHA_MIN

__all__ = ["CUTOFFS", "alpha_verdict", "fit_verdict", "sample_rating"]

#: Conventional cut-offs and their sources (full references in docs/cutoffs.md).
CUTOFFS: dict[str, dict[str, Any]] = {
    "alpha": {"min": ALPHA_MIN, "redundant_above": 0.95, "source": "Nunnally 1978; McNeish 2018"},
    "r_drop": {"min": 0.30, "source": "Nunnally & Bernstein 1994"},
    "mean_inter_item_r": {"min": 0.15, "max": 0.50, "source": "Clark & Watson 1995"},
    "kmo": {"min": 0.60, "good": 0.80, "source": "Kaiser 1974"},
    "bartlett_pvalue": {"max": 0.05, "source": "Bartlett 1950"},
    "loading": {"min": 0.40, "cross_max": 0.30, "gap": 0.20, "source": "Hair et al. 2019"},
    "cfi": {"min": 0.95, "source": "Hu & Bentler 1999"},
    "tli": {"min": 0.95, "source": "Hu & Bentler 1999"},
    "rmsea": {"max": 0.06, "source": "Hu & Bentler 1999"},
    "srmr": {"max": 0.08, "source": "Hu & Bentler 1999"},
    "delta_cfi": {"max": 0.01, "source": "Cheung & Rensvold 2002; Chen 2007"},
    "delta_rmsea": {"max": 0.015, "source": "Chen 2007"},
    "cfa_n_per_item": {"adequate": 5, "very_good": 7, "very_good_min_n": 100, "source": "COSMIN (Mokkink et al. 2018)"},
    "icc1": {"small": 0.01, "medium": 0.10, "large": 0.25, "source": "Bliese 2000; LeBreton & Senter 2008"},
    "icc2": {"min": 0.70, "source": "LeBreton & Senter 2008"},
    "rwg_j": {"min": 0.70, "source": "James, Demaree & Wolf 1984; Lance et al. 2006"},
    "ad_j": {"max": 5 / 6, "source": "Burke & Dunlap 2002"},
}


# -- verdicts ---------------------------------------------------------------------------------
def alpha_verdict(a: float | None) -> tuple[str, str]:
    if a is None or not np.isfinite(a):
        return "n/a", "Not estimable in this sample."
    if a < CUTOFFS["alpha"]["min"]:
        return "below", "Below .70: too much of this score is noise to compare individuals or small teams."
    if a > CUTOFFS["alpha"]["redundant_above"]:
        return "caution", "Above .95: items may be redundant; the score is reliable but narrow."
    return "meets", "Meets .70: reliable enough for group comparisons."


def fit_verdict(fit: dict) -> tuple[str, str]:
    ok = (
        fit.get("cfi", 0) >= CUTOFFS["cfi"]["min"]
        and fit.get("tli", 0) >= CUTOFFS["tli"]["min"]
        and fit.get("rmsea", 1) <= CUTOFFS["rmsea"]["max"]
        and fit.get("srmr", 1) <= CUTOFFS["srmr"]["max"]
    )
    if ok:
        return "meets", "Meets Hu & Bentler's cut-offs: the structure is supported in this sample."
    return "below", "Misses at least one of CFI/TLI >= .95, RMSEA <= .06, SRMR <= .08: read scores built on this structure with care."


def sample_rating(n: int, k: int) -> tuple[str, str]:
    c = CUTOFFS["cfa_n_per_item"]
    if n >= c["very_good"] * k and n >= c["very_good_min_n"]:
        return "very good", f"n = {n} >= 7 x {k} items"
    if n >= c["adequate"] * k:
        return "adequate", f"n = {n} >= 5 x {k} items"
    return "inadequate", f"n = {n} < 5 x {k} items = {c['adequate'] * k}"
