"""Confirmatory factor analysis and measurement invariance, split as lavaan splits it.

Our own code (numpy/scipy): semopy differs from lavaan's RMSEA and has no SRMR or invariance
constraints, and factor_analyzer's CFA fails under pandas 3 copy-on-write and miscounts
parameters for AIC/BIC. Modules:

* :mod:`.syntax` - model text to rows, with errors naming the statement and term;
* :mod:`.specification` - the parameter table and the model-implied moments;
* :mod:`.data` - sample moments, missing-data patterns, EM saturated moments;
* :mod:`.estimation` - ML / FIML discrepancy and Fisher scoring;
* :mod:`.robust` - MLR sandwich SEs and the Yuan-Bentler scaled test;
* :mod:`.wls` - WLSMV for ordered items (polychoric statistics, DWLS, scaled-shifted test);
* :mod:`.fit` - fit measures; :mod:`.results` - estimates and std.all;
* :mod:`.model` - :func:`cfa`; :mod:`.invariance` - :func:`invariance`.

API for callers (e.g. ``copro_scale.validate``)::

    cfa(data, model, group=None, group_equal=(), *, estimator=None|"ML"|"MLR"|"WLSMV",
        missing="listwise"|"fiml"|"pairwise", ordered=[items], group_partial=[...],
        sample_cov=None, n_obs=None)  -> CFAResult (.fit, .estimates, .converged, .warning)
    invariance(data, model, group, *, estimator=..., missing=..., ordered=...,
               group_partial=...)     -> InvarianceResult (.table with delta_cfi, delta_rmsea,
                                         chisq_diff, df_diff, pvalue_diff; .fits)

Examples
--------
>>> import pandas as pd
>>> from copro_scale.psychometrics.cfa import cfa
>>> hs = pd.read_csv("tests/reference/holzinger.csv")
>>> res = cfa(hs, "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9")
>>> round(res.fit["rmsea"], 3)
0.092
"""

from copro_scale.psychometrics.cfa.invariance import invariance
from copro_scale.psychometrics.cfa.model import cfa
from copro_scale.psychometrics.cfa.results import CFAResult, InvarianceResult
from copro_scale.psychometrics.cfa.specification import GROUP_EQUAL
from copro_scale.psychometrics.cfa.syntax import parse_model

__all__ = ["GROUP_EQUAL", "CFAResult", "InvarianceResult", "cfa", "invariance", "parse_model"]
