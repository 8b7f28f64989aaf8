"""Exploratory factor analysis: factor extraction as ``psych::fa`` does it, and ``efa``.

Our own code (numpy/scipy): factor_analyzer's ``FactorAnalyzer.fit`` fails with
scikit-learn >= 1.8 and its "principal" is PCA, not principal axis. Extraction follows
psych's code (minres and ML: L-BFGS-B on the uniquenesses with psych's objective and
gradient, start 1 - SMC, bounds [0.005, 1]; pa: iterated principal axis, start SMC, stop
when the sum of communalities changes by less than 0.001, at most 50 iterations). The
rotation is :mod:`.rotation` (factor_analyzer's Rotator).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from copro_scale.errors import CoproError
from copro_scale.psychometrics._common import (
    check_items,
    check_nan_policy,
    is_positive_definite,
    item_correlation,
    listwise,
    small_matrix_blas,
    smc,
)
from copro_scale.psychometrics._result import Result
from copro_scale.psychometrics.rotation import check_rotation, rotate, sort_reflect

__all__ = ["CORRELATIONS", "METHODS", "EFAResult", "efa", "factor_solution", "fit_factors"]

METHODS = ("minres", "ml", "pa")
CORRELATIONS = ("cor", "poly")


@dataclass(repr=False)
class EFAResult(Result):
    loadings: pd.DataFrame
    communalities: pd.Series
    phi: pd.DataFrame | None
    method: str
    rotation: str | None
    cor: str
    converged: bool
    n_obs: int
    variance: pd.DataFrame
    rmsea: float | None = None
    tli: float | None = None
    chisq: float | None = None
    df: int | None = None
    warning: str | None = None
    _frame = "loadings"


def check_method(method) -> None:
    if method not in METHODS:
        raise CoproError(f"method must be one of {METHODS}, got {method!r}")


# --------------------------------------------------------------------------- objectives
def _minres_obj(psi, s, nf):
    s2 = s.copy()
    np.fill_diagonal(s2, 1 - psi)
    vals, vecs = np.linalg.eigh(s2)
    vals, vecs = vals[::-1][:nf], vecs[:, ::-1][:, :nf]
    vals = np.where(vals < np.finfo(float).eps, 100 * np.finfo(float).eps, vals)
    load = vecs * np.sqrt(vals)
    res = s2 - load @ load.T
    return float(np.sum(np.tril(res, -1) ** 2))


def _minres_grad(psi, s, nf):
    vals, vecs = np.linalg.eigh(s - np.diag(psi))
    vals, vecs = vals[::-1][:nf], vecs[:, ::-1][:, :nf]
    load = vecs * np.sqrt(np.maximum(vals, 0))
    return np.sum(load**2, axis=1) + psi - np.diag(s)


def _ml_load(psi, s, nf):
    sc = 1 / np.sqrt(psi)
    sstar = s * sc[:, None] * sc[None, :]
    vals, vecs = np.linalg.eigh(sstar)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    return vals, np.sqrt(psi)[:, None] * vecs[:, :nf] * np.sqrt(np.maximum(vals[:nf] - 1, 0))


def _ml_obj(psi, s, nf):
    vals, _ = _ml_load(psi, s, nf)
    e = vals[nf:]
    return float(-(np.sum(np.log(e) - e) - nf + s.shape[0]))


def _ml_grad(psi, s, nf):
    _, load = _ml_load(psi, s, nf)
    g = load @ load.T + np.diag(psi) - s
    return np.diag(g) / psi**2


def _wls_load(psi, s, nf):
    s2 = s - np.diag(psi)
    vals, vecs = np.linalg.eigh(s2)
    vals, vecs = vals[::-1][:nf], vecs[:, ::-1][:, :nf]
    return vecs * np.sqrt(np.maximum(vals, 0))


def fit_factors(r: np.ndarray, n_factors: int, method: str = "minres"):
    """Unrotated factor loadings of a correlation matrix, as psych's ``fa`` extracts them.

    Returns ``(loadings, converged, message)``; the loadings are reflected so that each
    column sums to a positive value (psych).
    """
    p = r.shape[0]
    check_method(method)
    converged, message = True, None
    if method in ("minres", "ml"):
        start = 1 - smc(r) if is_positive_definite(r) else np.full(p, 0.5)
        obj, grad = (_minres_obj, _minres_grad) if method == "minres" else (_ml_obj, _ml_grad)
        upper = max(float(np.max(1 - start)), 1.0)
        # psych: optim(L-BFGS-B, parscale 0.01): optimise psi / 0.01
        res = optimize.minimize(
            lambda z: obj(z * 0.01, r, n_factors),
            start / 0.01,
            jac=lambda z: grad(z * 0.01, r, n_factors) * 0.01,
            method="L-BFGS-B",
            bounds=[(0.5, upper / 0.01)] * p,
            options={"maxiter": 1000, "ftol": 1e7 * np.finfo(float).eps, "gtol": 0.0},  # R optim defaults
        )
        psi = res.x * 0.01
        converged = bool(res.success)
        if not converged:
            message = f"factor extraction did not converge: {res.message}"
        load = _wls_load(psi, r, n_factors) if method == "minres" else _ml_load(psi, r, n_factors)[1]
    else:  # principal axis
        rm = r.copy()
        np.fill_diagonal(rm, smc(r) if is_positive_definite(r) else 1.0)
        comm = np.trace(rm)
        for _ in range(50):
            vals, vecs = np.linalg.eigh(rm)
            vals, vecs = vals[::-1][:n_factors], vecs[:, ::-1][:, :n_factors]
            if np.any(vals < 0):
                converged, message = False, "principal axis: negative eigenvalue (imaginary loadings)"
                vals = np.maximum(vals, 0)
            load = vecs * np.sqrt(vals)
            new = np.sum(load**2, axis=1)
            comm1 = new.sum()
            np.fill_diagonal(rm, new)
            if abs(comm - comm1) < 0.001:
                break
            comm = comm1
        else:
            converged, message = False, "principal axis: maximum of 50 iterations exceeded"
    sign = np.sign(load.sum(axis=0))
    sign[sign == 0] = 1
    return load * sign, converged, message


def factor_solution(r, n_factors, method="minres", rotation="oblimin"):
    """Extract, rotate, reflect and sort: (loadings, phi, unrotated, converged, message)."""
    load, ok, msg = fit_factors(r, n_factors, method)
    lam, phi, rot_ok = rotate(load, rotation)
    if not rot_ok:
        ok, msg = False, (msg + "; " if msg else "") + f"{rotation} rotation did not converge"
    lam, phi = sort_reflect(lam, phi)
    return lam, phi, load, ok, msg


def _item_matrix(data, nan_policy, cor):
    """Items, the correlation matrix efa factors, N (psych: all rows) and any warning."""
    if cor not in CORRELATIONS:
        raise CoproError(f"cor must be one of {CORRELATIONS}, got {cor!r}")
    if cor == "cor":
        x, r, n = item_correlation(data, nan_policy)
        return x, r, n, None
    from copro_scale.psychometrics.polychoric import polychoric

    check_nan_policy(nan_policy)
    x = check_items(data)
    if nan_policy == "listwise":
        x = check_items(listwise(x), what="complete rows of data")
    pc = polychoric(x)
    return x, pc.rho.to_numpy(), len(x), pc.warning


def _ml_fit(r, model, n, p, m):
    """psych's factor.stats for ML: Bartlett-corrected chi-square, df, TLI and RMSEA."""
    mod = model.copy()
    np.fill_diagonal(mod, 1.0)
    minv_r = np.linalg.solve(mod, r)
    f = np.trace(minv_r) - np.linalg.slogdet(minv_r)[1] - p
    dof = p * (p - 1) / 2 - p * m + m * (m - 1) / 2
    nm = (n - 1) - (2 * p + 5) / 6 - 2 * m / 3
    chisq = max(f * nm, 0.0)
    f0 = np.trace(r) - np.linalg.slogdet(r)[1] - p
    m0 = f0 * 2 / (p * (p - 1))
    mm = f / dof if dof > 0 else np.nan
    rmsea = float(np.sqrt(max(chisq / (dof * n) - 1 / (n - 1), 0))) if dof > 0 else np.nan
    return {"chisq": float(chisq), "df": int(dof), "tli": float((m0 - mm) / (m0 - 1 / nm)),
            "rmsea": rmsea}


def efa(data, n_factors, method="minres", rotation="oblimin", nan_policy="pairwise", cor="cor"):
    r"""Exploratory factor analysis of the item correlation matrix (as ``psych::fa``).

    Parameters
    ----------
    data : pandas.DataFrame
        Items as columns.
    n_factors : int
        Number of factors.
    method : {"minres", "ml", "pa"}
        Minimum residual (psych's default), maximum likelihood, or iterated principal axis.
    rotation : {"oblimin", "promax", "varimax", "geomin", None}
        ``"geomin"`` is the oblique geomin (GPArotation's ``geominQ``, delta 0.01).
    nan_policy : {"pairwise", "listwise"}
        Correlation matrix convention (psych: pairwise; N = all rows).
    cor : {"cor", "poly"}
        Pearson correlations (psych's default) or polychoric correlations of ordinal items
        (psych's ``fa(cor = "poly")``: :func:`~copro_scale.psychometrics.polychoric`,
        smoothed with a warning if not positive definite).

    Returns
    -------
    EFAResult
        ``loadings`` (items x factors; pattern loadings for oblique rotations),
        ``communalities`` (diag of L Phi L'), ``phi`` (factor correlations, None if
        orthogonal), ``variance`` (SS loadings and proportions), ``converged``, ``warning``,
        and for ``method="ml"`` ``chisq``, ``df``, ``rmsea`` and ``tli`` as psych reports
        them (Bartlett-corrected chi-square, N = number of rows).

    Notes
    -----
    The ML fit statistics follow psych's ``factor.stats``: with :math:`\hat R = L\Phi L'`
    (unit diagonal), :math:`F = \operatorname{tr}(\hat R^{-1}R) - \log|\hat R^{-1}R| - p`,
    :math:`\chi^2 = F\,(N - 1 - (2p+5)/6 - 2m/3)`, df :math:`= p(p-1)/2 - pm + m(m-1)/2`,
    RMSEA :math:`=\sqrt{\max(\chi^2/(df\,N) - 1/(N-1), 0)}` and Tucker-Lewis
    :math:`(M_0 - M_m)/(M_0 - 1/n_m)` with :math:`M_0 = F_0 \cdot 2/(p(p-1))`,
    :math:`M_m = F/df`, :math:`n_m = N - 1 - (2p+5)/6 - 2m/3`.

    References
    ----------
    Revelle, W. (2022). psych (``fa``). Harman, H. H., & Jones, W. H. (1966). Factor
    analysis by minimizing residuals (minres). Psychometrika, 31, 351-368.
    Bernaards, C. A., & Jennrich, R. I. (2005). Gradient projection algorithms and software
    for arbitrary rotation criteria in factor analysis. Educ. Psychol. Meas., 65, 676-696.

    Examples
    --------
    R: ``psych::fa(na.omit(bfi[, 1:25]), 5)$loadings["N1", "MR1"]`` = 0.8318

    >>> import pandas as pd
    >>> from copro_scale.psychometrics import efa
    >>> res = efa(pd.read_csv("tests/reference/bfi.csv").dropna(), 5)
    >>> round(float(res.loadings.loc["N1", "F1"]), 3)
    0.832
    """
    x, r, n, cor_warning = _item_matrix(data, nan_policy, cor)
    p = r.shape[0]
    if not isinstance(n_factors, (int, np.integer)) or n_factors < 1 or n_factors >= p:
        raise CoproError(f"n_factors must be an integer between 1 and {p - 1}, got {n_factors!r}")
    check_method(method)
    check_rotation(rotation)
    notes = [cor_warning] if cor_warning else []
    if not is_positive_definite(r):
        if method == "ml":
            raise CoproError("efa(method='ml'): the correlation matrix is not positive definite; "
                             "it is not smoothed")
        notes.append("the correlation matrix is not positive definite (not smoothed)")
    with small_matrix_blas():
        lam, phi, _, ok, msg = factor_solution(r, n_factors, method, rotation)
    if msg:
        notes.append(msg)
    names = [f"F{i + 1}" for i in range(n_factors)]
    corr = phi if phi is not None else np.eye(n_factors)
    model = lam @ corr @ lam.T
    comm = np.diag(model)
    if np.any(comm > 1):
        notes.append("Heywood case: communality above 1 for " + ", ".join(map(str, x.columns[comm > 1])))
    ss = np.diag(corr @ lam.T @ lam)
    fit = _ml_fit(r, model, n, p, n_factors) if method == "ml" else {}
    return EFAResult(
        loadings=pd.DataFrame(lam, index=x.columns, columns=names),
        communalities=pd.Series(comm, index=x.columns),
        phi=None if phi is None else pd.DataFrame(phi, index=names, columns=names),
        method=method,
        rotation=rotation,
        cor=cor,
        converged=ok,
        n_obs=int(n),
        variance=pd.DataFrame({"ss_loadings": ss, "proportion": ss / p}, index=names),
        warning="; ".join(notes) or None,
        **fit,
    )
