"""Exploratory factor analysis and the tests around it (KMO, Bartlett, parallel analysis, MAP).

Our own code (numpy/scipy), written to reproduce ``psych::fa`` / ``psych::fa.parallel`` /
``psych::vss`` / ``psych::KMO`` / ``psych::cortest.bartlett`` (R). Why not
factor_analyzer: its ``FactorAnalyzer.fit`` breaks with scikit-learn >= 1.8, its
"principal" is PCA not principal axis, and its oblique ``phi_`` is not re-ordered with the
loading columns. The factor extraction follows psych's code (minres and ML: L-BFGS-B on
the uniquenesses with psych's objective and gradient, start 1 - SMC, bounds [0.005, 1];
pa: iterated principal axis, start SMC, stop when the sum of communalities changes by less
than 0.001, at most 50 iterations). Rotations are our numpy port of the algorithms psych
calls: ``stats::varimax`` (Kaiser normalised), psych's ``kaiser(..., "Promax")`` (m = 4),
and GPArotation's GPFoblq for ``oblimin`` (gamma 0) and ``geominQ`` (delta 0.01), each
from the identity start and with the same tolerances. After rotation, columns are
reflected so their sums are positive and sorted by the variance they explain
(diag(Phi L'L)), as psych does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from copro_scale.errors import CoproError
from copro_scale.psychometrics._common import (
    batched_covariance,
    check_items,
    correlation,
    is_positive_definite,
    small_matrix_blas,
    smc,
)
from copro_scale.psychometrics._result import Result

__all__ = [
    "kmo",
    "bartlett",
    "parallel_analysis",
    "velicer_map",
    "efa",
    "fit_factors",
    "rotate",
    "ROTATIONS",
    "METHODS",
]

ROTATIONS = ("oblimin", "promax", "varimax", "geomin", None)
METHODS = ("minres", "ml", "pa")


# --------------------------------------------------------------------------- results
@dataclass(repr=False)
class KMOResult(Result):
    overall: float
    per_item: pd.Series


@dataclass(repr=False)
class BartlettResult(Result):
    chi2: float
    df: int
    p: float
    n_obs: int


@dataclass(repr=False)
class ParallelResult(Result):
    n_factors: int
    eigenvalues: pd.DataFrame
    n_iter: int
    quantile: float


@dataclass(repr=False)
class MAPResult(Result):
    n_factors: int
    map_values: pd.DataFrame


@dataclass(repr=False)
class EFAResult(Result):
    loadings: pd.DataFrame
    communalities: pd.Series
    phi: pd.DataFrame | None
    method: str
    rotation: str | None
    converged: bool
    n_obs: int
    variance: pd.DataFrame
    rmsea: float | None = None
    tli: float | None = None
    chisq: float | None = None
    df: int | None = None
    warning: str | None = None


# --------------------------------------------------------------------------- helpers
def _corr_input(data, nan_policy):
    x = check_items(data, min_items=2)
    r, n = correlation(x, nan_policy)
    if np.isnan(r).any():
        raise CoproError("some pairs of items have no answers in common; the correlation "
                         "matrix has missing entries")
    return x, r, n


def _require_pd(r, what):
    if not is_positive_definite(r):
        raise CoproError(f"{what}: the correlation matrix is not positive definite (singular or "
                         "computed pairwise from inconsistent subsets); it is not smoothed. "
                         "Remove redundant items or use nan_policy='listwise'.")


# --------------------------------------------------------------------------- KMO, Bartlett
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
    x, r, _ = _corr_input(data, nan_policy)
    _require_pd(r, "kmo")
    q = np.linalg.inv(r)
    d = 1.0 / np.sqrt(np.diag(q))
    q = q * d[:, None] * d[None, :]
    np.fill_diagonal(q, 0.0)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    r2, q2 = (r0**2), (q**2)
    overall = r2.sum() / (r2.sum() + q2.sum())
    per = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return KMOResult(overall=float(overall), per_item=pd.Series(per, index=x.columns))


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
        ``chi2``, ``df``, ``p`` and ``n_obs``.

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
    x, r, n = _corr_input(data, nan_policy)
    _require_pd(r, "bartlett")
    p = r.shape[0]
    sign, logdet = np.linalg.slogdet(r)
    chi2 = -logdet * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) // 2
    return BartlettResult(chi2=float(chi2), df=int(df), p=float(stats.chi2.sf(chi2, df)), n_obs=int(n))


# --------------------------------------------------------------------------- extraction
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
    if method not in METHODS:
        raise CoproError(f"method must be one of {METHODS}, got {method!r}")
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
        for it in range(1, 51):
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


# --------------------------------------------------------------------------- rotations
def _varimax(x, eps=1e-5):
    """stats::varimax with normalize=TRUE."""
    nc = x.shape[1]
    if nc < 2:
        return x, np.eye(nc)
    sc = np.sqrt(np.sum(x**2, axis=1))
    x = x / sc[:, None]
    p = x.shape[0]
    tt = np.eye(nc)
    d = 0.0
    for _ in range(1000):
        z = x @ tt
        b = x.T @ (z**3 - z * (np.sum(z**2, axis=0) / p))
        u, s, vt = np.linalg.svd(b)
        tt = u @ vt
        dpast, d = d, s.sum()
        if d < dpast * (1 + eps):
            break
    return (x @ tt) * sc[:, None], tt


def _promax(x, m=4):
    """psych::kaiser(x, rotate="Promax"): Kaiser-weighted psych::Promax."""
    h2 = np.sum(x**2, axis=1)
    w = x / np.sqrt(h2)[:, None]
    v, rotmat = _varimax(w)
    q = v * np.abs(v) ** (m - 1)
    u = np.linalg.lstsq(v, q, rcond=None)[0]
    d = np.diag(np.linalg.inv(u.T @ u))
    u = u * np.sqrt(d)[None, :]
    z = v @ u
    u = rotmat @ u
    ui = np.linalg.inv(u)
    phi = ui @ ui.T
    return z * np.sqrt(h2)[:, None], phi


def _vgq_oblimin(lam):
    x = (lam**2) @ (1 - np.eye(lam.shape[1]))
    return lam * x, np.sum(lam**2 * x) / 4


def _vgq_geomin(lam, delta=0.01):
    k = lam.shape[1]
    l2 = lam**2 + delta
    pro = np.exp(np.sum(np.log(l2), axis=1) / k)
    return (2 / k) * (lam / l2) * pro[:, None], np.sum(pro)


def _gpf_oblique(a, vgq, eps=1e-5, maxit=1000):
    """GPArotation::GPFoblq from the identity start (normalize=FALSE)."""
    k = a.shape[1]
    tmat = np.eye(k)
    al = 1.0
    lam = a @ np.linalg.inv(tmat).T
    gq, f = vgq(lam)
    g = -(lam.T @ gq @ np.linalg.inv(tmat)).T
    converged = False
    for _ in range(maxit + 1):
        gp = g - tmat * np.sum(tmat * g, axis=0)[None, :]
        s = np.sqrt(np.sum(gp**2))
        if s < eps:
            converged = True
            break
        al *= 2
        for _ in range(11):
            xm = tmat - al * gp
            v = 1 / np.sqrt(np.sum(xm**2, axis=0))
            tmatt = xm * v[None, :]
            lam = a @ np.linalg.inv(tmatt).T
            gqt, ft = vgq(lam)
            if f - ft > 0.5 * s**2 * al:
                break
            al /= 2
        tmat, f = tmatt, ft
        g = -(lam.T @ gqt @ np.linalg.inv(tmatt)).T
    return lam, tmat.T @ tmat, converged


def rotate(loadings: np.ndarray, rotation):
    """Rotate unrotated loadings as psych's ``fa`` does. Returns (loadings, phi or None, converged)."""
    if rotation not in ROTATIONS:
        raise CoproError(f"unknown rotation {rotation!r}; use one of {ROTATIONS}")
    if rotation is None or loadings.shape[1] < 2:
        return loadings, None, True
    if rotation == "varimax":
        return _varimax(loadings)[0], None, True
    if rotation == "promax":
        lam, phi = _promax(loadings)
        return lam, phi, True
    vgq = _vgq_oblimin if rotation == "oblimin" else _vgq_geomin
    return _gpf_oblique(loadings, vgq)


def _sort_reflect(lam, phi):
    sign = np.sign(lam.sum(axis=0))
    sign[sign == 0] = 1
    lam = lam * sign
    if phi is not None:
        phi = phi * sign[:, None] * sign[None, :]
    if lam.shape[1] > 1:
        ev = np.diag(phi @ lam.T @ lam) if phi is not None else np.sum(lam**2, axis=0)
        order = np.argsort(-ev, kind="stable")
        lam = lam[:, order]
        if phi is not None:
            phi = phi[np.ix_(order, order)]
    return lam, phi


def factor_solution(r, n_factors, method="minres", rotation="oblimin"):
    """Extract, rotate, reflect and sort: (loadings, phi, converged, message)."""
    load, ok, msg = fit_factors(r, n_factors, method)
    lam, phi, rot_ok = rotate(load, rotation)
    if not rot_ok:
        ok, msg = False, (msg + "; " if msg else "") + f"{rotation} rotation did not converge"
    lam, phi = _sort_reflect(lam, phi)
    return lam, phi, load, ok, msg


def efa(data, n_factors, method="minres", rotation="oblimin", nan_policy="pairwise"):
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
    x, r, n = _corr_input(data, nan_policy)
    p = r.shape[0]
    if not isinstance(n_factors, (int, np.integer)) or n_factors < 1 or n_factors >= p:
        raise CoproError(f"n_factors must be an integer between 1 and {p - 1}, got {n_factors!r}")
    if method not in METHODS:
        raise CoproError(f"method must be one of {METHODS}, got {method!r}")
    if rotation not in ROTATIONS:
        raise CoproError(f"unknown rotation {rotation!r}; use one of {ROTATIONS}")
    notes = []
    pd_ok = is_positive_definite(r)
    if not pd_ok:
        if method == "ml":
            raise CoproError("efa(method='ml'): the correlation matrix is not positive definite; "
                             "it is not smoothed")
        notes.append("the correlation matrix is not positive definite (not smoothed)")
    with small_matrix_blas():
        lam, phi, _, ok, msg = factor_solution(r, n_factors, method, rotation)
    if msg:
        notes.append(msg)
    names = [f"F{i + 1}" for i in range(n_factors)]
    model = lam @ (phi if phi is not None else np.eye(n_factors)) @ lam.T
    comm = np.diag(model)
    if np.any(comm > 1):
        notes.append("Heywood case: communality above 1 for "
                     + ", ".join(map(str, x.columns[comm > 1])))
    ss = np.diag((phi if phi is not None else np.eye(n_factors)) @ lam.T @ lam)
    variance = pd.DataFrame({"ss_loadings": ss, "proportion": ss / p}, index=names)
    result = EFAResult(
        loadings=pd.DataFrame(lam, index=x.columns, columns=names),
        communalities=pd.Series(comm, index=x.columns),
        phi=None if phi is None else pd.DataFrame(phi, index=names, columns=names),
        method=method,
        rotation=rotation,
        converged=ok,
        n_obs=int(n),
        variance=variance,
    )
    if method == "ml":
        m = n_factors
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
        result.chisq = float(chisq)
        result.df = int(dof)
        result.tli = float((m0 - mm) / (m0 - 1 / nm))
        result.rmsea = float(np.sqrt(max(chisq / (dof * n) - 1 / (n - 1), 0))) if dof > 0 else np.nan
    result.warning = "; ".join(notes) or None
    return result


# --------------------------------------------------------------------------- n of factors
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
    x, r, n = _corr_input(data, nan_policy)
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
    x, r, _ = _corr_input(data, nan_policy)
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
