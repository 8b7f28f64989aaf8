"""Classification: validation on the simulator's truth, determinism, the decision rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from copro_scale.classify import classify_teams
from copro_scale.instrument import FACES, TYPES
from copro_scale.simulate import simulate


@pytest.fixture(scope="module")
def validation(scorer):
    sim = simulate(60, 8, seed=11)
    out = classify_teams(scorer(sim.responses), n_boot=1000, seed=3)
    return out.merge(sim.truth[["team", "type"]], on="team", suffixes=("", "_true"))


def test_true_type_recovered_for_90_percent_of_teams(validation):
    right = (validation["type"] == validation["type_true"]).mean()
    assert right >= 0.90, validation[["team", "type", "type_true", "probability"]]


def test_wrong_type_reported_for_at_most_2_percent(validation):
    wrong = validation["type"].isin(TYPES) & (validation["type"] != validation["type_true"])
    assert wrong.mean() <= 0.02


def test_reported_type_reaches_min_probability(validation):
    typed = validation[validation["type"].isin(TYPES)]
    assert (typed["probability"] >= 0.80).all()
    probs = validation[[f"p_{t}" for t in (*TYPES, "mixed")]].sum(axis=1)
    assert np.allclose(probs, 1.0)


def test_seeded_and_independent_of_row_order(scores12):
    a = classify_teams(scores12, n_boot=300, seed=5)
    b = classify_teams(scores12.sample(frac=1, random_state=1), n_boot=300, seed=5)
    pd.testing.assert_frame_equal(a, b)
    c = classify_teams(scores12, n_boot=300, seed=6)
    assert not np.allclose(a["p_enhanced"], c["p_enhanced"]) or (a["p_enhanced"] % 1 == 0).all()


def test_suppressed_below_min_responses(scores12):
    small = scores12[~((scores12["team"] == "Perinatal") & (scores12.index % 2 == 0))]
    out = classify_teams(small, n_boot=100, min_responses=8).set_index("team")
    n = small.groupby("team").size()
    assert (out.loc[n[n < 8].index, "type"] == "suppressed").all()
    assert out.loc[n[n < 8].index, list(FACES)].isna().all().all()
    assert (out.loc[n[n >= 8].index, "type"] != "suppressed").all()


def test_stricter_probability_never_adds_types(scores12):
    loose = classify_teams(scores12, n_boot=300, seed=1, min_probability=0.5)
    strict = classify_teams(scores12, n_boot=300, seed=1, min_probability=1.0)
    assert strict["type"].isin(TYPES).sum() <= loose["type"].isin(TYPES).sum()
    assert set(strict.loc[~strict["type"].isin(TYPES), "type"]) <= {"indeterminate", "mixed"}


def test_mixed_teams_never_forced_into_a_type(scorer):
    sim = simulate(12, 12, seed=4, types=["mixed"] * 6 + ["enhanced"] * 6)
    out = classify_teams(scorer(sim.responses), n_boot=500, seed=0)
    m = out.merge(sim.truth[["team", "type"]], on="team", suffixes=("", "_true"))
    mixed = m[m["type_true"] == "mixed"]
    assert mixed["type"].isin(["mixed", "indeterminate"]).all(), mixed[["type", "distance"]]


def _team(psw: float, colleague: float, n_psw=1, n_col=9):
    n = n_psw + n_col
    d = {"response_id": [f"r{i}" for i in range(n)], "team": "T",
         "form": ["psw"] * n_psw + ["colleague"] * n_col}
    vals = np.r_[np.full(n_psw, psw), np.full(n_col, colleague)]
    for c in (*FACES, "voice", "experience", "identity"):
        d[c] = vals
    return pd.DataFrame(d)


def test_forms_weighted_equally_by_default():
    s = _team(1.0, 5.0)
    eq = classify_teams(s, n_boot=20).iloc[0]
    resp = classify_teams(s, n_boot=20, weights="respondents").iloc[0]
    assert eq["decision_making"] == pytest.approx(3.0)
    assert resp["decision_making"] == pytest.approx(4.6)
    assert eq["forms"] == "psw+colleague"


def test_lever_is_the_lowest_construct():
    s = _team(3.0, 3.0).assign(voice=4.0, experience=2.0, identity=3.0)
    assert classify_teams(s, n_boot=20).iloc[0]["lever"] == "experience"


def test_profile_far_from_every_prototype_is_mixed():
    s = _team(4.2, 4.2).assign(non_decision_making=1.5, ideological=1.5)
    row = classify_teams(s, n_boot=50).iloc[0]
    assert row["distance"] > 1.25 and row["type"] == "mixed"
