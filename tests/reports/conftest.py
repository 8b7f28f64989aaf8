"""Fixtures for the report tests: simulated responses and their per-response scores."""

from __future__ import annotations

import pandas as pd
import pytest

from copro_scale import load_instrument, read_responses, score
from copro_scale.simulate import simulate


def score_frame(responses: pd.DataFrame) -> pd.DataFrame:
    """Per-response scores of a canonical responses table, through the real pipeline."""
    return score(read_responses(responses))


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


@pytest.fixture(scope="session")
def report():
    """Read, score and report a canonical responses table, as the CLI orchestrates it."""
    from copro_scale.reports import render_reports

    def run(responses: pd.DataFrame, out, **kw):
        r = read_responses(responses)
        return render_reports(r, score(r), out, **kw)
    return run
