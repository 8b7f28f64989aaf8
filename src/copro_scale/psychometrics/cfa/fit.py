"""Fit measures as lavaan's ``fitMeasures`` (standard, scaled and robust versions).

* CFI = 1 - max(X2 - df, 0) / max(X2_0 - df_0, X2 - df, 0); TLI = 1 - (X2/df - 1)/(X2_0/df_0 - 1)
  (baseline = independence model); df = 0 gives CFI = TLI = 1, as lavaan.
* RMSEA = sqrt(G) sqrt(max(X2/(N df) - 1/N, 0)) with its 90% interval from the non-central
  chi-square; df = 0 gives 0 and the interval (0, 0), as lavaan.
* "scaled" indices put the scaled statistics in those formulas; "robust" ones (Brosseau-Liard,
  Savalei & Li 2012; Brosseau-Liard & Savalei 2014) use X2 - c df for X2 - df, with c the
  scaling factor; see :func:`scaled_measures`.
* SRMR (Bentler): root mean square of the standardised residuals of the lower triangle (and
  of the means, with a mean structure), groups weighted by N_g.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

__all__ = ["rmsea", "cfi_tli", "srmr", "standard_measures", "scaled_measures", "not_converged"]


def _ncp(chisq, df, target):
    """Non-centrality lambda with P(X2 <= chisq | df, lambda) = target (0 when none)."""
    def fn(lam):
        return (stats.ncx2.cdf(chisq, df, lam) if lam > 0 else stats.chi2.cdf(chisq, df)) - target

    if fn(0.0) < 0:
        return 0.0
    hi = max(chisq, 1.0)
    while fn(hi) > 0:
        hi *= 2
    return optimize.brentq(fn, 0.0, hi, xtol=1e-12)


def rmsea(chisq, df, n, g=1, c=1.0, level=0.90, ci_chisq=None):
    """RMSEA = sqrt(G) sqrt(max(X2/(N df) - c/N, 0)) and its interval (lavaan's ``lav_fit_rmsea``).

    The interval is sqrt(c lambda / (N df)) for the non-centralities lambda where ``ci_chisq``
    (default ``chisq``) is at the 95th / 5th percentile of the non-central chi-square.
    """
    if df == 0:
        return 0.0, 0.0, 0.0
    if not np.isfinite(chisq):
        return np.nan, np.nan, np.nan
    x = chisq if ci_chisq is None else ci_chisq
    est = np.sqrt(max(chisq / n / df - c / n, 0.0)) * np.sqrt(g)
    lo = _ncp(x, df, (1 + level) / 2)
    hi = _ncp(x, df, (1 - level) / 2)
    return (float(est), float(np.sqrt(c * lo / (n * df) * g)), float(np.sqrt(c * hi / (n * df) * g)))


def cfi_tli(chisq, df, base, base_df, c=1.0, c0=1.0):
    """CFI and TLI (lavaan's ``lav_fit_cfi``/``lav_fit_tli``); ``c``, ``c0`` give the robust ones."""
    if df == 0:
        return 1.0, 1.0
    t, t0 = chisq - c * df, base - c0 * base_df
    t1, t2 = max(t, 0.0), max(t, t0, 0.0)
    cfi = 1.0 if np.isclose(t1, 0.0, atol=1e-8) and np.isclose(t2, 0.0, atol=1e-8) else 1 - t1 / t2
    tli = 1 - (t * base_df) / (t0 * df) if t0 != 0 else 1.0
    return float(cfi), float(tli)


def srmr(spec, theta, moments, ns):
    """Bentler's SRMR from per-group saturated (cov, mean) and model-implied moments."""
    vals = []
    for g, (s, mvec) in enumerate(moments):
        sigma, mu, _ = spec.implied(theta, g)
        sd = np.sqrt(np.diag(s))
        res = (s - sigma) / np.outer(sd, sd)
        il = np.tril_indices(spec.p)
        ss, k = np.sum(res[il] ** 2), len(il[0])
        if spec.meanstructure:
            ss += np.sum(((mvec - mu) / sd) ** 2)
            k += spec.p
        vals.append(np.sqrt(ss / k))
    ns = np.asarray(ns, float)
    return float(np.sum(np.array(vals) * ns) / ns.sum())


def standard_measures(chisq, df, base, base_df, n, g):
    out = dict(chisq=float(chisq), df=int(df),
               pvalue=float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan,
               baseline_chisq=float(base), baseline_df=int(base_df))
    out["cfi"], out["tli"] = cfi_tli(chisq, df, base, base_df)
    out["rmsea"], out["rmsea_ci_lower"], out["rmsea_ci_upper"] = rmsea(chisq, df, n, g)
    return out


def scaled_measures(chisq, df, base, base_df, n, g, c, c0, shift=None, shift0=None):
    """Scaled and robust indices as lavaan 0.6 reports them.

    ``c`` / ``c0`` are the scaling factors of the model / baseline test. Yuan-Bentler (MLR,
    ``shift=None``): X2_scaled = X2 / c; the scaled RMSEA uses X2 on c df degrees of freedom.
    Scaled-shifted (WLSMV): X2_scaled = X2 / c + shift; the scaled RMSEA uses X2_scaled on df.
    Robust CFI/TLI/RMSEA use X2 - c_hat df with c_hat = c (YB) or c (df - shift)/df
    (scaled-shifted), and the robust RMSEA interval comes from X2_scaled times c.
    """
    ss = shift is not None
    xs = chisq / c + (shift if ss else 0.0)
    x0s = base / c0 + (shift0 if ss else 0.0)
    chat = c * (df - shift) / df if ss else c
    chat0 = c0 * (base_df - shift0) / base_df if ss else c0
    out = dict(chisq_scaled=float(xs), pvalue_scaled=float(stats.chi2.sf(xs, df)) if df > 0 else np.nan,
               chisq_scaling_factor=float(c), baseline_chisq_scaled=float(x0s),
               baseline_chisq_scaling_factor=float(c0))
    if ss:
        out["chisq_shift"] = float(shift)
    out["cfi_scaled"], out["tli_scaled"] = cfi_tli(xs, df, x0s, base_df)
    if ss:
        sc = rmsea(xs, df, n, g)
    else:
        sc = rmsea(chisq, c * df, n, g)
    out["rmsea_scaled"], out["rmsea_ci_lower_scaled"], out["rmsea_ci_upper_scaled"] = sc
    out["cfi_robust"], out["tli_robust"] = cfi_tli(chisq, df, base, base_df, chat, chat0)
    est, _, _ = rmsea(chisq, df, n, g, chat)
    _, lo, hi = rmsea(xs, df, n, g, c)
    out["rmsea_robust"], out["rmsea_ci_lower_robust"], out["rmsea_ci_upper_robust"] = est, lo, hi
    return out


#: what a fit that did not converge still reports (lavaan's ``fitMeasures`` refuses all)
_KEPT = ("df", "baseline_df", "npar")


def not_converged(fit):
    """The fit measures of a fit that did not converge: every statistic NaN, counts kept."""
    return {k: (v if k in _KEPT else np.nan) for k, v in fit.items()}
