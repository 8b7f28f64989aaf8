"""Shared input checks and matrix helpers (our own code, used by every module).

One place for: validating a DataFrame of items, the correlation / covariance matrix
with a ``nan_policy``, squared multiple correlations, and positive-definiteness checks.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd

from copro_scale.errors import CoproError

NAN_POLICIES = ("pairwise", "listwise")


def _names(index) -> str:
    return ", ".join(map(str, index))


def _looks_like_matrix(x: pd.DataFrame) -> bool:
    """True for a square, symmetric table with a unit diagonal, or labelled rows = columns."""
    if x.shape[0] != x.shape[1] or x.shape[0] < 2:
        return False
    m = x.to_numpy(dtype=float)
    if not np.all(np.isfinite(m)) or not np.allclose(m, m.T, atol=1e-8):
        return False
    unit = np.allclose(np.diag(m), 1.0) and np.all(np.abs(m) <= 1.0 + 1e-8)
    labelled = [str(i) for i in x.index] == [str(c) for c in x.columns]
    return bool(unit or labelled)


def check_items(data, *, min_items: int = 2, min_rows: int = 3, what: str = "data",
                variance: bool = True) -> pd.DataFrame:
    """Return ``data`` as a float DataFrame of items, or raise :class:`CoproError`.

    The message names the columns at fault: non-numeric, all missing, too few answers,
    infinite values, or (``variance=True``) the same answer from everyone. A correlation or
    covariance matrix passed where responses are expected is refused.
    """
    if not isinstance(data, pd.DataFrame):
        raise CoproError(f"{what} must be a pandas DataFrame of items, got {type(data).__name__}")
    bad = [c for c, t in data.dtypes.items() if not (pd.api.types.is_numeric_dtype(t) or
                                                     pd.api.types.is_bool_dtype(t))]
    if bad:
        raise CoproError(f"{what}: non-numeric item column(s) {bad}; convert responses to numbers first")
    if data.shape[1] < min_items:
        raise CoproError(f"{what} needs at least {min_items} item columns, got {data.shape[1]}")
    out = data.astype(float)
    if _looks_like_matrix(out):
        raise CoproError(f"{what} looks like a correlation or covariance matrix ({out.shape[0]} x "
                         f"{out.shape[1]}, symmetric); pass the responses instead, one row per "
                         "respondent and one column per item")
    values = out.to_numpy()  # the checks on one array: a pandas reduction per column costs 10x
    present = ~np.isnan(values)
    answered = pd.Series(present.sum(axis=0), index=out.columns)
    empty = answered.index[answered == 0]
    if len(empty):
        raise CoproError(f"{what}: column(s) {_names(empty)} have no answers (all missing); "
                         "leave them out")
    infinite = out.columns[np.isinf(values).any(axis=0)]
    if len(infinite):
        raise CoproError(f"{what}: column(s) {_names(infinite)} hold infinite values")
    n_valid = int(present.all(axis=1).sum()) if out.shape[1] else 0
    if out.shape[0] < min_rows:
        raise CoproError(f"{what} needs at least {min_rows} rows with answers, got {out.shape[0]} rows "
                         f"({n_valid} complete)")
    few = answered.index[answered < min_rows]
    if len(few):
        raise CoproError(f"{what}: column(s) {_names(few)} have fewer than {min_rows} answers")
    if variance:
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a column with one answer: NaN
            sd = pd.Series(np.nanstd(values, axis=0, ddof=1), index=out.columns)
        flat = sd.index[~(sd > 0)]
        if len(flat):
            raise CoproError(f"{what}: item(s) without variance (everyone gave the same answer): "
                             f"{_names(flat)}; leave them out")
    return out


def check_nan_policy(nan_policy: str) -> None:
    if nan_policy not in NAN_POLICIES:
        raise CoproError(f"nan_policy must be one of {NAN_POLICIES}, got {nan_policy!r}")


def listwise(data: pd.DataFrame) -> pd.DataFrame:
    return data.dropna(axis=0, how="any")


def batched_covariance(x: np.ndarray, *, corr: bool = False) -> np.ndarray:
    """Covariance (N-1) or correlation matrices of a stack of data sets ``x`` (B, n, p).

    NaN are handled pairwise, as R's ``cov(x, use="pairwise")``: every entry uses the rows
    where both items are answered, with the means and SDs of those rows.
    """
    m = ~np.isnan(x)
    if m.all():
        xc = x - x.mean(axis=1, keepdims=True)
        cov = np.swapaxes(xc, 1, 2) @ xc / (x.shape[1] - 1)
        if corr:
            d = 1.0 / np.sqrt(np.einsum("bii->bi", cov))
            cov = cov * d[:, :, None] * d[:, None, :]
        return cov
    xz = np.where(m, x, 0.0)
    mf = m.astype(float)
    n = np.swapaxes(mf, 1, 2) @ mf  # pairwise counts
    sx = np.swapaxes(xz, 1, 2) @ mf  # sum of x_i over rows where i and j are answered
    sxy = np.swapaxes(xz, 1, 2) @ xz
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_i = sx / n
        mean_j = np.swapaxes(sx, 1, 2) / n
        cov = (sxy - n * mean_i * mean_j) / (n - 1)
        if corr:
            sxx = np.swapaxes(xz**2, 1, 2) @ mf
            var_i = (sxx - n * mean_i**2) / (n - 1)
            cov = cov / np.sqrt(var_i * np.swapaxes(var_i, 1, 2))
            idx = np.arange(cov.shape[1])
            cov[:, idx, idx] = 1.0
    return cov


def covariance(data: pd.DataFrame, nan_policy: str = "pairwise", *, corr: bool = False):
    """Covariance (N-1 denominator) or correlation matrix of the items, and the N used.

    ``pairwise`` uses every pair of complete answers, as R's ``cov(x, use="pairwise")``
    (and therefore psych); ``listwise`` drops every row with a missing answer first.
    N is the number of rows (pairwise) or complete rows (listwise), as psych reports it.
    """
    check_nan_policy(nan_policy)
    x = listwise(data) if nan_policy == "listwise" else data
    x = x.to_numpy(dtype=float)
    return batched_covariance(x[None], corr=corr)[0], x.shape[0]


def correlation(data: pd.DataFrame, nan_policy: str = "pairwise"):
    """Pearson correlation matrix with ``nan_policy`` (see :func:`covariance`) and N."""
    return covariance(data, nan_policy, corr=True)


def item_correlation(data, nan_policy: str = "pairwise", *, what: str = "data"):
    """Checked items, their correlation matrix and N; names any pair with no correlation."""
    x = check_items(data, min_items=2, what=what)
    r, n = correlation(x, nan_policy)
    bad = np.argwhere(np.isnan(r))
    if len(bad):
        i, j = bad[0]
        raise CoproError(f"{what}: items {x.columns[i]} and {x.columns[j]} have no correlation "
                         "(fewer than 2 answers in common, or one is constant where both are "
                         "answered); leave one of them out or use nan_policy='listwise'")
    return x, r, n


def require_positive_definite(r: np.ndarray, what: str) -> None:
    """Raise a :class:`CoproError` when the correlation matrix is not positive definite."""
    if not is_positive_definite(r):
        raise CoproError(f"{what}: the correlation matrix is not positive definite (singular or "
                         "computed pairwise from inconsistent subsets); it is not smoothed. "
                         "Remove redundant items or use nan_policy='listwise'.")


def is_positive_definite(m: np.ndarray, rtol: float = 1e-10) -> bool:
    """True when the symmetric matrix ``m`` is numerically positive definite.

    The smallest eigenvalue must exceed ``rtol`` times the largest, so an exactly singular
    matrix that Cholesky would accept because of rounding is reported as not PD.
    """
    if not np.all(np.isfinite(m)):
        return False
    vals = np.linalg.eigvalsh(m)
    return bool(vals[0] > rtol * max(vals[-1], 0.0))


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations, 1 - 1/diag(R^-1) (psych::smc for a PD matrix)."""
    return 1.0 - 1.0 / np.diag(np.linalg.inv(r))


def cov_to_cor(c: np.ndarray) -> np.ndarray:
    d = 1.0 / np.sqrt(np.diag(c))
    return c * d[:, None] * d[None, :]


def small_matrix_blas():
    """Context manager limiting BLAS/LAPACK to one thread for loops over small matrices.

    Many tiny ``eigh`` / ``inv`` calls right after a large multi-threaded product run 10-20x
    slower when OpenBLAS threads compete for the cores. ``threadpoolctl`` comes with
    scikit-learn (a dependency of factor_analyzer); without it this does nothing.
    """
    pools = _blas_pools()
    if pools is None:  # pragma: no cover
        from contextlib import nullcontext

        return nullcontext()
    return pools.limit(limits=1)


@functools.cache
def _blas_pools():
    """The BLAS/OpenMP thread pools of this process, found once (finding them reads the
    process's loaded libraries, about 5 ms: as long as a KMO). SciPy is imported first so that
    its own BLAS is among them."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover
        return None
    import scipy.linalg  # noqa: F401

    return ThreadpoolController()
