"""Fixtures for the report tests: simulated responses and their per-response scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from copro_scale.instrument import CONSTRUCTS, FACES, load_instrument
from copro_scale.simulate import simulate


def score_frame(responses: pd.DataFrame) -> pd.DataFrame:
    """Per-response scores in the shared contract's shape (``copro_scale.score`` once it lands)."""
    try:
        from copro_scale import score, read_responses  # noqa: F401
    except ImportError:
        score = None
    if score is not None:
        from copro_scale import read_responses

        return score(read_responses(responses))
    inst = load_instrument()
    out = responses[["response_id", "team", "role", "form"]].copy()
    for cell in inst.cells:
        c, f = cell.split(".")
        items = inst.cell_items(c, f)
        block = responses[[it.id for it in items]].astype("float64").to_numpy()
        rev = np.array([it.reverse for it in items])
        block = np.where(rev, 6 - block, block)
        n_ok = (~np.isnan(block)).sum(axis=1)
        with np.errstate(invalid="ignore"):
            m = np.nanmean(np.where(np.isnan(block), np.nan, block), axis=1)
        out[cell] = np.where(n_ok >= 0.5 * len(items), m, np.nan)
    for f in FACES:
        out[f] = out[[f"{c}.{f}" for c in CONSTRUCTS]].mean(axis=1, skipna=False)
    for c in CONSTRUCTS:
        out[c] = out[[f"{c}.{f}" for f in FACES]].mean(axis=1, skipna=False)
    out["overall"] = out[inst.cells].mean(axis=1, skipna=False)
    out["n_answered"] = responses[inst.item_ids].notna().sum(axis=1)
    return out


@pytest.fixture(scope="session")
def inst():
    return load_instrument()


@pytest.fixture(scope="session")
def sim12():
    return simulate(12, 10, seed=7)


@pytest.fixture(scope="session")
def scores12(sim12):
    return score_frame(sim12.responses)


@pytest.fixture(scope="session")
def scorer():
    """The scoring function, for tests that simulate their own data."""
    return score_frame
