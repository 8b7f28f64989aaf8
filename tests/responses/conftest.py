from __future__ import annotations

import pandas as pd
import pytest

from copro_scale import load_instrument
from copro_scale.simulate import simulate


@pytest.fixture(scope="session")
def inst():
    return load_instrument()


@pytest.fixture()
def sim():
    """A small canonical table (fresh copy per test)."""
    return simulate(3, 6, seed=5, straightline_rate=0.0).responses.copy()


@pytest.fixture()
def write(tmp_path):
    """Write a DataFrame as CSV in tmp_path and return the path."""
    def _write(df: pd.DataFrame, name="r.csv") -> str:
        p = tmp_path / name
        df.to_csv(p, index=False)
        return str(p)
    return _write
