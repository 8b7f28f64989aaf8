"""Linear programs over the unknown answers: what published figures pin down.

Each published figure is a linear constraint ``lo <= a @ x <= hi`` on unknowns ``x`` (group
sizes, sums of scores, counts of answers), the interval being the rounding of the printed value.
:meth:`Program.range` asks scipy's HiGHS (:func:`scipy.optimize.milp`) for the least and greatest
value of a linear expression over every integer-feasible ``x``: an expression whose range is
narrower than the attacker needs is pinned down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Program:
    """Unknowns with bounds (integer or not) and linear constraints with intervals."""

    names: list[str] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[dict[int, float], float, float, str]] = field(default_factory=list)
    _index: dict[str, int] = field(default_factory=dict)

    def var(self, name: str, lo: float = 0.0, hi: float = np.inf, integer: bool = False) -> int:
        """The index of unknown ``name`` (created on first use; later bounds narrow it)."""
        if name in self._index:
            i = self._index[name]
            self.lower[i], self.upper[i] = max(self.lower[i], lo), min(self.upper[i], hi)
            return i
        self._index[name] = len(self.names)
        self.names.append(name)
        self.lower.append(lo)
        self.upper.append(hi)
        self.integer.append(integer)
        return self._index[name]

    def has(self, name: str) -> bool:
        return name in self._index

    def add(self, coef: dict[int, float], lo: float, hi: float, why: str) -> None:
        """``lo <= sum(coef[i] * x[i]) <= hi``, ``why`` naming the published figure."""
        coef = {i: c for i, c in coef.items() if c}
        if coef:
            self.rows.append((coef, lo, hi, why))

    def _solve(self, objective: np.ndarray):
        from scipy.optimize import Bounds, LinearConstraint, milp

        n = len(self.names)
        a = np.zeros((len(self.rows), n))
        lo = np.empty(len(self.rows))
        hi = np.empty(len(self.rows))
        for r, (coef, low, high, _) in enumerate(self.rows):
            for i, c in coef.items():
                a[r, i] = c
            lo[r], hi[r] = low, high
        cons = [LinearConstraint(a, lo, hi)] if len(self.rows) else []
        return milp(objective, constraints=cons, integrality=np.array(self.integer, dtype=int),
                    bounds=Bounds(np.array(self.lower), np.array(self.upper)),
                    options={"time_limit": 20, "presolve": True})

    def range(self, coef: dict[int, float]) -> tuple[float, float] | None:
        """Least and greatest value of ``sum(coef[i] * x[i])``; None when the figures contradict
        the model (infeasible) or the solver gave up."""
        c = np.zeros(len(self.names))
        for i, v in coef.items():
            c[i] = v
        low = self._solve(c)
        if low.status != 0:
            return None
        high = self._solve(-c)
        if high.status != 0:
            return None
        return float(low.fun), float(-high.fun)

    def sources(self, coef: dict[int, float], limit: int = 6) -> list[str]:
        """The published figures that constrain the unknowns of ``coef`` (for the derivation)."""
        keys = set(coef)
        seen: list[str] = []
        for c, _, _, why in self.rows:
            if keys & set(c) and why not in seen and not why.startswith("model:"):
                seen.append(why)
        return seen[:limit] + ([f"... and {len(seen) - limit} more"] if len(seen) > limit else [])
