"""Sample statistics for the CFA estimators: complete-data moments, missing-data patterns.

Each group is a :class:`GroupData`: the rows split by their pattern of answered items
(one pattern for complete data), each with its count, mean and biased (divide by n)
covariance, as lavaan's ``lavSampleStats`` keeps them for ``missing="ml"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from copro_scale.errors import CoproError

__all__ = ["Pattern", "GroupData", "split_patterns", "em_moments", "looks_like_matrix"]


@dataclass
class Pattern:
    obs: np.ndarray          # indices of the answered items
    n: int
    mean: np.ndarray
    cov: np.ndarray          # biased (divide by n)
    x: np.ndarray | None     # the rows (n x len(obs)); None for summary-statistics input


@dataclass
class GroupData:
    name: str
    n: int
    patterns: list
    cov: np.ndarray = field(default=None)   # saturated (h1) covariance: sample or EM
    mean: np.ndarray = field(default=None)

    @property
    def complete(self) -> bool:
        return len(self.patterns) == 1 and len(self.patterns[0].obs) == len(self.mean)


def split_patterns(x: np.ndarray) -> list[Pattern]:
    """Rows of ``x`` (n x p, NaN = missing) grouped by their pattern of answered items."""
    ok = ~np.isnan(x)
    keys, inverse = np.unique(ok, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    out = []
    for k, key in enumerate(keys):
        rows = x[inverse == k][:, key]
        mean = rows.mean(axis=0)
        xc = rows - mean
        out.append(Pattern(np.flatnonzero(key), rows.shape[0], mean, xc.T @ xc / rows.shape[0], rows))
    return out


def em_moments(patterns, p, tol=1e-10, max_iter=2000):
    """Saturated ML means and covariances under MAR by EM (lavaan's h1 for ``missing="ml"``)."""
    n = sum(pt.n for pt in patterns)
    mu = np.zeros(p)
    s = np.zeros((p, p))
    cnt = np.zeros(p)
    for pt in patterns:  # start: available-case means and variances
        mu[pt.obs] += pt.n * pt.mean
        cnt[pt.obs] += pt.n
    mu /= cnt
    for pt in patterns:
        d = pt.mean - mu[pt.obs]
        s[pt.obs, pt.obs] += pt.n * (np.diag(pt.cov) + d * d)
    sigma = np.diag(s.diagonal() / cnt)
    for _ in range(max_iter):
        t1 = np.zeros(p)
        t2 = np.zeros((p, p))
        for pt in patterns:
            o = pt.obs
            m = np.setdiff1d(np.arange(p), o)
            xhat = np.empty(p)
            xhat[o] = pt.mean
            c = np.zeros((p, p))
            c[np.ix_(o, o)] = pt.cov
            if len(m):
                b = np.linalg.solve(sigma[np.ix_(o, o)], sigma[np.ix_(o, m)]).T  # (m, o)
                xhat[m] = mu[m] + b @ (pt.mean - mu[o])
                c[np.ix_(m, o)] = b @ pt.cov
                c[np.ix_(o, m)] = c[np.ix_(m, o)].T
                c[np.ix_(m, m)] = b @ pt.cov @ b.T + sigma[np.ix_(m, m)] - b @ sigma[np.ix_(o, m)]
            t1 += pt.n * xhat
            t2 += pt.n * (c + np.outer(xhat, xhat))
        new_mu = t1 / n
        new_sigma = t2 / n - np.outer(new_mu, new_mu)
        done = max(np.max(np.abs(new_mu - mu)), np.max(np.abs(new_sigma - sigma))) < tol
        mu, sigma = new_mu, new_sigma
        if done:
            return mu, sigma, True
    return mu, sigma, False


def looks_like_matrix(data: pd.DataFrame) -> bool:
    """True when ``data`` is a square symmetric matrix whose rows are named like its columns."""
    if data.shape[0] != data.shape[1] or data.shape[0] < 2:
        return False
    if [str(i) for i in data.index] != [str(c) for c in data.columns]:
        return False
    try:
        v = data.to_numpy(float)
    except (TypeError, ValueError):
        return False
    return bool(np.allclose(v, v.T, equal_nan=False))


def check_columns(data, ov, group=None):
    if not isinstance(data, pd.DataFrame):
        raise CoproError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if looks_like_matrix(data):
        raise CoproError("data looks like a covariance or correlation matrix (square, symmetric, rows "
                         "named like its columns); pass it as sample_cov= with n_obs= instead")
    missing = [v for v in ov if v not in data.columns]
    if missing:
        raise CoproError(f"model variable(s) {missing} are not columns of the data")
    if group is not None and group not in data.columns:
        raise CoproError(f"group column {group!r} is not in the data")
    bad = [v for v in ov if not pd.api.types.is_numeric_dtype(data[v])]
    if bad:
        raise CoproError(f"non-numeric item column(s) {bad}; convert responses to numbers first")
    empty = [v for v in ov if data[v].isna().all()]
    if empty:
        raise CoproError(f"item column(s) {empty} have no answers")
