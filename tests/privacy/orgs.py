"""Random organisations for the disclosure audit, not written by copro's simulator.

Answers come from ``tests/reports/independent_sim.py`` (its own latent model, written apart
from :mod:`copro_scale.simulate`); this module draws what the disclosure rules are sensitive to:
team sizes from 1 to 15 with 0 to 6 PSWs, lone PSWs, teams below the threshold, items skipped
at random (0 to 8 %), colleagues answering "Don't know" to single items and to whole cells,
and straight-lining.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from copro_scale.instrument import load_instrument

from ..reports.independent_sim import independent_survey

INST = load_instrument()
CELLS = [[it.id for it in INST.cell_items(c, f)] for c in ("voice", "experience", "identity")
         for f in ("decision_making", "non_decision_making", "ideological")]


def organisation(seed: int, n_teams: int | None = None) -> pd.DataFrame:
    """A canonical responses table of one random organisation (deterministic in ``seed``)."""
    rng = np.random.default_rng(seed)
    n_teams = n_teams or int(rng.integers(4, 13))
    pool, _ = independent_survey(n_teams, 15, 6, seed=seed, missing=0.0, dont_know=0.0)
    ids = INST.item_ids
    keep = []
    for t, part in pool.groupby("team", sort=False):
        psw, col = part[part["form"] == "psw"], part[part["form"] == "colleague"]
        n_psw = int(rng.choice([0, 1, 1, 2, 3, 5, 6]))
        n_col = int(rng.integers(0, 10))
        if n_psw + n_col == 0:
            n_col = 1
        keep.append(psw.iloc[:n_psw])
        keep.append(col.iloc[:n_col])
    out = pd.concat(keep, ignore_index=True)
    x = out[ids].to_numpy(dtype="float64")
    x[rng.random(x.shape) < rng.uniform(0, 0.08)] = np.nan           # skipped items
    colleague = (out["form"] == "colleague").to_numpy()
    dk = (rng.random(x.shape) < rng.uniform(0, 0.06)) & colleague[:, None]
    x[dk] = 9                                                          # "Don't know"
    for r in np.flatnonzero(colleague & (rng.random(len(out)) < 0.15)):  # a whole cell unknown
        cell = CELLS[int(rng.integers(0, 9))]
        x[r, [ids.index(i) for i in cell]] = 9
    for r in np.flatnonzero(rng.random(len(out)) < 0.03):               # straight-lining
        x[r, :] = int(rng.integers(1, 6))
    out[ids] = pd.DataFrame(x, columns=ids).astype("Int8")
    return out
