"""Result objects of the CFA and the parameter estimates table with lavaan's ``std.all``.

std.all as lavaan's ``standardizedSolution(type = "std.all")``: loadings times the factor SD
over the item SD (model-implied); variances over the total variance; a residual covariance
between two items over the product of their residual SDs (a residual correlation); latent
covariances over the factor SDs; intercepts and thresholds over the item SD, latent means
over the factor SD.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from copro_scale.psychometrics._common import is_positive_definite
from copro_scale.psychometrics._result import Result

__all__ = ["CFAResult", "InvarianceResult", "estimates_table"]


@dataclass(repr=False)
class CFAResult(Result):
    """A fitted CFA.

    ``fit`` holds lavaan's fit measures under snake_case names (``chisq``, ``df``,
    ``pvalue``, ``cfi``, ``tli``, ``rmsea``, ``rmsea_ci_lower``, ``rmsea_ci_upper``,
    ``srmr``, ``aic``, ``bic``, ``loglik``, ``baseline_chisq``, ``baseline_df``, ``npar``
    and, for MLR / WLSMV, ``chisq_scaled``, ``pvalue_scaled``, ``chisq_scaling_factor``,
    ``chisq_shift``, ``cfi_scaled``, ``tli_scaled``, ``rmsea_scaled`` (+ CI),
    ``cfi_robust``, ``tli_robust``, ``rmsea_robust`` (+ CI)).
    """

    fit: dict
    std_loadings: pd.DataFrame
    estimates: pd.DataFrame
    converged: bool
    warning: str | None
    n_obs: int
    groups: list
    iterations: int
    estimator: str = "ML"
    missing: str = "listwise"
    excluded: dict = field(default_factory=dict)


@dataclass(repr=False)
class InvarianceResult(Result):
    table: pd.DataFrame
    fits: dict


def _std_all(mat, i, j, est, sd, th_item):
    """lavaan's std.all of one estimate; ``sd`` holds the item, factor and residual SDs."""
    sd_ov, sd_lv, sd_res = sd
    rules = {
        "L": lambda: est * sd_lv[j] / sd_ov[i],
        "B": lambda: est * sd_lv[j] / sd_lv[i],
        "P": lambda: est / (sd_lv[i] * sd_lv[j]),
        "T": lambda: est / sd_ov[i] ** 2 if i == j else est / (sd_res[i] * sd_res[j]),
        "N": lambda: est / sd_ov[i],
        "K": lambda: est / sd_ov[th_item[i]],
        "D": lambda: 1.0,  # lavaan: scaling factors of standardised latent responses
        "A": lambda: est / sd_lv[i],
    }
    return rules[mat]()


def _group_scales(spec, theta, g, groups, notes):
    """Matrices, residual variances and the SDs std.all divides by, of group ``g``."""
    mt = spec.matrices(theta, g)
    sigma, _, _ = spec.implied(theta, g)
    resid = spec.residual_variances(theta, g)
    # model-implied SD of each item on the scale of its parameters (before delta scaling)
    sd_ov = np.sqrt(np.diag(sigma)) / mt["D"][:, 0]
    cov_lv = spec.latent(mt)[1]  # total latent covariance (with second-order factors)
    phi_d = np.diag(cov_lv)
    sd_lv = np.sqrt(np.where(phi_d > 0, phi_d, np.nan))
    sd_res = np.sqrt(np.where(resid > 0, resid, np.nan))
    if not is_positive_definite(sigma):
        notes.append(f"the model-implied covariance matrix is not positive definite (group {groups[g]})")
    if spec.m > 1 and not is_positive_definite(cov_lv):
        notes.append(f"the latent covariance matrix is not positive definite (group {groups[g]})")
    return mt, resid, (sd_ov, sd_lv, sd_res)


def estimates_table(spec, theta, se_free, groups):
    """(estimates DataFrame, std loadings of group 1, notes) for a fitted parameter table."""
    recs, notes, heywood = [], [], []
    std_load = np.full((spec.p, spec.m), np.nan)
    for g in range(spec.G):
        mt, resid, sd = _group_scales(spec, theta, g, groups, notes)
        for r in (r for r in spec.table if r["group"] == g):
            i, j, mat = r["i"], r["j"], r["mat"]
            est = resid[i] if (mat == "T" and i == j) else mt[mat][i, j]
            std = _std_all(mat, i, j, est, sd, spec.th_item)
            if mat == "L" and g == 0:
                std_load[i, j] = std
            if mat in "PT" and i == j and est < 0:
                heywood.append(f"negative {'residual ' if mat == 'T' else ''}variance of {r['lhs']}")
            se = se_free[r["id"]] if r["free"] else np.nan
            ok = r["free"] and se > 0
            recs.append(dict(lhs=r["lhs"], op=r["op"], rhs=r["rhs"], group=g + 1, label=r["label"] or "",
                             free=bool(r["free"]), est=float(est), se=float(se),
                             z=float(est / se) if ok else np.nan,
                             pvalue=float(2 * stats.norm.sf(abs(est / se))) if ok else np.nan,
                             std_all=float(std)))
    if heywood:
        notes.append("Heywood case: " + ", ".join(dict.fromkeys(heywood)))
    if np.any(np.abs(std_load[np.isfinite(std_load)]) > 1):
        notes.append("Heywood case: a standardised loading is larger than 1")
    return (pd.DataFrame(recs), pd.DataFrame(std_load, index=spec.ov, columns=spec.lv), notes)
