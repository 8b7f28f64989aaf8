"""Reruns of the same input that would publish sets differing by 1 to k-1 people are refused.

Each red-team scenario is rebuilt from a small simulated file: two runs on the same input whose
published sets differ by one person. Before the publication ledger the second run succeeded and
the person's answers followed by subtraction (computed here when it does, as the failure
message); now it is refused, naming the sets and the teams. Reruns with the same membership
(identical, or at a raised threshold) stay allowed.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from copro_scale.cli import main
from copro_scale.instrument import load_instrument
from copro_scale.simulate import simulate

INST = load_instrument()
K = INST.min_responses
REVERSE = {i.id: i.reverse for i in INST.items}


def _file(tmp_path, design, seed=1, name="resp.csv"):
    """Responses with ``design`` = {team: (n_psw, n_colleague)}, rows drawn from a simulation."""
    sim = simulate(24, 10, seed=seed).responses
    pools = {f: iter(sim[sim["form"] == f].to_dict("records")) for f in ("psw", "colleague")}
    rows = []
    for team, (n_psw, n_colleague) in design.items():
        for form, n in (("psw", n_psw), ("colleague", n_colleague)):
            rows += [{**next(pools[form]), "team": team} for _ in range(n)]
    data = pd.DataFrame(rows).assign(response_id=[f"R{i:03d}" for i in range(len(rows))])
    path = tmp_path / name
    data.to_csv(path, index=False)
    return path, data


def _teams(tmp_path, text, name="teams.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(command, *args):
    extra = ["--n-draws", "20"] if command == "report" else []
    return main([command, *map(str, args), *extra])


# the red team's layout: a lone PSW typed "Acute Wrd", alone a team of 1 (its team remainder is
# then 1 and left out of the organisation); the team list's alias moves them into Acute Ward
LONE = {"Acute Ward": (1, 6), "Acute Wrd": (1, 0), "Community North": (3, 8),
        "Community South": (2, 6), "Crisis Resolution": (3, 9), "Early Intervention": (2, 8),
        "Eating Disorders": (3, 10), "Older Adults": (2, 4), "Perinatal": (2, 6),
        "Recovery College": (2, 5), "Rehabilitation Unit": (2, 5)}
ALIAS = "team,aliases\nAcute Ward,Acute Wrd\n" + "".join(
    f"{t}\n" for t in LONE if t not in ("Acute Ward", "Acute Wrd"))


def _item_stats(folder, form):
    doc = json.loads((folder / "validation.json").read_text(encoding="utf-8"))
    out = {}
    for rel in doc["forms"][form]["reliability"]:
        st = rel.get("item_stats")
        if rel.get("kind") == "cell" and st:
            rows = zip(st["index"], st["data"])
            out.update({i: dict(zip(st["columns"], row)) for i, row in rows})
    return out


def test_validate_without_then_with_a_team_list_that_moves_a_lone_psw_is_refused(tmp_path, capsys):
    path, data = _file(tmp_path, LONE)
    teams = _teams(tmp_path, ALIAS)
    assert _run("validate", path, "-o", tmp_path / "valA") == 0
    rc = _run("validate", path, "--teams", teams, "-o", tmp_path / "valB")
    if rc == 0:  # the leak: n_B * mean_B - n_A * mean_A is the lone PSW's keyed answer
        a, b = _item_stats(tmp_path / "valA", "psw"), _item_stats(tmp_path / "valB", "psw")
        lone = data[data["team"] == "Acute Wrd"].iloc[0]
        got = {i: round(b[i]["n"] * b[i]["mean"] - a[i]["n"] * a[i]["mean"]) for i in a
               if a[i]["n"] is not None and b[i]["n"] is not None and b[i]["n"] - a[i]["n"] == 1}
        truth = {i: 6 - int(lone[i]) if REVERSE[i] else int(lone[i]) for i in got}
        pytest.fail(f"second run published; {sum(got[i] == truth[i] for i in got)} of "
                    f"{len(got)} of the lone PSW's answers recovered exactly")
    err = capsys.readouterr().err
    assert rc == 2 and "team 'Acute Ward'" in err and "'Acute Wrd' -> 'Acute Ward' (1)" in err
    assert "the organisation, psw (1)" in err and "--new-publication" in err
    assert not (tmp_path / "valB").exists()


def _faces(folder, team):
    doc = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return next(t for t in doc["teams"] if t["team"] == team)


def test_report_without_then_with_a_team_list_that_moves_a_lone_psw_is_refused(tmp_path, capsys):
    path, _ = _file(tmp_path, LONE)
    teams = _teams(tmp_path, ALIAS)
    assert _run("report", path, "-o", tmp_path / "repA") == 0
    rc = _run("report", path, "--teams", teams, "-o", tmp_path / "repB")
    if rc == 0:
        a, b = _faces(tmp_path / "repA", "Acute Ward"), _faces(tmp_path / "repB", "Acute Ward")
        pytest.fail(f"second run published Acute Ward over n {a['n']} and n {b['n']}")
    err = capsys.readouterr().err
    assert rc == 2 and "team 'Acute Ward' (1)" in err and "'Acute Wrd' -> 'Acute Ward' (1)" in err
    assert not (tmp_path / "repB").exists()


def test_a_team_list_that_leaves_a_typod_psw_out_as_unknown_is_refused_after_a_run_without(
        tmp_path, capsys):
    # "Alfa" (a lone PSW) is a hidden team pooled into the organisation without a team list
    # (the hidden teams hold 1 + 4 + 2 >= k); the list without the alias leaves them out
    design = {"Alpha": (2, 6), "Alfa": (1, 0), "Beta": (4, 0), "Gamma": (5, 6), "Delta": (6, 5),
              "Eps": (3, 7), "Zeta": (0, 2), "Lambda": (3, 8)}
    path, _ = _file(tmp_path, design, seed=2)
    teams = _teams(tmp_path, "team\n" + "".join(f"{t}\n" for t in design if t != "Alfa"))
    assert _run("report", path, "-o", tmp_path / "repA") == 0
    rc = _run("report", path, "--teams", teams, "-o", tmp_path / "repB")
    if rc == 0:
        a, b = (json.loads((tmp_path / d / "summary.json").read_text())["organisation"]
                for d in ("repA", "repB"))
        pytest.fail(f"second run published the organisation over {a.get('n')} and {b.get('n')}")
    err = capsys.readouterr().err
    assert rc == 2 and "the organisation (1)" in err and "'Alfa' -> left out (1)" in err


def test_two_team_lists_that_differ_in_a_hidden_teams_service_are_refused(tmp_path, capsys):
    design = {"A": (2, 6), "H1": (1, 2), "H2": (0, 2), "B": (2, 6), "Mu": (1, 0), "H3": (1, 2),
              "H4": (0, 2), "C": (1, 6), "D": (2, 5)}
    path, _ = _file(tmp_path, design, seed=3)
    x = {"A": "S", "H1": "S", "H2": "S", "B": "T", "Mu": "T", "H3": "T", "H4": "T",
         "C": "", "D": ""}
    y = {**x, "Mu": "S"}
    tx, ty = (_teams(tmp_path, "team,parent\n" + "".join(f"{t},{p}\n" for t, p in m.items()), n)
              for m, n in ((x, "x.csv"), (y, "y.csv")))
    assert _run("report", path, "--teams", tx, "-o", tmp_path / "repX") == 0
    rc = _run("report", path, "--teams", ty, "-o", tmp_path / "repY")
    if rc == 0:
        s = [{p["parent"]: p["n"] for p in json.loads((tmp_path / d / "summary.json")
                                                      .read_text())["parents"]}
             for d in ("repX", "repY")]
        pytest.fail(f"second run published services over {s[0]} and {s[1]}")
    err = capsys.readouterr().err
    assert rc == 2 and "service 'S' (1)" in err and "service 'T' (1)" in err
    assert "'Mu' (1, another service)" in err


def test_same_membership_reruns_are_allowed_and_a_new_publication_replaces_the_record(
        tmp_path, capsys):
    path, _ = _file(tmp_path, LONE)
    teams = _teams(tmp_path, ALIAS)
    assert _run("report", path, "-o", tmp_path / "r1") == 0
    assert _run("report", path, "-o", tmp_path / "r2") == 0                      # identical
    assert _run("report", path, "-o", tmp_path / "r3", "--min-responses", "7") == 0  # raised
    assert _run("report", path, "--teams", teams, "-o", tmp_path / "r4") == 2
    assert _run("report", path, "--teams", teams, "-o", tmp_path / "r4", "--new-publication") == 0
    assert _run("report", path, "-o", tmp_path / "r5") == 2  # the record is now r4's


def test_the_ledger_holds_no_ids_and_no_answers(tmp_path, monkeypatch):
    state = tmp_path / "state"
    path, data = _file(tmp_path, LONE)
    assert _run("report", path, "-o", tmp_path / "r1", "--state-dir", state) == 0
    (ledger,) = (state / "ledger").glob("*.json")
    text = ledger.read_text(encoding="utf-8")
    assert not any(rid in text for rid in data["response_id"])
    doc = json.loads(text)
    (rec,) = doc["records"]
    hashes = [i for forms in rec["membership"]["teams"].values() for ids in forms.values()
              for i in ids]
    assert len(hashes) == len(set(hashes)) == len(data)  # one salted hash per respondent
    assert set(rec) == {"membership", "k", "runs"}
    assert set(rec["membership"]) == {"teams", "pooled", "parents", "left_out"}


def test_an_earlier_wave_whose_then_figures_would_leave_out_a_typod_psw_is_refused(
        tmp_path, capsys):
    # wave 1's own report pools "Alfa" (a lone PSW) into the organisation; wave 2's report under
    # a team list without "Alfa" re-reads wave 1 and would publish its organisation without them
    design = {"Alpha": (2, 6), "Alfa": (1, 0), "Beta": (4, 0), "Gamma": (5, 6), "Delta": (6, 5),
              "Eps": (3, 7), "Zeta": (0, 2), "Lambda": (3, 8)}
    wave1, _ = _file(tmp_path, design, seed=4, name="w1.csv")
    wave2, _ = _file(tmp_path, {t: v for t, v in design.items() if t != "Alfa"}, seed=5,
                     name="w2.csv")
    teams = _teams(tmp_path, "team\n" + "".join(f"{t}\n" for t in design if t != "Alfa"))
    assert _run("report", wave1, "-o", tmp_path / "rep1") == 0
    rc = _run("report", wave2, "--teams", teams, "--previous", wave1, "-o", tmp_path / "rep2")
    if rc == 0:
        pytest.fail("the second wave's report published wave 1 again without Alfa's PSW")
    err = capsys.readouterr().err
    assert rc == 2 and "the organisation (1)" in err and "'Alfa' -> left out (1)" in err
    assert "report (earlier wave)" not in err and "the report of" in err
    # the same waves with the earlier wave as it was reported pass
    assert _run("report", wave2, "--previous", wave1, "-o", tmp_path / "rep3") == 0


def test_two_waves_of_one_file_are_compared_only_over_the_people_both_read(tmp_path):
    # one file, a wave column: wave W1 without a team list, then W2 under one that moves its own
    # lone PSW into a team; nobody is in both waves, so nothing is refused
    one, _ = _file(tmp_path, LONE, seed=6, name="w1.csv")
    two, _ = _file(tmp_path, LONE, seed=7, name="w2.csv")
    later = pd.read_csv(two).assign(wave="W2")
    both = pd.concat([pd.read_csv(one).assign(wave="W1"),
                      later.assign(response_id="S" + later["response_id"])])
    path = tmp_path / "both.csv"
    both.to_csv(path, index=False)
    teams = _teams(tmp_path, ALIAS)
    assert _run("report", path, "--wave-column", "wave", "--wave", "W1", "-o", tmp_path / "r1") == 0
    assert _run("report", path, "--wave-column", "wave", "--wave", "W2", "--teams", teams,
                "-o", tmp_path / "r2") == 0
    # W1 again under the team list moves its lone PSW: refused
    assert _run("report", path, "--wave-column", "wave", "--wave", "W1", "--teams", teams,
                "-o", tmp_path / "r3") == 2


@pytest.mark.slow  # a report and a validation
def test_validate_beside_a_report_of_the_same_people_is_allowed(tmp_path):
    path, _ = _file(tmp_path, LONE)
    teams = _teams(tmp_path, ALIAS)
    assert _run("report", path, "--teams", teams, "-o", tmp_path / "r1") == 0
    assert _run("validate", path, "--teams", teams, "-o", tmp_path / "v1") == 0
    assert _run("validate", path, "-o", tmp_path / "v2") == 2


def test_the_ledger_file_is_readable_by_its_owner_only(tmp_path):
    path, _ = _file(tmp_path, {"A": (2, 6), "B": (1, 6)})
    assert _run("report", path, "-o", tmp_path / "r1", "--state-dir", tmp_path / "state") == 0
    (ledger,) = (tmp_path / "state" / "ledger").glob("*.json")
    assert ledger.stat().st_mode & 0o777 == 0o600


def test_favourable_tables_without_then_with_a_team_list_that_moves_a_lone_psw_are_refused(
        tmp_path, capsys):
    """The --favourable table is a publication too: Acute Ward's shares over 7 and then 8
    people give the lone PSW's answer to each statement by subtraction."""
    path, _ = _file(tmp_path, LONE)
    teams = _teams(tmp_path, ALIAS)
    a, b = tmp_path / "favA.csv", tmp_path / "favB.csv"
    assert main(["score", str(path), "-o", str(tmp_path / "s.csv"), "--favourable", str(a)]) == 0
    rc = main(["score", str(path), "--teams", str(teams), "-o", str(tmp_path / "s2.csv"),
               "--favourable", str(b)])
    if rc == 0:
        na = pd.read_csv(a).set_index("team").loc["Acute Ward", "n"]
        nb = pd.read_csv(b).set_index("team").loc["Acute Ward", "n"]
        pytest.fail(f"second table published Acute Ward over n {na} and n {nb}")
    err = capsys.readouterr().err
    assert rc == 2 and "team 'Acute Ward' (1)" in err and "'Acute Wrd' -> 'Acute Ward' (1)" in err
    assert str(a) in err  # the earlier publication is the table, not the scores file
    assert not b.exists()
    # the same table again is allowed; a random salt for hashed ids would blind the ledger
    assert main(["score", str(path), "-o", str(tmp_path / "s3.csv"), "--favourable",
                 str(tmp_path / "favC.csv")]) == 0
    assert main(["score", str(path), "--hash-ids", "-o", str(tmp_path / "s4.csv"),
                 "--favourable", str(tmp_path / "favD.csv")]) == 2
    assert "--salt" in capsys.readouterr().err
