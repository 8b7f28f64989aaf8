"""`copro plan` and the recovery/calibration helpers it shares with the tests and benchmark."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest

from copro_scale.cli import main
from copro_scale.errors import CoproError
from copro_scale.plan import (cfa_sample, expected_calibration_error, plan_page, plan_survey,
                              reliability_table)


def _records(p, hit):
    p = np.asarray(p, float)
    return pd.DataFrame({"probability": p, "truth": "enhanced",
                         "best": np.where(hit, "enhanced", "tokenistic")})


def test_reliability_table_and_ece_by_hand():
    # 10 teams at .95 (9 right), 10 at .65 (5 right)
    r = _records([0.95] * 10 + [0.65] * 10, [1] * 9 + [0] + [1] * 5 + [0] * 5)
    t = reliability_table(r).set_index("lo")
    assert t.loc[0.6, "n"] == 10 and t.loc[0.6, "accuracy"] == pytest.approx(0.5)
    assert t.loc[0.95, "n"] == 10 and t.loc[0.95, "accuracy"] == pytest.approx(0.9)
    assert expected_calibration_error(r) == pytest.approx((10 * 0.05 + 10 * 0.15) / 20)
    # a probability of exactly 1 falls in the last bin
    assert reliability_table(_records([1.0], [1]))["n"].iloc[-1] == 1


def test_cfa_sample_listwise_and_pairwise():
    lw = cfa_sample(40, 8, 2, 36, missing_rate=0.03).set_index("form")
    assert lw.loc["colleague", "n"] == 240 and lw.loc["psw", "n"] == 80
    assert lw.loc["colleague", "used"] == int(240 * 0.97**36)
    assert lw.loc["colleague", "needed"] == 180 and not lw["reaches"].any()
    pw = cfa_sample(40, 8, 2, 36, estimator="WLSMV").set_index("form")
    assert pw.loc["colleague", "used"] == 240 and pw.loc["colleague", "reaches"]
    assert not pw.loc["psw", "reaches"]
    assert cfa_sample(40, 8, 2, 36, per_item=10, estimator="MLR")["used"].eq([80, 240]).all()
    assert cfa_sample(40, 8, 2, 36, per_item=10)["needed"].eq(360).all()
    with pytest.raises(CoproError, match="estimator"):
        cfa_sample(40, 8, 2, 36, estimator="GLS")


@pytest.fixture(scope="module")
def small_plan():
    return plan_survey(8, (5, 8), (1, 2), reps=1, n_draws=400)


def test_plan_shares_add_up_and_are_seeded(small_plan):
    d = small_plan.designs
    assert len(d) == 4 and (d["n"] == 8).all()
    assert np.allclose(d[["correct", "indeterminate", "wrong", "suppressed"]].sum(axis=1), 1)
    again = plan_survey(8, (5, 8), (1, 2), reps=1, n_draws=400)
    pd.testing.assert_frame_equal(d, again.designs)


def test_plan_page_is_self_contained_and_accessible(small_plan):
    html = plan_page(small_plan)
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    assert re.search(r"<title>[^<]+</title>", html) and "<script" not in html.lower()
    assert "<svg" in html and 'role="img"' in html and "<desc" in html
    assert "<table" in html and "<caption>" in html and "http" not in html.split("<body>")[1]
    for r in small_plan.designs.itertuples():  # every plotted number is in the table too
        assert f"<td>{r.per_team}</td><td>{r.n_psw}</td><td>{100 * r.correct:.0f}%</td>" in html


def test_cli_plan_prints_and_writes(tmp_path, capsys):
    out = tmp_path / "plan.html"
    assert main(["plan", "--teams", "6", "--sizes", "5,6", "--psw", "1", "--reps", "1",
                 "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "correct" in text and "indeterminate" in text and "CFA" in text
    assert out.read_text().count("<tr>") >= 2 + 2 + 4
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("argv,opt", [(["--sizes", "5,x"], "--sizes"),
                                      (["--psw", "9", "--sizes", "5"], "--psw"),
                                      (["--teams", "0"], "--teams")])
def test_cli_plan_bad_options_one_line(argv, opt, capsys):
    assert main(["plan", *argv]) == 2
    err = capsys.readouterr().err
    assert opt in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.slow
def test_five_sizes_under_a_minute():
    # CPU time of this process: wall time on the shared machine depends on its load (37 s wall,
    # 11 s CPU measured at a load average of 10).
    t0 = time.process_time()
    plan_survey(40, (4, 6, 8, 10, 12), (1, 2, 3))
    assert time.process_time() - t0 < 60


def test_teams_below_the_threshold_count_as_suppressed(capsys):
    r = plan_survey(6, (4, 6), (1,), reps=1, n_draws=200, nuisance="clean")
    d = r.designs.set_index("per_team")
    assert d.loc[4, "suppressed"] == 1 and d.loc[4, "correct"] == 0 and d.loc[4, "wrong"] == 0
    assert d.loc[6, "suppressed"] == 0
    from copro_scale.plan import format_plan
    assert "below the reporting threshold" in format_plan(r)


def test_plan_from_headcounts_counts_who_answers(tmp_path):
    from copro_scale.plan import read_headcounts, responding
    f = tmp_path / "teams.csv"
    f.write_text("team,psw,colleagues\nWard A,2,12\nWard B,1,3\nWard C,0,9\n")
    h = read_headcounts(f)
    assert h["psw"].tolist() == [2, 1, 0] and h["colleagues"].tolist() == [12, 3, 9]
    heads = list(zip(h["psw"], h["colleagues"]))
    got = np.array([responding(heads, 0.5, seed=s) for s in range(400)])  # reps x teams x 2
    assert (got <= np.array(heads)).all() and (got[:, 2, 0] == 0).all()
    assert got[:, 0, 1].mean() == pytest.approx(6.0, abs=0.3)  # binomial(12, .5)
    r = plan_survey(headcounts=heads * 4, response_rate=0.8, reps=1, n_draws=200)
    d = r.designs.iloc[0]
    assert d["n"] == 12 and d["correct"] + d["indeterminate"] + d["wrong"] + d["suppressed"] == 1
    # Ward B has 4 people: below the threshold of 5 whoever answers
    assert d["suppressed"] >= 0.25


@pytest.mark.parametrize("text,where", [("team,psw\nA,1\n", "colleagues"),
                                        ("team,psw,colleagues\nA,1,x\n", "row 2, column colleagues"),
                                        ("team,psw,colleagues\nA,1,3\nB,-1,3\n", "row 3, column psw")])
def test_bad_teams_file_is_one_line_naming_row_and_column(tmp_path, capsys, text, where):
    f = tmp_path / "teams.csv"
    f.write_text(text)
    assert main(["plan", "--teams-file", str(f), "--reps", "1"]) == 2
    err = capsys.readouterr().err
    assert where in err and str(f) in err and len(err.strip().splitlines()) == 1


def test_plan_counts_the_cfa_sample_as_the_validation_does_by_default(capsys):
    from copro_scale.validate_cfa import DEFAULT_ESTIMATOR
    r = plan_survey(6, (5,), (1,), reps=1, n_draws=100, nuisance="clean")
    assert r.settings["estimator"] == DEFAULT_ESTIMATOR
    assert main(["plan", "--teams", "6", "--sizes", "5", "--psw", "1", "--reps", "1",
                 "--n-draws", "100"]) == 0
    assert f"({DEFAULT_ESTIMATOR} uses every response)" in capsys.readouterr().out


def test_unknown_nuisance_profile_is_one_line(capsys):
    assert main(["plan", "--nuisance", "gentle", "--reps", "1"]) == 2
    err = capsys.readouterr().err
    assert "gentle" in err and "realistic" in err and len(err.strip().splitlines()) == 1
