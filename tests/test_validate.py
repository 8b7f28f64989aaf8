"""`copro validate`: the battery on simulated data with a known nine-cell structure."""

from __future__ import annotations

import json
import re

import pytest

from copro_scale import load_instrument, read_responses
from copro_scale.cli import main
from copro_scale.psychometrics.cfa import parse_model
from copro_scale.scoring import keyed_items
from copro_scale.simulate import simulate
from copro_scale.errors import CoproError
from copro_scale.validate import ValidationResult, ValidationSettings, cfa_models, validate
from copro_scale.validate_cfa import cfa_table, usable_sample

INST = load_instrument()


def test_competing_models_cover_every_item_once_per_factor_set():
    models = cfa_models(INST)
    assert set(models) == {"nine cells", "three faces", "three constructs", "bifactor (general + nine cells)"}
    for name in ("nine cells", "three faces", "three constructs"):
        rows = [r for r in parse_model(models[name]) if r["op"] == "=~"]
        indicators = [r["rhs"] for r in rows]
        assert sorted(indicators) == sorted(INST.item_ids), name
    bif = [r for r in parse_model(models["bifactor (general + nine cells)"]) if r["op"] == "=~"]
    assert sum(r["lhs"] == "General" for r in bif) == 36


@pytest.fixture(scope="module")
def battery():
    # 80 teams x 10: 600 colleague responses (CFA adequate), 200 PSW (too few complete ones)
    sim = simulate(80, 10, seed=7)
    # ML keeps this fixture fast; the default WLSMV is tested below and in the slow 480 case
    return validate(read_responses(sim.responses),
                    ValidationSettings(n_iter=20, seed=1, estimator="ML")).to_dict()


def test_reliability_of_every_cell_face_and_construct(battery):
    rel = battery["forms"]["colleague"]["reliability"]
    assert [r["kind"] for r in rel].count("cell") == 9
    assert [r["kind"] for r in rel].count("face") == 3
    assert [r["kind"] for r in rel].count("construct") == 3
    for r in rel:
        assert 0.7 < r["alpha"] < 1 and r["alpha_ci"][0] < r["alpha"] < r["alpha_ci"][1]
        assert r["verdict"] in {"meets", "caution"}
        assert set(r["item_stats"]["columns"]) >= {"mean", "sd", "r_drop", "alpha_if_deleted"}


def test_true_structure_wins_the_cfa_comparison(battery):
    col = battery["forms"]["colleague"]
    assert col["cfa_sample"]["rating"] in {"adequate", "very good"}
    fits = {m["model"]: m for m in col["cfa"]}
    assert all(m["converged"] for m in fits.values())
    nine = fits["nine cells"]
    # the simulator's structure is nine correlated cells: it should fit by every cut-off ...
    assert nine["verdict"] == "meets", nine
    # ... and beat the rival structures on BIC and RMSEA
    assert nine["bic"] == min(m["bic"] for m in fits.values())
    assert nine["rmsea"] == min(m["rmsea"] for m in fits.values())
    assert fits["three constructs"]["verdict"] == "below"


def test_careless_responses_are_left_out_and_counted(battery):
    s = battery["sample"]
    assert s["flagged_careless_left_out"] > 0
    assert s["analysed"] + s["flagged_careless_left_out"] + s["excluded"] == s["rows_read"] == 800


def test_small_form_is_not_given_an_unstable_cfa(battery):
    psw = battery["forms"]["psw"]
    assert psw["cfa"] == [] and "COSMIN" in psw["cfa_skipped"]
    assert "Invariance between forms not tested" in battery["invariance"]["skipped"]


def test_kmo_parallel_analysis_and_efa(battery):
    col = battery["forms"]["colleague"]
    assert col["kmo"]["overall"] > 0.8 and col["bartlett"]["pvalue"] < 0.05
    assert col["parallel_analysis"]["n_factors"] >= 3
    assert col["efa"]["n_factors"] == col["parallel_analysis"]["n_factors"]
    assert len(col["efa"]["loadings"]["index"]) == 36


@pytest.mark.slow
def test_invariance_between_forms_holds_for_a_uniform_form_bias():
    # the simulator shifts every colleague answer by the same amount: a latent mean difference,
    # which scalar invariance absorbs (latent means are free after the first group)
    sim = simulate(60, 10, seed=3, psw_share=0.5, missing_rate=0.0, straightline_rate=0.0)
    out = validate(read_responses(sim.responses), ValidationSettings(n_iter=5))
    inv = out.invariance
    assert [s["step"] for s in inv["steps"]] == ["metric", "scalar"]
    assert all(s["holds"] for s in inv["steps"]), inv["steps"]
    assert inv["table"]["index"] == ["configural", "metric", "scalar"]


def test_agreement_leaves_out_small_teams_and_names_none(tmp_path):
    sim = simulate(10, 8, seed=9)
    r = sim.responses
    small = r["team"].unique()[:2]
    keep = ~r["team"].isin(small) | r.groupby("team").cumcount().lt(3)
    path = tmp_path / "r.csv"
    r[keep].to_csv(path, index=False)
    assert main(["validate", str(path), "-o", str(tmp_path / "out")]) == 0
    doc = json.loads((tmp_path / "out" / "validation.json").read_text())
    assert doc["agreement"]["teams_below_threshold"] == 2
    assert doc["agreement"]["n_teams"] == 8
    html = (tmp_path / "out" / "validation.html").read_text()
    for team in r["team"].unique():
        assert team not in html and team not in json.dumps(doc)
    # self-contained: no script, no external resource
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    assert doc["meta"]["instrument_version"] == INST.version and len(doc["meta"]["input_sha256"]) == 64


def test_bad_input_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01garbage")
    assert main(["validate", str(bad), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.csv" in err and "\n" not in err and "Traceback" not in err


def test_validate_returns_a_result_object(battery):
    assert set(battery) >= {"cutoffs", "estimation", "sample", "models", "forms", "invariance", "agreement"}
    json.dumps(battery, allow_nan=False)


def test_result_to_frame_is_the_reliability_table():
    sim = simulate(30, 8, seed=1)
    res = validate(read_responses(sim.responses), ValidationSettings(n_iter=5))
    assert isinstance(res, ValidationResult)
    table = res.to_frame()
    # 30 teams x 8 with 2 PSWs a team: 60 PSW and 180 colleague responses, both forms judged
    assert sorted(table["form"].unique()) == ["colleague", "psw"]
    assert table.groupby("form").size().eq(15).all()
    assert (table["alpha_ci_lower"] < table["alpha"]).all()
    assert res.to_dict()["estimation"]["estimator"] == "WLSMV"
    assert "WLSMV" in res.estimation["text"] and "pairwise" in res.estimation["text"]


def test_unknown_estimator_is_refused():
    with pytest.raises(CoproError, match="estimator"):
        ValidationSettings(estimator="GLS")


def test_sample_rule_counts_what_the_estimator_uses():
    sim = simulate(48, 10, seed=11, psw_share=0.5, missing_rate=0.03, straightline_rate=0.0)
    r = read_responses(sim.responses)
    keyed = keyed_items(r)
    x = keyed.loc[keyed["form"] == "psw", r.instrument.item_ids].astype(float)
    listwise, fiml, pairwise = (usable_sample(x, e) for e in ("ML", "MLR", "WLSMV"))
    # ~3% missing per item leaves about a third of the rows complete: listwise is inadequate,
    # while FIML and pairwise deletion use every response
    assert listwise["rating"] == "inadequate" and listwise["n"] < 5 * 36
    assert fiml["n"] == pairwise["n"] == len(x) >= 5 * 36
    assert fiml["rating"] == "adequate" and fiml["min_coverage"] > 0.8
    holes = x.copy()
    holes.iloc[: len(x) // 2 + 5, 0] = float("nan")
    assert usable_sample(holes, "MLR")["rating"] == "inadequate"
    assert "answered together" in usable_sample(holes, "MLR")["detail"]


def test_default_wlsmv_fits_the_nine_cells_from_incomplete_rows():
    sim = simulate(48, 10, seed=11, psw_share=0.5, missing_rate=0.03)
    r = read_responses(sim.responses)
    keyed = keyed_items(r)
    x = keyed.loc[keyed["form"] == "psw", r.instrument.item_ids].astype(float)
    assert x.dropna().shape[0] < 5 * 36 <= len(x)
    [row] = cfa_table(x, {"nine cells": cfa_models(INST)["nine cells"]}, ValidationSettings().estimator)
    assert row["converged"] and row["verdict"] == "meets", row
    assert row["aic"] is None and 0 < row["srmr"] < 0.08  # robust indices, no likelihood


@pytest.mark.slow
def test_cfa_and_invariance_run_on_480_responses_with_missing_answers():
    # 480 responses, ~3% missing per item, a third of the rows complete. Listwise ML
    # estimated no CFA on either form; WLSMV with pairwise deletion estimates every model.
    # (No straight-liners: the privacy plan may keep a few careless responses in, and three
    # straight-liners among 240 take the robust CFI of the true model from .99 to .94.)
    sim = simulate(48, 10, seed=11, psw_share=0.5, missing_rate=0.03, straightline_rate=0.0)
    out = validate(read_responses(sim.responses), ValidationSettings(n_iter=5))
    for form in ("colleague", "psw"):
        sec = out.forms[form]
        assert "cfa_skipped" not in sec, sec.get("cfa_skipped")
        assert len(sec["cfa"]) == 4 and all(m["converged"] for m in sec["cfa"])
        assert next(m for m in sec["cfa"] if m["model"] == "nine cells")["verdict"] == "meets"
    assert [s["step"] for s in out.invariance["steps"]] == ["metric", "scalar"]
    listwise = validate(read_responses(sim.responses), ValidationSettings(n_iter=5, estimator="ML"))
    assert all("cfa_skipped" in listwise.forms[f] for f in ("colleague", "psw"))


def test_cli_estimator_choice(tmp_path, capsys):
    path = tmp_path / "r.csv"
    simulate(6, 8, seed=2).responses.to_csv(path, index=False)
    assert main(["validate", str(path), "-o", str(tmp_path / "bad"), "--estimator", "GLS"]) == 2
    err = capsys.readouterr().err.strip()
    assert "estimator" in err and "GLS" in err and "\n" not in err
    assert main(["validate", str(path), "-o", str(tmp_path / "ml"), "--estimator", "ML"]) == 0
    doc = json.loads((tmp_path / "ml" / "validation.json").read_text())
    assert doc["estimation"]["estimator"] == "ML"
    assert "listwise" in (tmp_path / "ml" / "validation.html").read_text()


def test_an_unanswered_item_is_named_not_a_crash():
    sim = simulate(30, 8, seed=1, straightline_rate=0.0)
    r = read_responses(sim.responses)
    item = r.instrument.item_ids[0]
    r.data[item] = r.data[item].where(r.data["form"] != "colleague")  # nobody on one form answered it
    out = validate(r, ValidationSettings(n_iter=5, estimator="ML")).to_dict()
    col = out["forms"]["colleague"]
    flagged = [s for s in col["reliability"] if s["verdict"] == "n/a"]
    assert flagged and all(item in s["meaning"] and "no answers" in s["meaning"] for s in flagged)
    assert item in col["factor_skipped"]


@pytest.mark.parametrize("answers", [3, 4])
def test_an_item_few_people_answered_is_named_not_a_traceback(tmp_path, capsys, answers):
    """Found by the red team: 3 answers crashed the page (alpha_ci), 4 crashed the SVD."""
    from copro_scale.cli import main
    from copro_scale.simulate import simulate

    data = simulate(10, 12, seed=5).responses
    colleagues = data.index[data["form"] == "colleague"]
    data.loc[colleagues[answers:], "vdm1"] = float("nan")
    path = tmp_path / "r.csv"
    data.to_csv(path, index=False)
    assert main(["validate", str(path), "-o", str(tmp_path / "v")]) == 0
    doc = json.loads((tmp_path / "v" / "validation.json").read_text())
    assert "vdm1" in doc["forms"]["colleague"]["factor_skipped"]
    assert "Traceback" not in capsys.readouterr().err


def test_a_face_without_enough_complete_responses_is_skipped_and_the_rest_computed(tmp_path):
    """Realistic nuisance, 6 teams of 4 planned, seed 4: no team has 5 responses that answered
    every statement of a face, which stopped the whole validation; now each face says why."""
    path = tmp_path / "r.csv"
    simulate(6, 4, seed=4, nuisance="realistic").responses.to_csv(path, index=False)
    assert main(["validate", str(path), "-o", str(tmp_path / "v")]) == 0
    doc = json.loads((tmp_path / "v" / "validation.json").read_text())
    faces = doc["agreement"]["faces"]
    assert sorted(faces) == sorted(["decision_making", "non_decision_making", "ideological"])
    assert all(f["skipped"].startswith("not computed: fewer than two teams have 5 or more")
               for f in faces.values())
    assert doc["forms"]["colleague"]["reliability"]  # the other steps ran
    html = (tmp_path / "v" / "validation.html").read_text()
    assert html.count("not computed: fewer than two teams have 5 or more") == 3


def test_agreement_counts_per_face_only_teams_with_k_complete_responses():
    """Teams A and B: 5 complete responses; C: 5 responses, 1 answering every decision-making
    statement. Decision-making agreement rests on A and B; by hand (and R's aov): scale means A
    1..5, B 2,3,3,4,4 give MSB 0.1, MSW 1.6, ICC(2) = -15, ICC(1) = -1.5/6.5."""
    import numpy as np
    import pandas as pd

    from copro_scale.validate import _agreement

    ids = INST.item_ids
    dm = [it.id for it in INST.items if it.face == "decision_making"]
    values = [1, 2, 3, 4, 5, 2, 3, 3, 4, 4, 5, 5, 5, 5, 5]
    data = pd.DataFrame(np.repeat(np.array(values, float)[:, None], len(ids), axis=1), columns=ids)
    data.insert(0, "team", list("AAAAABBBBBCCCCC"))
    data.loc[11:14, dm[0]] = np.nan  # C: one response answers every decision-making statement
    out = _agreement(data, INST, ValidationSettings(min_responses=5), hidden=0)
    face = out["faces"]["decision_making"]
    assert face["n_teams"] == 2
    assert face["icc2"] == pytest.approx(-15.0)
    assert face["icc1"] == pytest.approx(-1.5 / 6.5)
    assert out["faces"]["ideological"]["n_teams"] == 3
