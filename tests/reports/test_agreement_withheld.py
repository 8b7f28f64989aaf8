"""Within-team agreement (rwg(j), AD(j)) is shown only where it describes k or more people."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from copro_scale import load_instrument
from copro_scale.reports.data import team_agreement_table
from copro_scale.simulate import simulate

INST = load_instrument()
K = INST.min_responses
CELLS = list(INST.cells)


def _team(name, values, blank=0):
    """Rows of one team, every cell scored ``values[i]`` for row i; ``blank`` extra rows miss a cell."""
    rows = [{"team": name, **{c: float(v) for c in CELLS}} for v in values]
    rows += [{"team": name, **{c: (np.nan if j == 0 else 3.0) for j, c in enumerate(CELLS)}}
             for _ in range(blank)]
    return rows


def test_a_team_with_fewer_than_k_complete_rows_gets_no_agreement_and_no_share_in_the_icc():
    # A and B: 5 complete rows each; C: 5 rows of which only 2 have every cell
    scores = pd.DataFrame(_team("A", [3, 3, 3, 4, 2]) + _team("B", [4, 4, 4, 5, 3])
                          + _team("C", [1, 5], blank=3))
    out = team_agreement_table(scores, CELLS, K)
    # by hand: every cell of A has variance (0+0+0+1+1)/4 = 0.5, so s2/2 = 0.25 and
    # rwg(j) = 9 * 0.75 / (9 * 0.75 + 0.25) = 0.964; AD = mean |x - 3| = 2/5 = 0.40
    assert out["per_team"]["A"]["rwg"] == "0.96" and out["per_team"]["A"]["ad"] == "0.40"
    assert out["per_team"]["B"]["rwg"] == "0.96" and out["per_team"]["B"]["ad"] == "0.40"
    assert out["per_team"]["C"]["rwg"] == "–" and out["per_team"]["C"]["ad"] == "–"
    assert out["per_team"]["C"]["withheld"] is True
    # ICC over A and B only, by hand: team means 3 and 4, grand 3.5; MSB = 5 * 0.5 / 1 = 2.5,
    # MSW = (2 + 2) / 8 = 0.5; ICC(1) = 2 / (2.5 + 4 * 0.5) = 0.444, ICC(2) = 2 / 2.5 = 0.80
    assert (out["icc1"], out["icc2"]) == ("0.44", "0.80")


def test_one_team_with_k_complete_rows_is_not_enough_for_the_table():
    scores = pd.DataFrame(_team("A", [3, 3, 3, 4, 2]) + _team("C", [1, 5], blank=3))
    assert team_agreement_table(scores, CELLS, K) is None


def _text(path):
    t = re.sub(r"<style.*?</style>", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", t))


def test_team_page_withholds_agreement_over_fewer_than_k_people(tmp_path, report):
    sim = simulate(4, 7, seed=3).responses
    team = min(sim["team"].astype(str).unique())
    rows = sim.index[sim["team"].astype(str) == team]
    first_cell = [c for c in sim.columns if c.startswith("vdm")]  # voice x decision-making
    # all but 2 of the team answer none of the cell's items: 2 complete rows, by hand
    sim.loc[rows[2:], first_cell] = np.nan
    report(sim, tmp_path / "rep")
    t = _text(tmp_path / "rep" / "teams" / f"{team.lower().replace(' ', '-')}.html")
    rwg = re.search(r"r wg\(j\) : agreement \(.70 or more is conventional\) (\S+)", t).group(1)
    ad = re.search(r"AD \(j\) : average deviation \(0.83 or less is acceptable\) (\S+)", t).group(1)
    assert (rwg, ad) == ("–", "–")
    assert f"fewer than {K} people with every cell score" in t


def test_validation_agreement_leaves_out_a_team_with_fewer_than_k_complete_answerers():
    from copro_scale import read_responses
    from copro_scale.validate import ValidationSettings, validate

    sim = simulate(4, 8, seed=1).responses
    team = min(sim["team"].astype(str).unique())
    rows = sim.index[sim["team"].astype(str) == team]
    # 6 of the team's 8 skip one statement of every face: at most 2 answer all
    firsts = [next(it.id for it in INST.items if it.face == f) for f in ("decision_making",
              "non_decision_making", "ideological")]
    sim.loc[rows[2:], firsts] = np.nan
    agr = validate(read_responses(sim), ValidationSettings()).agreement
    # the teams with 5 or more answering all 12 statements of a face, counted by hand (a naive
    # loop over the rows), not by the code under test
    items = {f: [it.id for it in INST.items if it.face == f] for f in agr["faces"]}
    for face, got in agr["faces"].items():
        counts = {}
        for _, row in sim.iterrows():
            answered = all(str(row[i]) not in ("nan", "<NA>", "", "9") for i in items[face])
            counts[row["team"]] = counts.get(row["team"], 0) + answered
        assert counts[team] < K
        assert got.get("n_teams", agr["n_teams"]) == sum(n >= K for n in counts.values()), face
