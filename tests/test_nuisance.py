"""The simulator's nuisance model: each stated size is what the simulated data show, profiles
load by name or from YAML, and bad files get one clear line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from copro_scale import load_instrument
from copro_scale.cli import main
from copro_scale.errors import CoproError
from copro_scale.nuisance import PROFILES, Nuisance, load_nuisance
from copro_scale.simulate import simulate

INST = load_instrument()
ITEMS = INST.item_ids


def _only(**kw) -> Nuisance:
    return Nuisance(**{"missing": 0.0, "straightline_share": 0.0, **kw})


def test_clean_profile_leaves_the_core_model_unchanged():
    a = simulate(5, 8, seed=4).responses
    b = simulate(5, 8, seed=4, nuisance="clean").responses
    pd.testing.assert_frame_equal(a, b)


def test_dont_know_hits_colleagues_only_at_its_rate():
    r = simulate(200, 10, seed=1, nuisance=_only(dont_know=0.2)).responses
    blank = r[ITEMS].isna()
    assert blank[r["form"] == "psw"].to_numpy().mean() == 0
    assert blank[r["form"] == "colleague"].to_numpy().mean() == pytest.approx(0.2, abs=0.01)


def test_skips_fall_on_the_least_favourable_answers():
    base = simulate(150, 10, seed=2, nuisance=_only()).responses
    skip = simulate(150, 10, seed=2, nuisance=_only(skip_low=0.5)).responses
    rev = [it.id for it in INST.items if it.reverse]
    fav = base[ITEMS].astype("float64")
    fav[rev] = 6 - fav[rev]
    gone = skip[ITEMS].isna() & base[ITEMS].notna()
    low = (fav <= 2).to_numpy()
    assert gone.to_numpy()[low].mean() == pytest.approx(0.5, abs=0.03)
    assert gone.to_numpy()[~low].mean() == 0


def test_careless_respondents_answer_at_random():
    r = simulate(300, 10, seed=3, nuisance=_only(careless_share=1.0)).responses
    counts = pd.Series(r[ITEMS].to_numpy().ravel()).value_counts(normalize=True)
    assert np.allclose(counts.sort_index().to_numpy(), 0.2, atol=0.01)


def test_teams_between_two_types_sit_halfway():
    sim = simulate(300, 6, seed=5, nuisance=_only(between_share=0.3))
    t = sim.truth
    between = t[t["type"] == "between"]
    assert len(between) / len(t) == pytest.approx(0.3, abs=0.06)
    for row in between.itertuples():
        a, b = row.between.split("/")
        for f in ("decision_making", "non_decision_making", "ideological"):
            assert getattr(row, f) == pytest.approx(
                (INST.prototypes[a][f] + INST.prototypes[b][f]) / 2)


def test_team_sizes_spread_and_some_teams_without_psw():
    sim = simulate(400, 10, seed=6, nuisance=_only(size_cv=0.4, no_psw_share=0.25))
    n = sim.truth["n_psw"] + sim.truth["n_colleague"]
    assert n.mean() == pytest.approx(10, abs=0.5) and n.std() / n.mean() == pytest.approx(0.4, abs=0.06)
    assert (sim.truth["n_psw"] == 0).mean() == pytest.approx(0.25, abs=0.05)
    got = sim.responses.groupby("team").size().reindex(sim.truth["team"]).to_numpy()
    assert (got == n.to_numpy()).all()


def test_colleague_optimism_is_drawn_per_team_and_psws_see_the_profile():
    sim = simulate(300, 10, seed=7, nuisance=_only(colleague_optimism=(0.2, 0.6)))
    assert sim.truth["optimism"].between(0.2, 0.6).all()
    assert sim.truth["optimism"].mean() == pytest.approx(0.4, abs=0.03)
    lat = sim.latent
    cells = [c for c in lat.columns if "." in c]
    gap = (lat[lat.form == "colleague"][cells].to_numpy().mean()
           - lat[lat.form == "psw"][cells].to_numpy().mean())
    assert gap == pytest.approx(0.4, abs=0.05)


def test_acquiescence_moves_raw_answers_up_on_both_keyings():
    base = simulate(200, 10, seed=8, nuisance=_only()).responses
    acq = simulate(200, 10, seed=8, nuisance=_only(acquiescence_mean=0.5)).responses
    rev = [it.id for it in INST.items if it.reverse]
    fwd = [i for i in ITEMS if i not in rev]
    for cols in (rev, fwd):  # raw agreement rises on negatively and positively worded items
        diff = acq[cols].astype(float).to_numpy().mean() - base[cols].astype(float).to_numpy().mean()
        assert diff > 0.2


def test_yaml_profile_overrides_realistic(tmp_path):
    f = tmp_path / "n.yaml"
    f.write_text("skip_low: 0.5\ncolleague_optimism: [0.2, 0.3]\n")
    nz = load_nuisance(f)
    assert nz.skip_low == 0.5 and nz.colleague_optimism == (0.2, 0.3)
    assert nz.dont_know == PROFILES["realistic"].dont_know


@pytest.mark.parametrize("text,msg", [("skip: 0.5\n", "unknown field 'skip'"),
                                      ("skip_low: 2\n", "at most 1"),
                                      ("colleague_optimism: [0.5, 0.1]\n", "low <= high"),
                                      ("dont_know: lots\n", "must be a number")])
def test_bad_yaml_is_one_line(tmp_path, capsys, text, msg):
    f = tmp_path / "n.yaml"
    f.write_text(text)
    with pytest.raises(CoproError, match=msg):
        load_nuisance(f)
    assert main(["simulate", "--teams", "2", "-o", str(tmp_path / "r.csv"),
                 "--nuisance", str(f)]) == 2
    err = capsys.readouterr().err
    assert msg in err and len(err.strip().splitlines()) == 1
