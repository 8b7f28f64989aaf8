"""A listed team with no responses: "no responses" in summary.csv, summary.json, the overview
and ``copro score``'s summary, and nothing else about it; 0 respondents to the privacy plan."""

from __future__ import annotations

import json

import pandas as pd

from copro_scale.cli import main
from copro_scale.privacy import disclosure_plan, parent_plan
from copro_scale.simulate import simulate

SILENT = "Night Team"


def _files(tmp_path):
    sim = simulate(4, 8, seed=3).responses
    teams = sorted(sim["team"].unique())
    (tmp_path / "teams.csv").write_text(
        "team,psw,parent\n" + "".join(f"{t},20,Inpatient\n" for t in teams)
        + f"{SILENT},6,Inpatient\n", encoding="utf-8")
    sim.to_csv(tmp_path / "r.csv", index=False)
    return teams


def test_report_names_a_listed_team_with_no_responses_and_nothing_else(tmp_path):
    teams = _files(tmp_path)
    out = tmp_path / "out"
    assert main(["report", str(tmp_path / "r.csv"), "--teams", str(tmp_path / "teams.csv"),
                 "-o", str(out), "--n-draws", "40"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["no_responses"] == [SILENT]
    assert [t["team"] for t in summary["teams"]] == teams  # the records of teams that answered
    csv = pd.read_csv(out / "summary.csv", keep_default_na=False, dtype=str)
    row = csv[csv["team"] == SILENT]
    assert len(row) == 1 and row["status"].item() == "no responses"
    assert set(row.drop(columns=["team", "status"]).iloc[0]) == {""}  # no type, count or score
    assert set(csv.loc[csv["team"] != SILENT, "status"]) == {""}
    html = (out / "index.html").read_text(encoding="utf-8")
    i = html.index(f'<th scope="row">{SILENT}</th>')
    row_html = html[i:html.index("</tr>", i)]
    assert "no responses" in row_html and "Below threshold" not in row_html
    assert not (out / "teams" / "night-team.html").exists()


def test_copro_score_summary_names_a_listed_team_with_no_responses(tmp_path, capsys):
    teams = _files(tmp_path)
    assert main(["score", str(tmp_path / "r.csv"), "--teams", str(tmp_path / "teams.csv"),
                 "-o", str(tmp_path / "s.csv")]) == 0
    err = capsys.readouterr().err
    assert f"teams: {len(teams)} with responses; no responses: '{SILENT}'" in err


def test_a_team_with_no_responses_is_0_respondents_to_the_parents():
    """Naming a listed team that nobody answered for under a parent changes nothing: the
    parent's count, its hidden remainder and whether it is shown are those without it."""
    counts = pd.DataFrame({"team": ["A", "B", "C"], "n_psw": [3, 1, 2], "n_colleague": [4, 1, 1]})
    plan = disclosure_plan(counts, 5)
    alone = parent_plan(plan, {"A": "Acute", "B": "Acute", "C": "Acute > Ward"})
    with_silent = parent_plan(plan, {"A": "Acute", "B": "Acute", "C": "Acute > Ward",
                                     SILENT: "Acute > Ward", "Z": "Nights"})
    pd.testing.assert_frame_equal(alone, with_silent)
    assert alone.set_index("parent").loc["Acute", "hidden"] == 5  # B (2) + C (3): hand-counted
