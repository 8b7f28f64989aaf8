"""``copro score`` end to end: outputs, the accounting line, ids, errors as one line."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from copro_scale.cli import main

FIX = Path(__file__).parents[1] / "fixtures" / "platforms"


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_score_writes_scores_exclusions_and_prints_the_account(tmp_path, capsys):
    out, ex, fav = tmp_path / "s.csv", tmp_path / "e.csv", tmp_path / "f.csv"
    code, _, err = run(["score", FIX / "qualtrics.csv", "-o", out, "--exclusions", ex,
                        "--favourable", fav], capsys)
    assert code == 0
    assert "rows read 26 = scored 24 + excluded 2 (preview: 1, unfinished: 1)" in err
    s = pd.read_csv(out)
    assert len(s) == 24 and s["response_id"].tolist()[:2] == ["r1", "r2"]  # ids not kept
    e = pd.read_csv(ex)
    assert sorted(e["reason"]) == ["preview", "unfinished"]
    assert not e["response_id"].astype(str).str.startswith("R_").any()
    assert "vdm1" in pd.read_csv(fav).columns


def test_an_output_that_is_a_device_or_a_pipe_is_written_to_not_replaced(tmp_path, capsys):
    import os
    import stat
    import threading

    # -o /dev/null: renaming a temporary file over it (as root) would replace the device
    code, _, err = run(["score", FIX / "qualtrics.csv", "-o", "/dev/null"], capsys)
    assert code == 0, err
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    fifo = tmp_path / "scores.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    code, _, err = run(["score", FIX / "qualtrics.csv", "-o", fifo], capsys)
    reader.join(timeout=30)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and "response_id" in got[0].splitlines()[0]
    assert len(got[0].strip().splitlines()) == 25


def test_hash_ids_hashes_with_the_salt(tmp_path, capsys, monkeypatch):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    run(["score", FIX / "canonical.csv", "-o", a, "--hash-ids", "--salt", "x"], capsys)
    monkeypatch.setenv("COPRO_SALT", "x")
    _, _, err = run(["score", FIX / "canonical.csv", "-o", b, "--keep-ids"], capsys)
    assert "--keep-ids is deprecated: use --hash-ids" in err  # the old spelling still works
    ia, ib = pd.read_csv(a, dtype=str)["response_id"], pd.read_csv(b, dtype=str)["response_id"]
    assert ia.tolist() == ib.tolist()
    assert not ia.isin(pd.read_csv(FIX / "canonical.csv")["response_id"]).any()
    monkeypatch.delenv("COPRO_SALT")
    _, _, err = run(["score", FIX / "canonical.csv", "-o", a, "--hash-ids"], capsys)
    assert "random salt" in err


def test_long_output_and_stdout(tmp_path, capsys):
    code, out, _ = run(["score", FIX / "canonical.csv", "--long", "--rescale"], capsys)
    long = pd.read_csv(io.StringIO(out))
    assert code == 0 and list(long.columns) == ["response_id", "team", "role", "form", "score", "value"]
    assert long["value"].dropna().between(0, 100).all()


def test_mapping_and_forced_format(tmp_path, capsys):
    code, _, err = run(["score", FIX / "mapped.csv", "--mapping", FIX / "mapped.yaml", "-o",
                        tmp_path / "s.csv"], capsys)
    assert code == 0 and "read as mapped" in err
    code, _, err = run(["score", FIX / "qualtrics.csv", "--format", "canonical", "-o",
                        tmp_path / "s.csv"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("content, expect", [
    (b"", "empty"),
    (b"response_id,team,role\n", "format not recognised"),
    (b"\x00\x01\x02binary junk", "not"),
])
def test_bad_files_are_one_line_and_exit_2(tmp_path, capsys, content, expect):
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    code, _, err = run(["score", p], capsys)
    assert code == 2
    assert err.startswith("copro: error: ") and err.count("\n") == 1 and str(p) in err
    assert expect in err


def test_truncated_and_wrong_encoding_name_row_and_column(tmp_path, capsys):
    text = (FIX / "canonical.csv").read_text()
    p = tmp_path / "cut.csv"
    p.write_text(text[: len(text) - 40])
    code, _, err = run(["score", p], capsys)
    assert code == 2 and "truncated" in err and "row 25" in err
    q = tmp_path / "latin.csv"
    q.write_bytes(text.replace("Acute Ward", "Acute W\u00e9rd").encode("latin-1"))
    code, _, err = run(["score", q], capsys)
    assert code == 2 and "row " in err and "column 'team'" in err
    code, _, err = run(["score", q, "--encoding", "latin-1", "-o", tmp_path / "s.csv"], capsys)
    assert code == 0


def test_score_output_defuses_team_names(tmp_path, capsys):
    df = pd.read_csv(FIX / "canonical.csv")
    df["team"] = "=cmd|' /C calc'!A0"
    p = tmp_path / "evil.csv"
    df.to_csv(p, index=False)
    run(["score", p, "-o", tmp_path / "s.csv"], capsys)
    assert pd.read_csv(tmp_path / "s.csv")["team"].str.startswith("'=").all()


def test_score_reads_one_redcap_event_with_wave(tmp_path, sim):
    import subprocess
    import sys

    src = sim.rename(columns={"response_id": "record_id"}).drop(columns="form")
    src.insert(1, "redcap_event_name", ["baseline_arm_1", "followup_arm_1"] * (len(src) // 2))
    src["psw_form_complete"] = 2
    p = tmp_path / "events.csv"
    src.to_csv(p, index=False)
    run = [sys.executable, "-m", "copro_scale.cli", "score", str(p), "-o", str(tmp_path / "s.csv")]
    refused = subprocess.run(run, capture_output=True, text=True)
    assert refused.returncode == 2 and "--wave NAME" in refused.stderr
    done = subprocess.run(run + ["--wave", "followup_arm_1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"scored {len(src) // 2} + excluded {len(src) // 2} (other_wave: {len(src) // 2})" in done.stderr
