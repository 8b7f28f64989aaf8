"""Privacy is part of correctness: thresholds, differencing, splits, and what the files contain."""

from __future__ import annotations

import json
import re


import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copro_scale.errors import CoproError
from copro_scale.instrument import FACES, check_instrument, load_instrument
from copro_scale.privacy import check_threshold, disclosure_plan
from copro_scale.simulate import simulate

K = load_instrument().min_responses


def _counts(rows):
    return pd.DataFrame(rows, columns=["team", "n_psw", "n_colleague"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 15)), min_size=1, max_size=12),
       st.integers(5, 10))
def test_no_hidden_group_can_be_derived_by_differencing(sizes, k):
    c = _counts([(f"t{i}", p, q) for i, (p, q) in enumerate(sizes)])
    plan = disclosure_plan(c, k)
    t = plan.teams.set_index("team")
    org_n = t.loc[list(plan.organisation_teams), "n"].sum()
    visible_n = t.loc[plan.visible_teams, "n"].sum()
    # what may be derived is a group of at least the promise k0 (K); pages need k >= k0
    assert org_n - visible_n == 0 or org_n - visible_n >= K
    assert (t.loc[plan.visible_teams, "n"] >= k).all()
    split = t[t["split_visible"]]
    assert ((split["n_psw"] >= k) & (split["n_colleague"] >= k)).all()
    if plan.pooled_gap:
        org = t.loc[list(plan.organisation_teams)]
        for form in ("n_psw", "n_colleague"):
            assert org[form].sum() >= K
            rest = org.loc[~org["split_visible"], form].sum()
            assert rest == 0 or rest >= K


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 15)), min_size=1, max_size=10),
       st.integers(K + 1, 12))
def test_runs_at_two_thresholds_pool_the_same_people(sizes, k):
    """A run at a raised threshold pools the same people as one at the promise, and only hides more.

    Otherwise the organisation (or validation) n and means of the two runs differ by whoever the
    raised threshold moved in or out: a lone PSW's answers, item by item.
    """
    c = _counts([(f"t{i}", p, q) for i, (p, q) in enumerate(sizes)])
    low, high = disclosure_plan(c, K), disclosure_plan(c, k)
    assert low.organisation_teams == high.organisation_teams
    assert low.pooled_gap or not high.pooled_gap  # per-form figures: the same, or withheld
    for t in c["team"]:  # a label says how the figure was weighted: forms equally only at k
        r = high.teams.set_index("team").loc[t]
        assert (high.weights(t) == "forms_equal") == bool(r["split_visible"])
    frame = pd.DataFrame({"team": np.repeat(c["team"], c["n_psw"] + c["n_colleague"]).tolist()})
    frame["form"] = [f for _, r in c.iterrows() for f in ["psw"] * r["n_psw"] + ["colleague"] * r["n_colleague"]]
    careless = pd.Series(np.arange(len(frame)) % 3 == 0, index=frame.index)
    hi_rows = high.validation_rows(frame, careless)
    assert not hi_rows.any() or hi_rows.equals(low.validation_rows(frame, careless))


def test_small_remainder_left_out_and_said():
    plan = disclosure_plan(_counts([("A", 2, 8), ("B", 1, 2), ("C", 2, 6)]), K)
    assert plan.organisation_teams == ("A", "C") and plan.remainder_left_out
    assert any("left out" in n for n in plan.notes)


def test_large_enough_remainder_is_pooled():
    plan = disclosure_plan(_counts([("A", 2, 8), ("B", 1, 2), ("C", 1, 3)]), K)
    assert set(plan.organisation_teams) == {"A", "B", "C"} and not plan.remainder_left_out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, report):
    sim = simulate(8, 10, seed=21)
    r = sim.responses
    # "Perinatal" keeps 3 respondents (below threshold), "Older Adults" has 6 PSWs and 6 colleagues
    keep = ~((r["team"] == "Perinatal") & (r.groupby("team").cumcount() >= 3))
    r = r[keep].reset_index(drop=True)
    extra = simulate(1, 12, seed=5, psw_share=0.5).responses.assign(team="Older Adults")
    extra["response_id"] = "X" + extra["response_id"]
    r = pd.concat([r, extra], ignore_index=True)
    out = tmp_path_factory.mktemp("rep")
    paths = report(r, out, n_boot=200, seed=1)
    return r, paths


def test_below_threshold_team_has_no_scores_or_counts_anywhere(rendered):
    r, paths = rendered
    rec = {t["team"]: t for t in json.loads(paths["summary_json"].read_text())["teams"]}
    assert rec["Perinatal"] == {"team": "Perinatal", "suppressed": True, "type": "suppressed"}
    csv = pd.read_csv(paths["summary_csv"], keep_default_na=False).set_index("team")
    assert (csv.loc["Perinatal"].drop(["suppressed", "type"]) == "").all()
    page = paths["teams"]["Perinatal"].read_text()
    assert "fewer than 5" in page and "Below the reporting threshold" in page
    assert not re.search(r"\b\d\.\d\d\b", page.split('id="method"')[0])  # no score
    assert "<svg" not in page and "No data" not in page
    index = paths["index"].read_text()
    row = re.search(r"<tr><th scope=\"row\"><a href=\"teams/perinatal.html\">.*?</tr>", index)
    assert "fewer than 5" in row.group(0) and not re.search(r"\d\.\d\d", row.group(0))


def test_organisation_total_leaves_out_the_small_remainder(rendered):
    r, paths = rendered
    index = paths["index"].read_text()
    n_visible = int((r["team"] != "Perinatal").sum())
    assert f"({n_visible} respondents;" in index
    assert "left out of the organisation figures" in index


def test_split_shown_only_when_both_forms_reach_threshold(rendered):
    _, paths = rendered
    assert "PSW form minus colleague form" in paths["teams"]["Older Adults"].read_text()
    assert "PSW form minus colleague form" not in paths["teams"]["Acute Ward"].read_text()
    assert "not shown</strong>, because at least one form" in \
        paths["teams"]["Acute Ward"].read_text()


def test_summary_records_for_visible_teams(rendered):
    r, paths = rendered
    teams = json.loads(paths["summary_json"].read_text())["teams"]
    shown = [t for t in teams if not t["suppressed"]]
    assert len(shown) == r["team"].nunique() - 1
    for t in shown:
        assert set(t["faces"]) == set(FACES) and t["n"]["total"] >= 5
        # published to 2 decimals: the sum is 1 within half a unit per outcome
        assert abs(sum(t["probabilities"].values()) - 1) <= 0.005 * len(t["probabilities"]) + 1e-9
        assert t["type"] in {"neutralized", "enhanced", "tokenistic", "mixed", "indeterminate"}


def test_below_threshold_reads_differently_from_no_data(rendered):
    _, paths = rendered
    index = paths["index"].read_text()
    row = re.search(r"<tr><th scope=\"row\"><a href=\"teams/perinatal.html\">.*?</tr>", index)
    assert "Below threshold" in row.group(0) and "No data" not in row.group(0)
    assert 'class="badge suppressed"' in row.group(0)


# -- the promise as data, with a floor ---------------------------------------------------------
def test_participant_text_is_rendered_from_the_threshold(instrument_file):
    from copro_scale.administer import export_instrument

    assert K == 5
    for f in load_instrument().forms.values():
        assert "at least 5 people" in f.instructions and "{" not in f.instructions
    path = instrument_file(lambda d: d["privacy"].update(min_responses=7))
    inst = load_instrument(path)
    assert inst.min_responses == 7
    for f in inst.forms.values():
        assert "at least 7 people" in f.instructions and "5 people" not in f.instructions
    assert "at least 7 people" in export_instrument(inst, "markdown")
    assert inst.to_dict()["privacy"] == {"min_responses": 7}
    # and the threshold every stage enforces is that same value
    assert check_threshold(inst) == 7 and disclosure_plan(_counts([("A", 1, 5)]), instrument=inst).visible_teams == []


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.pop("privacy"), "privacy"),
    (lambda d: d["privacy"].update(min_responses=2), "privacy.min_responses"),
    (lambda d: d["privacy"].update(min_responses="5"), "privacy.min_responses"),
    (lambda d: d["privacy"].update(min_responses=True), "privacy.min_responses"),
    (lambda d: d["forms"]["psw"].update(
        instructions="Your team only sees results when at least 5 people have answered."),
     "forms.psw.instructions"),
])
def test_instrument_threshold_is_schema_checked(instrument_file, mutate, field):
    errors = check_instrument(instrument_file(mutate))
    assert [e.field for e in errors] == [field]
    with pytest.raises(CoproError, match=field.replace(".", r"\.")):
        load_instrument(instrument_file(mutate))


def test_threshold_can_be_raised_never_lowered():
    from copro_scale.classify import classify_teams
    from copro_scale.validate import ValidationSettings

    assert check_threshold(None, None) == K and check_threshold(None, K + 3) == K + 3
    for k in (K - 1, 1, 0, -2):
        with pytest.raises(CoproError, match="can only be raised"):
            check_threshold(None, k)
        with pytest.raises(CoproError, match="can only be raised"):
            disclosure_plan(_counts([("A", 1, 5)]), k)
    with pytest.raises(CoproError, match="can only be raised"):
        classify_teams(pd.DataFrame(columns=["team", "form"]), min_responses=K - 1)
    assert ValidationSettings().min_responses is None  # the instrument's, resolved in validate()


@pytest.mark.parametrize("command", ["report", "validate"])
@pytest.mark.parametrize("k", ["4", "1"])
def test_cli_refuses_a_threshold_below_the_promise(tmp_path, capsys, command, k):
    from copro_scale.cli import main

    sim = simulate(2, 6, seed=3)
    sim.responses.to_csv(tmp_path / "r.csv", index=False)
    assert main([command, str(tmp_path / "r.csv"), "-o", str(tmp_path / "out"),
                 "--min-responses", k]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "--min-responses" in err and "can only be raised" in err
    assert not (tmp_path / "out").exists()


# -- weights, per-form counts, validation rows (rules 3, 4, 6) ------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 15)), min_size=1, max_size=10),
       st.integers(5, 9))
def test_no_respondent_weighs_more_than_one_kth_and_small_counts_stay_hidden(sizes, k):
    plan = disclosure_plan(_counts([(f"t{i}", p, q) for i, (p, q) in enumerate(sizes)]), k)
    for t in plan.teams.to_dict("records"):
        counts = plan.form_counts(t["team"])
        if not t["visible"]:
            assert counts == {"psw": None, "colleague": None}
            continue
        if plan.weights(t["team"]) == "forms_equal":
            share = max(0.5 / t["n_psw"], 0.5 / t["n_colleague"])
        else:
            share = 1 / t["n"]
        assert share <= 1 / k
        for form in ("psw", "colleague"):
            exact = counts[form].isdigit()
            assert exact == bool(t["split_visible"])
            if t[f"n_psw"] < k and t["n_colleague"] < k:  # two bounds with the total would meet
                assert counts[form] == "not shown"
            elif t[f"n_{form}"] < k:
                assert counts[form] == f"fewer than {k}"


def test_a_lone_psw_is_pooled_not_weighted_up():
    from copro_scale.reports.data import plan_weighted_scores

    s = pd.DataFrame({"team": ["A"] * 9, "form": ["psw"] + ["colleague"] * 8,
                      "voice": [1.0] + [4.0] * 8})
    plan = disclosure_plan(_counts([("A", 1, 8)]))
    out = plan_weighted_scores(s, ["voice"], plan).iloc[0]
    assert out["mean"] == pytest.approx((1 + 32) / 9)  # forms equal would give 2.5
    assert "fewer than 5" in plan.view_text("A") and "1/9" in plan.view_text("A")


def test_validation_rows_follow_the_organisation_and_the_careless_rule():
    frame = pd.DataFrame({"team": ["A"] * 12 + ["B"] * 12 + ["C"] * 3,
                          "form": (["psw"] * 6 + ["colleague"] * 6) * 2 + ["psw"] * 3})
    careless = pd.Series(False, index=frame.index)
    careless[[0, 1]] = True                      # 2 careless PSWs (< k): kept
    careless[list(range(6, 12))] = True          # 6 careless colleagues (>= k): left out
    plan = disclosure_plan(_counts([("A", 6, 6), ("B", 6, 6), ("C", 3, 0)]))
    rows = plan.validation_rows(frame, careless)
    assert not rows[frame["team"] == "C"].any()  # 3 hidden respondents: left out everywhere
    assert rows[[0, 1]].all() and not rows[list(range(6, 12))].any()
    assert int(rows.sum()) == 24 - 6


# -- output folders ---------------------------------------------------------------------------------
def test_a_failed_run_leaves_the_previous_folder_and_no_leftovers(tmp_path):
    from copro_scale.outputs import write_folder

    out = tmp_path / "o"
    write_folder(out, "report", lambda d: (d / "a.txt").write_text("first"))

    def boom(d):
        (d / "a.txt").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_folder(out, "report", boom)
    assert (out / "a.txt").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".o.copro-lock", "o"]
    write_folder(out, "report", lambda d: (d / "b.txt").write_text("second"))  # lock released
    assert sorted(p.name for p in out.iterdir()) == [".copro-output", "b.txt"]


def test_without_rename_exchange_a_kill_between_the_renames_is_repaired(tmp_path, monkeypatch):
    from copro_scale import outputs

    out = tmp_path / "o"
    outputs.write_folder(out, "report", lambda d: (d / "a.txt").write_text("first"))
    monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    outputs.write_folder(out, "report", lambda d: (d / "a.txt").write_text("second"))
    assert (out / "a.txt").read_text() == "second"
    # a kill after "out -> old" and before "new -> out": the next run puts the old one back
    out.rename(tmp_path / ".o.copro-old-x")
    with pytest.raises(RuntimeError):
        outputs.write_folder(out, "report", lambda d: (_ for _ in ()).throw(RuntimeError("x")))
    assert (out / "a.txt").read_text() == "second"


def test_withheld_organisation_figures_are_not_rebuilt_from_the_two_forms():
    """A red-team find: at a raised threshold the organisation's faces were withheld (the
    organisation minus the shown teams was one team of 5), yet its PSW and colleague means were
    published, and n_psw * PSW + n_colleague * colleague is the organisation's sum."""
    from copro_scale import read_responses, score
    from copro_scale.reports.data import build_report_data
    from copro_scale.reports.writers import organisation_record

    pool = simulate(10, 20, seed=7).responses
    psw, col = pool[pool["form"] == "psw"], pool[pool["form"] == "colleague"]
    parts, used = [], {"psw": 0, "colleague": 0}
    for team, n_psw, n_col in [("Tiny", 1, 2), ("Split", 4, 6), ("Exact", 1, 4), ("Big1", 6, 10),
                               ("Big2", 6, 10), ("Big3", 5, 9)]:
        for rows, form, n in ((psw, "psw", n_psw), (col, "colleague", n_col)):
            parts.append(rows.iloc[used[form]:used[form] + n].assign(team=team))
            used[form] += n
    r = read_responses(pd.concat(parts, ignore_index=True))
    rec = organisation_record(build_report_data(r.data, score(r), min_responses=K + 1, n_boot=50))
    withheld = [f for f in FACES if rec["faces"][f] is None]
    assert withheld  # the organisation minus the shown teams is Exact, 5 people, below 6
    gap = rec["psw_vs_colleague"] or {"psw": {}, "colleague": {}}
    assert not set(withheld) & (set(gap["psw"]) | set(gap["colleague"]))

