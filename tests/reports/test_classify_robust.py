"""Classification that holds on awkward data: no crash whatever is missing, a reason for every
team without a type, counts of the respondents actually used, and ties settled by a rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copro_scale import read_responses, score
from copro_scale.classify import CELL_COLS, classify_teams
from copro_scale.instrument import CELLS, CONSTRUCTS, FACES, cell_name, load_instrument
from copro_scale.typology import OUTCOMES

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "classify_crash_responses.csv"
INST = load_instrument()


def test_generated_organisation_that_crashed_the_cholesky_step():
    """benchmarks/independent_generator.py, 40 teams of 2 PSWs + 3 colleagues, low answers
    skipped (40 %) and colleagues' "don't know" (30 %), seed 0: the pairwise covariance of the six
    face and construct scores had a negative eigenvalue and the whole run raised LinAlgError."""
    out = classify_teams(score(read_responses(pd.read_csv(FIXTURE, dtype=str))), n_draws=500)
    assert len(out) == 40
    typed = out["reason"] == ""
    assert typed.any()
    assert out.loc[~typed, "type"].isin(["indeterminate", "suppressed"]).all()
    p = out.loc[out[[f"p_{o}" for o in OUTCOMES]].notna().all(axis=1),
                [f"p_{o}" for o in OUTCOMES]]
    assert np.allclose(p.sum(axis=1), 1.0)


def _scores(rng, teams, drop_cells, dk_faces, skip_low, empty_rows):
    """Per-response scores with nine cells (faces and constructs their means), then holes."""
    rows = []
    for t, (n_psw, n_col) in enumerate(teams):
        level = rng.uniform(1.5, 4.5, size=9)
        for i in range(n_psw + n_col):
            cells = np.clip(level + rng.normal(0, 0.6) + rng.normal(0, 0.5, 9), 1, 5)
            rows.append([f"T{t}", "psw" if i < n_psw else "colleague", *cells])
    s = pd.DataFrame(rows, columns=["team", "form", *CELL_COLS])
    x = s[CELL_COLS].to_numpy().copy()
    for j in drop_cells:  # a cell nobody in the organisation scored
        x[:, j] = np.nan
    col = (s["form"] == "colleague").to_numpy()
    for f in dk_faces:  # colleagues who do not know a face
        idx = [CELL_COLS.index(cell_name(c, f)) for c in CONSTRUCTS]
        x[np.ix_(col & (rng.random(len(s)) < 0.6), idx)] = np.nan
    if skip_low:  # low scorers leave their low cells blank
        x[(x < 2.5) & (rng.random(x.shape) < skip_low)] = np.nan
    x[rng.random(len(s)) < empty_rows] = np.nan  # respondents with no score at all
    s[CELL_COLS] = x
    for f in FACES:
        s[f] = s[[cell_name(c, f) for c in CONSTRUCTS]].mean(axis=1)
    for c in CONSTRUCTS:
        s[c] = s[[cell_name(c, f) for f in FACES]].mean(axis=1)
    return s


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000),
       teams=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 7)), min_size=1, max_size=8),
       drop_cells=st.lists(st.integers(0, 8), max_size=2, unique=True),
       dk_faces=st.lists(st.sampled_from(FACES), max_size=3, unique=True),
       skip_low=st.sampled_from([0.0, 0.5, 1.0]),
       empty_rows=st.sampled_from([0.0, 0.2]))
def test_any_missing_pattern_gives_a_verdict_or_a_reason(seed, teams, drop_cells, dk_faces,
                                                         skip_low, empty_rows):
    teams = [t for t in teams if sum(t) > 0] or [(1, 4)]
    s = _scores(np.random.default_rng(seed), teams, drop_cells, dk_faces, skip_low, empty_rows)
    out = classify_teams(s, n_draws=100)
    assert set(out["type"]) <= {*OUTCOMES, "indeterminate", "suppressed"}
    # every team without a type says why; a typed team has no reason and a probability
    assert (out.loc[out["type"].isin(["indeterminate", "suppressed"]), "reason"] != "").all()
    typed = out[out["type"].isin(OUTCOMES)]
    assert (typed["reason"] == "").all() and (typed["probability"] >= 0.8).all()
    # n counts the respondents with at least one cell score
    used = s[s[CELL_COLS].notna().any(axis=1)].groupby("team").size()
    assert out.set_index("team")["n"].to_dict() == used.reindex(out["team"], fill_value=0).to_dict()
    assert (out["suppressed"] == (out["n"] < 5)).all()
    if drop_cells:  # a cell nobody scored: nobody can be typed, and the reason names it
        shown = out[~out["suppressed"]]
        assert (shown["type"] == "indeterminate").all()
        assert shown["reason"].str.contains(CELL_COLS[drop_cells[0]], regex=False).all()


def test_n_counts_the_respondents_whose_scores_were_used():
    s = _scores(np.random.default_rng(1), [(2, 3)] * 12, [], [], 0.0, 0.0)
    s.loc[s.index[(s["team"] == "T0")][-1], [*CELL_COLS, *FACES, *CONSTRUCTS]] = np.nan
    out = classify_teams(s, n_draws=100).set_index("team")
    assert out.loc["T0", "n"] == 4 and out.loc["T0", "n_responses"] == 5
    assert out.loc["T0", "type"] == "suppressed"  # 4 used < the threshold of 5
    assert out.loc["T1", "n"] == 5 and out.loc["T1", "type"] != "suppressed"


def test_lever_tie_goes_to_the_first_construct_whatever_the_row_order():
    rng = np.random.default_rng(2)
    s = _scores(rng, [(2, 4)] * 12, [], [], 0.0, 0.0)
    # identity's cells are voice's of another member of the team and form: the means of voice
    # and identity are equal (and lowest), but sums in another order differ in the last bits
    for f in FACES:
        v, i = cell_name("voice", f), cell_name("identity", f)
        s[i] = s.groupby(["team", "form"])[v].transform(lambda x: np.roll(x.to_numpy(), 1))
        s[cell_name("experience", f)] = s[v] + 0.7
    for c in CONSTRUCTS:
        s[c] = s[[cell_name(c, f) for f in FACES]].mean(axis=1)
    levers = {tuple(classify_teams(s.sample(frac=1, random_state=k), n_draws=100)["lever"])
              for k in range(6)}
    assert levers == {("voice",) * 12}


def test_result_does_not_depend_on_row_order():
    s = _scores(np.random.default_rng(3), [(2, 5)] * 10, [], ["non_decision_making"], 0.5, 0.0)
    a = classify_teams(s, n_draws=300, seed=4)
    b = classify_teams(s.sample(frac=1, random_state=9).reset_index(drop=True), n_draws=300, seed=4)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_n_boot_is_a_deprecated_name_of_n_draws(tmp_path, capsys):
    from copro_scale.cli import main
    from copro_scale.simulate import simulate
    s = _scores(np.random.default_rng(4), [(2, 4)] * 6, [], [], 0.0, 0.0)
    with pytest.warns(DeprecationWarning, match="n_draws"):
        a = classify_teams(s, n_boot=120, seed=2)
    pd.testing.assert_frame_equal(a, classify_teams(s, n_draws=120, seed=2))
    path = tmp_path / "r.csv"
    simulate(3, 6, seed=1).responses.to_csv(path, index=False)
    assert main(["report", str(path), "-o", str(tmp_path / "a"), "--n-boot", "40"]) == 0
    assert "--n-boot is deprecated; use --n-draws" in capsys.readouterr().err
    assert main(["report", str(path), "-o", str(tmp_path / "b"), "--n-draws", "40"]) == 0
    assert "--n-boot" not in capsys.readouterr().err
