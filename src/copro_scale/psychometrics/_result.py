"""A small base class for the result objects of :mod:`copro_scale.psychometrics`.

Every public function returns a subclass of :class:`Result`: named attributes plus
:meth:`Result.to_dict`, which gives plain JSON-serialisable Python (floats, ints, str,
lists, dicts; DataFrames as ``{"index": [...], "columns": [...], "data": [[...]]}``,
NaN as ``None``), and :meth:`Result.to_frame`, the result's main table as a DataFrame.
Our own code: nothing in pingouin / factor_analyzer does this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
import pandas as pd

__all__ = ["Result", "jsonable"]


def jsonable(value):
    """Convert numpy / pandas values to JSON-serialisable Python objects."""
    if isinstance(value, Result):
        return value.to_dict()
    if isinstance(value, pd.DataFrame):
        return {
            "index": [jsonable(i) for i in value.index],
            "columns": [jsonable(c) for c in value.columns],
            "data": [[jsonable(v) for v in row] for row in value.to_numpy(dtype=object)],
        }
    if isinstance(value, pd.Series):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    return value


@dataclass(repr=False)
class Result:
    """Base class: dataclass fields are the result's attributes.

    A subclass names its main table in ``_frame`` (e.g. ``"loadings"``); without one,
    :meth:`to_frame` is a one-row table of the scalar attributes.
    """

    _frame: ClassVar[str | None] = None

    def to_frame(self) -> pd.DataFrame:
        """The main table of the result (a copy), or its scalar attributes as one row."""
        if self._frame is not None:
            table = getattr(self, self._frame)
            return table.to_frame() if isinstance(table, pd.Series) else table.copy()
        scalars = {f.name: getattr(self, f.name) for f in fields(self)
                   if isinstance(getattr(self, f.name), (int, float, str, bool, np.number, type(None)))}
        return pd.DataFrame([scalars])

    def to_dict(self) -> dict:
        """All attributes as JSON-serialisable Python objects."""
        return {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, (float, np.floating)):
                parts.append(f"{f.name}={float(v):.4f}")
            elif isinstance(v, (int, bool, str, np.integer)) or v is None:
                parts.append(f"{f.name}={v!r}")
            else:
                parts.append(f"{f.name}=<{type(v).__name__}>")
        return f"{type(self).__name__}({', '.join(parts)})"
