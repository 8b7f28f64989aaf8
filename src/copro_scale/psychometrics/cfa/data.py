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
from copro_scale.psychometrics.cfa.linalg import masked_inverse

__all__ = ["select_rows", "Pattern", "GroupData", "Stack", "split_patterns", "stack", "em_moments",
           "looks_like_matrix", "check_columns"]


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
    stack: Stack = field(default=None)

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


@dataclass
class Stack:
    """The patterns of a group as arrays embedded in p x p (zeros where an item is missing)."""
    mask: np.ndarray   # (P, p) answered items
    n: np.ndarray      # (P,)
    mean: np.ndarray   # (P, p)
    cov: np.ndarray    # (P, p, p)


def stack(patterns, p) -> Stack:
    P = len(patterns)
    mask = np.zeros((P, p), bool)
    mean = np.zeros((P, p))
    cov = np.zeros((P, p, p))
    for k, pt in enumerate(patterns):
        mask[k, pt.obs] = True
        mean[k, pt.obs] = pt.mean
        cov[k][np.ix_(pt.obs, pt.obs)] = pt.cov
    return Stack(mask, np.array([pt.n for pt in patterns], float), mean, cov)


def em_moments(patterns, p, tol=1e-10, max_iter=2000):
    """Saturated ML means and covariances under MAR by EM (lavaan's h1 for ``missing="ml"``).

    E-step per pattern with K = Sigma Sigma_oo^-1 (embedded): E[x] = mu + K (mean_p - mu),
    E[xx'] - E[x]E[x]' = K S_p K' + Sigma - K Sigma.
    """
    st = stack(patterns, p)
    n = st.n.sum()
    cnt = (st.n[:, None] * st.mask).sum(axis=0)
    mu = (st.n[:, None] * st.mean).sum(axis=0) / cnt
    d = (st.mean - mu) * st.mask
    var = (st.n[:, None] * (np.diagonal(st.cov, axis1=1, axis2=2) + d * d)).sum(axis=0) / cnt
    sigma = np.diag(var)
    w = st.n[:, None, None]
    for _ in range(max_iter):
        inv, _ = masked_inverse(sigma, st.mask)
        K = sigma @ inv
        d = (st.mean - mu) * st.mask
        xhat = mu + np.einsum("pij,pj->pi", K, d)
        c = K @ st.cov @ np.swapaxes(K, 1, 2) + sigma - K @ sigma
        new_mu = (st.n[:, None] * xhat).sum(axis=0) / n
        t2 = (w * (c + xhat[:, :, None] * xhat[:, None, :])).sum(axis=0) / n
        new_sigma = t2 - np.outer(new_mu, new_mu)
        done = max(np.max(np.abs(new_mu - mu)), np.max(np.abs(new_sigma - sigma))) < tol
        mu, sigma = new_mu, (new_sigma + new_sigma.T) / 2
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


def select_rows(data, ov, group, miss, excluded, notes):
    """The rows a fit uses and the group labels in lavaan's order; every dropped row is counted.

    Groups are ordered as they first appear in all rows with a group (lavaan's
    ``unique(data[[group]])``), before incomplete rows are dropped, so the first group (the
    reference of latent means) does not depend on the missing answers. Rows without a group
    are dropped with a note (lavaan warns too); with ``miss="listwise"`` incomplete rows go,
    otherwise rows with no answer at all.
    """
    d = data[ov + ([group] if group is not None else [])]
    labels = [None]
    if group is not None:
        nog = d[group].isna()
        if nog.any():
            excluded["missing group"] = int(nog.sum())
            notes.append(f"{int(nog.sum())} row(s) without a value in group column {group!r} were left out")
            d = d[~nog]
        labels = list(pd.unique(d[group]))
    if miss == "listwise":
        keep = d[ov].notna().all(axis=1)
        reason = "incomplete rows (listwise)"
    else:
        keep = d[ov].notna().any(axis=1)
        reason = "rows with no answer to any item"
    if (~keep).any():
        excluded[reason] = int((~keep).sum())
    d = d[keep]
    if group is not None:
        left = set(pd.unique(d[group]))
        empty = [lab for lab in labels if lab not in left]
        if empty:
            raise CoproError(f"group(s) {empty} of column {group!r} have no rows left after dropping "
                             f"{reason}")
        if len(labels) < 2:
            raise CoproError(f"group column {group!r} has fewer than 2 groups with data")
    return d, labels
