"""How many factors to retain: Horn's parallel analysis and Velicer's MAP.

Our own code (numpy): factor_analyzer has neither, and pingouin neither. Written to
reproduce ``psych::fa.parallel(fa = "fa")`` and the ``map`` of ``psych::vss``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from copro_scale.errors import CoproError
from copro_scale.psychometrics._common import (
    batched_covariance,
    item_correlation,
    small_matrix_blas,
)
from copro_scale.psychometrics._result import Result
from copro_scale.psychometrics.extraction import fit_factors

__all__ = ["MAPResult", "ParallelResult", "parallel_analysis", "velicer_map"]


@dataclass(repr=False)
class ParallelResult(Result):
    n_factors: int
    eigenvalues: pd.DataFrame
    n_iter: int
    quantile: float
    _frame = "eigenvalues"


@dataclass(repr=False)
class MAPResult(Result):
    n_factors: int
    map_values: pd.DataFrame
    _frame = "map_values"


def _fa_values(r, method="minres"):
    """psych's fa(r, 1)$values: eigenvalues of R with the 1-factor communalities on the diagonal."""
    load, _, _ = fit_factors(r, 1, method)
    s = r.copy()
    np.fill_diagonal(s, np.sum(load**2, axis=1))
    return np.linalg.eigvalsh(s)[::-1]


def parallel_analysis(data, n_iter=100, seed=None, quantile=0.95, nan_policy="pairwise"):
    r"""Horn's parallel analysis on factor eigenvalues (as ``psych::fa.parallel(fa="fa")``).

    Parameters
    ----------
    data : pandas.DataFrame
        Items as columns.
    n_iter : int
        Number of simulated normal data sets (same N and number of items).
    seed : int or None
        Seed of the :class:`numpy.random.Generator`.
    quantile : float
        Quantile of the simulated eigenvalues that an observed eigenvalue must exceed
        (psych's ``quant=0.95``, which is what psych's suggestion uses).
    nan_policy : {"pairwise", "listwise"}
        Correlation matrix convention of the observed data.

    Returns
    -------
    ParallelResult
        ``n_factors`` (number of leading observed eigenvalues above the simulated
        quantile) and ``eigenvalues``: a DataFrame with ``observed``, ``simulated_mean``
        and ``simulated_quantile`` per factor.

    Notes
    -----
    Eigenvalues are psych's "fa" eigenvalues: the eigenvalues of the correlation matrix
    whose diagonal holds the communalities of a one-factor minres solution, for the
    observed data and for each simulated data set. All simulated data sets are drawn in
    one batch and their correlation matrices computed at once; the one-factor fits run
    per data set. The suggestion is random; the observed eigenvalues are deterministic.

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor
    analysis. Psychometrika, 30, 179-185.

    Examples
    --------
    R: ``fa.parallel(na.omit(bfi[, 1:25]), fa = "fa")`` suggests 6 factors.

    >>> import pandas as pd
    >>> from copro_scale.psychometrics import parallel_analysis
    >>> parallel_analysis(pd.read_csv("tests/reference/bfi.csv").dropna(), n_iter=20, seed=1).n_factors
    6
    """
    _, r, n = item_correlation(data, nan_policy)
    if n_iter < 1:
        raise CoproError("n_iter must be at least 1")
    p = r.shape[0]
    with small_matrix_blas():
        obs = _fa_values(r)
    rng = np.random.default_rng(seed)
    sims = np.empty((n_iter, p))
    chunk = max(1, int(2e7 // (n * p)))
    done = 0
    while done < n_iter:
        b = min(chunk, n_iter - done)
        cors = batched_covariance(rng.standard_normal((b, n, p)), corr=True)
        with small_matrix_blas():
            for i in range(b):
                sims[done + i] = _fa_values(cors[i])
        done += b
    q = np.quantile(sims, quantile, axis=0)
    above = obs > q
    nf = int(np.argmin(above)) if not above.all() else p
    table = pd.DataFrame(
        {"observed": obs, "simulated_mean": sims.mean(axis=0), "simulated_quantile": q},
        index=pd.RangeIndex(1, p + 1, name="factor"),
    )
    return ParallelResult(n_factors=nf, eigenvalues=table, n_iter=int(n_iter), quantile=float(quantile))


def velicer_map(data, max_factors=8, nan_policy="pairwise"):
    r"""Velicer's minimum average partial (MAP) criterion (as the ``map`` of ``psych::vss``).

    Parameters
    ----------
    data : pandas.DataFrame
        Items as columns.
    max_factors : int
        Largest number of components tried (psych's ``n = 8``).
    nan_policy : {"pairwise", "listwise"}
        Correlation matrix convention.

    Returns
    -------
    MAPResult
        ``n_factors`` (the number with the smallest average squared partial correlation)
        and ``map_values`` (DataFrame indexed by number of components).

    Notes
    -----
    For :math:`m = 1, 2, \dots`: partial out the first *m* principal components
    :math:`C_m` of *R*, :math:`R^*_m = D^{-1/2}(R - C_mC_m')D^{-1/2}`, and average the
    squared off-diagonal entries. As in psych, the value for 0 components is not
    considered and principal components (not factors) are partialled out.

    References
    ----------
    Velicer, W. F. (1976). Determining the number of components from the matrix of
    partial correlations. Psychometrika, 41, 321-327.

    Examples
    --------
    R: ``psych::vss(na.omit(bfi[, 1:25]))$map`` has its minimum at 5.

    >>> import pandas as pd
    >>> from copro_scale.psychometrics import velicer_map
    >>> velicer_map(pd.read_csv("tests/reference/bfi.csv").dropna()).n_factors
    5
    """
    _, r, _ = item_correlation(data, nan_policy)
    p = r.shape[0]
    vals, vecs = np.linalg.eigh(r)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    comp = vecs * np.sqrt(np.maximum(vals, 0))
    n1 = min(max_factors, p - 1)
    out = np.full(n1, np.nan)
    for i in range(1, n1 + 1):
        c = r - comp[:, :i] @ comp[:, :i].T
        d = 1 / np.sqrt(np.diag(c))
        rs = c * d[:, None] * d[None, :]
        np.fill_diagonal(rs, 0)
        out[i - 1] = np.sum(rs**2) / (p * (p - 1))
    table = pd.DataFrame({"map": out}, index=pd.RangeIndex(1, n1 + 1, name="n_factors"))
    return MAPResult(n_factors=int(np.nanargmin(out) + 1), map_values=table)
