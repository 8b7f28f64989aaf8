"""Confirmatory factor analysis by maximum likelihood, with lavaan's conventions.

Our own code (numpy/scipy). semopy is not used (its RMSEA differs from lavaan's, it has no
SRMR and no invariance constraints) and factor_analyzer's CFA fails under pandas 3
copy-on-write and counts parameters wrongly for AIC/BIC. What we reproduce from lavaan
(``cfa()`` defaults, ``estimator="ML"``, ``likelihood="normal"``):

* syntax: ``F =~ a + b + c``, ``a ~~ b`` (covariances / variances), modifiers
  ``1*x`` (fixed), ``NA*x`` (free), ``lab*x`` (equality by label), comments ``#``/``!``,
  statements separated by new lines or ``;``. Regressions (``~``), intercept formulas
  (``~ 1``) and defined parameters (``:=``) are not supported and raise an error.
* defaults: first loading of each factor fixed to 1, residual variances and latent
  variances free, all latent covariances free; complete cases only (listwise, as lavaan's
  default ``missing="listwise"``).
* the sample covariance matrix uses N (not N-1), and the discrepancy is
  F = sum_g N_g/N [log|Sigma| + tr(S Sigma^-1) - log|S| - p + (m-mu)' Sigma^-1 (m-mu)],
  chisq = N F.
* multiple groups (``group=``): a mean structure is added, intercepts free per group and
  latent means fixed to 0; ``group_equal`` as lavaan's ``group.equal``
  (``"loadings"``, ``"intercepts"``, ``"residuals"``, ``"residual.covariances"``,
  ``"lv.variances"``, ``"lv.covariances"``, ``"means"``); when intercepts are equal the
  latent means are free in every group after the first (unless ``"means"`` is given).
* fit measures as lavaan's ``fitMeasures``: baseline = independence model with free
  variances (and saturated means), CFI, TLI, RMSEA = sqrt(max(chisq/N/df - 1/N, 0)) *
  sqrt(G) with its 90% interval from the non-central chi-square, SRMR (Bentler; with a
  mean structure the standardised mean residuals are included, groups weighted by N_g),
  loglik, AIC and BIC with the number of free parameters.
* standard errors from the expected information matrix (lavaan's default), std.all.

Estimation is Fisher scoring on the free parameters (expected information, step halving),
starting from lavaan-like "simple" values with fabin-style loading ratios. Non-convergence,
a non-positive-definite sample or model-implied matrix and Heywood cases are reported in
``warning`` (and ``converged=False`` where the estimates are not a proper optimum); no
other answer is substituted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from copro_scale.errors import CoproError
from copro_scale.psychometrics._common import is_positive_definite, small_matrix_blas
from copro_scale.psychometrics._result import Result

__all__ = ["cfa", "invariance", "parse_model", "CFAResult", "InvarianceResult"]

GROUP_EQUAL = ("loadings", "intercepts", "residuals", "residual.covariances", "lv.variances",
               "lv.covariances", "means")
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(repr=False)
class CFAResult(Result):
    fit: dict
    std_loadings: pd.DataFrame
    estimates: pd.DataFrame
    converged: bool
    warning: str | None
    n_obs: int
    groups: list
    iterations: int


@dataclass(repr=False)
class InvarianceResult(Result):
    table: pd.DataFrame
    fits: dict


# --------------------------------------------------------------------------- syntax
def parse_model(model: str) -> list[dict]:
    """Parse lavaan-style CFA syntax into rows ``{lhs, op, rhs, fixed, label, free}``."""
    if not isinstance(model, str) or not model.strip():
        raise CoproError("the CFA model must be a non-empty lavaan-style string")
    rows = []
    for line in model.splitlines():
        line = re.split(r"[#!]", line, maxsplit=1)[0]
        for stmt in line.split(";"):
            stmt = stmt.strip()
            if not stmt:
                continue
            for op in ("=~", "~~", ":=", "~", "==", "<", ">"):
                if op in stmt:
                    break
            else:
                raise CoproError(f"cannot read model statement {stmt!r}: no operator (=~ or ~~)")
            if op not in ("=~", "~~"):
                raise CoproError(f"model statement {stmt!r}: operator {op!r} is not supported "
                                 "(only =~ and ~~)")
            lhs, rhs = (s.strip() for s in stmt.split(op, 1))
            if not _NAME.match(lhs):
                raise CoproError(f"model statement {stmt!r}: bad left-hand side {lhs!r}")
            if not rhs:
                raise CoproError(f"model statement {stmt!r}: empty right-hand side")
            for term in rhs.split("+"):
                term = term.strip()
                fixed, label, free = None, None, None
                if "*" in term:
                    mod, name = (s.strip() for s in term.rsplit("*", 1))
                    if _NUMBER.match(mod):
                        fixed = float(mod)
                    elif mod == "NA":
                        free = True
                    elif _NAME.match(mod):
                        label = mod
                    else:
                        raise CoproError(f"model statement {stmt!r}: unsupported modifier {mod!r}")
                else:
                    name = term
                if not _NAME.match(name) or _NUMBER.match(name):
                    raise CoproError(f"model statement {stmt!r}: bad variable name {name!r}")
                rows.append(dict(lhs=lhs, op=op, rhs=name, fixed=fixed, label=label, free=free))
    if not any(r["op"] == "=~" for r in rows):
        raise CoproError("the CFA model defines no latent variable (no '=~')")
    return rows


# --------------------------------------------------------------------------- model spec
class _Spec:
    """Parameter table: one row per model parameter and group."""

    def __init__(self, rows, n_groups, group_equal):
        lv = []
        for r in rows:
            if r["op"] == "=~" and r["lhs"] not in lv:
                lv.append(r["lhs"])
        ov = []
        for r in rows:
            if r["op"] == "=~":
                if r["rhs"] in lv:
                    raise CoproError("higher-order factors are not supported")
                if r["rhs"] not in ov:
                    ov.append(r["rhs"])
        for r in rows:
            if r["op"] == "~~":
                for v in (r["lhs"], r["rhs"]):
                    if v not in lv and v not in ov:
                        raise CoproError(f"'{r['lhs']} ~~ {r['rhs']}': {v!r} is not in a measurement model")
        self.lv, self.ov = lv, ov
        self.p, self.m = len(ov), len(lv)
        self.G = n_groups
        self.meanstructure = n_groups > 1
        ge = set(group_equal)
        table = []  # dicts: lhs, op, rhs, group, mat, i, j, free(bool), value, label, eqclass
        for g in range(n_groups):
            seen_first = set()
            user_cov = set()
            for r in rows:
                if r["op"] == "=~":
                    i, j = ov.index(r["rhs"]), lv.index(r["lhs"])
                    first = r["lhs"] not in seen_first
                    seen_first.add(r["lhs"])
                    if r["fixed"] is not None:
                        free, val = False, r["fixed"]
                    elif r["free"]:
                        free, val = True, None
                    elif first and r["label"] is None:
                        free, val = False, 1.0
                    else:
                        free, val = True, None
                    eq = ("loadings", i, j) if "loadings" in ge else None
                    table.append(dict(lhs=r["lhs"], op="=~", rhs=r["rhs"], group=g, mat="L", i=i, j=j,
                                      free=free, value=val, label=r["label"], eq=eq))
                else:
                    a, b = r["lhs"], r["rhs"]
                    if (a in lv) != (b in lv):
                        raise CoproError(f"'{a} ~~ {b}': covariances between a latent and an observed "
                                         "variable are not supported")
                    mat = "P" if a in lv else "T"
                    names = lv if mat == "P" else ov
                    i, j = names.index(a), names.index(b)
                    i, j = max(i, j), min(i, j)
                    user_cov.add((mat, i, j))
                    kind = {("P", True): "lv.variances", ("P", False): "lv.covariances",
                            ("T", True): "residuals", ("T", False): "residual.covariances"}[(mat, i == j)]
                    free = r["fixed"] is None
                    table.append(dict(lhs=a, op="~~", rhs=b, group=g, mat=mat, i=i, j=j, free=free,
                                      value=r["fixed"], label=r["label"], eq=(kind, mat, i, j) if kind in ge else None))
            for i, v in enumerate(ov):
                if ("T", i, i) not in user_cov:
                    table.append(dict(lhs=v, op="~~", rhs=v, group=g, mat="T", i=i, j=i, free=True,
                                      value=None, label=None, eq=("residuals", i) if "residuals" in ge else None))
            for i, f in enumerate(lv):
                if ("P", i, i) not in user_cov:
                    table.append(dict(lhs=f, op="~~", rhs=f, group=g, mat="P", i=i, j=i, free=True,
                                      value=None, label=None, eq=("lv.variances", i) if "lv.variances" in ge else None))
            for j in range(self.m):
                for i in range(j + 1, self.m):
                    if ("P", i, j) not in user_cov:
                        table.append(dict(lhs=lv[j], op="~~", rhs=lv[i], group=g, mat="P", i=i, j=j, free=True,
                                          value=None, label=None,
                                          eq=("lv.covariances", i, j) if "lv.covariances" in ge else None))
            if self.meanstructure:
                for i, v in enumerate(ov):
                    table.append(dict(lhs=v, op="~1", rhs="", group=g, mat="N", i=i, j=0, free=True,
                                      value=None, label=None, eq=("intercepts", i) if "intercepts" in ge else None))
                for i, f in enumerate(lv):
                    free = g > 0 and "intercepts" in ge and "means" not in ge
                    table.append(dict(lhs=f, op="~1", rhs="", group=g, mat="A", i=i, j=0, free=free,
                                      value=None if free else 0.0, label=None, eq=None))
        # free parameter ids: equality by label or by group_equal class
        ids, nfree = {}, 0
        for row in table:
            if not row["free"]:
                row["id"] = -1
                continue
            key = ("label", row["label"]) if row["label"] else (("eq",) + row["eq"] if row["eq"] else None)
            if key is not None and key in ids:
                row["id"] = ids[key]
            else:
                row["id"] = nfree
                if key is not None:
                    ids[key] = nfree
                nfree += 1
        self.table = table
        self.q = nfree
        # fill arrays per group and matrix
        self.fill = []
        for g in range(n_groups):
            d = {}
            for mat in "LPTNA":
                rs = [r for r in table if r["group"] == g and r["mat"] == mat]
                fr = [r for r in rs if r["free"]]
                fx = [r for r in rs if not r["free"]]
                d[mat] = (np.array([r["i"] for r in fr], int), np.array([r["j"] for r in fr], int),
                          np.array([r["id"] for r in fr], int),
                          np.array([r["i"] for r in fx], int), np.array([r["j"] for r in fx], int),
                          np.array([r["value"] for r in fx], float))
            self.fill.append(d)

    def matrices(self, theta, g):
        p, m = self.p, self.m
        shapes = {"L": (p, m), "P": (m, m), "T": (p, p), "N": (p, 1), "A": (m, 1)}
        out = {}
        for mat, shape in shapes.items():
            fi, fj, fid, xi, xj, xv = self.fill[g][mat]
            a = np.zeros(shape)
            a[xi, xj] = xv
            a[fi, fj] = theta[fid]
            if mat in "PT":
                a[xj, xi] = xv
                a[fj, fi] = theta[fid]
            out[mat] = a
        return out

    def implied(self, theta, g):
        mt = self.matrices(theta, g)
        lam = mt["L"]
        sigma = lam @ mt["P"] @ lam.T + mt["T"]
        mu = (mt["N"] + lam @ mt["A"])[:, 0]
        return sigma, mu


# --------------------------------------------------------------------------- estimation
class _Fitter:
    def __init__(self, spec, samples):
        self.spec = spec
        self.S = [s for s, _, _ in samples]
        self.M = [mm for _, mm, _ in samples]
        self.N = np.array([n for _, _, n in samples], float)
        self.w = self.N / self.N.sum()
        self.logdetS = [np.linalg.slogdet(s)[1] for s in self.S]

    def objective(self, theta):
        spec = self.spec
        f = 0.0
        for g in range(spec.G):
            sigma, mu = spec.implied(theta, g)
            try:
                c = np.linalg.cholesky(sigma)
            except np.linalg.LinAlgError:
                return np.inf
            logdet = 2 * np.sum(np.log(np.diag(c)))
            inv = np.linalg.inv(sigma)
            fg = logdet + np.sum(inv * self.S[g]) - self.logdetS[g] - spec.p
            if spec.meanstructure:
                d = self.M[g] - mu
                fg += d @ inv @ d
            f += self.w[g] * fg
        return f

    def derivatives(self, theta, h=1e-3):
        """Gradient and expected Hessian (Fisher information x 2/N) of the discrepancy."""
        spec = self.spec
        q = spec.q
        grad = np.zeros(q)
        hess = np.zeros((q, q))
        for g in range(spec.G):
            sigma, mu = spec.implied(theta, g)
            inv = np.linalg.inv(sigma)
            d_sig = np.empty((q, spec.p, spec.p))
            d_mu = np.empty((q, spec.p))
            for k in range(q):
                tp = theta.copy()
                tm = theta.copy()
                tp[k] += h
                tm[k] -= h
                sp, mp = spec.implied(tp, g)
                sm, mm = spec.implied(tm, g)
                d_sig[k] = (sp - sm) / (2 * h)
                d_mu[k] = (mp - mm) / (2 * h)
            d = self.M[g] - mu if spec.meanstructure else np.zeros(spec.p)
            graw = inv - inv @ (self.S[g] + np.outer(d, d)) @ inv
            b = np.einsum("ij,kjl->kil", inv, d_sig)  # Sigma^-1 dSigma_k
            gk = np.einsum("kij,ij->k", d_sig, graw)
            hk = np.einsum("kij,lji->kl", b, b)
            if spec.meanstructure:
                gk = gk - 2 * d_mu @ (inv @ d)
                hk = hk + 2 * d_mu @ inv @ d_mu.T
            grad += self.w[g] * gk
            hess += self.w[g] * hk
        return grad, hess


def _start_values(spec, samples):
    """lavaan-like starting values: fabin-style loading ratios, half-ish residual variances."""
    starts = np.zeros(spec.q)
    counts = np.zeros(spec.q)
    for g, (s, mvec, _) in enumerate(samples):
        lam = np.zeros((spec.p, spec.m))
        rows = [r for r in spec.table if r["group"] == g]
        ind = {f: [] for f in range(spec.m)}
        for r in rows:
            if r["mat"] == "L":
                ind[r["j"]].append(r)
        for f, rs in ind.items():
            if not rs:
                continue
            marker = rs[0]["i"]
            lam[marker, f] = rs[0]["value"] if not rs[0]["free"] else 1.0
            for r in rs[1:]:
                j = r["i"]
                others = [o["i"] for o in rs if o["i"] not in (j, marker)]
                ratios = [s[j, k] / s[marker, k] for k in others if abs(s[marker, k]) > 1e-8]
                val = float(np.mean(ratios)) if ratios else 1.0
                lam[j, f] = val if r["free"] else r["value"]
        phi = np.zeros((spec.m, spec.m))
        for f, rs in ind.items():
            idx = [r["i"] for r in rs]
            vals = [s[a, b] / (lam[a, f] * lam[b, f]) for ai, a in enumerate(idx) for b in idx[ai + 1:]
                    if abs(lam[a, f] * lam[b, f]) > 1e-8]
            v = float(np.mean(vals)) if vals else 0.5 * s[idx[0], idx[0]]
            phi[f, f] = max(v, 0.05)
        for r in rows:
            if not r["free"]:
                continue
            i, j = r["i"], r["j"]
            if r["mat"] == "L":
                v = lam[i, j]
            elif r["mat"] == "P":
                v = phi[i, j] if i == j else 0.0
            elif r["mat"] == "T":
                if i == j:
                    explained = float(lam[i] @ phi @ lam[i])
                    v = min(max(s[i, i] - explained, 0.1 * s[i, i]), 0.9 * s[i, i])
                else:
                    v = 0.0
            elif r["mat"] == "N":
                v = mvec[i]
            else:
                v = 0.0
            starts[r["id"]] += v
            counts[r["id"]] += 1
    return starts / np.maximum(counts, 1)


def _fisher_scoring(fitter, theta, max_iter, tol=1e-9):
    f = fitter.objective(theta)
    if not np.isfinite(f):
        return theta, f, False, 0, "the model-implied covariance matrix at the start values is not positive definite"
    for it in range(1, max_iter + 1):
        grad, hess = fitter.derivatives(theta)
        if np.max(np.abs(grad)) < tol:
            return theta, f, True, it, None
        try:
            step = np.linalg.solve(hess + 1e-10 * np.eye(len(theta)), grad)
        except np.linalg.LinAlgError:
            return theta, f, False, it, "the information matrix is singular (model not identified?)"
        a = 1.0
        for _ in range(30):
            cand = theta - a * step
            fc = fitter.objective(cand)
            if np.isfinite(fc) and fc <= f + 1e-14:
                break
            a /= 2
        else:
            return theta, f, False, it, "line search failed: no decrease of the ML discrepancy"
        theta, f_old, f = cand, f, fc
        if abs(f_old - f) < 1e-15 and a < 1e-6:
            break
    grad, _ = fitter.derivatives(theta)
    ok = np.max(np.abs(grad)) < 1e-6
    return theta, f, ok, max_iter, None if ok else f"no convergence after {max_iter} iterations"


# --------------------------------------------------------------------------- fit measures
def _rmsea(chisq, df, n, g, level=0.90):
    if df <= 0:
        return np.nan, np.nan, np.nan
    rmsea = np.sqrt(max(chisq / n / df - 1 / n, 0.0)) * np.sqrt(g)

    def ncp_for(target):
        fn = lambda lam: stats.ncx2.cdf(chisq, df, lam) - target if lam > 0 else stats.chi2.cdf(chisq, df) - target
        if fn(0.0) < 0:
            return 0.0
        hi = max(chisq, 1.0)
        while fn(hi) > 0:
            hi *= 2
        from scipy.optimize import brentq

        return brentq(fn, 0.0, hi, xtol=1e-12)

    lo = ncp_for((1 + level) / 2)
    hi = ncp_for((1 - level) / 2)
    return rmsea, np.sqrt(lo / (n * df)) * np.sqrt(g), np.sqrt(hi / (n * df)) * np.sqrt(g)


def _srmr(spec, theta, samples):
    vals = []
    for g, (s, mvec, n) in enumerate(samples):
        sigma, mu = spec.implied(theta, g)
        sd = np.sqrt(np.diag(s))
        res = (s - sigma) / np.outer(sd, sd)
        il = np.tril_indices(spec.p)
        ss = np.sum(res[il] ** 2)
        k = len(il[0])
        if spec.meanstructure:
            ss += np.sum(((mvec - mu) / sd) ** 2)
            k += spec.p
        vals.append(np.sqrt(ss / k))
    n = np.array([x[2] for x in samples], float)
    return float(np.sum(np.array(vals) * n) / n.sum())


# --------------------------------------------------------------------------- public API
def _prepare(data, rows_spec, group):
    if not isinstance(data, pd.DataFrame):
        raise CoproError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    lv = {r["lhs"] for r in rows_spec if r["op"] == "=~"}
    ov = []
    for r in rows_spec:
        if r["op"] == "=~" and r["rhs"] not in lv and r["rhs"] not in ov:
            ov.append(r["rhs"])
    missing = [v for v in ov if v not in data.columns]
    if missing:
        raise CoproError(f"model variable(s) {missing} are not columns of the data")
    cols = ov + ([group] if group is not None else [])
    if group is not None and group not in data.columns:
        raise CoproError(f"group column {group!r} is not in the data")
    bad = [v for v in ov if not pd.api.types.is_numeric_dtype(data[v])]
    if bad:
        raise CoproError(f"non-numeric item column(s) {bad}")
    d = data[cols].dropna()
    if group is None:
        groups = [None]
        parts = [d[ov].to_numpy(float)]
    else:
        groups = list(pd.unique(d[group]))
        if len(groups) < 2:
            raise CoproError(f"group column {group!r} has fewer than 2 groups")
        parts = [d.loc[d[group] == gv, ov].to_numpy(float) for gv in groups]
    samples = []
    for x in parts:
        if x.shape[0] < len(ov) + 1:
            raise CoproError(f"too few complete rows ({x.shape[0]}) for {len(ov)} observed variables")
        mvec = x.mean(axis=0)
        xc = x - mvec
        samples.append((xc.T @ xc / x.shape[0], mvec, x.shape[0]))
    return ov, groups, samples


def cfa(data, model, group=None, group_equal=(), max_iter=500):
    r"""Confirmatory factor analysis by maximum likelihood (as lavaan's ``cfa()``).

    Parameters
    ----------
    data : pandas.DataFrame
        Observed variables as columns (rows with a missing value are dropped, listwise).
    model : str
        lavaan syntax, e.g. ``"visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6"``.
    group : str, optional
        Name of a grouping column: fits a multi-group model with a mean structure.
    group_equal : sequence of str
        lavaan's ``group.equal``: any of ``"loadings"``, ``"intercepts"``,
        ``"residuals"``, ``"residual.covariances"``, ``"lv.variances"``,
        ``"lv.covariances"``, ``"means"``.
    max_iter : int
        Maximum number of Fisher-scoring iterations.

    Returns
    -------
    CFAResult
        ``fit`` (dict: chisq, df, pvalue, cfi, tli, rmsea, rmsea_ci_lower,
        rmsea_ci_upper, srmr, aic, bic, loglik, baseline_chisq, baseline_df, npar),
        ``std_loadings`` (std.all, items x factors; multi-group: first group's, see
        ``estimates`` for all), ``estimates`` (lhs, op, rhs, group, label, free, est, se, z,
        pvalue, std_all), ``converged``, ``warning``, ``n_obs``, ``groups``.

    Notes
    -----
    :math:`\Sigma = \Lambda\Phi\Lambda' + \Theta`, :math:`\mu = \nu + \Lambda\alpha`.
    :math:`\chi^2 = \sum_g N_g F_g` with biased (divide by :math:`N_g`) sample covariances,
    CFI :math:`= 1 - \max(\chi^2 - df, 0)/\max(\chi^2_0 - df_0, \chi^2 - df, 0)`,
    TLI :math:`= (\chi^2_0/df_0 - \chi^2/df)/(\chi^2_0/df_0 - 1)`,
    RMSEA :math:`= \sqrt{G}\sqrt{\max(\chi^2/(N\,df) - 1/N, 0)}`.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1-36.
    Joreskog, K. G. (1969). A general approach to confirmatory maximum likelihood factor
    analysis. Psychometrika, 34, 183-202.

    Examples
    --------
    lavaan tutorial model (R: chisq 85.306, df 24, CFI 0.931, RMSEA 0.092):

    >>> import pandas as pd
    >>> from copro_scale.psychometrics import cfa
    >>> hs = pd.read_csv("tests/reference/holzinger.csv")
    >>> m = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    >>> res = cfa(hs, m)
    >>> round(res.fit["chisq"], 3), res.fit["df"], round(res.fit["cfi"], 3)
    (85.306, 24, 0.931)
    """
    rows = parse_model(model)
    if isinstance(group_equal, str):
        group_equal = (group_equal,)
    unknown = [g for g in group_equal if g not in GROUP_EQUAL]
    if unknown:
        raise CoproError(f"unknown group_equal value(s) {unknown}; use {GROUP_EQUAL}")
    ov, groups, samples = _prepare(data, rows, group)
    spec = _Spec(rows, len(groups), group_equal)
    fitter = _Fitter(spec, samples)
    n_total = int(fitter.N.sum())
    notes = []
    nan_fit = {k: np.nan for k in ("chisq", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
                                   "rmsea_ci_upper", "srmr", "aic", "bic", "loglik",
                                   "baseline_chisq")}
    p = spec.p
    moments = p * (p + 1) // 2 + (p if spec.meanstructure else 0)
    df = spec.G * moments - spec.q
    bad_s = [str(groups[g]) if group else "data" for g, (s, _, _) in enumerate(samples)
             if not is_positive_definite(s)]
    if bad_s:
        notes.append("the sample covariance matrix is not positive definite (" + ", ".join(bad_s)
                     + "); the ML fit is undefined and was not computed (no smoothing)")
        return CFAResult(fit={**nan_fit, "df": int(df), "baseline_df": int(spec.G * p * (p - 1) // 2),
                              "npar": int(spec.q)},
                         std_loadings=pd.DataFrame(), estimates=pd.DataFrame(), converged=False,
                         warning="; ".join(notes), n_obs=n_total, groups=[str(g) for g in groups],
                         iterations=0)
    if df < 0:
        raise CoproError(f"the model is not identified: {spec.q} free parameters for "
                         f"{spec.G * moments} sample moments (df = {df})")
    theta0 = _start_values(spec, samples)
    with small_matrix_blas():
        theta, fmin, converged, iters, msg = _fisher_scoring(fitter, theta0, max_iter)
        grad, hess = fitter.derivatives(theta)
    if msg:
        notes.append(msg)
    # fit measures
    chisq = n_total * fmin
    base = sum(n * (np.sum(np.log(np.diag(s))) - np.linalg.slogdet(s)[1]) for s, _, n in samples)
    base_df = spec.G * p * (p - 1) // 2
    cfi_den = max(base - base_df, chisq - df, 0.0)
    cfi = 1 - max(chisq - df, 0.0) / cfi_den if cfi_den > 0 else 1.0
    tli = (base / base_df - chisq / df) / (base / base_df - 1) if df > 0 else np.nan
    rmsea, lo, hi = _rmsea(chisq, df, n_total, spec.G)
    loglik = 0.0
    for g, (s, mvec, n) in enumerate(samples):
        sigma, mu = spec.implied(theta, g)
        inv = np.linalg.inv(sigma)
        d = mvec - mu if spec.meanstructure else np.zeros(p)
        loglik += -n / 2 * (p * np.log(2 * np.pi) + np.linalg.slogdet(sigma)[1] + np.sum(inv * s) + d @ inv @ d)
    fit = dict(chisq=float(chisq), df=int(df), pvalue=float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan,
               cfi=float(cfi), tli=float(tli), rmsea=float(rmsea), rmsea_ci_lower=float(lo),
               rmsea_ci_upper=float(hi), srmr=_srmr(spec, theta, samples),
               aic=float(-2 * loglik + 2 * spec.q), bic=float(-2 * loglik + spec.q * np.log(n_total)),
               loglik=float(loglik), baseline_chisq=float(base), baseline_df=int(base_df), npar=int(spec.q))
    # standard errors (expected information, N in the denominator as lavaan)
    try:
        vcov = np.linalg.inv(hess) * 2 / n_total
        se_free = np.sqrt(np.where(np.diag(vcov) > 0, np.diag(vcov), np.nan))
    except np.linalg.LinAlgError:
        se_free = np.full(spec.q, np.nan)
        notes.append("the information matrix is singular: no standard errors (model not identified?)")
        converged = False
    # estimates table and std.all
    recs = []
    std_load = np.full((p, spec.m), np.nan)
    heywood = []
    for g in range(spec.G):
        mt = spec.matrices(theta, g)
        sigma, _ = spec.implied(theta, g)
        sd_ov = np.sqrt(np.diag(sigma))
        sd_lv = np.sqrt(np.where(np.diag(mt["P"]) > 0, np.diag(mt["P"]), np.nan))
        if not is_positive_definite(sigma):
            notes.append(f"the model-implied covariance matrix is not positive definite (group {groups[g]})")
        if spec.m > 1 and not is_positive_definite(mt["P"]):
            notes.append(f"the latent covariance matrix is not positive definite (group {groups[g]})")
        for r in spec.table:
            if r["group"] != g:
                continue
            i, j, mat = r["i"], r["j"], r["mat"]
            est = mt[mat][i, j]
            se = se_free[r["id"]] if r["free"] else np.nan
            if mat == "L":
                std = est * sd_lv[j] / sd_ov[i]
                if g == 0:
                    std_load[i, j] = std
            elif mat == "P":
                std = est / (sd_lv[i] * sd_lv[j])
                if i == j and est < 0:
                    heywood.append(f"negative variance of {r['lhs']}")
            elif mat == "T":
                std = est / (sd_ov[i] * sd_ov[j])
                if i == j and est < 0:
                    heywood.append(f"negative residual variance of {r['lhs']}")
            elif mat == "N":
                std = est / sd_ov[i]
            else:
                std = est / sd_lv[i]
            recs.append(dict(lhs=r["lhs"], op=r["op"], rhs=r["rhs"], group=g + 1, label=r["label"] or "",
                             free=bool(r["free"]), est=float(est), se=float(se),
                             z=float(est / se) if r["free"] and se > 0 else np.nan,
                             pvalue=float(2 * stats.norm.sf(abs(est / se))) if r["free"] and se > 0 else np.nan,
                             std_all=float(std)))
    if heywood:
        notes.append("Heywood case: " + ", ".join(dict.fromkeys(heywood)))
    if np.nanmax(np.abs(std_load)) > 1:
        notes.append("Heywood case: a standardised loading is larger than 1")
    if not converged and not msg:
        notes.append("the optimiser did not converge")
    return CFAResult(
        fit=fit,
        std_loadings=pd.DataFrame(std_load, index=spec.ov, columns=spec.lv),
        estimates=pd.DataFrame(recs),
        converged=bool(converged),
        warning="; ".join(dict.fromkeys(notes)) or None,
        n_obs=n_total,
        groups=[str(g) for g in groups] if group else [],
        iterations=int(iters),
    )


def invariance(data, model, group, max_iter=500):
    r"""Configural, metric and scalar measurement invariance across groups (lavaan + semTools style).

    Fits :func:`cfa` three times: configural (no constraints), metric
    (``group_equal=("loadings",)``) and scalar (``("loadings", "intercepts")``, latent
    means free after the first group), and compares consecutive steps.

    Parameters
    ----------
    data : pandas.DataFrame
        Observed variables and the grouping column.
    model : str
        lavaan-style CFA syntax.
    group : str
        Name of the grouping column.
    max_iter : int
        Passed to :func:`cfa`.

    Returns
    -------
    InvarianceResult
        ``table`` (DataFrame indexed by step: chisq, df, cfi, rmsea, srmr, delta_cfi,
        delta_rmsea, chisq_diff, df_diff, p_diff, converged) and ``fits`` (the three
        :class:`CFAResult` objects).

    Notes
    -----
    The chi-square difference test is the ordinary likelihood-ratio test (lavaan's
    ``anova`` for ML): :math:`\Delta\chi^2 = \chi^2_{step} - \chi^2_{previous}` on
    :math:`\Delta df` degrees of freedom. Deltas are later step minus earlier step, so a
    drop in CFI is negative (Chen, 2007: delta CFI < -0.01 suggests non-invariance).

    References
    ----------
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. Structural Equation Modeling, 14, 464-504.

    Examples
    --------
    R (lavaan tutorial): configural chisq 115.851 (48), metric 124.044 (54), scalar 164.103 (60).

    >>> import pandas as pd
    >>> from copro_scale.psychometrics import invariance
    >>> hs = pd.read_csv("tests/reference/holzinger.csv")
    >>> m = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    >>> inv = invariance(hs, m, "school")
    >>> inv.table["chisq"].round(3).tolist()
    [115.851, 124.044, 164.103]
    """
    steps = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts")}
    fits = {k: cfa(data, model, group=group, group_equal=v, max_iter=max_iter) for k, v in steps.items()}
    recs = []
    prev = None
    for k, f in fits.items():
        rec = dict(step=k, chisq=f.fit["chisq"], df=f.fit["df"], cfi=f.fit["cfi"], rmsea=f.fit["rmsea"],
                   srmr=f.fit["srmr"], delta_cfi=np.nan, delta_rmsea=np.nan, chisq_diff=np.nan,
                   df_diff=np.nan, p_diff=np.nan, converged=f.converged)
        if prev is not None:
            pf = prev.fit
            rec["delta_cfi"] = f.fit["cfi"] - pf["cfi"]
            rec["delta_rmsea"] = f.fit["rmsea"] - pf["rmsea"]
            rec["chisq_diff"] = f.fit["chisq"] - pf["chisq"]
            rec["df_diff"] = f.fit["df"] - pf["df"]
            rec["p_diff"] = float(stats.chi2.sf(rec["chisq_diff"], rec["df_diff"])) if rec["df_diff"] > 0 else np.nan
        recs.append(rec)
        prev = f
    return InvarianceResult(table=pd.DataFrame(recs).set_index("step"), fits=fits)
