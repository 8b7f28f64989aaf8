"""Maximum likelihood estimation (complete data and FIML) by Fisher scoring.

The discrepancy, summed over groups and missing-data patterns (lavaan's ``ML`` with
``missing="ml"``; complete data are a single pattern), is

    F(theta) = sum_g sum_pattern n_p/N [log|Sigma_oo| + tr(Sigma_oo^-1 (S_p + d d')) ],
    d = mean_p - mu_o  (0 without a mean structure),

so F = -2 logL / N + constant, and chisq = N (F - F_h1) with F_h1 the saturated model
(sample moments, or EM moments with missing data). Derivatives are analytic through the
model Jacobian (:meth:`ParTable.jacobian`): gradient dF/dtheta = sum tr(G dSigma) -
2 d' Sigma^-1 dmu with G = Sigma^-1 - Sigma^-1 (S + dd') Sigma^-1; the iterations use the
expected information tr(Sigma^-1 dSigma_k Sigma^-1 dSigma_l) + 2 dmu_k' Sigma^-1 dmu_l,
with step halving, then Newton steps on the observed Hessian near the optimum. The observed
information (FIML, MLR) is that Hessian, as lavaan's ``observed.information = "hessian"``. """

from __future__ import annotations

import numpy as np

from copro_scale.psychometrics.cfa.linalg import masked_inverse

__all__ = ["Discrepancy", "fisher_scoring", "start_values"]


class Discrepancy:
    """ML discrepancy of a :class:`ParTable` on a list of :class:`GroupData`."""

    def __init__(self, spec, groups):
        self.spec = spec
        self.groups = groups
        self.N = float(sum(g.n for g in groups))

    def pattern_terms(self, sigma, mu, grp, grad=True):
        """(n F contribution, dF/dSigma, dF/dmu) of one group, all patterns at once."""
        st = grp.stack
        inv, logdet = masked_inverse(sigma, st.mask)
        d = (st.mean - mu) * st.mask if self.spec.meanstructure else np.zeros_like(st.mean)
        cm = st.cov + d[:, :, None] * d[:, None, :]
        val = float(st.n @ (logdet + np.einsum("pij,pij->p", inv, cm)))
        if not grad:
            return val, None, None
        w = st.n[:, None, None]
        gS = (w * (inv - inv @ cm @ inv)).sum(axis=0)
        gM = -2 * np.einsum("p,pij,pj->i", st.n, inv, d)
        return val, gS, gM

    def value(self, theta):
        total = 0.0
        for g, grp in enumerate(self.groups):
            sigma, mu, _ = self.spec.implied(theta, g)
            try:
                v, _, _ = self.pattern_terms(sigma, mu, grp, grad=False)
            except np.linalg.LinAlgError:
                return np.inf
            total += v
        return total / self.N

    def gradient(self, theta, info=False):
        """dF/dtheta and (if ``info``) the expected information matrix of F."""
        q = self.spec.q
        grad = np.zeros(q)
        hess = np.zeros((q, q)) if info else None
        for g, grp in enumerate(self.groups):
            sigma, mu, _ = self.spec.implied(theta, g)
            _, gS, gM = self.pattern_terms(sigma, mu, grp)
            dS, dM, _ = self.spec.jacobian(theta, g)
            grad += (np.einsum("kij,ij->k", dS, gS) + dM @ gM) / self.N
            if info:
                from copro_scale.psychometrics.cfa.robust import delta_matrix, h1_expected

                act = self.spec.active[g]  # parameters of this group
                D = delta_matrix(dS[act], dM[act], self.spec.meanstructure)
                H = h1_expected(grp.stack, sigma, self.spec.meanstructure)
                hess[np.ix_(act, act)] += 2 * D.T @ H @ D / self.N
        return grad, hess

    def observed_hessian(self, theta):
        """Hessian of F: [2 Delta' H1 Delta + sum dF/dmoment x d2 moment / dtheta dtheta'] / N.

        H1 is the analytic Hessian in the saturated moments (:func:`.robust.h1_hessian`); the
        second derivatives of Sigma = Lambda Phi Lambda' + Theta and mu = nu + Lambda alpha are
        nonzero only for loading-loading (phi_jl (e_i e_k' + e_k e_i')), loading-latent
        covariance and loading-latent mean pairs (:meth:`ParTable.second_term`).
        """
        from copro_scale.psychometrics.cfa.robust import delta_matrix, h1_hessian

        if self.spec.second_order:
            return self._numeric_hessian(theta)
        q = self.spec.q
        out = np.zeros((q, q))
        for g, grp in enumerate(self.groups):
            sigma, mu, _ = self.spec.implied(theta, g)
            _, gS, gM = self.pattern_terms(sigma, mu, grp)
            dS, dM, _ = self.spec.jacobian(theta, g)
            D = delta_matrix(dS, dM, self.spec.meanstructure)
            out += 2 * D.T @ h1_hessian(grp.stack, sigma, mu, self.spec.meanstructure) @ D
            out += self.spec.second_term(theta, g, gS, gM)
        out /= self.N
        return (out + out.T) / 2

    def _numeric_hessian(self, theta):
        """Central differences of the analytic gradient (second-order factors: the second
        derivatives through (I - B)^-1 are not written out)."""
        q = len(theta)
        out = np.zeros((q, q))
        for k in range(q):
            h = 1e-5 * max(1.0, abs(theta[k]))
            e = np.zeros(q)
            e[k] = h
            out[:, k] = (self.gradient(theta + e)[0] - self.gradient(theta - e)[0]) / (2 * h)
        return (out + out.T) / 2

    def saturated_value(self):
        """F at the saturated (h1) moments."""
        total = 0.0
        for grp in self.groups:
            v, _, _ = self.pattern_terms(grp.cov, grp.mean, grp, grad=False)
            total += v
        return total / self.N

    def loglik(self, f):
        """logL from a discrepancy value F."""
        const = sum(pt.n * len(pt.obs) for grp in self.groups for pt in grp.patterns) * np.log(2 * np.pi)
        return -0.5 * (self.N * f + const)


def _line_search(obj, theta, f, step):
    a = 1.0
    for _ in range(30):
        cand = theta - a * step
        fc = obj.value(cand)
        if np.isfinite(fc) and fc <= f + 1e-14:
            return cand, fc, a
        a /= 2
    return None, f, 0.0


def fisher_scoring(obj, theta, max_iter, tol=1e-9, newton_from=1e-2):
    """Minimise ``obj.value`` from ``theta``: (theta, F, converged, iterations, message).

    Fisher scoring (expected information) with step halving; once the largest gradient
    element is below ``newton_from``, Newton steps on the observed Hessian (finite
    differences of the analytic gradient) finish quadratically, since scoring converges only
    linearly when expected and observed information differ (FIML, groups).
    """
    f = obj.value(theta)
    if not np.isfinite(f):
        return theta, f, False, 0, "the model-implied covariance matrix at the start values is not positive definite"
    newton = False
    for it in range(1, max_iter + 1):
        if newton:
            grad, _ = obj.gradient(theta)
            hess = obj.observed_hessian(theta)
        else:
            grad, hess = obj.gradient(theta, info=True)
        if np.max(np.abs(grad)) < tol:
            return theta, f, True, it, None
        try:
            step = np.linalg.solve(hess + 1e-10 * np.eye(len(theta)), grad)
        except np.linalg.LinAlgError:
            return theta, f, False, it, "the information matrix is singular (model not identified?)"
        cand, fc, a = _line_search(obj, theta, f, step)
        if cand is None:
            if newton:  # observed Hessian not positive definite here: back to scoring
                newton = False
                continue
            return theta, f, False, it, "line search failed: no decrease of the ML discrepancy"
        theta, f_old, f = cand, f, fc
        if newton and np.max(np.abs(grad)) < 1e-7 and f_old - f < 1e-13:
            return theta, f, True, it, None  # quadratic phase at rounding level
        newton = newton or np.max(np.abs(grad)) < newton_from
        if abs(f_old - f) < 1e-15 and a < 1e-6:
            break
    grad, _ = obj.gradient(theta)
    ok = np.max(np.abs(grad)) < 1e-6
    return theta, f, ok, max_iter, None if ok else f"no convergence after {max_iter} iterations"


def _start_loadings(spec, rows, s):
    """Loadings of each factor on its items: the marker's value, then fabin-style ratios
    s_jk / s_marker,k averaged over the factor's other items k."""
    lam = np.zeros((spec.p, spec.m))
    ind = {f: [r for r in rows if r["mat"] == "L" and r["j"] == f] for f in range(spec.m)}
    for f, rs in ind.items():
        if not rs:
            continue
        marker = rs[0]["i"]
        lam[marker, f] = 1.0 if rs[0]["free"] else rs[0]["value"]
        for r in rs[1:]:
            j = r["i"]
            ratios = [s[j, k] / s[marker, k] for k in (o["i"] for o in rs)
                      if k not in (j, marker) and abs(s[marker, k]) > 1e-8]
            lam[j, f] = (float(np.mean(ratios)) if ratios else 1.0) if r["free"] else r["value"]
    return lam, ind


def _start_variances(spec, ind, lam, s):
    """Factor variances from the items' covariances over their loadings; a second-order
    factor half the mean variance of the factors it holds, and their disturbances half theirs."""
    var = np.zeros(spec.m)
    for f, rs in ind.items():
        idx = [r["i"] for r in rs]
        vals = [s[a, b] / (lam[a, f] * lam[b, f]) for ai, a in enumerate(idx) for b in idx[ai + 1:]
                if abs(lam[a, f] * lam[b, f]) > 1e-8]
        var[f] = max(float(np.mean(vals)) if vals else (0.5 * s[idx[0], idx[0]] if idx else 0.0), 0.05)
    if spec.second_order:
        held = {r["j"]: [] for r in spec.table if r["mat"] == "B"}
        for r in spec.table:
            if r["mat"] == "B" and r["group"] == 0:
                held[r["j"]].append(r["i"])
        for f, kids in held.items():
            if not ind[f]:
                var[f] = max(0.5 * float(np.mean(var[kids])), 0.05)
        var = np.where(spec.endogenous, 0.5 * var, var)
    return var


def _start_value(r, s, mvec, lam, var):
    i, j, mat = r["i"], r["j"], r["mat"]
    if mat == "L":
        return lam[i, j]
    if mat == "P":
        return var[i] if i == j else 0.0
    if mat == "T" and i == j:
        return min(max(s[i, i] - float(lam[i] ** 2 @ var), 0.1 * s[i, i]), 0.9 * s[i, i])
    if mat == "N":
        return mvec[i]
    if mat in "DB":
        return 1.0
    return 0.0


def start_values(spec, moments):
    """lavaan-like starting values from each group's (cov, mean), averaged over the groups a
    parameter is shared by: fabin-style loading ratios, factor variances from them, residual
    variances what is left of each item's variance (between 10 % and 90 %), means the sample
    means, loadings on second-order factors and scaling factors 1, covariances 0."""
    starts = np.zeros(spec.q)
    counts = np.zeros(spec.q)
    for g, (s, mvec) in enumerate(moments):
        rows = [r for r in spec.table if r["group"] == g]
        lam, ind = _start_loadings(spec, rows, s)
        var = _start_variances(spec, ind, lam, s)
        for r in rows:
            if r["free"]:
                starts[r["id"]] += _start_value(r, s, mvec, lam, var)
                counts[r["id"]] += 1
    return starts / np.maximum(counts, 1)
