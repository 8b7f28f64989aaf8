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
with step halving. The observed information (FIML, MLR) is the central-difference
Jacobian of the analytic gradient, as lavaan's ``observed.information = "hessian"``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Discrepancy", "fisher_scoring", "start_values"]


class Discrepancy:
    """ML discrepancy of a :class:`ParTable` on a list of :class:`GroupData`."""

    def __init__(self, spec, groups):
        self.spec = spec
        self.groups = groups
        self.N = float(sum(g.n for g in groups))

    def _pattern_loop(self, sigma, mu, grp, grad=True):
        p = self.spec.p
        val = 0.0
        gS = np.zeros((p, p))
        gM = np.zeros(p)
        for pt in grp.patterns:
            o = pt.obs
            full = len(o) == p
            so = sigma if full else sigma[np.ix_(o, o)]
            c = np.linalg.cholesky(so)
            inv = np.linalg.inv(so)
            d = pt.mean - mu[o] if self.spec.meanstructure else np.zeros(len(o))
            cm = pt.cov + np.outer(d, d)
            val += pt.n * (2 * np.sum(np.log(np.diag(c))) + np.sum(inv * cm))
            if grad:
                g = pt.n * (inv - inv @ cm @ inv)
                if full:
                    gS += g
                else:
                    gS[np.ix_(o, o)] += g
                gM[o] += -2 * pt.n * (inv @ d)
        return val, gS, gM

    def value(self, theta):
        total = 0.0
        for g, grp in enumerate(self.groups):
            sigma, mu, _ = self.spec.implied(theta, g)
            try:
                v, _, _ = self._pattern_loop(sigma, mu, grp, grad=False)
            except np.linalg.LinAlgError:
                return np.inf
            total += v
        return total / self.N

    def gradient(self, theta, info=False):
        """dF/dtheta and (if ``info``) the expected information (Hessian of F, times 1/2 ... x2)."""
        q = self.spec.q
        grad = np.zeros(q)
        hess = np.zeros((q, q)) if info else None
        for g, grp in enumerate(self.groups):
            sigma, mu, _ = self.spec.implied(theta, g)
            _, gS, gM = self._pattern_loop(sigma, mu, grp)
            dS, dM, _ = self.spec.jacobian(theta, g)
            grad += (np.einsum("kij,ij->k", dS, gS) + dM @ gM) / self.N
            if info:
                for pt in grp.patterns:
                    o = pt.obs
                    so = sigma[np.ix_(o, o)]
                    inv = np.linalg.inv(so)
                    b = inv @ dS[:, o][:, :, o]
                    h = np.einsum("kij,lji->kl", b, b)
                    if self.spec.meanstructure:
                        dm = dM[:, o]
                        h += 2 * dm @ inv @ dm.T
                    hess += pt.n / self.N * h
        return grad, hess

    def observed_hessian(self, theta, h=1e-6):
        """Central-difference Jacobian of the analytic gradient (symmetrised)."""
        q = self.spec.q
        out = np.empty((q, q))
        for k in range(q):
            step = h * max(1.0, abs(theta[k]))
            tp, tm = theta.copy(), theta.copy()
            tp[k] += step
            tm[k] -= step
            out[:, k] = (self.gradient(tp)[0] - self.gradient(tm)[0]) / (2 * step)
        return (out + out.T) / 2

    def saturated_value(self):
        """F at the saturated (h1) moments."""
        total = 0.0
        for grp in self.groups:
            v, _, _ = self._pattern_loop(grp.cov, grp.mean, grp, grad=False)
            total += v
        return total / self.N

    def loglik(self, f):
        """logL from a discrepancy value F."""
        const = sum(pt.n * len(pt.obs) for grp in self.groups for pt in grp.patterns) * np.log(2 * np.pi)
        return -0.5 * (self.N * f + const)


def fisher_scoring(obj, theta, max_iter, tol=1e-9):
    """Minimise ``obj.value`` from ``theta``: (theta, F, converged, iterations, message)."""
    f = obj.value(theta)
    if not np.isfinite(f):
        return theta, f, False, 0, "the model-implied covariance matrix at the start values is not positive definite"
    for it in range(1, max_iter + 1):
        grad, hess = obj.gradient(theta, info=True)
        if np.max(np.abs(grad)) < tol:
            return theta, f, True, it, None
        try:
            step = np.linalg.solve(hess + 1e-10 * np.eye(len(theta)), grad)
        except np.linalg.LinAlgError:
            return theta, f, False, it, "the information matrix is singular (model not identified?)"
        a = 1.0
        for _ in range(30):
            cand = theta - a * step
            fc = obj.value(cand)
            if np.isfinite(fc) and fc <= f + 1e-14:
                break
            a /= 2
        else:
            return theta, f, False, it, "line search failed: no decrease of the ML discrepancy"
        theta, f_old, f = cand, f, fc
        if abs(f_old - f) < 1e-15 and a < 1e-6:
            break
    grad, _ = obj.gradient(theta)
    ok = np.max(np.abs(grad)) < 1e-6
    return theta, f, ok, max_iter, None if ok else f"no convergence after {max_iter} iterations"


def start_values(spec, moments):
    """lavaan-like starting values from each group's (cov, mean): fabin-style loading ratios."""
    starts = np.zeros(spec.q)
    counts = np.zeros(spec.q)
    for g, (s, mvec) in enumerate(moments):
        lam = np.zeros((spec.p, spec.m))
        rows = [r for r in spec.table if r["group"] == g]
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
        phi = np.zeros((spec.m, spec.m))
        for f, rs in ind.items():
            idx = [r["i"] for r in rs]
            vals = [s[a, b] / (lam[a, f] * lam[b, f]) for ai, a in enumerate(idx) for b in idx[ai + 1:]
                    if abs(lam[a, f] * lam[b, f]) > 1e-8]
            phi[f, f] = max(float(np.mean(vals)) if vals else 0.5 * s[idx[0], idx[0]], 0.05)
        for r in rows:
            if not r["free"]:
                continue
            i, j, mat = r["i"], r["j"], r["mat"]
            if mat == "L":
                v = lam[i, j]
            elif mat == "P":
                v = phi[i, j] if i == j else 0.0
            elif mat == "T" and i == j:
                v = min(max(s[i, i] - float(lam[i] @ phi @ lam[i]), 0.1 * s[i, i]), 0.9 * s[i, i])
            elif mat == "N":
                v = mvec[i]
            elif mat == "D":
                v = 1.0
            else:
                v = 0.0
            starts[r["id"]] += v
            counts[r["id"]] += 1
    return starts / np.maximum(counts, 1)
