"""Classification: recovery and calibration on simulated truth (the package's simulator and an
independent generator), the typology's regions, the form gap, whose view, privacy weighting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from copro_scale.classify import classify_teams, organisation_gap
from copro_scale.instrument import FACES, TYPES, load_instrument
from copro_scale.plan import (classification_records, expected_calibration_error,
                              recovery_records, recovery_summary, robustness_settings)
from copro_scale.simulate import MIXED_PROFILE, simulate
from copro_scale.typology import OUTCOMES, Typology

from independent_sim import independent_survey  # tests/reports, on the path (rootdir conftest)

INST = load_instrument()
EXTREMES = {"enhanced": (4.96, 4.99, 4.96), "tokenistic": (1.01, 1.43, 1.10),
            "enhanced ": (4.79, 4.73, 4.86)}


@pytest.fixture(scope="module")
def validation(scorer):
    sim = simulate(60, 8, seed=11)
    out = classify_teams(scorer(sim.responses), n_draws=2000, seed=3)
    return out.merge(sim.truth[["team", "type"]], on="team", suffixes=("", "_true"))


def test_true_type_recovered_for_90_percent_of_teams(validation):
    right = (validation["type"] == validation["type_true"]).mean()
    assert right >= 0.90, validation[["team", "type", "type_true", "probability"]]


def test_wrong_type_reported_for_at_most_1_percent(validation):
    wrong = (validation["type"] != "indeterminate") & (validation["type"] != validation["type_true"])
    assert wrong.mean() <= 0.01


def test_reported_type_reaches_min_probability(validation):
    typed = validation[validation["type"].isin(OUTCOMES)]
    assert (typed["probability"] >= 0.80).all()
    probs = validation[[f"p_{t}" for t in OUTCOMES]].sum(axis=1)
    assert np.allclose(probs, 1.0)


# -- the robustness grid, small: one organisation of 60 teams x 8 (2 PSW) per setting ------------
GRID = ["defaults", "team SD x1.5", "person SD x1.3", "item noise x1.3", "colleague gap 0.00",
        "colleague gap 0.50", "neutralized non_decision_making +0.3",
        "enhanced ideological -0.3", "tokenistic ideological +0.3"]


@pytest.fixture(scope="module")
def grid():
    settings = robustness_settings()
    return {name: recovery_records(60, 8, 2, reps=1, seed=7, n_draws=1000, **settings[name])
            for name in GRID}


@pytest.mark.parametrize("name", GRID)
def test_recovery_holds_across_the_grid(grid, name):
    s = recovery_summary(grid[name])
    assert s["correct"] >= 0.90, (name, s)
    assert s["wrong"] <= 1 / 60, (name, s)  # at most one team of 60


def test_calibration_error_at_most_05_across_the_grid(grid):
    pooled = pd.concat(grid.values())
    assert expected_calibration_error(pooled) <= 0.05
    assert pooled["wrong"].mean() <= 0.01
    for name, rec in grid.items():
        assert expected_calibration_error(rec) <= 0.05, name


def test_independent_generator_with_colleague_optimism(scorer):
    """60 teams x 8 (2 PSW), colleagues 0.10-0.25 more favourable, data the package did not
    write: at least 90% typed right, and no wrong type at the reported probability."""
    recs = []
    for seed in range(2):
        resp, truth = independent_survey(60, 8, 2, seed=seed)
        recs.append(classification_records(classify_teams(scorer(resp), n_draws=1000), truth))
    rec = pd.concat(recs)
    s = recovery_summary(rec)
    assert s["correct"] >= 0.90, s
    assert s["wrong"] <= 0.01, s
    tok = rec[rec["truth"] == "tokenistic"]
    assert (tok["type"] == "tokenistic").mean() >= 0.85


# -- extreme teams, through the real pipeline ----------------------------------------------
def _profile_team(name: str, faces, rng, n_psw=2, n_col=6) -> pd.DataFrame:
    """Responses whose favourable face scores average ``faces`` (codes floor/ceil mixed)."""
    n = n_psw + n_col
    fav = np.empty((n, len(INST.items)))
    for j, it in enumerate(INST.items):
        v = faces[FACES.index(it.face)]
        lo = np.floor(v)
        fav[:, j] = lo + (rng.random(n) < v - lo)
    raw = np.where([it.reverse for it in INST.items], 6 - fav, fav)
    meta = pd.DataFrame({"response_id": [f"{name}-{i}" for i in range(n)], "team": name,
                         "role": ["psw"] * n_psw + ["clinical"] * n_col,
                         "form": ["psw"] * n_psw + ["colleague"] * n_col,
                         "months_in_role": 12})
    return pd.concat([meta, pd.DataFrame(raw, columns=INST.item_ids).astype("Int8")], axis=1)


def test_extreme_teams_get_their_own_type(scorer):
    rng = np.random.default_rng(4)
    sim = simulate(24, 8, seed=21)
    extra = [_profile_team(f"Extreme {i}", f, rng) for i, f in enumerate(EXTREMES.values())]
    out = classify_teams(scorer(pd.concat([sim.responses, *extra], ignore_index=True)),
                         n_draws=2000).set_index("team")
    for i, (want, faces) in enumerate(EXTREMES.items()):
        row = out.loc[f"Extreme {i}"]
        assert np.allclose(row[list(FACES)].astype(float), faces, atol=0.12)
        assert row["type"] == want.strip() and row["probability"] >= 0.95, row


def test_regions_follow_the_typology():
    t = Typology.from_instrument()
    pts = np.array([*EXTREMES.values(), (5, 5, 5), (1, 1, 1), [MIXED_PROFILE[f] for f in FACES],
                    (1.8, 2.5, 4.3), (5, 5, 3), (2.5, 4.5, 2.5), (3.2, 2.1, 3.2)], dtype=float)
    got = [OUTCOMES[k] for k in t.outcome(pts)]
    assert got == ["enhanced", "tokenistic", "enhanced", "enhanced", "tokenistic", "mixed",
                   "mixed", "mixed", "mixed", "neutralized"]
    # beyond each prototype, away from the other two, the distance to its region stays 0
    p = t.prototypes
    for k in range(3):
        away = p[k] - p[[j for j in range(3) if j != k]].mean(axis=0)
        far = p[k] + np.outer([0.5, 1, 3], away / np.linalg.norm(away))
        assert np.allclose(t.distances(far)[:, k], 0), TYPES[k]
    # inside the triangle of prototypes the rule is the nearest prototype
    inner = (p[0] + p[1] + p[2]) / 3
    assert OUTCOMES[t.outcome(inner)] == TYPES[np.argmin(np.linalg.norm(p - inner, axis=1))]


def test_collinear_prototypes_are_refused():
    with pytest.raises(ValueError, match="one line"):
        Typology.from_prototypes([[1, 1, 1], [2, 2, 2], [3, 3, 3]], 1.0)


def test_mixed_teams_never_forced_into_a_type(scorer):
    sim = simulate(12, 12, seed=4, types=["mixed"] * 6 + ["enhanced"] * 6)
    out = classify_teams(scorer(sim.responses), n_draws=1000, seed=0)
    m = out.merge(sim.truth[["team", "type"]], on="team", suffixes=("", "_true"))
    mixed = m[m["type_true"] == "mixed"]
    assert mixed["type"].isin(["mixed", "indeterminate"]).all(), mixed[["type", "distance"]]
    assert (mixed["type"] == "mixed").mean() >= 0.8


def test_seeded_and_independent_of_row_order(scores12):
    a = classify_teams(scores12, n_draws=300, seed=5)
    b = classify_teams(scores12.sample(frac=1, random_state=1), n_draws=300, seed=5)
    pd.testing.assert_frame_equal(a, b)
    c = classify_teams(scores12, n_draws=300, seed=6)
    assert not np.allclose(a["p_lever"], c["p_lever"])


def test_suppressed_below_min_responses(scores12):
    small = scores12[~((scores12["team"] == "Perinatal") & (scores12.index % 2 == 0))]
    out = classify_teams(small, n_draws=100, min_responses=8).set_index("team")
    n = small.groupby("team").size()
    assert (out.loc[n[n < 8].index, "type"] == "suppressed").all()
    assert out.loc[n[n < 8].index, list(FACES)].isna().all().all()
    assert (out.loc[n[n >= 8].index, "type"] != "suppressed").all()


def test_stricter_probability_never_adds_types(scores12):
    loose = classify_teams(scores12, n_draws=300, seed=1, min_probability=0.5)
    strict = classify_teams(scores12, n_draws=300, seed=1, min_probability=1.0)
    assert strict["type"].isin(TYPES).sum() <= loose["type"].isin(TYPES).sum()
    assert set(strict.loc[~strict["type"].isin(TYPES), "type"]) <= {"indeterminate", "mixed"}


# -- the form gap, whose view, and privacy weighting ---------------------------------------
def _org(gap: float, mixes, seed=0) -> pd.DataFrame:
    """Per-response scores of teams sharing one profile; PSWs gap/2 below it, colleagues above.

    Nine cell scores per respondent, and the faces and constructs as their means."""
    from copro_scale.instrument import CELLS, CONSTRUCTS, cell_name
    rng = np.random.default_rng(seed)
    rows = []
    face = {"decision_making": 3.2, "non_decision_making": 2.1, "ideological": 3.2}
    for t, (n_psw, n_col) in enumerate(mixes):
        for i in range(n_psw + n_col):
            psw = i < n_psw
            cells = (np.array([face[f] for _, f in CELLS]) + rng.normal(0, 0.3)
                     + rng.normal(0, 0.3, 9) + (-gap / 2 if psw else gap / 2))
            rows.append([f"T{t:02d}", "psw" if psw else "colleague", *cells])
    s = pd.DataFrame(rows, columns=["team", "form", *[cell_name(c, f) for c, f in CELLS]])
    for f in FACES:
        s[f] = s[[cell_name(c, f) for c in CONSTRUCTS]].mean(axis=1)
    for c in CONSTRUCTS:
        s[c] = s[[cell_name(c, f) for f in FACES]].mean(axis=1)
    return s


def test_organisation_gap_is_taken_out_whatever_the_mix():
    mixes = [(1, 7), (2, 6), (4, 4), (6, 2), (0, 8)] * 8
    s = _org(0.6, mixes)
    gap = organisation_gap(s)
    assert gap.loc[list(FACES), "gap"].to_numpy() == pytest.approx(0.6, abs=0.1)
    out = classify_teams(s, n_draws=200)
    adj = out[[f"{f}_adjusted" for f in FACES]].to_numpy()
    plain = out[list(FACES)].to_numpy()
    share_col = (out["n_colleague"] / out["n"]).to_numpy()
    # plain means lean to the colleagues in proportion to their share; adjusted ones do not
    slope_plain = np.polyfit(share_col, plain.mean(axis=1), 1)[0]
    slope_adj = np.polyfit(share_col, adj.mean(axis=1), 1)[0]
    assert slope_plain == pytest.approx(0.6, abs=0.2) and abs(slope_adj) < 0.15


def test_gap_is_not_used_when_it_may_not_be_shown():
    s = _org(0.6, [(1, 9), (1, 9), (2, 8)])  # 4 PSWs in all: the pooled gap is withheld
    assert organisation_gap(s) is None
    out = classify_teams(s, n_draws=100)
    for f in FACES:
        assert np.allclose(out[f"{f}_adjusted"], out[f])


def test_no_respondent_carries_more_than_1_over_n():
    s = _org(0.4, [(1, 9)] + [(2, 6)] * 10, seed=3)
    base = classify_teams(s, n_draws=50).set_index("team")
    moved = s.copy()
    first_psw = moved.index[(moved["team"] == "T00") & (moved["form"] == "psw")][0]
    moved.loc[first_psw, [c for c in moved.columns if "." in c] + list(FACES)] += 1.0
    after = classify_teams(moved, n_draws=50).set_index("team")
    n_psw_org = int((s["form"] == "psw").sum())
    d_plain = (after.loc["T00", list(FACES)] - base.loc["T00", list(FACES)]).astype(float)
    assert np.allclose(d_plain, 1 / 10)
    adj = [f"{f}_adjusted" for f in FACES]
    d_adj = (after.loc["T00", adj] - base.loc["T00", adj]).astype(float)
    assert (d_adj.abs() <= 1 / 10 + 1 / n_psw_org + 1e-9).all()


def test_team_without_psw_is_typed_from_colleagues_and_says_so(scorer):
    sim = simulate(30, 8, seed=8)
    r = sim.responses
    lone = sim.truth["team"].iloc[0]
    r = r[~((r["team"] == lone) & (r["form"] == "psw"))].reset_index(drop=True)
    out = classify_teams(scorer(r), n_draws=2000).set_index("team")
    row = out.loc[lone]
    assert row["n_psw"] == 0 and row["forms"] == "colleague"
    assert row["type"] in (*TYPES, "indeterminate")
    assert (out.drop(lone)["forms"] == "psw+colleague").all()


def test_respondents_weighting_is_the_plain_mean():
    s = _org(0.6, [(1, 9)] * 12)
    out = classify_teams(s, n_draws=50, weights="respondents")
    for f in FACES:
        assert np.allclose(out[f"{f}_adjusted"], out[f])
    with pytest.raises(ValueError, match="weights"):
        classify_teams(s, weights="psw_only")


def test_lever_is_the_lowest_construct():
    from copro_scale.instrument import CELLS, cell_name
    s = _org(0.0, [(2, 6)] * 8)
    level = {"voice": 4.0, "experience": 2.0, "identity": 3.0}
    for c, f in CELLS:
        s[cell_name(c, f)] += level[c] - 3.0
    assert (classify_teams(s, n_draws=50)["lever"] == "experience").all()


# -- against R (tests/reference/make_classify_reference.R) ---------------------------------
def _ref():
    import json
    from pathlib import Path
    root = Path(__file__).resolve().parents[1] / "reference"
    return root, json.loads((root / "classify_reference.json").read_text())


def test_within_team_covariance_matches_r():
    from copro_scale.classify import within_covariance
    root, ref = _ref()
    lq = pd.read_csv(root / "lq2002.csv")
    cov, df = within_covariance(lq[["LEAD01", "LEAD02", "LEAD03"]].to_numpy(float),
                                pd.factorize(lq["COMPID"])[0], shrink=0.0)
    assert np.allclose(cov, ref["lq_within_cov"], atol=1e-10) and df == ref["lq_within_df"]
    bfi = pd.read_csv(root / "bfi.csv")[["A1", "A2", "A3"]]  # some answers missing
    grp = np.arange(len(bfi)) % 40
    cov, df = within_covariance(bfi.to_numpy(float), grp, shrink=0.0)  # each pair's rows
    assert np.allclose(cov, ref["bfi_pairwise_cov"], atol=1e-10)
    assert df == ref["bfi_pairwise_df"]


def test_within_covariance_is_positive_definite_when_pairwise_correlations_are_not():
    from copro_scale.classify import within_covariance
    rng = np.random.default_rng(3)
    rows, groups = [], []
    # three sets of respondents, each answering two of three columns: 0 and 1 rise together,
    # 1 and 2 rise together, 0 and 2 fall together - no matrix has these correlations
    for g in range(30):
        for pair, sign in (((0, 1), 1), ((1, 2), 1), ((0, 2), -1)):
            for _ in range(4):
                u = rng.normal()
                r = np.full(3, np.nan)
                r[pair[0]], r[pair[1]] = u + rng.normal(0, 0.2), sign * u + rng.normal(0, 0.2)
                rows.append(r + g)
                groups.append(g)
    x = np.array(rows)
    raw, _ = within_covariance(x, np.array(groups), shrink=0.0)
    w, df = within_covariance(x, np.array(groups), shrink=0.05)
    # the variances: every row with the column, deviations from its group's mean (by hand)
    frame = pd.DataFrame(x).assign(g=groups)
    dev = frame[[0, 1, 2]] - frame.groupby("g")[[0, 1, 2]].transform("mean")
    var = (dev**2).sum() / (frame[[0, 1, 2]].notna().sum() - 30)
    np.testing.assert_allclose(np.diag(w), var.to_numpy(), rtol=1e-12)
    # the pairwise correlations (about .96, .96, -.96) have a negative eigenvalue ...
    pair = dev.corr().to_numpy()  # within groups, each pair over the rows with both
    assert np.linalg.eigvalsh(pair).min() < -0.5
    # ... the estimate's correlations have none below the shrinkage
    sd = np.sqrt(np.diag(w))
    assert np.linalg.eigvalsh(w / np.outer(sd, sd)).min() >= 0.05 - 1e-12
    assert np.linalg.eigvalsh(raw / np.outer(sd, sd)).min() >= -1e-12
    np.linalg.cholesky(w)
    # each pair has 30 x 4 rows in 30 groups
    assert df == 90


def test_organisation_gap_and_se_match_welch_in_r():
    root, ref = _ref()
    lq = pd.read_csv(root / "lq2002.csv")
    s = pd.DataFrame({"team": lq["COMPID"].astype(str),
                      "form": np.where(lq["COMPID"] % 3 == 0, "psw", "colleague"),
                      "voice": lq["LEAD01"].astype(float)})
    gap = organisation_gap(s, columns=["voice"]).loc["voice"]
    assert gap["gap"] == pytest.approx(ref["lq_gap"], abs=1e-12)
    assert gap["se"] == pytest.approx(ref["lq_gap_se"], abs=1e-12)


def test_posterior_draws_give_rs_multivariate_t_probability():
    from copro_scale.classify import standard_t_draws
    _, ref = _ref()
    h = ref["halfspace"]
    L = np.linalg.cholesky(np.array(h["V"]))
    mu = np.array(h["m"]) + standard_t_draws(h["nu"], 200_000, 3, seed=1) @ L.T
    p = float((mu @ np.array(h["a"]) >= h["b"]).mean())
    assert p == pytest.approx(h["p"], abs=3 * np.sqrt(h["p"] * (1 - h["p"]) / 200_000))


def test_acquiescence_is_taken_out_of_the_profile():
    """Every respondent agrees one code more than their view on every item (a positively worded
    item is coded view + 1, a reverse-keyed one 6 - view + 1). The cell scores are then
    view + 1/2 where 3 of 4 items are positively worded and view in voice.ideological (2 and 2);
    with acquiescence (1) taken out, the adjusted profile is the mean view, computed by hand."""
    rng = np.random.default_rng(4)
    rows, views = [], []
    for t in range(2):
        for r in range(6):
            view = {(c, f): int(rng.integers(2, 5)) for c in ("voice", "experience", "identity")
                    for f in FACES}
            views.append(dict(team=f"T{t}", **{f: np.mean([view[c, f] for c in
                                               ("voice", "experience", "identity")]) for f in FACES}))
            codes = {it.id: (7 - view[it.construct, it.face]) if it.reverse
                     else view[it.construct, it.face] + 1 for it in INST.items}
            rows.append(dict(response_id=f"r{t}{r}", team=f"T{t}", role="psw", form="psw", **codes))
    frame = pd.DataFrame(rows)
    frame[INST.item_ids] = frame[INST.item_ids].astype("Int8")
    from copro_scale import score
    scores = score(frame, instrument=INST)
    want = pd.DataFrame(views).groupby("team")[list(FACES)].mean()
    got = classify_teams(scores, INST, n_draws=200).set_index("team")
    for f in FACES:
        np.testing.assert_allclose(got[f"{f}_adjusted"], want[f], atol=1e-12)
    plain = classify_teams(scores, INST, n_draws=200, acquiescence=False).set_index("team")
    assert (plain["decision_making_adjusted"] - want["decision_making"]).abs().min() > 0.3


def test_temperature_scales_the_posterior_covariance(scorer):
    """Metamorphic oracle: with PSW respondents only (no form gap), the posterior covariance is
    the pooled within-team covariance over n, so ``temperature=T`` must give the probabilities
    that ``temperature=1`` gives for the same teams with every respondent's deviation from their
    team's mean shrunk by sqrt(T)."""
    from copro_scale.classify import CELL_COLS, TEMPERATURE
    assert 0 < TEMPERATURE <= 1
    s = scorer(simulate(12, 8, seed=21).responses).assign(form="psw")
    s = s.drop(columns="acquiescence")
    t = 0.6
    shrunk = s.copy()
    mean = s.groupby("team")[CELL_COLS].transform("mean")
    shrunk[CELL_COLS] = mean + np.sqrt(t) * (s[CELL_COLS] - mean)
    p = [f"p_{o}" for o in OUTCOMES]
    got = classify_teams(s, n_draws=2000, seed=5, temperature=t)[p]
    want = classify_teams(shrunk, n_draws=2000, seed=5, temperature=1.0)[p]
    np.testing.assert_allclose(got, want, atol=1.5 / 2000)
    assert not np.allclose(got, classify_teams(s, n_draws=2000, seed=5, temperature=1.0)[p])


def test_organisation_with_one_form_only_is_typed(scorer):
    """No team has both forms: the team-gap SD falls back to GAP_SD instead of raising."""
    s = scorer(simulate(12, 8, seed=21).responses).assign(form="psw")
    out = classify_teams(s, n_draws=500, seed=1)
    assert (out["type"] != "suppressed").all() and out["probability"].notna().all()


def _gap_survey(n_teams: int, gap_sd: float, seed: int, colleague_cells: int = 1):
    """Cell scores of teams of 2 PSWs (all nine cells) and 4 colleagues who answer
    ``colleague_cells`` random cells ("don't know" on the rest); each team's colleagues are
    0.3 + N(0, gap_sd) points more favourable than its PSWs. A generator written for this test:
    the SD of the teams' own gaps is ``gap_sd`` by construction."""
    rng = np.random.default_rng(seed)
    forms = np.array([True, True, False, False, False, False])
    team = np.repeat(np.arange(n_teams), len(forms)).astype(str)
    psw = np.tile(forms, n_teams)
    gap = np.repeat(0.3 + rng.normal(0, gap_sd, n_teams), len(forms))
    x = (np.repeat(rng.normal(3, 0.3, (n_teams, 9)), len(forms), axis=0)
         + rng.normal(0, 0.5, (len(team), 1)) + rng.normal(0, 0.6, (len(team), 9))
         + np.where(psw, 0.0, gap)[:, None])
    dont_know = np.argsort(rng.random((len(team), 9)), axis=1) >= colleague_cells
    x[~psw[:, None] & dont_know] = np.nan
    return x, team, psw


@pytest.mark.parametrize("gap_sd", [0.0, 0.25, 0.4])
def test_team_gap_sd_recovers_the_generating_spread_when_colleagues_skip_cells(gap_sd):
    """Oracle: the SD the test's own generator draws the teams' gaps with (2,000 teams; the
    estimator's SD over seeds is about .025). Colleagues answer one cell each, so their mean
    score is far noisier than a PSW's with nine: a sampling part taken from respondents with
    all nine cells is too small, and the estimate came out .32, .43 and .53."""
    from copro_scale.classify import GAP_SD_FLOOR, team_gap_sd
    x, team, psw = _gap_survey(2000, gap_sd, seed=int(gap_sd * 100))
    est = team_gap_sd(x, team, psw)
    assert est == pytest.approx(max(gap_sd, GAP_SD_FLOOR), abs=0.07)


def test_team_gap_sd_leaves_straight_liners_out():
    """Metamorphic oracle: adding flagged straight-liners (3 in every cell, as the acquiescence
    correction leaves them) as the sole extra PSW of a third of the teams changes nothing."""
    from copro_scale.classify import team_gap_sd
    x, team, psw = _gap_survey(300, 0.25, seed=4, colleague_cells=9)
    extra = np.unique(team)[::3]
    x2 = np.vstack([x, np.full((len(extra), 9), 3.0)])
    team2, psw2 = np.concatenate([team, extra]), np.concatenate([psw, np.ones(len(extra), bool)])
    flag = np.arange(len(x2)) >= len(x)
    assert team_gap_sd(x2, team2, psw2, flag) == team_gap_sd(x, team, psw)
    assert team_gap_sd(x2, team2, psw2) != team_gap_sd(x, team, psw)
