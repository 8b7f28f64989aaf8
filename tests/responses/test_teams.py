"""Team names: a typo never splits a team. With a team list, names are matched to it; without
one, spelling variants are merged with a warning and near-duplicates listed."""

from __future__ import annotations

import pytest

from copro_scale import CoproError, read_responses
from copro_scale.responses import read_team_list


def renamed(sim):
    """The issue's case: a row typed 'psychosis service ', 2 typed 'Psychosis Svc'."""
    sim = sim.copy()
    sim["team"] = sim["team"].astype(object)
    main = sim["team"].iloc[0]
    rows = sim.index[sim["team"] == main]
    sim.loc[rows[:1], "team"] = " " + main.lower() + "  "
    sim.loc[rows[1:3], "team"] = main.replace("-", " ") + " Svc"
    return sim, main, rows


def test_case_and_spacing_variants_merge_with_a_warning(sim, write, inst):
    sim, main, rows = renamed(sim)
    r = read_responses(write(sim), inst)
    assert (r.data["team"] == main).sum() == len(rows) - 2  # the 'Svc' rows stay apart...
    assert any("differ only in case, spacing or punctuation" in w for w in r.warnings)
    assert any("look alike" in w and "Svc" in w for w in r.warnings)  # ...for a person to decide


def test_a_team_list_maps_aliases_and_variants_and_excludes_unknown_teams(sim, write, inst, tmp_path):
    sim, main, rows = renamed(sim)
    others = sorted(set(sim["team"]) - {main} - set(sim.loc[rows, "team"]))
    teams = tmp_path / "teams.csv"
    teams.write_text("team,aliases,n_psw_expected,n_colleague_expected\n"
                     f"{main},{main.replace('-', ' ')} Svc;Psychosis,4,20\n"
                     f"{others[0]},,2,\n")
    r = read_responses(write(sim), inst, teams=teams)
    assert (r.data["team"] == main).sum() == len(rows)
    unknown = sim.index[sim["team"] == others[1]]
    assert len(r.exclusions) == len(unknown)
    assert set(r.exclusions["reason"]) == {"unknown_team"}
    assert r.team_list.columns.tolist() == ["team", "n_psw_expected", "n_colleague_expected",
                                            "parent"]
    assert r.team_list["team"].tolist() == [main, others[0]]
    assert r.team_list["n_psw_expected"].tolist() == [4, 2]
    assert r.team_list["n_colleague_expected"].iloc[0] == 20
    assert r.team_list["n_colleague_expected"].isna().tolist() == [False, True]


@pytest.mark.parametrize("text, message", [
    ("aliases\nx\n", "'team' column"),
    ("team\nA\nA\n", "listed twice"),
    ("team,aliases\nA,X\nB,x\n", "also names team"),
    ("team,n_psw_expected\nA,two\n", "not a whole number"),
    ("team\n\n", "lists no teams"),
    ("team,parent\nA,Acute\nB,Acute\nAcute,\n", "also a team name"),
    ("team,parent\nA,Acute > Psychosis\nB,Community > Psychosis\n", "under another parent"),
    ("team,parent\nA,Acute > \n", "no letters or digits"),
])
def test_a_bad_team_list_is_a_one_line_error(tmp_path, text, message):
    p = tmp_path / "t.csv"
    p.write_text(text)
    with pytest.raises(CoproError, match=message) as exc:
        read_team_list(p)
    assert "\n" not in str(exc.value)


def test_a_team_list_reads_nested_parents(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("team,parent\nWard A,Acute>Inpatient\nWard B, acute > inpatient \n"
                 "Crisis,Acute\nEIP,\n")
    tl = read_team_list(p)
    assert tl.headcounts["parent"].fillna("-").tolist() == [
        "Acute > Inpatient", "Acute > Inpatient", "Acute", "-"]  # first spelling of each level


def test_score_cli_takes_a_team_list(sim, write, tmp_path, capsys):
    from copro_scale.cli import main as cli

    sim, main, rows = renamed(sim)
    teams = tmp_path / "teams.csv"
    teams.write_text(f"team,aliases\n{main},{main.replace('-', ' ')} Svc\n")
    assert cli(["score", write(sim), "--teams", str(teams), "-o", str(tmp_path / "s.csv"),
                "--exclusions", str(tmp_path / "e.csv")]) == 0
    err = capsys.readouterr().err
    assert "unknown_team" in err and "not in the team list" in err


def _distinct_names(n, seed=3):
    """``n`` random 14-letter names, no two of them alike (checked by difflib, not rapidfuzz)."""
    import difflib
    import random

    rng = random.Random(seed)
    names = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(14)) for _ in range(n)]
    assert all(difflib.SequenceMatcher(None, a, b).ratio() < 0.8
               for i, a in enumerate(names) for b in names[i + 1:])
    return names


def test_thousands_of_team_warnings_are_summarised_in_a_few_lines():
    from copro_scale.responses.teams import MAX_NAMED, resolve_teams

    names = _distinct_names(60)
    # 30 names with a one-letter typo of their own (look alike), 30 with a capitalised twin
    alike = [n[:5] + ("x" if n[5] != "x" else "z") + n[6:] for n in names[:30]]
    twins = [n.upper() for n in names[30:]]
    r = resolve_teams(names + alike + twins, [3] * 60 + [1] * 60)
    merged = [w for w in r.warnings if "differ only in case" in w]
    looks = [w for w in r.warnings if "look alike" in w]
    assert len(merged) == len(looks) == MAX_NAMED + 1
    assert "20 more" in merged[-1] and "20 more" in looks[-1]
    assert sorted(r.canonical[t] for t in twins) == sorted(names[30:])  # every twin still merged


def test_thousands_of_headcounts_below_the_responses_are_summarised():
    import pandas as pd

    from copro_scale.responses.teams import MAX_NAMED, headcount_checks

    teams = [f"Team {k}" for k in range(40)]
    tl = pd.DataFrame({"team": teams, "n_psw_expected": pd.array([1] * 40, "Int64"),
                       "n_colleague_expected": pd.array([None] * 40, "Int64")})
    data = pd.DataFrame({"team": teams * 2, "form": ["psw"] * 80})  # 2 responses a team, 1 listed
    heads, notes = headcount_checks(tl, data)
    assert heads["n_psw_expected"].isna().all()
    over = [w for w in notes if "100 %" in w]
    assert len(over) == MAX_NAMED + 1 and "30 more" in over[-1]


def test_thousands_of_names_not_in_the_team_list_are_the_ten_most_frequent_and_a_count():
    from copro_scale.responses.teams import MAX_NAMED, TeamList, resolve_teams

    listed = _distinct_names(40, seed=8)
    unknown = _distinct_names(40, seed=9)[:25]
    counts = [k + 1 for k in range(25)]  # name k has k + 1 rows
    r = resolve_teams(listed + unknown, [5] * 40 + counts,
                      TeamList.from_records([{"team": t} for t in listed]))
    assert [r.canonical[t] for t in listed] == listed
    assert all(r.canonical[t] is None for t in unknown)
    assert len(r.warnings) == MAX_NAMED + 1
    named = [w.split("'")[1] for w in r.warnings[:MAX_NAMED]]
    assert named == unknown[::-1][:MAX_NAMED]  # the most frequent first
    assert r.warnings[-1].startswith(f"... and 15 more names ({sum(range(1, 16))} rows)")
