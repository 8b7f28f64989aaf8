"""Difference tests of nested fits, as lavaan's ``lavTestLRT``.

* ML: the plain likelihood-ratio difference.
* MLR: ``satorra.bentler.2001`` (default), ``satorra.bentler.2010`` and ``satorra.2000``.
* WLSMV: ``satorra.2000`` (default), scaled and shifted or mean and variance adjusted.

Satorra (2000), for the less constrained fit ``big`` with Jacobian Pi_g, weight V_g
(WLSMV: diag(W_g); ML: the expected h1 information at the model-implied moments), Gamma_g
the asymptotic covariance of the sample statistics, P its information (WLSMV: E; MLR: the
observed information) and A the constraints that turn ``big`` into ``small``
(``a_method="delta"``: the orthogonal complement of ginv(Delta_big) Delta_small;
``"exact"``: the equalities and fixings themselves):

    M = P^-1 A' (A P^-1 A')^+ A P^-1,   tr1 = sum_g f_g tr(V_g Gamma_g V_g Pi_g M Pi_g'),
    tr2 = tr((U Gamma_f)^2),  U = V Pi M Pi' V,  Gamma_f = bdiag(f_g Gamma_g),  m = df_small - df_big;

scaled and shifted (lavaan's default): a = sqrt(m / tr2), b = m - a tr1, T = a dX2 + b on m
df; mean and variance adjusted: T = dX2 tr1 / tr2 on tr1^2 / tr2 df; mean scaled (MLR with
``scaled_shifted=False``): T = dX2 m / tr1 on m df.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from copro_scale.errors import CoproError
from copro_scale.psychometrics.cfa.linalg import bdiag

__all__ = ["difference_test", "METHODS"]

#: lavTestLRT's ``method`` values per estimator (the first is the default)
METHODS = {"ML": ("default",),
           "MLR": ("satorra.bentler.2001", "satorra.bentler.2010", "satorra.2000"),
           "WLSMV": ("satorra.2000",)}


def difference_test(small, big, method="default", a_method="delta", scaled_shifted=True):
    """Chi-square difference of nested fits ``small`` (more constrained) vs ``big`` (lavTestLRT).

    Parameters
    ----------
    small, big : CFAResult
        The more and the less constrained fit, same data and estimator.
    method : str
        ``"default"`` or one of :data:`METHODS` for the estimator (lavTestLRT's ``method``).
    a_method : {"delta", "exact"}
        lavTestLRT's ``A.method`` for ``satorra.2000``.
    scaled_shifted : bool
        lavTestLRT's ``scaled.shifted`` for ``satorra.2000``: False gives the mean and
        variance adjusted test (WLSMV) or the mean-scaled one (MLR).

    Returns
    -------
    tuple
        (statistic, df, p-value); df is fractional for the mean and variance adjusted test.

    Notes
    -----
    SB2001: cd = (df0 c0 - df1 c1)/(df0 - df1), T = dX2 / cd (0 when negative).
    SB2010: the same with c1 replaced by the scaling factor of ``big`` at the estimates of
    ``small``. Satorra (2000): see the module docstring.

    References
    ----------
    Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample analysis of moment
    structures. In Innovations in Multivariate Statistical Analysis (pp. 233-247). Kluwer.
    Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for
    moment structure analysis. Psychometrika, 66, 507-514.
    Satorra, A., & Bentler, P. M. (2010). Ensuring positiveness of the scaled difference
    chi-square test statistic. Psychometrika, 75, 243-248.
    """
    est = small.estimator
    choices = METHODS[est]
    method = choices[0] if method == "default" else method
    if method not in choices:
        raise CoproError(f"difference test method {method!r} is not available for {est} (use one of {choices})")
    if a_method not in ("delta", "exact"):
        raise CoproError(f"unknown a_method {a_method!r}; use 'delta' or 'exact'")
    f0, f1 = small.fit, big.fit
    m = f0["df"] - f1["df"]
    if m <= 0:
        return np.nan, m, np.nan
    diff = f0["chisq"] - f1["chisq"]
    if method == "satorra.2000":
        return _satorra2000(small, big, diff, m, a_method, scaled_shifted)
    if method == "satorra.bentler.2010":
        t = diff / _sb2010_scaling(small, big)
    elif method == "satorra.bentler.2001":
        t = max(diff / ((f0["df"] * f0["chisq_scaling_factor"] - f1["df"] * f1["chisq_scaling_factor"]) / m), 0.0)
    else:
        t = diff
    return float(t), int(m), float(stats.chi2.sf(t, m))


def _sb2010_scaling(small, big):
    """cd of Satorra & Bentler (2010): (df0 c0 - df1 c10) / (df0 - df1), with c10 the scaling
    factor of ``big`` at the estimates of ``small`` (lavaan's ``lav_test_diff_m10``)."""
    from copro_scale.psychometrics.cfa.model import scaling_factor_at

    b, s = big._internals, small._internals
    theta10 = b["spec"].values_from(s["spec"], s["theta"])
    c10 = scaling_factor_at(b["spec"], b["groups"], theta10, big.fit["df"])
    r0, r1 = small.fit["df"], big.fit["df"]
    return (r0 * small.fit["chisq_scaling_factor"] - r1 * c10) / (r0 - r1)


def _exact_constraints(small_spec, big_spec):
    """lavaan's ``A.method = "exact"``: the equalities and fixings that turn ``big`` into ``small``.

    Each parameter of ``big`` is matched by name and group to ``small``; parameters of ``big``
    that share one id in ``small`` give rows e_i - e_j, those fixed in ``small`` rows e_i. A
    parameter free in ``small`` but fixed in ``big`` means the fits are not nested this way.
    """
    def key(r):
        return (r["lhs"], r["op"], r["rhs"], r["group"])

    small_rows = {key(r): r for r in small_spec.table}
    classes, rows = {}, []
    for r in big_spec.table:
        other = small_rows[key(r)]
        if not r["free"]:
            if other["free"]:
                raise CoproError(f"A.method='exact' needs nested fits: {r['lhs']}{r['op']}{r['rhs']} is free only "
                                 "in the more constrained fit; use a_method='delta'")
            continue
        if not other["free"]:
            rows.append(np.eye(big_spec.q)[r["id"]])
        else:
            classes.setdefault(other["id"], set()).add(r["id"])
    for ids in classes.values():
        ids = sorted(ids)
        for j in ids[1:]:
            rows.append(np.eye(big_spec.q)[ids[0]] - np.eye(big_spec.q)[j])
    return np.array(rows).reshape(-1, big_spec.q)


def _delta_constraints(d_small, d_big):
    """lavaan's ``A.method = "delta"``: the orthogonal complement of ginv(Delta_big) Delta_small."""
    H = np.linalg.pinv(d_big) @ d_small
    q, _ = np.linalg.qr(H, mode="complete")
    return q[:, np.linalg.matrix_rank(H):].T


def _satorra2000(small, big, diff, m, a_method, scaled_shifted):
    parts = big._internals["satorra"]()
    A = (_delta_constraints(np.vstack(small._internals["deltas"]()), np.vstack(parts["deltas"]))
         if a_method == "delta" else _exact_constraints(small._internals["spec"], big._internals["spec"]))
    P_inv = parts["P_inv"]
    apa = A @ P_inv @ A.T
    A = A[~((np.abs(apa.sum(axis=0)) < 1.5e-8) & (np.abs(apa.sum(axis=1)) < 1.5e-8))]
    M = P_inv @ A.T @ np.linalg.pinv(A @ P_inv @ A.T) @ A @ P_inv
    f, V, Gam, Pi = parts["f"], parts["V"], parts["Gamma"], parts["deltas"]
    tr1 = sum(fg * np.trace(v @ g @ v @ pi @ M @ pi.T) for fg, v, g, pi in zip(f, V, Gam, Pi))
    Pa = np.vstack(Pi)
    Va = bdiag(V)
    ug = Va @ (Pa @ M @ Pa.T) @ Va @ bdiag([fg * g for fg, g in zip(f, Gam)])
    tr2 = float(np.sum(ug * ug.T))
    satterthwaite = scaled_shifted or small.estimator == "WLSMV"
    if not satterthwaite:  # MLR, scaled.shifted = FALSE: mean scaled
        t = diff * m / tr1
        return float(t), int(m), float(stats.chi2.sf(t, m))
    if not scaled_shifted:
        df = tr1 ** 2 / tr2
        t = diff * tr1 / tr2
        return float(t), float(df), float(stats.chi2.sf(t, df))
    a = np.sqrt(m / tr2)
    t = diff * a + (m - a * tr1)
    return float(t), int(m), float(stats.chi2.sf(t, m))
