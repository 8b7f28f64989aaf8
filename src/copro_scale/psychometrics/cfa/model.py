"""``cfa()``: options, data, estimation and fit measures put together (lavaan's ``cfa``).

Estimators and defaults follow lavaan 0.6: ``estimator="ML"`` (expected information with
complete data, observed with FIML), ``"MLR"`` (Huber-White SEs from the observed information,
Yuan-Bentler scaled test), ``"WLSMV"`` (the default when ``ordered`` is given); ``missing``
is ``"listwise"`` (lavaan's default), ``"fiml"`` (alias ``"ml"``; ML and MLR) or
``"pairwise"`` (WLSMV).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from copro_scale.errors import CoproError
from copro_scale.psychometrics._common import is_positive_definite, small_matrix_blas
from copro_scale.psychometrics.cfa import fit as fm
from copro_scale.psychometrics.cfa import robust
from copro_scale.psychometrics.cfa.data import (GroupData, Pattern, check_columns, em_moments, select_rows,
                                                split_patterns, stack)
from copro_scale.psychometrics.cfa.estimation import Discrepancy, fisher_scoring, start_values
from copro_scale.psychometrics.cfa.results import CFAResult, estimates_table
from copro_scale.psychometrics.cfa.specification import GROUP_EQUAL, ParTable
from copro_scale.psychometrics.cfa.syntax import parse_model

__all__ = ["cfa", "ESTIMATORS", "MISSING", "scaling_factor_at"]

ESTIMATORS = ("ML", "MLR", "WLSMV")
MISSING = {"listwise": "listwise", "fiml": "fiml", "ml": "fiml", "pairwise": "pairwise"}


def _options(estimator, missing, ordered, group_equal):
    ordered = list(ordered or [])
    est = ("WLSMV" if ordered else "ML") if estimator is None else str(estimator).upper()
    if est not in ESTIMATORS:
        raise CoproError(f"unknown estimator {estimator!r}; use one of {ESTIMATORS}")
    if str(missing).lower() not in MISSING:
        raise CoproError(f"unknown missing={missing!r}; use 'listwise', 'fiml' (or 'ml') or 'pairwise'")
    miss = MISSING[str(missing).lower()]
    if est == "WLSMV" and miss == "fiml":
        raise CoproError("missing='fiml' needs estimator 'ML' or 'MLR'; WLSMV uses 'listwise' or 'pairwise'")
    if est != "WLSMV" and miss == "pairwise":
        raise CoproError(f"missing='pairwise' is for estimator='WLSMV'; with {est} use 'fiml' or 'listwise'")
    if est != "WLSMV" and ordered:
        raise CoproError(f"ordered items need estimator='WLSMV' (got {est})")
    if isinstance(group_equal, str):
        group_equal = (group_equal,)
    unknown = [g for g in group_equal if g not in GROUP_EQUAL]
    if unknown:
        raise CoproError(f"unknown group_equal value(s) {unknown}; use {GROUP_EQUAL}")
    return est, miss, ordered, tuple(group_equal)


def _groups_from_data(data, ov, group, miss, excluded, notes):
    d, labels = select_rows(data, ov, group, miss, excluded, notes)
    flat = [v for v in ov if d[v].nunique() < 2]
    if flat:
        raise CoproError(f"item(s) {flat} have no variance (one value in every answered row); "
                         "drop them from the model")
    out = []
    for lab in labels:
        x = (d if lab is None else d[d[group] == lab])[ov].to_numpy(float)
        if x.shape[0] < len(ov) + 1:
            what = "complete rows" if miss == "listwise" else "rows"
            where = "" if lab is None else f" in group {lab!r}"
            raise CoproError(f"too few {what}{where} ({x.shape[0]}) for {len(ov)} observed variables")
        pats = split_patterns(x)
        grp = GroupData("data" if lab is None else str(lab), x.shape[0], pats, stack=stack(pats, len(ov)))
        if len(pats) == 1 and len(pats[0].obs) == len(ov):
            grp.mean, grp.cov = pats[0].mean, pats[0].cov
        else:
            grp.mean, grp.cov, ok = em_moments(pats, len(ov))
            if not ok:
                raise CoproError(f"the EM algorithm for the saturated model did not converge (group {grp.name})")
        out.append(grp)
    return labels, out


def _groups_from_cov(sample_cov, n_obs, ov, sample_mean=None):
    if not isinstance(sample_cov, pd.DataFrame):
        raise CoproError("sample_cov must be a pandas DataFrame with the variable names as index and columns")
    missing = [v for v in ov if v not in sample_cov.columns or v not in sample_cov.index]
    if missing:
        raise CoproError(f"model variable(s) {missing} are not in sample_cov")
    if n_obs is None or int(n_obs) <= len(ov):
        raise CoproError(f"sample_cov needs n_obs, the number of observations (more than {len(ov)})")
    n = int(n_obs)
    s = sample_cov.loc[ov, ov].to_numpy(float) * (n - 1) / n  # lavaan's sample.cov.rescale
    m = np.zeros(len(ov)) if sample_mean is None else pd.Series(sample_mean)[ov].to_numpy(float)
    pats = [Pattern(np.arange(len(ov)), n, m, s, None)]
    grp = GroupData("data", n, pats, cov=s, mean=m, stack=stack(pats, len(ov)))
    return [None], [grp]


def _fit_ml(spec, groups, est, miss, max_iter, notes):
    obj = Discrepancy(spec, groups)
    theta0 = start_values(spec, [(g.cov, g.mean) for g in groups])
    spec.check_identified(np.vstack([robust.delta_matrix(*spec.jacobian(theta0, g)[:2], spec.meanstructure)
                                     for g in range(spec.G)]))
    theta, fmin, converged, iters, msg = fisher_scoring(obj, theta0, max_iter)
    if msg:
        notes.append(msg)
    n = obj.N
    f1 = obj.saturated_value()
    chisq = max(n * (fmin - f1), 0.0) if miss == "fiml" else n * (fmin - f1)
    p = spec.p
    # independence model: free means and variances (the univariate ML estimates)
    base_theta_moments = []
    for grp in groups:
        var = np.empty(p)
        mean = np.empty(p)
        for j in range(p):
            vals = np.concatenate([pt.x[:, list(pt.obs).index(j)] for pt in grp.patterns if j in pt.obs]) \
                if miss == "fiml" else None
            mean[j] = vals.mean() if vals is not None else grp.mean[j]
            var[j] = vals.var() if vals is not None else grp.cov[j, j]
        base_theta_moments.append((np.diag(var), mean))
    f0 = sum(obj.pattern_terms(s, m, grp, grad=False)[0] for (s, m), grp in zip(base_theta_moments, groups)) / n
    base = n * (f0 - f1)
    moments = p * (p + 1) // 2 + (p if spec.meanstructure else 0)
    df = spec.G * moments - spec.q
    base_df = spec.G * p * (p - 1) // 2
    fit = fm.standard_measures(chisq, df, base, base_df, n, spec.G)
    loglik = obj.loglik(fmin)
    fit.update(srmr=fm.srmr(spec, theta, [(g.cov, g.mean) for g in groups], [g.n for g in groups]),
               loglik=float(loglik), aic=float(-2 * loglik + 2 * spec.q),
               bic=float(-2 * loglik + spec.q * np.log(n)), npar=int(spec.q),
               unrestricted_loglik=float(obj.loglik(f1)))
    # standard errors
    try:
        if est == "ML" and miss == "listwise":
            _, info = obj.gradient(theta, info=True)
            vcov = np.linalg.inv(info) * 2 / n
        else:
            A = obj.observed_hessian(theta) / 2
            vcov = np.linalg.inv(A) / n
            if est == "MLR" or miss == "fiml":
                vcov_r = _robust(spec, groups, theta, A, df, base_theta_moments, fit, est, miss)
                if est == "MLR":
                    vcov = vcov_r
        se = np.sqrt(np.where(np.diag(vcov) > 0, np.diag(vcov), np.nan))
    except np.linalg.LinAlgError:
        se = np.full(spec.q, np.nan)
        notes.append("the information matrix is singular: no standard errors (model not identified?)")
        converged = False
    return theta, se, fit, converged, iters


def scaling_factor_at(spec, groups, theta, df):
    """The Yuan-Bentler scaling factor of ``spec`` at any ``theta`` (lavaan's test of an
    unoptimised model, used by the Satorra-Bentler 2010 difference test)."""
    n = sum(g.n for g in groups)
    h1 = [robust.h1_blocks(grp, grp.cov, grp.mean, spec.meanstructure) for grp in groups]
    B0 = 0.0
    for g, grp in enumerate(groups):
        sigma, mu, _ = spec.implied(theta, g)
        _, B1s = robust.h1_blocks(grp, sigma, mu, spec.meanstructure)
        delta = robust.delta_matrix(*spec.jacobian(theta, g)[:2], spec.meanstructure)
        B0 = B0 + grp.n / n * delta.T @ B1s @ delta
    A = Discrepancy(spec, groups).observed_hessian(theta) / 2
    return robust.scaling_factor(h1, A, B0, df)


def satorra_parts(spec, groups, theta):
    """What the Satorra (2000) difference test needs of an ML fit (see :mod:`.lrt`): per group
    the Jacobian, the expected h1 information at the model-implied moments (lavaan's WLS.V,
    ``h1.information = "structured"``) and the asymptotic covariance of the sample moments
    A1^-1 B1 A1^-1 at the saturated moments; the inverse observed information of the model."""
    n = sum(g.n for g in groups)
    deltas, V, Gam = [], [], []
    for g, grp in enumerate(groups):
        sigma, mu, _ = spec.implied(theta, g)
        deltas.append(robust.delta_matrix(*spec.jacobian(theta, g)[:2], spec.meanstructure))
        V.append(robust.h1_expected(grp.stack, sigma, spec.meanstructure) / grp.n)
        A1, B1 = robust.h1_blocks(grp, grp.cov, grp.mean, spec.meanstructure)
        A1_inv = np.linalg.inv(A1)
        Gam.append(A1_inv @ B1 @ A1_inv)
    P_inv = np.linalg.inv(Discrepancy(spec, groups).observed_hessian(theta) / 2)
    return dict(deltas=deltas, P_inv=P_inv, f=[g.n / n for g in groups], V=V, Gamma=Gam)


def _robust(spec, groups, theta, A, df, base_moments, fit, est, miss):
    """Sandwich vcov; adds the scaled test (MLR) and robust indices to ``fit``.

    MLR: Yuan-Bentler (Mplus) scaled test. Robust CFI/TLI/RMSEA: from the scaling factors
    with complete data; with FIML from lavaan's FIML-corrected statistic (V3 for MLR, V6 for
    ML, as lavaan 0.6.13+).
    """
    n = sum(g.n for g in groups)
    w = [g.n / n for g in groups]
    p, G = spec.p, len(groups)
    h1, B0, A_base, B_base, deltas, deltas0, implied = [], 0.0, 0.0, 0.0, [], [], []
    eye = np.zeros((p, p, p))
    eye[np.arange(p), np.arange(p), np.arange(p)] = 1.0
    d0 = robust.delta_matrix(eye, np.zeros((p, p)), False)
    if spec.meanstructure:
        d0 = np.block([[np.eye(p), np.zeros((p, p))], [np.zeros((d0.shape[0], p)), d0]])
    k0 = d0.shape[1]
    for g, grp in enumerate(groups):
        # h1 information and first-order matrices at the saturated moments ("unstructured")
        h1.append(robust.h1_blocks(grp, grp.cov, grp.mean, spec.meanstructure))
        sigma, mu, _ = spec.implied(theta, g)
        _, B1s = robust.h1_blocks(grp, sigma, mu, spec.meanstructure)
        dS, dM, _ = spec.jacobian(theta, g)
        delta = robust.delta_matrix(dS, dM, spec.meanstructure)
        deltas.append(delta)
        implied.append((sigma, mu))
        B0 = B0 + w[g] * delta.T @ B1s @ delta
        # independence model (linear in its parameters): block g of a block-diagonal Jacobian
        s0, m0 = base_moments[g]
        A1b, B1b = robust.h1_blocks(grp, s0, m0, spec.meanstructure)
        dg = np.zeros((d0.shape[0], k0 * G))
        dg[:, k0 * g:k0 * (g + 1)] = d0
        deltas0.append(dg)
        A_base = A_base + w[g] * dg.T @ A1b @ dg
        B_base = B_base + w[g] * dg.T @ B1b @ dg
    c = robust.scaling_factor(h1, A, B0, df)
    c0 = robust.scaling_factor(h1, A_base, B_base, fit["baseline_df"])
    if fit["df"] > 0 and est == "MLR":
        fit.update(fm.scaled_measures(fit["chisq"], fit["df"], fit["baseline_chisq"], fit["baseline_df"],
                                      n, spec.G, c, c0))
    if fit["df"] > 0 and miss == "fiml":
        version = "V3" if est == "MLR" else "V6"
        x3, c3 = robust.fiml_corrected(groups, h1, implied, deltas, fit["df"], version)
        x30, c30 = robust.fiml_corrected(groups, h1, base_moments, deltas0, fit["baseline_df"], version)
        fit["cfi_robust"], fit["tli_robust"] = fm.cfi_tli(x3, fit["df"], x30, fit["baseline_df"], c3, c30)
        est_, _, _ = fm.rmsea(x3, fit["df"], n, spec.G, c3)
        _, lo, hi = fm.rmsea(x3 / c3, fit["df"], n, spec.G, c3)
        fit["rmsea_robust"], fit["rmsea_ci_lower_robust"], fit["rmsea_ci_upper_robust"] = est_, lo, hi
    ainv = np.linalg.inv(A)
    return ainv @ B0 @ ainv / n


def cfa(data, model, group=None, group_equal=(), *, estimator=None, missing="listwise", ordered=None,
        group_partial=(), sample_cov=None, n_obs=None, sample_mean=None, max_iter=500):
    r"""Confirmatory factor analysis as lavaan's ``cfa()`` (ML, MLR or WLSMV).

    Parameters
    ----------
    data : pandas.DataFrame or None
        Observed variables as columns (and the group column). ``None`` with ``sample_cov``.
    model : str
        lavaan syntax, e.g. ``"visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6"``.
    group : str, optional
        Grouping column: a multi-group model with a mean structure.
    group_equal : sequence of str
        lavaan's ``group.equal``: ``"loadings"``, ``"intercepts"``, ``"thresholds"``,
        ``"residuals"``, ``"residual.covariances"``, ``"lv.variances"``,
        ``"lv.covariances"``, ``"means"``.
    estimator : {"ML", "MLR", "WLSMV"}, optional
        Default ``"ML"``, or ``"WLSMV"`` when ``ordered`` is given (as lavaan).
    missing : {"listwise", "fiml", "ml", "pairwise"}
        ``"listwise"`` (default), ``"fiml"``/``"ml"`` (ML, MLR) or ``"pairwise"`` (WLSMV).
    ordered : sequence of str, optional
        Ordinal items (integer codes): thresholds and polychoric correlations, DWLS.
    group_partial : sequence of str
        Parameters left free across groups despite ``group_equal`` (``group.partial``),
        written as lavaan does: ``"visual=~x2"``, ``"x3~1"``, ``"A1|t2"``.
    sample_cov : pandas.DataFrame, optional
        A covariance matrix (rows and columns named) instead of data, with ``n_obs``
        (lavaan's ``sample.cov``/``sample.nobs``; rescaled by (N-1)/N). ML, one group.
    n_obs : int, optional
    sample_mean : mapping, optional
        Means for ``sample_cov`` (adds a mean structure).
    max_iter : int
        Maximum number of iterations.

    Returns
    -------
    CFAResult
        ``fit`` (lavaan's fit measures, snake_case), ``std_loadings`` (std.all, items x
        factors, first group), ``estimates`` (lhs, op, rhs, group, label, free, est, se, z,
        pvalue, std_all), ``converged``, ``warning``, ``n_obs``, ``groups``, ``estimator``,
        ``missing`` and ``excluded`` (rows left out and why).

    Notes
    -----
    :math:`\Sigma = \Lambda\Phi\Lambda' + \Theta`, :math:`\mu = \nu + \Lambda\alpha`.
    ML: :math:`\chi^2 = N (F - F_{h1})` with
    :math:`F = \sum_g\sum_{pattern} n_p/N[\log|\Sigma_{oo}| + tr(\Sigma_{oo}^{-1}(S_p + dd'))]`
    (biased S; complete data are one pattern; FIML's h1 by EM). CFI
    :math:`= 1 - \max(\chi^2 - df, 0)/\max(\chi^2_0 - df_0, \chi^2 - df, 0)`, TLI
    :math:`= (\chi^2_0/df_0 - \chi^2/df)/(\chi^2_0/df_0 - 1)`, RMSEA
    :math:`= \sqrt{G}\sqrt{\max(\chi^2/(N\,df) - 1/N, 0)}`; df = 0 gives CFI = TLI = 1,
    RMSEA = 0 (0, 0). SEs: expected information (ML, complete), observed (FIML), sandwich
    (MLR). MLR: Yuan-Bentler scaled test, robust CFI/TLI/RMSEA (Brosseau-Liard & Savalei).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1-36.
    Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and
    covariance structure analysis with nonnormal missing data. Sociological Methodology, 30,
    165-200.

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
    with small_matrix_blas():  # many small matrices: one BLAS thread is much faster
        return _cfa(data, model, group, group_equal, estimator, missing, ordered, group_partial, sample_cov,
                    n_obs, sample_mean, max_iter)


def _cfa(data, model, group, group_equal, estimator, missing, ordered, group_partial, sample_cov, n_obs,
         sample_mean, max_iter):
    rows = parse_model(model)
    est, miss, ordered, group_equal = _options(estimator, missing, ordered, group_equal)
    excluded, notes = {}, []
    if sample_cov is not None:
        if data is not None:
            raise CoproError("give either data or sample_cov, not both")
        if est != "ML" or group is not None:
            raise CoproError(f"sample_cov works with estimator='ML' and one group (got {est}); "
                             "MLR, WLSMV and groups need the raw data")
        spec = ParTable(rows, 1, meanstructure=sample_mean is not None)
        labels, groups = _groups_from_cov(sample_cov, n_obs, spec.ov, sample_mean)
    else:
        if data is not None and isinstance(data, pd.DataFrame):
            check_columns(data, [], group)
        cols = list(data.columns) if isinstance(data, pd.DataFrame) else None
        probe = ParTable(rows, 1, columns=cols)
        check_columns(data, probe.ov, group)
        if est == "WLSMV":
            try:
                from copro_scale.psychometrics.cfa.wls import fit_wlsmv
            except ImportError:
                raise CoproError("estimator='WLSMV' (ordered items) is not available in this version") from None

            return fit_wlsmv(data, rows, probe.ov, group, group_equal, group_partial, ordered, miss, max_iter)
        labels, groups = _groups_from_data(data, probe.ov, group, miss, excluded, notes)
        spec = ParTable(rows, len(groups), group_equal, group_partial,
                        meanstructure=group is not None or miss == "fiml", columns=cols)
    n_total = int(sum(g.n for g in groups))
    glabels = [str(g) for g in labels] if group is not None else []
    bad = [g.name for g in groups if not is_positive_definite(g.cov)]
    p = spec.p
    moments = p * (p + 1) // 2 + (p if spec.meanstructure else 0)
    df = spec.G * moments - spec.q
    if bad:
        notes.append("the sample covariance matrix is not positive definite (" + ", ".join(bad)
                     + "); the ML fit is undefined and was not computed (no smoothing)")
        nan_fit = {k: np.nan for k in ("chisq", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
                                       "rmsea_ci_upper", "srmr", "aic", "bic", "loglik", "baseline_chisq")}
        return CFAResult(fit={**nan_fit, "df": int(df), "baseline_df": int(spec.G * p * (p - 1) // 2),
                              "npar": int(spec.q)}, std_loadings=pd.DataFrame(), estimates=pd.DataFrame(),
                         converged=False, warning="; ".join(notes), n_obs=n_total, groups=glabels,
                         iterations=0, estimator=est, missing=miss, excluded=excluded)
    if df < 0:
        raise CoproError(f"the model is not identified: {spec.q} free parameters for "
                         f"{spec.G * moments} sample moments (df = {df})")
    theta, se, fit, converged, iters = _fit_ml(spec, groups, est, miss, max_iter, notes)
    table, std_load, more = estimates_table(spec, theta, se, [g.name for g in groups])
    notes += more
    if not converged:
        fit = fm.not_converged(fit)
        notes.append("the optimiser did not converge: no fit measures (lavaan reports none either)")
    res = CFAResult(fit=fit, std_loadings=std_load, estimates=table, converged=bool(converged),
                    warning="; ".join(dict.fromkeys(notes)) or None, n_obs=n_total, groups=glabels,
                    iterations=int(iters), estimator=est, missing=miss, excluded=excluded)
    # for difference tests (not in to_dict)
    res._internals = dict(spec=spec, groups=groups, theta=theta, satorra=lambda: satorra_parts(spec, groups, theta),
                          deltas=lambda: [robust.delta_matrix(*spec.jacobian(theta, g)[:2], spec.meanstructure)
                                          for g in range(spec.G)])
    return res
