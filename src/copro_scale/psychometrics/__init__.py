"""Psychometric engine of copro_scale, checked against R (psych, lavaan, GPArotation, multilevel).

Every function takes a pandas DataFrame of items (this module knows nothing about the
instrument) and returns a small result object with named attributes and ``to_dict()``.
User errors raise :class:`copro_scale.errors.CoproError`. See ``docs/psychometrics.md``.
"""

from copro_scale.psychometrics._common import correlation
from copro_scale.psychometrics._result import jsonable
from copro_scale.psychometrics.adequacy import bartlett, kmo
from copro_scale.psychometrics.agreement import team_agreement
from copro_scale.psychometrics.cfa import cfa, invariance
from copro_scale.psychometrics.extraction import efa
from copro_scale.psychometrics.omega import omega
from copro_scale.psychometrics.polychoric import polychoric
from copro_scale.psychometrics.reliability import ALPHA_MIN, reliability
from copro_scale.psychometrics.retention import parallel_analysis, velicer_map

__all__ = [
    "ALPHA_MIN",
    "bartlett",
    "cfa",
    # helpers the instrument's battery (copro_scale.validate) composes with the above
    "correlation",
    "efa",
    "invariance",
    "jsonable",
    "kmo",
    "omega",
    "parallel_analysis",
    "polychoric",
    "reliability",
    "team_agreement",
    "velicer_map",
]
