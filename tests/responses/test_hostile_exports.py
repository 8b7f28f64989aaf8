"""Every traceback or lost row found by hostile exports ends in a one-line CoproError
or a reason in the exclusion log. Each test replays one case."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from copro_scale import CoproError, read_responses
from copro_scale.cli import main

PLATFORMS = Path(__file__).parents[1] / "fixtures" / "platforms"
ROUNDTRIP = Path(__file__).parents[1] / "fixtures" / "roundtrip"


def one_line_error(argv, capsys) -> str:
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


# -- tracebacks ----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["inf", "Infinity", "1e400"])
def test_infinity_in_an_item_is_a_reason_not_a_traceback(sim, write, value, inst, capsys, tmp_path):
    sim["vdm1"] = sim["vdm1"].astype(object)
    sim.loc[0, "vdm1"] = value
    r = read_responses(write(sim), inst)
    assert r.exclusions["source_row"].tolist() == [2]
    assert r.exclusions["reason"].iloc[0] in ("out_of_range", "unknown_label")
    assert main(["score", write(sim), "-o", str(tmp_path / "s.csv")]) == 0


def test_infinite_months_are_missing_not_a_traceback(sim, write, inst):
    sim["months_in_role"] = sim["months_in_role"].astype(object)
    sim.loc[0, "months_in_role"] = "inf"
    r = read_responses(write(sim), inst)
    assert len(r.data) == len(sim) and pd.isna(r.data.loc[0, "months_in_role"])


def test_a_surveyjs_list_value_is_an_unknown_label(tmp_path, inst):
    res = json.loads((ROUNDTRIP / "surveyjs_psw.json").read_text())
    res[0]["voice"]["vdm1"] = [1, 2]
    res[1]["team"] = ["a", "b"]
    p = tmp_path / "r.json"
    p.write_text(json.dumps(res))
    r = read_responses(p, inst)
    assert dict(zip(r.exclusions["source_row"], r.exclusions["reason"])) == {
        1: "unknown_label", 2: "invalid_text"}


def test_deeply_nested_json_is_a_one_line_error(tmp_path, capsys):
    p = tmp_path / "r.json"
    p.write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in one_line_error(["score", p], capsys)


@pytest.mark.parametrize("change, field", [
    ({"header_rows": "abc"}, "header_rows"),
    ({"labels": {"Totally agree": "five"}}, "labels.Totally agree"),
    ({"roles": {"psw": "hacker"}}, "roles.psw"),
    ({"unfinished": "Done"}, "unfinished"),
])
def test_a_bad_mapping_is_a_one_line_error_naming_the_field(tmp_path, capsys, change, field):
    m = yaml.safe_load((PLATFORMS / "mapped.yaml").read_text())
    m.update(change)
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump(m))
    err = one_line_error(["score", PLATFORMS / "mapped.csv", "--mapping", p], capsys)
    assert f"field {field!r}" in err


def test_simulate_zero_teams_is_a_one_line_error(tmp_path, capsys):
    assert "--teams" in one_line_error(["simulate", "--teams", "0", "-o", tmp_path / "x.csv"], capsys)


# -- rows lost or wrongly kept -------------------------------------------------------------------
def test_redcap_completion_is_read_per_form(tmp_path, inst):
    src = pd.read_csv(PLATFORMS / "redcap_raw.csv", dtype=str, keep_default_na=False)
    src.insert(3, "consent_complete", "0")  # another instrument, not completed
    src["followup_complete"] = "0"
    p = tmp_path / "r.csv"
    src.to_csv(p, index=False)
    before = read_responses(PLATFORMS / "redcap_raw.csv", inst)
    after = read_responses(p, inst)
    assert after.reason_counts() == before.reason_counts()
    assert len(after.data) == len(before.data) > 0


def test_qualtrics_spam_and_undocumented_statuses_are_excluded(tmp_path, inst):
    lines = (PLATFORMS / "qualtrics.csv").read_text("utf-8-sig").splitlines()
    ordinary = [k for k, line in enumerate(lines) if ",IP Address," in line][:3]
    for k, status in zip(ordinary, ["Spam", "Imported Spam", "7"]):
        lines[k] = lines[k].replace(",IP Address,", f",{status},", 1)
    p = tmp_path / "q.csv"
    p.write_text("\n".join(lines) + "\n", "utf-8")
    r = read_responses(p, inst)
    got = dict(zip(r.exclusions["source_row"], r.exclusions["reason"]))
    assert [got[k + 1] for k in ordinary] == ["spam", "spam", "unknown_status"]


def test_a_mapping_marks_a_blank_submit_date_unfinished(tmp_path, inst):
    src = pd.read_csv(PLATFORMS / "mapped.csv", dtype=str, keep_default_na=False, sep=";",
                      encoding="utf-8-sig")
    src["Date submitted"] = "2026-03-01"
    src.loc[[0, 2], "Date submitted"] = ""
    p = tmp_path / "m.csv"
    src.to_csv(p, index=False)
    m = yaml.safe_load((PLATFORMS / "mapped.yaml").read_text())
    m["unfinished"] = {"column": "Date submitted", "blank": True}
    r = read_responses(p, inst, mapping=m)
    assert r.exclusions.query("reason == 'unfinished'")["source_row"].tolist() == [2, 4]


def test_a_mapping_naming_an_absent_unfinished_column_is_an_error(inst):
    m = yaml.safe_load((PLATFORMS / "mapped.yaml").read_text())
    m["unfinished"] = {"column": "Finished?", "values": ["no"]}
    with pytest.raises(CoproError, match="unfinished"):
        read_responses(PLATFORMS / "mapped.csv", inst, mapping=m)


def test_json_true_is_no_code_and_loses_no_other_row(tmp_path, inst):
    res = json.loads((ROUNDTRIP / "surveyjs_psw.json").read_text())
    for k in range(1, 4):
        res[k]["voice"]["vdm2"] = 1
    res[0]["voice"]["vdm2"] = True
    p = tmp_path / "r.json"
    p.write_text(json.dumps(res))
    r = read_responses(p, inst)
    assert r.exclusions["source_row"].tolist() == [1]
    assert r.exclusions["reason"].tolist() == ["unknown_label"]
    assert len(r.data) == len(res) - 1 and (r.data["vdm2"] == 1).sum() >= 3


def test_utf16_with_bom_is_read(sim, tmp_path, inst):
    p = tmp_path / "u16.csv"
    p.write_bytes(sim.to_csv(index=False).encode("utf-16"))
    r = read_responses(p, inst)
    assert len(r.data) == len(sim) and r.exclusions.empty


def test_duplicate_headers_are_an_error_naming_them(sim, tmp_path, inst, capsys):
    p = tmp_path / "dup.csv"
    text = sim.to_csv(index=False).splitlines()
    text = [line + (",vdm1" if k == 0 else ",3") for k, line in enumerate(text)]
    p.write_text("\n".join(text) + "\n")
    assert "'vdm1'" in one_line_error(["score", p], capsys)


def test_limesurvey_full_text_headings_are_detected(tmp_path, inst):
    src = pd.read_csv(ROUNDTRIP / "limesurvey_psw.csv", dtype=str, keep_default_na=False)
    rf = inst.respondent_fields
    prompt = "Thinking about the last 6 months, how much do you agree with each statement?"
    names = {"id": "Response ID", "submitdate": "Date submitted", "lastpage": "Last page",
             "startlanguage": "Start language", "seed": "Seed", "team": rf["team"]["label"],
             "role": rf["role"]["label"], "months": rf["months_in_role"]["label"]}
    for c in src.columns:
        if "[" in c:
            names[c] = f"{prompt} [{inst.item(c.split('[')[1][:-1]).text('psw')}]"
    src.loc[1, "submitdate"] = ""
    p = tmp_path / "full.csv"
    src.rename(columns=names).to_csv(p, index=False)
    r = read_responses(p, inst)
    base = read_responses(ROUNDTRIP / "limesurvey_psw.csv", inst)
    assert r.format == "limesurvey"
    assert sorted(r.exclusions["source_row"]) == sorted([3, *base.exclusions["source_row"]])
    assert set(r.exclusions["reason"]) == {"unfinished"}
    pd.testing.assert_frame_equal(r.data.drop(columns="response_id"),
                                  base.data.drop(index=1).reset_index(drop=True).drop(columns="response_id"))


def test_a_nul_byte_in_a_team_name_is_excluded_with_a_reason(sim, write, inst):
    sim.loc[0, "team"] = sim.loc[1, "team"] + "\x00"
    r = read_responses(write(sim), inst)
    assert r.exclusions[["source_row", "reason"]].values.tolist() == [[2, "invalid_text"]]
    assert not r.data["team"].str.contains("\x00").any()


@pytest.mark.parametrize("digit", ["\u0665", "\u0e55", "\uff15", "\u2075", "\u2464"])
def test_only_ascii_digits_are_codes(sim, write, inst, digit):
    sim["vdm1"] = sim["vdm1"].astype(object)
    sim.loc[0, "vdm1"] = digit
    r = read_responses(write(sim), inst)
    assert r.exclusions[["source_row", "reason"]].values.tolist() == [[2, "unknown_label"]]


@pytest.mark.parametrize("name", ["NA", "None", "-"])
def test_na_none_and_dash_are_team_names_with_a_warning(sim, write, inst, name):
    sim.loc[sim["team"] == sim.loc[0, "team"], "team"] = name
    r = read_responses(write(sim), inst)
    assert r.exclusions.empty and name in set(r.data["team"])
    assert any(repr(name) in w for w in r.warnings)


def test_sheet_is_honoured_for_a_canonical_workbook(sim, tmp_path, inst):
    p = tmp_path / "c.xlsx"
    with pd.ExcelWriter(p) as xl:
        pd.DataFrame({"about": ["read me"]}).to_excel(xl, sheet_name="Notes", index=False)
        sim.to_excel(xl, sheet_name="Data", index=False)
    r = read_responses(p, inst, sheet="Data")
    assert len(r.data) == len(sim) and r.format == "canonical"
    with pytest.raises(CoproError, match="no sheet"):
        read_responses(p, inst, sheet="Nope")


def test_an_over_long_team_name_is_excluded(sim, write, inst):
    sim.loc[0, "team"] = "x" * 20_000
    r = read_responses(write(sim), inst)
    assert r.exclusions[["source_row", "reason"]].values.tolist() == [[2, "text_too_long"]]


@pytest.mark.slow
def test_a_5mb_team_name_keeps_score_memory_bounded(sim, write, tmp_path):
    sim.loc[0, "team"] = "x" * 5_000_000
    src = write(sim)
    code = ("import resource, sys; from copro_scale.cli import main; "
            "rc = main(['score', sys.argv[1], '-o', sys.argv[2], '--exclusions', sys.argv[3]]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, src, str(tmp_path / "s.csv"),
                          str(tmp_path / "e.csv")], capture_output=True, text=True, check=True)
    assert int(out.stdout.split()[-1]) < 600 * 1024  # KB: far from the 12 GB measured before
    assert "xxxxx" not in (tmp_path / "s.csv").read_text()
    assert "text_too_long" in (tmp_path / "e.csv").read_text()
