"""WLSMV for ordered items (lavaan's ``estimator="WLSMV"``: DWLS, robust SEs, scaled-shifted test).

Per group, s = (thresholds, polychoric correlations) and Gamma their NACOV
(:mod:`.ordinal`); W = diag(Gamma)^-1. The model (delta parameterization) implies
sigma(theta) = (delta (tau - Lambda alpha), off-diagonal of Delta Lambda Phi Lambda' Delta).

    F = sum_g f_g (s_g - sigma_g)' W_g (s_g - sigma_g),   chisq = N F   (f_g = N_g / N),
    E = sum_g f_g Delta_g' W_g Delta_g,   vcov = E^-1 [sum_g f_g Delta_g' W_g Gamma_g W_g Delta_g] E^-1 / N,
    U = W - W Delta E^-1 Delta' W (W = bdiag f_g W_g, Gamma = bdiag Gamma_g / f_g),
    a = sqrt(df / tr((U Gamma)^2)), b = df - a tr(U Gamma),  chisq_scaled = a chisq + b

(scaling factor 1/a, shift b; Asparouhov & Muthen 2010). The baseline model has free
thresholds and zero correlations. Robust CFI/TLI/RMSEA follow lavaan 0.6.13+ (Savalei 2021,
"catML"): X2 is the ML statistic of the polychoric matrix against the model at the DWLS
estimates, with scaling factor tr(WiU' V WiU Gamma) / df, V the ML weight of the correlations.
"""

from __future__ import annotations

import numpy as np

from copro_scale.errors import CoproError
from copro_scale.psychometrics.cfa import fit as fm
from copro_scale.psychometrics.cfa.data import select_rows
from copro_scale.psychometrics.cfa.estimation import start_values
from copro_scale.psychometrics.cfa.ordinal import codes_of, ordinal_stats
from copro_scale.psychometrics.cfa.results import CFAResult, estimates_table
from copro_scale.psychometrics.cfa.linalg import bdiag, pair_trace
from copro_scale.psychometrics.cfa.specification import ParTable

__all__ = ["fit_wlsmv"]


class _DWLS:
    """DWLS discrepancy; groups weighted (N_g - 1)/N in the estimation and N_g/N in the SEs and tests.

    lavaan's ``lav_model_objective`` multiplies a group's WLS function by (N_g - 1)/N_g before
    the N_g-weighted mean; with one group this changes no estimate, with several it moves the
    equal parameters slightly (thresholds by about 1e-4 on msq, 400 rows in two groups).
    """

    def __init__(self, spec, stats_):
        self.spec, self.st = spec, stats_
        self.N = float(sum(s.n for s in stats_))
        self.f = [s.n / self.N for s in stats_]
        self.fo = [(s.n - 1) / self.N for s in stats_]
        self.W = [1.0 / np.diag(s.nacov) for s in stats_]

    def sigma(self, theta, g):
        sig, _, tau = self.spec.implied(theta, g)
        return np.concatenate([tau, sig[self.st[g].pairs]])

    def delta(self, theta, g):
        dS, _, dK = self.spec.jacobian(theta, g)
        a, b = self.st[g].pairs
        return np.hstack([dK, dS[:, a, b]]).T

    def value(self, theta):
        return sum(f * np.sum(w * (s.s - self.sigma(theta, g)) ** 2)
                   for g, (f, w, s) in enumerate(zip(self.fo, self.W, self.st)))

    def information(self, deltas):
        """E = sum_g f_g Delta_g' W_g Delta_g with f_g = N_g / N (lavaan's expected information)."""
        return sum(f * d.T @ (w[:, None] * d) for f, w, d in zip(self.f, self.W, deltas))

    def gradient(self, theta):
        return sum(-2 * f * self.delta(theta, g).T @ (w * (s.s - self.sigma(theta, g)))
                   for g, (f, w, s) in enumerate(zip(self.fo, self.W, self.st)))

    def step(self, theta):
        """Gauss-Newton direction, gradient and sum f_g Delta' W Delta (estimation weights)."""
        q = self.spec.q
        E, grad = np.zeros((q, q)), np.zeros(q)
        for g, (f, w, s) in enumerate(zip(self.fo, self.W, self.st)):
            d = self.delta(theta, g)
            e = s.s - self.sigma(theta, g)
            E += f * d.T @ (w[:, None] * d)
            grad += -2 * f * d.T @ (w * e)
        return np.linalg.solve(E, -grad / 2), grad, E


def _optimise(obj, theta, max_iter):
    """Gauss-Newton with step halving; when that does not converge (it can run off along a
    near-flat direction from poor start values), BFGS from the same start, then Gauss-Newton."""
    out = _gauss_newton(obj, theta, max_iter)
    if out[2]:
        return out
    from scipy import optimize

    res = optimize.minimize(obj.value, theta, jac=obj.gradient, method="BFGS",
                            options=dict(gtol=1e-8, maxiter=max_iter))
    again = _gauss_newton(obj, res.x, max_iter)
    return again if again[2] or again[1] < out[1] else out


def _gauss_newton(obj, theta, max_iter):
    f = obj.value(theta)
    for it in range(1, max_iter + 1):
        try:
            step, grad, _ = obj.step(theta)
        except np.linalg.LinAlgError:
            return theta, f, False, it, "the DWLS information matrix is singular (model not identified?)"
        if np.max(np.abs(grad)) < 1e-10:
            return theta, f, True, it, None
        a = 1.0
        while a > 1e-8:
            cand = theta + a * step
            fc = obj.value(cand)
            if np.isfinite(fc) and fc <= f + 1e-15:
                break
            a /= 2
        else:
            ok = np.max(np.abs(grad)) < 1e-6
            return theta, f, ok, it, None if ok else "line search failed: no decrease of the DWLS discrepancy"
        theta, f = cand, fc
    _, grad, _ = obj.step(theta)
    ok = np.max(np.abs(grad)) < 1e-6
    return theta, f, ok, max_iter, None if ok else f"no convergence after {max_iter} iterations"


def _group_stats(data, ov, group, miss, excluded, notes):
    d, labels = select_rows(data, ov, group, miss, excluded, notes)
    _, levels = codes_of(d, ov)
    out = []
    for lab in labels:
        part = d if lab is None else d[d[group] == lab]
        codes, _ = codes_of(part, ov, levels)
        for j, v in enumerate(ov):
            seen = np.unique(codes[codes[:, j] >= 0, j])
            if len(seen) < len(levels[j]):
                where = "" if lab is None else f" in group {lab!r}"
                raise CoproError(f"ordered item {v!r} has an empty category{where}; lavaan stops here too "
                                 "(merge sparse categories)")
        stats_ = ordinal_stats(codes, [len(lv) for lv in levels], ov)
        where = "" if lab is None else f" (group {lab})"
        notes += [note + where for note in stats_.notes]
        out.append(stats_)
    return labels, levels, out


def _robust_catml(spec, obj, theta, E_inv, df):
    """lavaan's lav_fit_catml_dwls: (X2, c, X2_0, c_0) for the robust CFI/TLI/RMSEA."""
    x3 = x30 = 0.0
    V, W, G, D = [], [], [], []
    for g, (f, w, s) in enumerate(zip(obj.f, obj.W, obj.st)):
        sig, _, _ = spec.implied(theta, g)
        r = s.rho
        inv = np.linalg.inv(sig)
        x3 += s.n * (np.linalg.slogdet(sig)[1] + np.sum(inv * r) - np.linalg.slogdet(r)[1] - spec.p)
        x30 += s.n * (-np.linalg.slogdet(r)[1])
        a, b = s.pairs
        nth = len(s.s) - len(a)
        V.append(f * 0.5 * pair_trace(inv, inv, a, b))
        W.append(f * w[nth:])
        G.append(s.nacov[nth:, nth:] / f)
        D.append(obj.delta(theta, g)[nth:])
    V, G, D = bdiag(V), bdiag(G), np.vstack(D)
    # tr(P' V P G) with P = I - D K, K = E^-1 D' W of the parameters' rank, expanded so that
    # no product of two full matrices of statistics is formed (V and G are symmetric)
    K = E_inv @ (np.concatenate(W)[:, None] * D).T
    DV, KG = D.T @ V, K @ G
    c = (np.sum(V * G) - np.sum((DV @ G) * K) - np.sum(KG * DV)
         + np.sum((DV @ D) * (KG @ K.T).T)) / df
    c0 = np.trace(G) / len(G)
    return x3, c, x30, c0


def _ugamma(obj, deltas, E_inv):
    """tr(U Gamma) and tr((U Gamma)^2) over all groups, U = W - W D E^-1 D' W.

    W is diagonal and W D E^-1 D' W has the rank of the parameters, so U Gamma is formed as
    w * Gamma - (w D) E^-1 ((w D)' Gamma): no product of two full matrices of statistics.
    """
    w = np.concatenate([f * w for f, w in zip(obj.f, obj.W)])
    G = bdiag([s.nacov / f for f, s in zip(obj.f, obj.st)])
    wd = w[:, None] * np.vstack(deltas)
    ug = w[:, None] * G - wd @ (E_inv @ (wd.T @ G))
    return float(np.trace(ug)), float(np.sum(ug * ug.T))


def _scaled_shifted(tr1, tr2, df):
    a = np.sqrt(df / tr2)
    return 1 / a, df - a * tr1


def _start(spec, st):
    """Start values: fabin-style loadings from the polychoric matrix, sample thresholds."""
    theta = start_values(spec, [(s.rho, np.zeros(spec.p)) for s in st])
    for r in spec.table:
        if r["free"] and r["mat"] == "K":
            theta[r["id"]] = np.concatenate(st[r["group"]].th)[r["i"]]
    return theta


def _test_statistics(spec, obj, theta, st):
    """(chisq, baseline chisq): lavaan's DWLS statistic, sum_g (N_g - 1) F_g."""
    pstar = spec.p * (spec.p - 1) // 2
    chisq = sum((s.n - 1) * np.sum(w * (s.s - obj.sigma(theta, g)) ** 2)
                for g, (w, s) in enumerate(zip(obj.W, st)))
    base = sum((s.n - 1) * np.sum(w[len(w) - pstar:] * s.s[len(w) - pstar:] ** 2) for w, s in zip(obj.W, st))
    return chisq, base


def _robust_measures(spec, obj, theta, deltas, E_inv, df, base_df, names, fit, notes):
    """Scaled-shifted test and indices; robust CFI/TLI/RMSEA (catML) where lavaan has them."""
    n_fit, G, st = obj.N - spec.G, spec.G, obj.st
    pstar = spec.p * (spec.p - 1) // 2
    nth = [len(s.s) - pstar for s in st]
    d0 = []
    for g, s in enumerate(st):
        blk = np.zeros((len(s.s), sum(nth)))
        blk[np.arange(nth[g]), sum(nth[:g]) + np.arange(nth[g])] = 1.0
        d0.append(blk)
    c0, shift0 = _scaled_shifted(*_ugamma(obj, d0, np.linalg.inv(obj.information(d0))), base_df)
    if df == 0:  # as lavaan: the statistic itself, perfect indices, no scaling factor
        fit.update(fm.scaled_measures(fit["chisq"], 1, fit["baseline_chisq"], base_df, n_fit, G, 1.0, c0, 0.0,
                                      shift0))
        fit.update(chisq_scaled=fit["chisq"], pvalue_scaled=np.nan, chisq_scaling_factor=np.nan, chisq_shift=np.nan)
        fit.update({k: 1.0 for k in ("cfi_scaled", "tli_scaled", "cfi_robust", "tli_robust")})
        fit.update({k: 0.0 for k in fit if k.startswith("rmsea") and k.endswith(("_scaled", "_robust"))})
        return
    c, shift = _scaled_shifted(*_ugamma(obj, deltas, E_inv), df)
    fit.update(fm.scaled_measures(fit["chisq"], df, fit["baseline_chisq"], base_df, n_fit, G, c, c0, shift, shift0))
    robust_keys = ("cfi_robust", "tli_robust", "rmsea_robust", "rmsea_ci_lower_robust", "rmsea_ci_upper_robust")
    not_pd = [names[g] for g, s in enumerate(st) if np.linalg.eigvalsh(s.rho)[0] < np.sqrt(np.finfo(float).eps)]
    if not_pd:
        # lavaan's catML takes the log-determinant of the polychoric matrix: NA when it is not PD
        fit.update(dict.fromkeys(robust_keys, np.nan))
        notes.append("robust CFI/TLI/RMSEA are not defined: the polychoric matrix is not positive "
                     f"definite ({', '.join(not_pd)})")
    elif any(r["free"] and r["mat"] == "D" for r in spec.table):
        # lavaan's catML refit cannot take free scaling factors and reports NA here
        fit.update(dict.fromkeys(robust_keys, np.nan))
        notes.append("robust CFI/TLI/RMSEA are not defined with free scaling factors (equal thresholds "
                     "across groups), as in lavaan; use the scaled indices")
    else:
        x3, c3, x30, c30 = _robust_catml(spec, obj, theta, E_inv, df)
        fit["cfi_robust"], fit["tli_robust"] = fm.cfi_tli(x3, df, x30, base_df, c3, c30)
        est, _, _ = fm.rmsea(x3, df, n_fit, G, c3)
        _, lo, hi = fm.rmsea(x3 / c3, df, n_fit, G, c3)
        fit.update(zip(robust_keys, (fit["cfi_robust"], fit["tli_robust"], est, lo, hi)))


def fit_wlsmv(data, rows, ov, group, group_equal, group_partial, ordered, miss, max_iter):
    """WLSMV fit of a parsed model; called by :func:`copro_scale.psychometrics.cfa.cfa`.

    Steps: sample statistics per group (:mod:`.ordinal`), parameter table, identification
    check, DWLS estimation, test statistics, robust standard errors
    E^-1 [sum_g f_g Delta' W Gamma W Delta] E^-1 / (N - G) (lavaan's ``robust.sem`` on
    N - G), scaled and robust fit measures (none when the optimiser did not converge).
    """
    not_ordered = [v for v in ov if v not in ordered]
    if not_ordered:
        raise CoproError(f"WLSMV here needs every indicator ordered; not in ordered: {not_ordered}")
    excluded, notes = {}, []
    labels, levels, st = _group_stats(data, ov, group, miss, excluded, notes)
    spec = ParTable(rows, len(st), group_equal, group_partial, meanstructure=True,
                    ordered={v: len(lv) - 1 for v, lv in zip(ov, levels)}, columns=list(data.columns))
    obj = _DWLS(spec, st)
    theta = _start(spec, st)
    n_stats = sum(len(s.s) for s in st)
    df = n_stats - spec.q
    if df < 0:
        raise CoproError(f"the model is not identified: {spec.q} free parameters for "
                         f"{n_stats} sample statistics (df = {df})")
    spec.check_identified(np.vstack([obj.delta(theta, g) for g in range(spec.G)]))
    theta, _, converged, iters, msg = _optimise(obj, theta, max_iter)
    if msg:
        notes.append(msg)
    names = [str(lab) if lab is not None else "data" for lab in labels]
    deltas = [obj.delta(theta, g) for g in range(spec.G)]
    E_inv = np.linalg.inv(obj.information(deltas))
    meat = sum(f * d.T @ (w[:, None] * s.nacov * w[None, :]) @ d for f, w, s, d in zip(obj.f, obj.W, st, deltas))
    vcov = E_inv @ meat @ E_inv / (obj.N - spec.G)
    se = np.sqrt(np.where(np.diag(vcov) > 0, np.diag(vcov), np.nan))
    pstar = spec.p * (spec.p - 1) // 2
    chisq, base = _test_statistics(spec, obj, theta, st)
    fit = fm.standard_measures(chisq, df, base, spec.G * pstar, obj.N - spec.G, spec.G)
    fit.update(npar=int(spec.q), srmr=_srmr(spec, theta, st))
    _robust_measures(spec, obj, theta, deltas, E_inv, df, spec.G * pstar, names, fit, notes)
    if not converged:
        fit = fm.not_converged(fit)
        notes.append("the optimiser did not converge: no fit measures (lavaan reports none either)")
    table, std_load, more = estimates_table(spec, theta, se, names)
    notes += more
    res = CFAResult(fit=fit, std_loadings=std_load, estimates=table, converged=bool(converged),
                    warning="; ".join(dict.fromkeys(notes)) or None, n_obs=int(obj.N),
                    groups=[str(g) for g in labels] if group is not None else [], iterations=int(iters),
                    estimator="WLSMV", missing=miss, excluded=excluded)
    # kept for difference tests between nested fits (not part of to_dict)
    parts = dict(deltas=deltas, P_inv=E_inv, f=obj.f, V=[np.diag(w) for w in obj.W], Gamma=[s.nacov for s in st])
    res._internals = dict(spec=spec, satorra=lambda: parts, deltas=lambda: deltas)
    return res


def _srmr(spec, theta, st):
    vals = []
    for g, s in enumerate(st):
        sig, _, _ = spec.implied(theta, g)
        a, b = s.pairs
        # lavaan's SRMR for ordered items: correlation residuals over p(p+1)/2 elements (zero diagonal)
        vals.append(np.sqrt(np.sum((s.rho[a, b] - sig[a, b]) ** 2) / (spec.p * (spec.p + 1) / 2)))
    ns = np.array([s.n for s in st], float)
    return float(np.sum(np.array(vals) * ns) / ns.sum())
