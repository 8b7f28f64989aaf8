"""Classification against oracles written apart from ``classify.py``: counts by hand, a naive
posterior (plain loops over respondents, one team at a time, from the rule in the module
docstring), decisions at their boundaries, ties and teams that cannot be typed.

These tests kill the mutants of ``classify.py`` that the other classification tests let
through (docs/testing.md); each was checked to fail with its mutant applied by hand.
"""

from __future__ import annotations

import dataclasses
import os
import warnings

import numpy as np
import pandas as pd
import pytest

from copro_scale.classify import (GAP_PRIOR_SD, classify_teams, organisation_gap,
                                  standard_t_draws)
from copro_scale.instrument import (CELLS, CONSTRUCTS, FACES, TYPES, cell_name,
                                   load_instrument)
from copro_scale.privacy import plan_for
from copro_scale.typology import OUTCOMES, Typology

INST = load_instrument()
CELL_COLS = [cell_name(c, f) for c, f in CELLS]


def _frame(rows) -> pd.DataFrame:
    """Scores from ``(team, form, nine cells)`` rows; faces and constructs as their cells' means
    over the cells present (as scoring averages what is there)."""
    s = pd.DataFrame([[t, f, *cells] for t, f, cells in rows],
                     columns=["team", "form", *CELL_COLS])
    s[CELL_COLS] = s[CELL_COLS].astype("float64")
    for f in FACES:
        s[f] = s[[cell_name(c, f) for c in CONSTRUCTS]].mean(axis=1)
    for c in CONSTRUCTS:
        s[c] = s[[cell_name(c, f) for f in FACES]].mean(axis=1)
    return s


def _survey(seed: int, mixes, missing: float = 0.0, gap: float = 0.5) -> pd.DataFrame:
    """Teams with their own face profile near the typology's boundaries, colleagues ``gap``
    above PSWs, and cells missing at random with probability ``missing``."""
    rng = np.random.default_rng(seed)
    rows = []
    for t, (n_psw, n_col) in enumerate(mixes):
        centre = rng.uniform(1.8, 4.2, 3)
        for i in range(n_psw + n_col):
            psw = i < n_psw
            cells = (np.array([centre[FACES.index(f)] for _, f in CELLS]) + rng.normal(0, 0.4)
                     + rng.normal(0, 0.5, 9) + (0.0 if psw else gap))
            cells[rng.random(9) < missing] = np.nan
            if np.isnan(cells).all():
                cells[0] = 3.0
            rows.append((f"T{t:02d}", "psw" if psw else "colleague", cells))
    return _frame(rows)


# -- a naive posterior, one team and one respondent at a time ------------------------------
def naive(scores, *, n_draws, seed, view="psw", gap_sd, temperature, weights="forms_equal"):
    """Per team: adjusted face means and the outcome and lever probabilities, from the rule as
    the module docstring states it, with Python loops and no code of ``classify.py`` but the
    standard t draws (checked against R's multivariate t in test_classify.py)."""
    k = INST.min_responses
    plan = plan_for(scores, INST, k)
    org = set(plan.organisation_teams)
    recs = [(str(r.team), r.form, np.array([getattr(r, "_%d" % (j + 3)) for j in range(9)],
                                           dtype=float))
            for r in scores[["team", "form", *CELL_COLS]].itertuples()]
    recs = [r for r in recs if not np.isnan(r[2]).all()]
    # the organisation's gap (colleague minus PSW), from its rows, when the plan shows it
    delta, se = np.zeros(9), np.full(9, GAP_PRIOR_SD if weights == "forms_equal" else 0.0)
    if weights == "forms_equal" and plan.pooled_gap:
        for j in range(9):
            p = [x[j] for t, f, x in recs if t in org and f == "psw" and not np.isnan(x[j])]
            c = [x[j] for t, f, x in recs if t in org and f == "colleague" and not np.isnan(x[j])]
            delta[j] = np.mean(c) - np.mean(p)
            se[j] = np.sqrt(np.var(p, ddof=1) / len(p) + np.var(c, ddof=1) / len(c))

    def shift(form):
        if view == "psw":
            return np.zeros(9) if form == "psw" else -delta
        return delta / 2 if form == "psw" else -delta / 2
    adj = [(t, f, x + shift(f)) for t, f, x in recs]
    # within-team covariance: each pair of cells from the organisation's rows with both,
    # deviations from the team x form mean over those rows
    groups = {}
    for t, f, x in adj:
        if t in org:
            groups.setdefault((t, f), []).append(x)
    S, dfs = np.zeros((9, 9)), np.zeros((9, 9))
    for i in range(9):
        for j in range(9):
            for g in groups.values():
                both = [(x[i], x[j]) for x in g if not np.isnan(x[i]) and not np.isnan(x[j])]
                if both:
                    a, b = np.array(both).T
                    S[i, j] += np.sum((a - a.mean()) * (b - b.mean()))
                    dfs[i, j] += len(both) - 1
    S /= dfs
    df = int(dfs.min())
    sd = np.sqrt(np.diag(S))
    e, U = np.linalg.eigh(S / np.outer(sd, sd))  # negative eigenvalues to 0, unit diagonal
    R = U @ np.diag(np.clip(e, 0, None)) @ U.T
    R = R / np.sqrt(np.outer(np.diag(R), np.diag(R)))
    W = (0.95 * R + 0.05 * np.eye(9)) * np.outer(sd, sd)
    z = standard_t_draws(df, n_draws, 9, seed)
    typ = Typology.from_instrument(INST)
    out = {}
    for team in sorted({t for t, _, _ in adj}):
        mine = [(f, x) for t, f, x in adj if t == team]
        if len(mine) < k:
            continue
        n_i = np.array([sum(not np.isnan(x[i]) for _, x in mine) for i in range(9)])
        n_ij = np.array([[sum(not np.isnan(x[i]) and not np.isnan(x[j]) for _, x in mine)
                          for j in range(9)] for i in range(9)])
        m = np.array([np.nanmean([x[i] for _, x in mine]) for i in range(9)])
        V = W * n_ij / np.outer(n_i, n_i)
        if weights == "forms_equal":
            if view == "psw":
                c = np.array([sum(f == "colleague" and not np.isnan(x[i]) for f, x in mine)
                              for i in range(9)]) / n_i
            else:
                n_c = np.array([sum(f == "colleague" and not np.isnan(x[i]) for f, x in mine)
                                for i in range(9)])
                c = (2 * n_c - n_i) / (2 * n_i)  # (n_c - n_p) / 2n
            V = V + gap_sd**2 * np.outer(c, c) + np.diag(c**2 * se**2)
        L = np.linalg.cholesky(temperature * V)
        draws = m + z @ L.T
        faces = np.column_stack([draws[:, [j for j, (_, f) in enumerate(CELLS) if f == face]]
                                 .mean(axis=1) for face in FACES])
        cons = np.column_stack([draws[:, [j for j, (c_, _) in enumerate(CELLS) if c_ == con]]
                                .mean(axis=1) for con in CONSTRUCTS])
        code = typ.outcome(faces)
        m_faces = [np.mean([m[j] for j, (_, f) in enumerate(CELLS) if f == face])
                   for face in FACES]
        m_cons = [np.mean([m[j] for j, (c_, _) in enumerate(CELLS) if c_ == con])
                  for con in CONSTRUCTS]
        lever = int(np.argmin(m_cons))
        out[team] = dict(adjusted=m_faces, p=[float(np.mean(code == o)) for o in range(4)],
                         lever=CONSTRUCTS[lever],
                         p_lever=float(np.mean(cons.argmin(axis=1) == lever)))
    return out


CASES = {
    "psw view, cells missing": dict(view="psw", missing=0.12, seed=1),
    "midpoint view": dict(view="midpoint", missing=0.05, seed=2),
    "respondents": dict(view="psw", missing=0.08, seed=3, weights="respondents"),
}


@pytest.mark.parametrize("case", CASES)
def test_posterior_matches_a_naive_posterior(case):
    kw = dict(CASES[case])
    mixes = [(2, 5), (3, 3), (1, 6), (4, 4), (5, 2), (2, 7), (6, 3), (2, 2)]  # last: 4, below k
    s = _survey(kw.pop("seed"), mixes, kw.pop("missing"))
    got = classify_teams(s, INST, n_draws=1500, seed=4, gap_sd=0.2, temperature=0.7,
                         acquiescence=False, **kw).set_index("team")
    want = naive(s, n_draws=1500, seed=4, gap_sd=0.2, temperature=0.7, **kw)
    assert got.loc["T07", "type"] == "suppressed" and "T07" not in want
    for team, w in want.items():
        row = got.loc[team]
        adj = row[[f"{f}_adjusted" for f in FACES]].astype(float).to_numpy()
        np.testing.assert_allclose(adj, w["adjusted"], atol=1e-10)
        p = row[[f"p_{o}" for o in OUTCOMES]].astype(float).to_numpy()
        np.testing.assert_allclose(p, w["p"], atol=1.5 / 1500)  # one draw on a boundary
        assert row["lever"] == w["lever"]
        assert row["p_lever"] == pytest.approx(w["p_lever"], abs=1.5 / 1500)
    # the teams sit near boundaries, so the probabilities are not all 0 or 1
    probs = got.loc[list(want), [f"p_{o}" for o in OUTCOMES]].to_numpy(float)
    assert ((probs > 0.05) & (probs < 0.95)).sum() >= 4


# -- the organisation's gap follows the threshold and the instrument asked for -------------
def test_organisation_gap_follows_the_threshold_and_the_instrument():
    # one team of 6 PSWs and 6 colleagues: at k = 5 the pooled gap may be shown (worked out
    # by hand: 2 - 1 = 1 on every cell); at k = 7 or under a promise of 7, 6 PSWs are too few
    rows = [("A", "psw", [1.0 + 0.1 * (i % 2)] * 9) for i in range(6)]
    rows += [("A", "colleague", [2.0 + 0.1 * (i % 2)] * 9) for i in range(6)]
    s = _frame(rows)
    gap = organisation_gap(s, columns=["voice"], instrument=INST)
    assert gap.loc["voice", "gap"] == pytest.approx(1.0)
    # Welch: two groups of 6 with variance 0.003 (three 1.0 and three 1.1)
    assert gap.loc["voice", "se"] == pytest.approx(np.sqrt(2 * 0.003 / 6))
    assert organisation_gap(s, 7, ["voice"]) is None
    strict = dataclasses.replace(INST, min_responses=7)
    assert organisation_gap(s, columns=["voice"], instrument=strict) is None


def test_organisation_gap_leaves_out_what_the_instruments_promise_leaves_out():
    # A: 10 + 10; B: 3 + 3. Under a promise of 8, B (6 < 8) is left out of the organisation
    # figures and the gap is A's alone (hand: 4 - 1 = 3); under the packaged promise of 5, B
    # counts, its 3 PSWs are not covered by a split team, and the gap is withheld.
    rows = [("A", "psw", [1.0] * 9)] * 5 + [("A", "psw", [1.2] * 9)] * 5
    rows += [("A", "colleague", [4.0] * 9)] * 5 + [("A", "colleague", [4.2] * 9)] * 5
    rows += [("B", "psw", [3.0] * 9)] * 3 + [("B", "colleague", [3.0] * 9)] * 3
    s = _frame(rows)
    promise8 = dataclasses.replace(INST, min_responses=8)
    gap = organisation_gap(s, 8, ["voice"], instrument=promise8)
    assert gap.loc["voice", "gap"] == pytest.approx(3.0)
    assert organisation_gap(s, 8, ["voice"], instrument=INST) is None


# -- counts, suppression and whose view ---------------------------------------------------
def _noisy(rng, level, n, form, team):
    return [(team, form, level + rng.normal(0, 0.3, 9)) for _ in range(n)]


def test_counts_by_hand_and_suppression_at_the_threshold():
    rng = np.random.default_rng(0)
    empty = [np.nan] * 9
    rows = (_noisy(rng, 3.0, 3, "psw", "A") + _noisy(rng, 3.0, 3, "colleague", "A")
            + [("A", "psw", empty)]                                   # no score: not counted
            + _noisy(rng, 3.0, 5, "colleague", "B")                   # exactly k: shown
            + _noisy(rng, 3.0, 4, "psw", "C") + [("C", "psw", empty)] * 2  # 4 with scores
            + _noisy(rng, 3.0, 5, "psw", "D"))
    s = _frame(rows)
    out = classify_teams(s, INST, n_draws=50).set_index("team")
    want = {"A": (3, 3, 6, 7), "B": (0, 5, 5, 5), "C": (4, 0, 4, 6), "D": (5, 0, 5, 5)}
    for team, (n_psw, n_col, n, n_rows) in want.items():
        assert tuple(out.loc[team, ["n_psw", "n_colleague", "n", "n_responses"]]) == \
            (n_psw, n_col, n, n_rows), team
    assert out["suppressed"].tolist() == [False, False, True, False]
    assert out.loc["C", "type"] == "suppressed"
    assert out.loc["C", "reason"] == "fewer than 5 respondents with scores"
    assert out.loc["C", list(FACES)].isna().all() and np.isnan(out.loc["C", "p_lever"])
    assert out.loc[["A", "B", "D"], "reason"].str.startswith("fewer").sum() == 0
    assert out["forms"].tolist() == ["psw+colleague", "colleague", "psw", "psw"]
    assert out.loc[["A", "B", "D"], list(FACES)].notna().all().all()
    assert (out["n"].dtype, out["n_psw"].dtype) == (np.int64, np.int64)


# -- the decision: probability at the bound, ties, teams that cannot be typed ---------------
def _extreme(rng, team, level, n=6):
    return [(team, "psw", level + rng.normal(0, 0.05, 9)) for _ in range(n)]


def test_a_probability_equal_to_the_bound_is_enough():
    rng = np.random.default_rng(1)
    s = _frame(_extreme(rng, "E", 4.9) + _extreme(rng, "T", 1.1)
               + [("M", "psw", 3.0 + rng.normal(0, 1.5, 9)) for _ in range(6)])
    out = classify_teams(s, INST, n_draws=400, min_probability=1.0).set_index("team")
    assert out.loc["E", "p_enhanced"] == 1.0 and out.loc["E", "type"] == "enhanced"
    assert out.loc["T", "p_tokenistic"] == 1.0 and out.loc["T", "type"] == "tokenistic"
    assert out.loc["E", "probability"] == 1.0 and out.loc["E", "reason"] == ""
    m = out.loc["M"]
    p = m[[f"p_{o}" for o in OUTCOMES]].astype(float)
    assert m["type"] == "indeterminate" and p.max() < 1.0
    assert m["probability"] == p.max()
    assert m["reason"] == (f"not probable enough: the most probable outcome, "
                           f"{p.idxmax()[2:]}, has probability {p.max():.2f}, below 1.00")


def test_a_tie_between_outcomes_goes_to_the_one_listed_first():
    # a team on the boundary between two regions, 2 draws: seeds where the draws split 1-1
    rng = np.random.default_rng(2)
    s = _frame([("X", "psw", 3.0 + rng.normal(0, 1.0, 9)) for _ in range(5)])
    seen = 0
    for seed in range(40):
        out = classify_teams(s, INST, n_draws=2, seed=seed, min_probability=0.5).iloc[0]
        p = out[[f"p_{o}" for o in OUTCOMES]].astype(float).to_numpy()
        if p.max() == 0.5:
            first = OUTCOMES[[k for k in range(4) if p[k] == 0.5][0]]
            assert out["type"] == first and out["probability"] == 0.5, (seed, p)
            seen += 1
    assert seen >= 3


def test_a_tie_between_constructs_goes_to_voice():
    # every cell of a face equal across constructs: the three construct means are equal
    rng = np.random.default_rng(3)
    rows = []
    for i in range(8):
        face = 3.0 + rng.normal(0, 0.4, 3)
        rows.append(("Y", "psw", [face[FACES.index(f)] for _, f in CELLS]))
    out = classify_teams(_frame(rows), INST, n_draws=100).iloc[0]
    assert out["lever"] == "voice"


def test_a_cell_nobody_answered_makes_the_team_indeterminate_alone():
    rng = np.random.default_rng(4)
    hole = [(t, f, np.where(np.arange(9) == 4, np.nan, x)) for t, f, x in
            _noisy(rng, 3.0, 6, "psw", "H")]
    s = _frame(hole + _extreme(rng, "E", 4.9) + _extreme(rng, "T", 1.1))
    out = classify_teams(s, INST, n_draws=200).set_index("team")
    h = out.loc["H"]
    assert h["type"] == "indeterminate"
    assert h["reason"] == f"no respondent has a score for {CELL_COLS[4]}"
    assert h[[f"p_{o}" for o in OUTCOMES]].isna().all() and np.isnan(h["probability"])
    assert np.isnan(h["p_lever"]) and h[list(FACES)].notna().all()
    assert out.loc["E", "type"] == "enhanced" and out.loc["T", "type"] == "tokenistic"


def test_no_complete_respondent_still_gives_a_spread():
    # every respondent misses one cell: each pair of cells still has rows with both
    rng = np.random.default_rng(5)
    rows = [(t, "psw", np.where(np.arange(9) == i % 9, np.nan, 3.0 + rng.normal(0, 0.3, 9)))
            for t in ("P", "Q") for i in range(6)]
    out = classify_teams(_frame(rows), INST, n_draws=50).set_index("team")
    assert out["reason"].map(lambda r: r == "" or r.startswith("not probable enough")).all()
    assert out["p_enhanced"].notna().all()


def test_a_pair_of_cells_never_answered_together_means_no_spread_and_says_so():
    # every respondent has either the first cell or the second, never both
    rng = np.random.default_rng(5)
    rows = [(t, "psw", np.where(np.arange(9) == i % 2, np.nan, 3.0 + rng.normal(0, 0.3, 9)))
            for t in ("P", "Q") for i in range(6)]
    out = classify_teams(_frame(rows), INST, n_draws=50).set_index("team")
    assert (out["type"] == "indeterminate").all()
    assert (out["reason"] == "the within-team spread cannot be estimated: for some pair of "
            "cells, no team has two respondents on one form with both").all()
    assert out[list(FACES)].notna().all().all() and out["p_enhanced"].isna().all()


def test_row_order_changes_no_bit_of_the_result():
    # rows in any order give the same floating-point sums: the same numbers to the last bit
    s = _survey(6, [(2, 5), (3, 3), (1, 6), (4, 4), (5, 2)], missing=0.1)
    a = classify_teams(s, INST, n_draws=300, seed=2)
    for k in range(3):
        b = classify_teams(s.sample(frac=1, random_state=k), INST, n_draws=300, seed=2)
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_n_boot_is_a_deprecated_name_of_n_draws_and_4000_the_default():
    s = _survey(7, [(2, 4), (3, 3)])
    with pytest.warns(DeprecationWarning, match="n_boot is deprecated; use n_draws") as rec:
        old = classify_teams(s, INST, n_boot=300, seed=1)
    if "MUTANT_UNDER_TEST" not in os.environ:
        # the warning names the caller's line (under mutmut a trampoline frame sits between)
        assert rec[0].filename == __file__
    pd.testing.assert_frame_equal(old, classify_teams(s, INST, n_draws=300, seed=1))
    pd.testing.assert_frame_equal(classify_teams(s, INST, seed=1),
                                  classify_teams(s, INST, n_draws=4000, seed=1), check_exact=True)


def test_nearest_region_and_distance_of_the_adjusted_profile():
    # distance to each region from Typology (pinned by hand and SLSQP in test_typology.py)
    rng = np.random.default_rng(8)
    hole = [(t, f, np.where(np.arange(9) == 2, np.nan, x)) for t, f, x in
            _noisy(rng, 3.0, 6, "psw", "H")]
    s = _frame(hole + _extreme(rng, "E", 4.9) + _noisy(rng, 3.0, 6, "psw", "M"))
    out = classify_teams(s, INST, n_draws=100, weights="respondents").set_index("team")
    typ = Typology.from_instrument(INST)
    for team in ("E", "M"):
        d = typ.distances(out.loc[team, [f"{f}_adjusted" for f in FACES]].astype(float)
                          .to_numpy())
        assert out.loc[team, "nearest"] == TYPES[int(np.argmin(d))]
        assert out.loc[team, "distance"] == pytest.approx(d.min(), abs=1e-12)
    assert out.loc["E", "nearest"] == "enhanced"
    assert out.loc["H", "nearest"] is None and np.isnan(out.loc["H", "distance"])
    assert (out["weights"] == "respondents").all()


def test_standard_t_draws_default_to_seed_0():
    # the signature's default: the draws a caller gets without a seed are those of seed 0
    np.testing.assert_array_equal(standard_t_draws(10, 5, 3), standard_t_draws(10, 5, 3, seed=0))
    assert not np.array_equal(standard_t_draws(10, 5, 3), standard_t_draws(10, 5, 3, seed=1))


def test_a_team_with_no_scores_and_teams_with_one_of_a_form():
    # hand counts: Z has 2 rows and no cell score (0 used, suppressed); E has 1 PSW and F 1
    # colleague beside 4 of the other form: both forms are heard in each
    rng = np.random.default_rng(9)
    rows = ([("Z", "psw", [np.nan] * 9)] * 2 + _noisy(rng, 3.0, 1, "psw", "E")
            + _noisy(rng, 3.0, 4, "colleague", "E") + _noisy(rng, 3.0, 4, "psw", "F")
            + _noisy(rng, 3.0, 1, "colleague", "F"))
    out = classify_teams(_frame(rows), INST, n_draws=50).set_index("team")
    assert list(out.index) == ["E", "F", "Z"]
    assert tuple(out.loc["Z", ["n_psw", "n_colleague", "n", "n_responses"]]) == (0, 0, 0, 2)
    assert out.loc["Z", "type"] == "suppressed"
    assert out.loc["E", "forms"] == out.loc["F", "forms"] == "psw+colleague"
    # the numeric columns stay float, NaN for the suppressed team
    numeric = [*FACES, *CONSTRUCTS, "distance", *[f"p_{o}" for o in OUTCOMES], "probability",
               "p_lever", *[f"{f}_adjusted" for f in FACES]]
    assert (out[numeric].dtypes == "float64").all(), out[numeric].dtypes
    assert out.loc["Z", numeric].isna().all()


def test_lever_of_each_team_apart_and_none_where_every_construct_misses_a_cell():
    # G: one cell of each construct unanswered by all, so no construct mean and no lever
    # (without a warning); L: identity's cells at 2, the others at 4, so identity, surely
    rng = np.random.default_rng(11)
    gone = np.isin(np.arange(9), [0, 4, 8])
    rows = [(t, f, np.where(gone, np.nan, x)) for t, f, x in _noisy(rng, 3.0, 6, "psw", "G")]
    rows += [("L", "psw", np.array([2.0 if c == "identity" else 4.0 for c, _ in CELLS])
              + rng.normal(0, 0.05, 9)) for _ in range(6)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = classify_teams(_frame(rows), INST, n_draws=200).set_index("team")
    assert out.loc["G", "lever"] is None and np.isnan(out.loc["G", "p_lever"])
    assert out.loc["L", "lever"] == "identity" and out.loc["L", "p_lever"] == 1.0


def test_defaults_seed_0_and_a_single_draw_allowed():
    s = _survey(12, [(3, 3), (2, 4)])
    pd.testing.assert_frame_equal(classify_teams(s, INST, n_draws=200),
                                  classify_teams(s, INST, n_draws=200, seed=0), check_exact=True)
    one = classify_teams(s, INST, n_draws=1)  # one draw: each probability is 0 or 1
    p = one[[f"p_{o}" for o in OUTCOMES]].to_numpy(float)
    assert set(np.unique(p)) <= {0.0, 1.0} and (p.sum(axis=1) == 1).all()


def _two_teams():
    # A: 10 PSWs around 1.1 and 10 colleagues around 4.1 (+-0.1, means exact); B: 3 + 3 at 3
    rows = [("A", "psw", [1.0] * 9)] * 5 + [("A", "psw", [1.2] * 9)] * 5
    rows += [("A", "colleague", [4.0] * 9)] * 5 + [("A", "colleague", [4.2] * 9)] * 5
    rows += [("B", "psw", [3.0] * 9)] * 3 + [("B", "colleague", [3.0] * 9)] * 3
    return _frame(rows)


def test_the_instrument_and_threshold_asked_for_decide_the_gap_and_the_regions():
    # under a promise of 8, B (6) is left out and the organisation's gap is A's (hand: 3), so
    # A's PSW-view profile is the PSWs' 1.1; at a threshold of 12, 10 PSWs are too few for the
    # gap, which is withheld: A's profile is then the plain mean 2.6
    s = _two_teams()
    promise8 = dataclasses.replace(INST, min_responses=8)
    adj = [f"{f}_adjusted" for f in FACES]
    out = classify_teams(s, promise8, n_draws=100).set_index("team")
    assert out.loc["B", "type"] == "suppressed"
    np.testing.assert_allclose(out.loc["A", adj].astype(float), 1.1, atol=1e-9)
    high = classify_teams(s, promise8, min_responses=12, n_draws=100).set_index("team")
    np.testing.assert_allclose(high.loc["A", adj].astype(float), 2.6, atol=1e-9)
    # max_distance from the instrument or the argument: at 1e-6 a profile off every region is mixed
    tight = dataclasses.replace(INST, max_distance=1e-6)
    assert (classify_teams(s, tight, n_draws=100, min_probability=0.5)
            .set_index("team").loc["A", "type"]) == "mixed"
    assert (classify_teams(s, INST, n_draws=100, min_probability=0.5, max_distance=1e-6)
            .set_index("team").loc["A", "type"]) == "mixed"


def test_acquiescence_is_taken_out_by_default():
    # hand: every cell 3 (+-d, means exact), acquiescence 0.4; a cell with 3 positively worded
    # items and 1 reverse-keyed one moves by 0.4 * (3 - 1) / 4 = 0.2, voice.ideological (2 and
    # 2) not at all: faces 2.8, 2.8 and (3 + 2.8 + 2.8) / 3
    v1, v2 = np.array([1, -1] * 4 + [1.0]), np.array([1, 1, -1, -1] * 2 + [1.0])
    a, b = [0.1, -0.1, 0.2, -0.2, 0.3, -0.3], [0.2, 0.1, -0.1, -0.2, 0.1, -0.1]  # sums 0
    rows = [("Q", "psw", 3.0 + a[i] * v1 + b[i] * v2) for i in range(6)]
    s = _frame(rows).assign(acquiescence=0.4)
    adj = [f"{f}_adjusted" for f in FACES]
    out = classify_teams(s, INST, n_draws=50, weights="respondents").iloc[0]
    np.testing.assert_allclose(out[adj].astype(float), [2.8, 2.8, (3 + 2.8 + 2.8) / 3],
                               atol=1e-12)
    off = classify_teams(s, INST, n_draws=50, weights="respondents", acquiescence=False)
    np.testing.assert_allclose(off.iloc[0][adj].astype(float), 3.0, atol=1e-12)
