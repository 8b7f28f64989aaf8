"""The LimeSurvey and SurveyJS response readers on bad and unusual input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from copro_scale import CoproError, read_responses
from copro_scale.platforms.limesurvey import ROLE_ANSWER_CODES

FIX = Path(__file__).parents[1] / "fixtures" / "roundtrip"


def test_limesurvey_full_answer_text_reads_like_codes(inst, tmp_path):
    src = pd.read_csv(FIX / "limesurvey_colleague.csv", dtype=str, keep_default_na=False)
    items = [c for c in src.columns if "[" in c]
    labels = {str(p.code): p.label for p in inst.scale} | {"9": inst.dont_know.label}
    roles = {code: inst.roles[r] for r, code in ROLE_ANSWER_CODES.items()}
    text = src.copy()
    text[items] = src[items].replace(labels)
    text["role"] = src["role"].replace(roles)
    p = tmp_path / "full.csv"
    text.to_csv(p, index=False)
    a = read_responses(FIX / "limesurvey_colleague.csv", inst, format="limesurvey").data
    b = read_responses(p, inst, format="limesurvey").data
    assert text.loc[0, items[0]] in labels.values()
    pd.testing.assert_frame_equal(a, b)


def test_limesurvey_bad_values_are_excluded_naming_the_column(inst, tmp_path):
    src = pd.read_csv(FIX / "limesurvey_psw.csv", dtype=str, keep_default_na=False)
    src.loc[1, "voice[vdm3]"] = "7"
    src.loc[2, "role"] = "nurse"
    p = tmp_path / "bad.csv"
    src.to_csv(p, index=False)
    r = read_responses(p, inst, format="limesurvey")
    ex = r.exclusions.set_index("source_row")
    assert ex.loc[3, "reason"] == "out_of_range" and "vdm3" in ex.loc[3, "detail"]
    assert ex.loc[4, "reason"] == "unknown_role"
    assert r.n_read == len(r.data) + len(r.exclusions)


def test_limesurvey_without_item_columns_is_a_user_error(inst, tmp_path):
    p = tmp_path / "wrong.csv"
    p.write_text("id,submitdate,team,role\n1,2026-01-01,A,psw\n")
    with pytest.raises(CoproError, match=r"wrong\.csv.*'Question code' headings"):
        read_responses(p, inst, format="limesurvey")
    with pytest.raises(CoproError, match="file not found"):
        read_responses(tmp_path / "missing.csv", inst, format="limesurvey")


def test_limesurvey_item_in_two_columns_is_a_user_error(inst, tmp_path):
    src = pd.read_csv(FIX / "limesurvey_psw.csv", dtype=str, keep_default_na=False)
    src["other[vdm1]"] = "3"
    p = tmp_path / "twice.csv"
    src.to_csv(p, index=False)
    with pytest.raises(CoproError, match="item vdm1 has two columns") as e:
        read_responses(p, inst, format="limesurvey")
    assert e.value.column == "other[vdm1]"


def test_limesurvey_truncated_or_mis_encoded_file_names_row_and_column(inst, tmp_path):
    cut = tmp_path / "cut.csv"
    cut.write_bytes((FIX / "limesurvey_psw.csv").read_bytes()[:2000])
    with pytest.raises(CoproError, match="truncated") as e:
        read_responses(cut, inst, format="limesurvey")
    assert e.value.row is not None
    enc = tmp_path / "enc.csv"
    enc.write_bytes(b"id,submitdate,team\n1,\xff\xfe,Ward\n")
    with pytest.raises(CoproError, match="not utf-8") as e:
        read_responses(enc, inst, format="limesurvey")
    assert (e.value.row, e.value.column) == (2, "submitdate")


@pytest.mark.parametrize("text,where", [
    ("[{\"team\": \"A\",}]", "row 1"),
    ("{\"team\": \"A\"}", "expected a JSON array"),
    ("[{\"team\": \"A\"},\n 3]", "row 2"),
])
def test_surveyjs_malformed_input_is_a_user_error(inst, tmp_path, text, where):
    p = tmp_path / "r.json"
    p.write_text(text)
    with pytest.raises(CoproError, match=where):
        read_responses(p, inst, format="surveyjs")


def test_surveyjs_wrapped_results_and_skipped_matrices(inst, tmp_path):
    res = json.loads((FIX / "surveyjs_psw.json").read_text())
    res[0].pop("identity")  # a respondent who skipped a whole page
    p = tmp_path / "wrapped.json"
    p.write_text(json.dumps({"data": res}))
    r = read_responses(p, instrument=inst)
    assert r.format == "surveyjs" and len(r.data) == len(res)
    ident = [it.id for it in inst.items if it.construct == "identity"]
    assert r.data.loc[0, ident].isna().all() and r.data.loc[1, ident].notna().any()
