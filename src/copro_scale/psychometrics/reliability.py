"""Cronbach's alpha with Feldt and bootstrap intervals, and item statistics.

Alpha and its Feldt interval come from pingouin's ``cronbach_alpha``, which reproduces
``psych::alpha`` including its missing-data convention (covariances from pairwise-complete
answers, N = all rows); tests/psychometrics/test_against_r.py guards it on two data sets.
Our own code (numpy) adds what pingouin lacks: item statistics as psych reports them
(``r.drop``, alpha if deleted, means and SDs from each item's own answers), the
standardised alpha, ordinal alpha and a vectorised bootstrap interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from copro_scale.errors import CoproError
from copro_scale.psychometrics._common import (
    batched_covariance,
    check_items,
    check_nan_policy,
    cov_to_cor,
    covariance,
    listwise,
)
from copro_scale.psychometrics._result import Result

__all__ = ["ALPHA_MIN", "ReliabilityResult", "alpha_from_cov", "reliability"]

#: The conventional minimum of alpha (and omega) for comparing groups (Nunnally 1978).
ALPHA_MIN = 0.70


@dataclass(repr=False)
class ReliabilityResult(Result):
    alpha: float
    std_alpha: float
    alpha_ci: list
    alpha_boot_ci: list | None
    n_items: int
    n_obs: int
    ordinal: bool
    item_stats: pd.DataFrame = field(default_factory=pd.DataFrame)
    _frame = "item_stats"


def alpha_from_cov(c: np.ndarray) -> np.ndarray:
    """Cronbach's alpha of covariance matrices ``c`` (..., k, k): k/(k-1) (1 - tr C / sum C)."""
    k = c.shape[-1]
    tr = np.trace(c, axis1=-2, axis2=-1)
    tot = c.sum(axis=(-2, -1))
    return k / (k - 1) * (1.0 - tr / tot)


def _feldt(alpha: float, n: int, k: int, ci: float) -> list:
    p = 1.0 - ci
    lower = 1 - (1 - alpha) * stats.f.ppf(1 - p / 2, n - 1, (n - 1) * (k - 1))
    upper = 1 - (1 - alpha) * stats.f.ppf(p / 2, n - 1, (n - 1) * (k - 1))
    return [float(lower), float(upper)]


def reliability(data, ci=0.95, n_boot=0, seed=None, nan_policy="pairwise", ordinal=False):
    r"""Cronbach's alpha, its confidence intervals and item statistics.

    Parameters
    ----------
    data : pandas.DataFrame
        One column per item, one row per respondent (numeric; NaN = missing).
    ci : float
        Confidence level of the intervals (default 0.95).
    n_boot : int
        Number of bootstrap resamples for ``alpha_boot_ci`` (0 = no bootstrap). The
        resamples are drawn and evaluated in one vectorised batch.
    seed : int or None
        Seed of the :class:`numpy.random.Generator` used by the bootstrap.
    nan_policy : {"pairwise", "listwise"}
        ``"pairwise"`` (psych's default): covariances from pairwise-complete answers,
        N = all rows. ``"listwise"``: incomplete rows are dropped first.
    ordinal : bool
        If True, alpha is computed from the polychoric correlation matrix (ordinal alpha,
        as ``psych::alpha(polychoric(x)$rho)``); ``r_drop`` and ``alpha_if_deleted`` then
        also come from that matrix, ``std_alpha`` equals ``alpha``.

    Returns
    -------
    ReliabilityResult
        ``alpha``, ``std_alpha``, ``alpha_ci`` (Feldt, to 3 decimals as pingouin gives it), ``alpha_boot_ci`` (percentile
        bootstrap, or None), ``n_items``, ``n_obs`` and ``item_stats``: a DataFrame indexed
        by item with ``n``, ``mean``, ``sd`` (N-1), ``r_drop`` (corrected item-total
        correlation), ``alpha_if_deleted``, ``floor`` and ``ceiling``.

    Notes
    -----
    With :math:`k` items and covariance matrix :math:`C`,

    .. math:: \alpha = \frac{k}{k-1}\left(1 - \frac{\operatorname{tr} C}{\mathbf 1' C \mathbf 1}\right)

    and the standardised alpha is the same formula on the correlation matrix. The Feldt
    interval is :math:`1 - (1-\alpha) F_{1-p/2}` to :math:`1 - (1-\alpha) F_{p/2}` with
    :math:`F` on :math:`(N-1, (N-1)(k-1))` degrees of freedom (psych's ``alpha.ci``).
    ``r_drop`` of item *i* is :math:`\sum_{j\ne i} C_{ij} / \sqrt{C_{ii} \sum_{j,l \ne i} C_{jl}}`.

    ``floor`` / ``ceiling`` are the proportions of an item's answers at the lowest /
    highest category *observed anywhere in the item set* (not in that item alone), so an
    item nobody rates at the scale's top has ceiling 0.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16, 297-334.
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. Applied Psychological Measurement, 11, 93-103.
    Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of coefficient
    alpha and theta for Likert rating scales. J. Modern Applied Statistical Methods, 6, 21-29.
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
    Research (function ``alpha``).

    Examples
    --------
    Neuroticism items of psych's ``bfi`` with missing answers (R:
    ``psych::alpha(bfi[, paste0("N", 1:5)])`` gives raw_alpha 0.8140):

    >>> import pandas as pd
    >>> from copro_scale.psychometrics import reliability
    >>> bfi = pd.read_csv("tests/reference/bfi.csv")
    >>> res = reliability(bfi[["N1", "N2", "N3", "N4", "N5"]])
    >>> round(res.alpha, 4)
    0.814
    """
    check_nan_policy(nan_policy)
    x = check_items(data)
    if nan_policy == "listwise":
        x = listwise(x)
        if len(x) < 3:
            raise CoproError("fewer than 3 complete rows after listwise deletion")
    if not 0 < ci < 1:
        raise CoproError(f"ci must be between 0 and 1, got {ci}")
    k = x.shape[1]
    n = x.shape[0]
    sd = x.std(ddof=1)
    if (sd.fillna(0) <= 0).any():
        raise CoproError(f"item(s) without variance: {list(sd.index[sd.fillna(0) <= 0])}")
    if ordinal:
        from copro_scale.psychometrics.polychoric import polychoric

        c = polychoric(x).rho.to_numpy()
    else:
        c, _ = covariance(x, "pairwise")
    r = cov_to_cor(c)
    if ordinal:  # pingouin's cronbach_alpha takes raw answers only, not a polychoric matrix
        alpha = float(alpha_from_cov(c))
        alpha_ci = _feldt(alpha, n, k, ci)
    else:
        from pingouin import cronbach_alpha

        alpha, interval = cronbach_alpha(data=x, nan_policy="pairwise", ci=ci)
        alpha, alpha_ci = float(alpha), [float(v) for v in interval]
    std_alpha = float(alpha_from_cov(r))
    total = c.sum()
    colsum = c.sum(axis=0)
    diag = np.diag(c)
    rest_var = total - 2 * colsum + diag  # sum of C without row/column i
    r_drop = (colsum - diag) / np.sqrt(diag * rest_var)
    if k > 2:
        keep = ~np.eye(k, dtype=bool)
        sub = np.stack([c[np.ix_(keep[i], keep[i])] for i in range(k)])
        alpha_del = alpha_from_cov(sub)
    else:  # psych: C[1,2]/C[2,2] and C[1,2]/C[1,1]
        alpha_del = np.array([c[0, 1] / c[1, 1], c[0, 1] / c[0, 0]])
    values = x.to_numpy()
    lo, hi = np.nanmin(values), np.nanmax(values)
    answered = x.notna().sum()
    item_stats = pd.DataFrame(
        {
            "n": answered.astype(int),
            "mean": x.mean(),
            "sd": sd,
            "r_drop": r_drop,
            "alpha_if_deleted": alpha_del,
            "floor": (x == lo).sum() / answered,
            "ceiling": (x == hi).sum() / answered,
        },
        index=x.columns,
    )
    boot_ci = None
    if n_boot and n_boot > 0:
        if ordinal:
            raise CoproError("the bootstrap interval is only available for ordinal=False")
        rng = np.random.default_rng(seed)
        alphas = []
        chunk = max(1, int(2e7 // max(n * k, 1)))
        done = 0
        while done < n_boot:
            b = min(chunk, n_boot - done)
            idx = rng.integers(0, n, size=(b, n))
            alphas.append(alpha_from_cov(batched_covariance(values[idx])))
            done += b
        alphas = np.concatenate(alphas)
        p = (1 - ci) / 2
        boot_ci = [float(np.nanquantile(alphas, p)), float(np.nanquantile(alphas, 1 - p))]
    return ReliabilityResult(
        alpha=alpha,
        std_alpha=std_alpha,
        alpha_ci=alpha_ci,
        alpha_boot_ci=boot_ci,
        n_items=k,
        n_obs=n,
        ordinal=bool(ordinal),
        item_stats=item_stats,
    )
