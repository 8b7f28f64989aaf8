"""copro audit on two runs of one input: the people who moved between their published sets.

Each case is a red-team attack done by hand on outputs of an organisation the test generates
(answers from the independent generator ``tests/reports/independent_sim.py``): the audit must
report what the attack recovers (its printed interval holds the attack's value and the true
one, computed here from the input), and nothing on two runs with the same membership.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from copro_scale.audit import _agreement, audit
from copro_scale.audit.read import Num, discover
from copro_scale.audit.runs import differences, moved_answers, moved_range
from copro_scale.cli import main

from .scenarios import INST, base


def _run(*argv) -> None:
    """Run copro; a report or validation is a new publication each time (the ledger would
    refuse the second run of a pair: these outputs stand for runs on machines that share no
    ledger, which the audit must still see through)."""
    if argv[0] in ("report", "validate"):
        argv = (*argv, "--new-publication")
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(a) for a in argv])
    assert code == 0, f"copro {argv[0]} exited {code}"


def _org(folder: Path, design: dict[str, tuple[int, int]], seed: int = 0,
         dont_know: dict[str, list[str]] | None = None) -> Path:
    """responses.csv with ``design`` team -> (PSWs, colleagues), rows from the independent
    generator (no gaps), then "Don't know" (9) to ``dont_know``'s items for each response id."""
    pool = base(seed, n_teams=8)
    psw = iter(pool[pool["form"] == "psw"].to_dict("records"))
    col = iter(pool[pool["form"] == "colleague"].to_dict("records"))
    rows = []
    for team, (p, c) in design.items():
        rows += [next(psw) | {"team": team} for _ in range(p)]
        rows += [next(col) | {"team": team} for _ in range(c)]
    out = pd.DataFrame(rows)
    out["response_id"] = [f"R{i:03d}" for i in range(len(out))]
    for rid, items in (dont_know or {}).items():
        out.loc[out["response_id"] == rid, items] = 9
    out[INST.item_ids] = out[INST.item_ids].astype("Int8")
    path = folder / "responses.csv"
    out.to_csv(path, index=False)
    return path


def _keyed(path: Path, team: str, item: str) -> int:
    row = pd.read_csv(path).set_index("team").loc[team]
    rev = next(it.reverse for it in INST.items if it.id == item)
    return 6 - int(row[item]) if rev else int(row[item])


def _truth(path: Path, team: str) -> dict[str, float]:
    """The one respondent's face and construct scores by hand: with no gaps, the mean of the
    keyed answers to the 12 items of that face or construct."""
    out = {}
    for attr in ("face", "construct"):
        for name in {getattr(it, attr) for it in INST.items}:
            its = [it.id for it in INST.items if getattr(it, attr) == name]
            out[name] = sum(_keyed(path, team, i) for i in its) / len(its)
    return out


def _found(res, kind: str, text: str):
    return [d for d in res.disclosures if d.kind == kind and text in d.group]


def _runs(*folders, k: int = 5):
    """The run-against-run part of the audit only (the single-run programs take seconds)."""
    return differences(discover(folders), k, 1.0)


def test_moved_range_by_hand():
    # 22 x 3.09 - 21 x 3.19 over intervals of +-0.005: 0.99 +- 0.215, clipped at 1
    lo, hi = moved_range(22, Num(3.09, 0.005), 21, Num(3.19, 0.005), 1)
    assert lo == pytest.approx(1.0) and hi == pytest.approx(0.99 + 0.215)
    lo, hi = moved_range(14, Num(3.27, 0.005), 13, Num(3.18, 0.005), 1)
    assert (lo, hi) == (pytest.approx(4.44 - 0.135), pytest.approx(4.44 + 0.135))
    assert moved_range(10, Num(2.0, 0.005), 9, Num(4.0, 0.005), 1) is None  # not nested


def _pct(x):
    return Num(x / 100, 0.005)


def test_moved_answers_by_hand():
    # 5 of 6 unfavourable, 1 favourable; before: 4 of 5 and 1: the one added answered 1 or 2
    assert moved_answers(6, (_pct(83), _pct(17)), 5, (_pct(80), _pct(20)), 1) == (1.0, 2.0)
    # 3 of 7 and 1 of 7; before 3 of 6 and 1 of 6: neutral, 3
    assert moved_answers(7, (_pct(43), _pct(14)), 6, (_pct(50), _pct(17)), 1) == (3.0, 3.0)
    # 3 and 3 of 8, before 3 and 1 of 6: both added answers favourable (4 to 5 each)
    assert moved_answers(8, (_pct(38), _pct(38)), 6, (_pct(50), _pct(17)), 2) == (8.0, 10.0)
    # 4 and 2 of 8, before 3 and 1 of 6: one unfavourable (1 to 2), one favourable (4 to 5)
    assert moved_answers(8, (_pct(50), _pct(25)), 6, (_pct(50), _pct(17)), 2) == (5.0, 7.0)
    assert moved_answers(6, (_pct(50), _pct(0)), 5, (_pct(20), _pct(0)), 1) is None  # 3 - 1


def test_validation_rerun_with_a_team_list(tmp_path):
    """(a) A lone PSW typed 'Alfa' (a hidden team, left out of the validation); the team list
    maps the alias into T1, so the second validation's PSW items have one more answer."""
    data = _org(tmp_path, {"T1": (3, 7), "T2": (3, 7), "T3": (3, 7), "T4": (3, 7), "Alfa": (1, 0)})
    (tmp_path / "teams.csv").write_text("team,aliases\nT1,Alfa\nT2,\nT3,\nT4,\n")
    _run("validate", data, "-o", tmp_path / "valA")
    _run("validate", data, "--teams", tmp_path / "teams.csv", "-o", tmp_path / "valB")
    found = _found(audit([tmp_path / "valA", tmp_path / "valB"]), "runs", "psw form, item")
    assert found
    stats = {}
    for v in ("valA", "valB"):
        doc = json.loads((tmp_path / v / "validation.json").read_text())
        for rel in doc["forms"]["psw"]["reliability"]:
            if rel["kind"] == "cell":
                st = rel["item_stats"]
                for item, row in zip(st["index"], st["data"]):
                    stats.setdefault(item, []).append(dict(zip(st["columns"], row)))
    for d in found:
        item = d.group.split("item ")[1].split(":")[0]
        a, b = stats[item]
        attack = b["n"] * b["mean"] - a["n"] * a["mean"]  # the attack, by hand
        assert b["n"] - a["n"] == 1
        assert d.low - 1e-9 <= _keyed(data, "Alfa", item) <= d.high + 1e-9
        assert d.low - 1e-9 <= min(max(attack, 1), 5) <= d.high + 1e-9
    assert len(found) >= 0.75 * sum(1 for s in stats.values() if s[1]["n"] - s[0]["n"] == 1)


def test_report_rerun_leaving_a_typo_out(tmp_path):
    """(b) Without a team list the lone PSW 'Alfa' is pooled into the organisation (with H1 and
    H2, 6 hidden people); a list without the alias leaves them out as an unknown team: the
    organisation's PSW figures differ by that one person."""
    data = _org(tmp_path, {"T1": (3, 7), "T2": (3, 7), "T3": (3, 7), "Alfa": (1, 0),
                           "H1": (0, 2), "H2": (1, 2)})
    (tmp_path / "teams.csv").write_text("team\nT1\nT2\nT3\nH1\nH2\n")
    _run("report", data, "-o", tmp_path / "repA", "--n-boot", "20")
    _run("report", data, "--teams", tmp_path / "teams.csv", "-o", tmp_path / "repB", "--n-boot", "20")
    found = [d for d in _runs(tmp_path / "repA", tmp_path / "repB") if "(psw form)" in d.group]
    a, b = (json.loads((tmp_path / r / "summary.json").read_text())["organisation"]["psw_vs_colleague"]
            for r in ("repA", "repB"))
    assert a["n_psw"] - b["n_psw"] == 1
    assert len(found) == 6
    truth = _truth(data, "Alfa")
    for d in found:
        sc = d.what.split()[0]
        attack = a["n_psw"] * a["psw"][sc] - b["n_psw"] * b["psw"][sc]
        assert d.low - 1e-9 <= attack <= d.high + 1e-9
        assert d.low - 1e-9 <= truth[sc] <= d.high + 1e-9


def test_report_rerun_moving_a_team_between_services(tmp_path):
    """(c) Two team lists differ only in the service of a one-person team (Mu): each service's
    figure differs by Mu."""
    data = _org(tmp_path, {"A": (2, 6), "B": (2, 6), "C": (1, 6), "D": (2, 5), "H1": (1, 2),
                           "H2": (0, 2), "Mu": (1, 0), "H3": (1, 2), "H4": (0, 2)})
    x = {"A": "S", "H1": "S", "H2": "S", "B": "T", "Mu": "T", "H3": "T", "H4": "T", "C": "", "D": ""}
    for name, parents in (("X", x), ("Y", x | {"Mu": "S"})):
        (tmp_path / f"teams{name}.csv").write_text(
            "team,parent\n" + "".join(f"{t},{p}\n" for t, p in parents.items()))
        _run("report", data, "--teams", tmp_path / f"teams{name}.csv", "-o", tmp_path / f"rep{name}",
             "--n-boot", "20")
    runs = _runs(tmp_path / "repX", tmp_path / "repY")
    truth = _truth(data, "Mu")
    px, py = ({p["parent"]: p for p in json.loads((tmp_path / r / "summary.json").read_text())["parents"]}
              for r in ("repX", "repY"))
    for service, big, small in (("S", py, px), ("T", px, py)):
        found = [d for d in runs if f"service '{service}'" in d.group]
        assert len(found) == 6 and big[service]["n"] - small[service]["n"] == 1
        for d in found:
            sc = d.what.split()[0]
            group = "faces" if sc in big[service]["faces"] else "constructs"
            attack = big[service]["n"] * big[service][group][sc] - small[service]["n"] * small[service][group][sc]
            assert d.low - 1e-9 <= attack <= d.high + 1e-9
            assert d.low - 1e-9 <= truth[sc] <= d.high + 1e-9


@pytest.fixture(scope="module")
def same_membership(tmp_path_factory):
    """Report and validation of one input at k = 5, a copy of them (an identical rerun: copro's
    outputs are deterministic), and the same at ``--min-responses 6``."""
    import shutil

    d = tmp_path_factory.mktemp("same")
    data = _org(d, {"T1": (3, 7), "T2": (3, 7), "T3": (3, 7), "H1": (1, 2), "H2": (1, 2)})
    for name, k in (("k5", "5"), ("k6", "6")):
        _run("report", data, "-o", d / name / "report", "--n-boot", "20", "--min-responses", k)
        _run("validate", data, "-o", d / name / "validation", "--min-responses", k)
    shutil.copytree(d / "k5", d / "copy")
    return d


@pytest.mark.parametrize("second", ["copy", "k6"], ids=["identical rerun", "raised threshold"])
def test_nothing_on_runs_with_the_same_membership(same_membership, second):
    found = _runs(same_membership / "k5", same_membership / second, k=6)
    assert found == [], "\n".join(map(str, found))


def test_agreement_over_fewer_than_k(tmp_path):
    """(d) Theta: 5 respondents, 3 colleagues answer "Don't know" to a whole cell, so 2 have
    all nine cells; its page must not print rwg(j) or AD(j) over them unflagged."""
    cell = [it.id for it in INST.cell_items("voice", "decision_making")]
    data = _org(tmp_path, {"T1": (3, 7), "T2": (3, 7), "Theta": (1, 4)},
                dont_know={f"R{i:03d}": cell for i in (22, 23, 24)})
    frame = pd.read_csv(data)
    complete = frame[INST.item_ids].isin([1, 2, 3, 4, 5]).groupby(frame["team"]).apply(
        lambda x: int(sum(all(any(x.loc[r, it.id] for it in INST.cell_items(c, f))
                              for c in ("voice", "experience", "identity")
                              for f in ("decision_making", "non_decision_making", "ideological"))
                          for r in x.index)))
    assert complete["Theta"] == 2 and complete["T1"] == 10  # by hand, from the input
    _run("report", data, "-o", tmp_path / "rep", "--n-boot", "20")
    reports = list(discover([tmp_path / "rep"]))
    assert _agreement(reports, 5) == []  # the report withholds Theta's indices
    # the page as the code before the withholding printed it: rwg(j) beside a scores table of 2
    page = reports[0].pages["Theta"]
    page.agreement = {"rwg(j)": Num(0.96, 0.005), "AD(j)": Num(0.4, 0.005)}
    found = _agreement(reports, 5)
    assert [d.group.split("'")[1] for d in found] == ["Theta"]


@pytest.mark.slow  # two reports; the same figures' difference is flagged by _waves in any case
def test_report_rerun_merging_an_alias_into_a_team(tmp_path):
    """A team whose responses count once each (3 PSWs, 7 colleagues) gains the lone PSW 'Alfa'
    when the team list maps the alias: its figures differ by that one person."""
    data = _org(tmp_path, {"T1": (3, 7), "T2": (3, 7), "T3": (3, 7), "Alfa": (1, 0)})
    (tmp_path / "teams.csv").write_text("team,aliases\nT1,Alfa\nT2,\nT3,\n")
    _run("report", data, "-o", tmp_path / "repA", "--n-boot", "20")
    _run("report", data, "--teams", tmp_path / "teams.csv", "-o", tmp_path / "repB", "--n-boot", "20")
    found = [d for d in _runs(tmp_path / "repA", tmp_path / "repB") if d.group.startswith("team 'T1'")]
    scores = [d for d in found if ", item" not in d.group]
    truth = _truth(data, "Alfa")
    assert len(scores) == 6
    for d in scores:
        assert d.low - 1e-9 <= truth[d.what.split()[0]] <= d.high + 1e-9
    items = [d for d in found if ", item" in d.group]
    assert len(items) == len(INST.items)  # every answer of the lone PSW (T1 has no PSW view)
    for d in items:
        item = d.group.split("item ")[1].split(":")[0]
        answer = _keyed(data, "Alfa", item)  # by hand: 1-2 unfavourable, 3 neutral, 4-5 favourable
        assert (d.low, d.high) == {1: (1, 2), 2: (1, 2), 3: (3, 3), 4: (4, 5), 5: (4, 5)}[answer]


@pytest.mark.slow  # two reports
def test_team_with_forms_weighted_equally(tmp_path):
    """F (5 PSWs, 5 colleagues) weights its forms equally: its shares over everyone are means of
    the two forms' shares, not counts over n, so only its PSW view (every answer once) gives the
    lone PSW merged into it by the alias away, each item to its category."""
    data = _org(tmp_path, {"F": (5, 5), "T2": (3, 7), "T3": (3, 7), "Fx": (1, 0)})
    (tmp_path / "teams.csv").write_text("team,aliases\nF,Fx\nT2,\nT3,\n")
    _run("report", data, "-o", tmp_path / "repA", "--n-boot", "20")
    _run("report", data, "--teams", tmp_path / "teams.csv", "-o", tmp_path / "repB", "--n-boot", "20")
    items = [d for d in _runs(tmp_path / "repA", tmp_path / "repB") if d.group.startswith("team 'F'")
             and ", item" in d.group]
    assert items and all("(PSW form)" in d.group for d in items)
    for d in items:
        answer = _keyed(data, "Fx", d.group.split("item ")[1].split(":")[0])
        assert (d.low, d.high) == {1: (1, 2), 2: (1, 2), 3: (3, 3), 4: (4, 5), 5: (4, 5)}[answer]


def test_agreement_held_to_each_reports_own_threshold(tmp_path):
    """A report at 5 shows a 5-person team's rwg(j) (5 with all nine cells); beside a report of
    the same file at 6, which withholds it, that is no disclosure: the first promised 5."""
    data = _org(tmp_path, {"T1": (3, 7), "T2": (3, 7), "Five": (1, 4)})
    _run("report", data, "-o", tmp_path / "k5", "--n-boot", "20")
    _run("report", data, "-o", tmp_path / "k6", "--n-boot", "20", "--min-responses", "6")
    reports = list(discover([tmp_path / "k5", tmp_path / "k6"]))
    assert {r.k for r in reports} == {5, 6}
    assert any(p.agreement for r in reports if r.k == 5 for p in r.pages.values())
    assert [str(d).splitlines()[0] for d in audit([tmp_path / "k5", tmp_path / "k6"]).disclosures
            if d.kind == "agreement"] == []
    # held to 6 on request, the 5-person team's indices are flagged
    assert [d for d in audit([tmp_path / "k5"], min_responses=6).disclosures if d.kind == "agreement"]
