"""Is a correlation matrix worth factoring? KMO and Bartlett's test of sphericity.

Both are psych's formulas on the one correlation matrix (pairwise for missing answers, as
``psych::KMO`` / ``psych::cortest.bartlett``; checked against R in
tests/psychometrics/test_against_r.py). Our own code, not factor_analyzer's
``calculate_kmo`` / ``calculate_bartlett_sphericity``: those take raw rows only (no pairwise
matrix), recompute the covariance three times and so took 2.7x R's time
(benchmarks/bench_psychometrics.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from copro_scale.psychometrics._common import (
    item_correlation,
    require_positive_definite,
    small_matrix_blas,
)
from copro_scale.psychometrics._result import Result

__all__ = ["BartlettResult", "KMOResult", "bartlett", "kmo"]


@dataclass(repr=False)
class KMOResult(Result):
    overall: float
    per_item: pd.Series
    _frame = "per_item"


@dataclass(repr=False)
class BartlettResult(Result):
    chi2: float
    df: int
    pvalue: float
    n_obs: int


def kmo(data, nan_policy="pairwise"):
    r"""Kaiser-Meyer-Olkin measure of sampling adequacy (as ``psych::KMO``).

    Parameters
    ----------
    data : pandas.DataFrame
        Items as columns.
    nan_policy : {"pairwise", "listwise"}
        How the correlation matrix treats missing answers (psych: pairwise).

    Returns
    -------
    KMOResult
        ``overall`` (MSA) and ``per_item`` (Series of MSA_i).

    Notes
    -----
    With correlations :math:`r_{ij}` and partial (anti-image) correlations :math:`q_{ij}`
    from :math:`R^{-1}`: :math:`MSA = \sum_{i\ne j} r_{ij}^2 / (\sum_{i\ne j} r_{ij}^2 +
    \sum_{i\ne j} q_{ij}^2)`; :math:`MSA_i` is the same with sums over column *i*.
    A singular matrix raises :class:`CoproError` (psych falls back silently).

    References
    ----------
    Kaiser, H. F. (1970). A second generation little jiffy. Psychometrika, 35, 401-415.

    Examples
    --------
    R: ``psych::KMO(bfi[, 1:25])$MSA`` = 0.8459 (pairwise; 0.8486 on complete cases)

    >>> import pandas as pd
    >>> from copro_scale.psychometrics import kmo
    >>> round(kmo(pd.read_csv("tests/reference/bfi.csv")).overall, 4)
    0.8459
    """
    with small_matrix_blas():  # products this small only lose time to BLAS threads
        x, r, _ = item_correlation(data, nan_policy)
        require_positive_definite(r, "kmo")
        q = np.linalg.inv(r)
    d = 1.0 / np.sqrt(np.diag(q))
    q = q * d[:, None] * d[None, :]  # anti-image (partial) correlations, up to sign
    np.fill_diagonal(q, 0.0)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    r2, q2 = r0**2, q**2
    overall = r2.sum() / (r2.sum() + q2.sum())
    per = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return KMOResult(overall=float(overall), per_item=pd.Series(per, index=x.columns, name="msa"))


def bartlett(data, nan_policy="pairwise"):
    r"""Bartlett's test of sphericity (as ``psych::cortest.bartlett`` on raw data).

    Parameters
    ----------
    data : pandas.DataFrame
        Items as columns.
    nan_policy : {"pairwise", "listwise"}
        Correlation matrix convention; N is all rows (pairwise, as psych) or complete rows.

    Returns
    -------
    BartlettResult
        ``chi2``, ``df``, ``pvalue`` and ``n_obs``.

    Notes
    -----
    :math:`\chi^2 = -\left(N - 1 - \frac{2p+5}{6}\right)\log|R|`, df = p(p-1)/2.

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a chi square approximation in
    factor analysis. Biometrika, 38, 337-344.

    Examples
    --------
    >>> import pandas as pd
    >>> from copro_scale.psychometrics import bartlett
    >>> res = bartlett(pd.read_csv("tests/reference/bfi.csv").dropna())
    >>> round(res.chi2, 1), res.df
    (18146.1, 300)
    """
    with small_matrix_blas():  # products this small only lose time to BLAS threads
        _, r, n = item_correlation(data, nan_policy)
        require_positive_definite(r, "bartlett")
        log_det = np.linalg.slogdet(r)[1]  # log|R| directly: det(R) underflows with many items
    p = r.shape[0]
    df = p * (p - 1) // 2
    chi2 = -log_det * (n - 1 - (2 * p + 5) / 6)
    pvalue = stats.chi2.sf(chi2, df)
    return BartlettResult(chi2=float(chi2), df=int(df), pvalue=float(pvalue), n_obs=int(n))
