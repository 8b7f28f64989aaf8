"""Measurement invariance: configural, metric and scalar steps with their difference tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from copro_scale.psychometrics._common import small_matrix_blas
from copro_scale.psychometrics.cfa.lrt import difference_test
from copro_scale.psychometrics.cfa.model import cfa
from copro_scale.psychometrics.cfa.results import InvarianceResult

__all__ = ["invariance", "difference_test"]


def invariance(data, model, group, *, estimator=None, missing="listwise", ordered=None,
               group_partial=(), max_iter=500):
    r"""Configural, metric and scalar measurement invariance across groups (lavaan + semTools style).

    Fits :func:`cfa` three times: configural (no constraints), metric
    (``group_equal=("loadings",)``) and scalar (``("loadings", "intercepts")``, or
    ``("loadings", "thresholds")`` for ordered items; latent means free after the first
    group), and compares consecutive steps.

    Parameters
    ----------
    data : pandas.DataFrame
        Observed variables and the grouping column.
    model : str
        lavaan-style CFA syntax.
    group : str
        Name of the grouping column.
    estimator, missing, ordered : see :func:`cfa`
    group_partial : sequence of str
        Parameters freed in the metric and scalar steps (lavaan's ``group.partial``, e.g.
        ``["x3~1", "visual=~x2"]``) for partial invariance.
    max_iter : int
        Passed to :func:`cfa`.

    Returns
    -------
    InvarianceResult
        ``table`` (DataFrame indexed by step: chisq, df, cfi, rmsea, srmr, the scaled
        chisq and robust cfi / rmsea for MLR and WLSMV, delta_cfi, delta_rmsea,
        chisq_diff, df_diff, pvalue_diff, converged) and ``fits`` (the three :class:`CFAResult`).

    Notes
    -----
    The difference test is lavaan's ``lavTestLRT``: the plain likelihood-ratio test for ML,
    the Satorra-Bentler (2001) scaled difference for MLR and the Satorra (2000)
    scaled-and-shifted difference for WLSMV. Deltas are later step minus earlier step (a
    drop in CFI is negative; Chen, 2007: a drop larger than .01 suggests non-invariance); they
    use the robust CFI and RMSEA with MLR and the scaled ones with WLSMV (lavaan has no robust
    indices once thresholds are equal), and the ``index`` column says which.

    References
    ----------
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. Structural Equation Modeling, 14, 464-504.
    Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for
    moment structure analysis. Psychometrika, 66, 507-514.

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
    location = "thresholds" if ordered else "intercepts"
    steps = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", location)}
    fits = {k: cfa(data, model, group=group, group_equal=v, estimator=estimator, missing=missing,
                   ordered=ordered, group_partial=group_partial if v else (), max_iter=max_iter)
            for k, v in steps.items()}
    with small_matrix_blas():  # the difference tests' small SVDs and products
        return _table(fits)


def _table(fits):
    """The invariance table: each step's fit and its differences from the step before."""
    est = next(iter(fits.values())).estimator
    # which CFI/RMSEA the deltas use: robust for MLR; scaled for WLSMV (lavaan has no robust
    # indices once thresholds are equal and scaling factors free; Mplus-style practice)
    index = {"ML": "standard", "MLR": "robust", "WLSMV": "scaled"}[est]
    suffix = "" if index == "standard" else "_" + index
    cfi_key, rmsea_key = "cfi" + suffix, "rmsea" + suffix
    robust_ = est != "ML"
    recs, prev = [], None
    for k, f in fits.items():
        rec = dict(step=k, chisq=f.fit["chisq"], df=f.fit["df"], cfi=f.fit["cfi"], rmsea=f.fit["rmsea"],
                   srmr=f.fit["srmr"])
        if robust_:
            rec.update(chisq_scaled=f.fit.get("chisq_scaled", np.nan), cfi_scaled=f.fit.get("cfi_scaled", np.nan),
                       rmsea_scaled=f.fit.get("rmsea_scaled", np.nan), cfi_robust=f.fit.get("cfi_robust", np.nan),
                       rmsea_robust=f.fit.get("rmsea_robust", np.nan))
        rec.update(delta_cfi=np.nan, delta_rmsea=np.nan, chisq_diff=np.nan, df_diff=np.nan, pvalue_diff=np.nan,
                   converged=f.converged, index=index)
        if prev is not None:
            rec["delta_cfi"] = f.fit.get(cfi_key, np.nan) - prev.fit.get(cfi_key, np.nan)
            rec["delta_rmsea"] = f.fit.get(rmsea_key, np.nan) - prev.fit.get(rmsea_key, np.nan)
            rec["chisq_diff"], rec["df_diff"], rec["pvalue_diff"] = difference_test(f, prev)
        recs.append(rec)
        prev = f
    return InvarianceResult(table=pd.DataFrame(recs).set_index("step"), fits=fits)
