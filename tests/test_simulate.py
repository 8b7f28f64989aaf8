"""The simulator: deterministic by seed, and its stated parameters are recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from copro_scale import load_instrument
from copro_scale.cli import main
from copro_scale.instrument import CELLS, FACES, cell_name
from copro_scale.simulate import MIXED_PROFILE, expected_cell_mean, simulate

INST = load_instrument()


def test_deterministic_by_seed():
    a = simulate(6, 8, seed=11).responses
    b = simulate(6, 8, seed=11).responses
    c = simulate(6, 8, seed=12).responses
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_canonical_layout():
    sim = simulate(4, 8, seed=3)
    r = sim.responses
    assert list(r.columns[:5]) == ["response_id", "team", "role", "form", "months_in_role"]
    assert list(r.columns[5:]) == INST.item_ids
    assert r["response_id"].is_unique
    items = r[INST.item_ids]
    vals = items.stack().dropna().unique()
    assert set(vals) <= {1, 2, 3, 4, 5}
    # roles match forms; 2 PSWs of 8
    assert (r.loc[r.form == "psw", "role"] == "psw").all()
    assert (r.loc[r.form == "colleague", "role"] != "psw").all()
    assert r.groupby("team")["form"].apply(lambda f: (f == "psw").sum()).eq(2).all()
    assert sorted(sim.truth["type"].unique()) == ["enhanced", "neutralized", "tokenistic"]


@pytest.fixture(scope="module")
def big():
    return simulate(600, 20, seed=5)


def _favourable(r):
    rev = [it.id for it in INST.items if it.reverse]
    x = r[INST.item_ids].astype("float64")
    x[rev] = 6 - x[rev]
    return x


def test_missing_rate_is_recovered(big):
    r = big.responses
    straight = _favourable(r).nunique(axis=1).le(1) & r[INST.item_ids].notna().all(axis=1)
    rate = r.loc[~straight, INST.item_ids].isna().to_numpy().mean()
    assert rate == pytest.approx(big.params["missing_rate"], abs=0.003)


def test_cell_means_per_type_are_recovered(big):
    r = big.responses
    x = _favourable(r)
    straight = r[INST.item_ids].nunique(axis=1).le(1)
    types = r["team"].map(big.truth.set_index("team")["type"])
    for face in FACES:
        ids = [it.id for it in INST.items if it.face == face]
        for t in ("neutralized", "enhanced", "tokenistic"):
            for form in ("psw", "colleague"):
                sel = (types == t) & (r.form == form) & ~straight
                observed = np.nanmean(x.loc[sel, ids].to_numpy())
                expected = expected_cell_mean(INST.prototypes[t][face], form=form)
                # about 3 standard errors at this sample size (team and respondent variance)
                assert observed == pytest.approx(expected, abs=0.07), (t, face, form)


def test_form_bias_is_recovered(big):
    lat = big.latent
    cells = [cell_name(c, f) for c, f in CELLS]
    gap = lat.loc[lat.form == "colleague", cells].to_numpy().mean() - lat.loc[lat.form == "psw", cells].to_numpy().mean()
    assert gap == pytest.approx(big.params["form_bias"], abs=0.04)


def _icc1(values: pd.Series, groups: pd.Series) -> float:
    """One-way ANOVA ICC(1) for equal group sizes."""
    g = values.groupby(groups)
    k = g.size().mean()
    msb = k * g.mean().var(ddof=1)
    msw = g.var(ddof=1).mean()
    return (msb - msw) / (msb + (k - 1) * msw)


def test_icc1_within_type_is_recovered(big):
    lat = big.latent
    types = lat["team"].map(big.truth.set_index("team")["type"])
    # remove the form shift so that only team and respondent variance remain
    shift = np.where(lat.form == "psw", -0.15, 0.15)
    estimates = []
    for t in ("neutralized", "enhanced", "tokenistic"):
        sel = types == t
        for c in [cell_name(c, f) for c, f in CELLS]:
            estimates.append(_icc1(lat.loc[sel, c] - shift[sel], lat.loc[sel, "team"]))
    assert np.mean(estimates) == pytest.approx(big.params["icc1"], abs=0.02)


def test_straight_liners_are_present_but_rare(big):
    r = big.responses
    straight = r[INST.item_ids].notna().all(axis=1) & r[INST.item_ids].nunique(axis=1).eq(1)
    assert 0.01 <= straight.mean() <= 0.03


def test_mixed_teams_are_far_from_every_prototype():
    sim = simulate(30, 4, seed=2, mixed_share=0.5)
    assert (sim.truth["type"] == "mixed").sum() > 5
    m = np.array([MIXED_PROFILE[f] for f in FACES])
    for p in INST.prototypes.values():
        assert np.linalg.norm(m - np.array([p[f] for f in FACES])) > INST.max_distance


def test_cli_writes_responses_and_truth(tmp_path):
    out, truth = tmp_path / "r.csv", tmp_path / "t.csv"
    assert main(["simulate", "--teams", "3", "--per-team", "6", "--seed", "4", "-o", str(out), "--truth", str(truth)]) == 0
    r = pd.read_csv(out)
    assert len(r) == 18 and set(pd.read_csv(truth)["team"]) == set(r["team"])
    # blank cells, not a placeholder, for missing answers
    cells = pd.read_csv(out, dtype=str, keep_default_na=False)[INST.item_ids].stack()
    assert set(cells) <= {"", "1", "2", "3", "4", "5"}
    assert (cells == "").sum() == r[INST.item_ids].isna().sum().sum() > 0  # 3 % missing


def test_n_psw_sets_the_psw_count_per_team():
    for k in (0, 1, 3):
        r = simulate(3, 6, seed=1, n_psw=k).responses
        assert r.groupby("team")["form"].apply(lambda f: (f == "psw").sum()).eq(k).all()
    with pytest.raises(ValueError, match="n_psw"):
        simulate(3, 6, n_psw=7)


def test_prototypes_override_moves_the_truth():
    shifted = {"enhanced": {"ideological": INST.prototypes["enhanced"]["ideological"] - 0.3}}
    a = simulate(6, 4, seed=2, types=["enhanced"] * 6)
    b = simulate(6, 4, seed=2, types=["enhanced"] * 6, prototypes=shifted)
    assert np.allclose(b.truth["ideological"] - a.truth["ideological"], -0.3)
    assert np.allclose(b.truth["decision_making"], a.truth["decision_making"])
