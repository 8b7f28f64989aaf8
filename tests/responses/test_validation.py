"""Validation and accounting: every row scored or excluded with its reason, nothing clipped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from copro_scale import CoproError, read_responses
from copro_scale.responses.careless import careless_flags
from copro_scale.responses.codes import label_lookup, to_codes
from copro_scale.responses.ids import hash_ids
from copro_scale.responses.text import norm_text


def reasons(r):
    return dict(zip(r.exclusions["source_row"], r.exclusions["reason"]))


def test_each_bad_row_gets_its_reason_and_the_rest_are_kept(write, sim, inst):
    sim = sim.astype({i: "object" for i in inst.item_ids})
    sim.loc[0, "team"] = "  "
    sim.loc[1, "role"] = "astronaut"
    sim.loc[2, "form"] = "both"
    sim.loc[3, "vdm2"] = 7
    sim.loc[4, "vnd1"] = "Sort of"
    sim.loc[5, inst.item_ids] = None
    sim.loc[6, "vdm1"] = 0
    r = read_responses(write(sim))
    assert reasons(r) == {2: "missing_team", 3: "unknown_role", 4: "unknown_form",
                          5: "out_of_range", 6: "unknown_label", 7: "no_answers", 8: "out_of_range"}
    assert r.n_read == len(sim) == len(r.data) + len(r.exclusions)
    detail = dict(zip(r.exclusions["source_row"], r.exclusions["detail"]))
    assert "vdm2" in detail[5] and "7" in detail[5]
    assert "vnd1" in detail[6] and "Sort of" not in detail[6]  # answer text is not echoed
    assert r.accounting().startswith(f"rows read {len(sim)} = scored {len(sim) - 7} + excluded 7 (")


def test_out_of_range_is_never_clipped(write, sim, inst):
    sim = sim.astype({"vdm1": "object"})
    sim.loc[0, "vdm1"] = 6
    sim.loc[1, "vdm1"] = 4.5
    r = read_responses(write(sim))
    assert reasons(r) == {2: "out_of_range", 3: "out_of_range"}
    assert not r.data["response_id"].isin(sim.loc[:1, "response_id"]).any()


def test_duplicate_id_keeps_the_last_complete_one(write, sim, inst):
    dup = pd.concat([sim, sim.iloc[[0]], sim.iloc[[0]]], ignore_index=True)
    last = len(dup) + 1  # spreadsheet row of the last copy
    dup.loc[len(dup) - 1, "team"] = None  # the very last copy is incomplete
    r = read_responses(write(dup))
    got = reasons(r)
    assert got == {2: "duplicate_id", last: "missing_team"}
    assert "row " + str(last - 1) in r.exclusions.set_index("source_row").loc[2, "detail"]
    assert r.data["response_id"].is_unique


def test_dont_know_is_missing_on_the_colleague_form_only(write, sim, inst):
    col = sim.index[sim["form"] == "colleague"][0]
    psw = sim.index[sim["form"] == "psw"][0]
    sim.loc[col, "vdm1"] = inst.dont_know.code
    sim.loc[psw, "vdm1"] = inst.dont_know.code
    r = read_responses(write(sim))
    assert reasons(r) == {psw + 2: "out_of_range"}
    kept = r.data.set_index("response_id")
    assert pd.isna(kept.loc[sim.loc[col, "response_id"], "vdm1"])


def test_labels_tolerate_case_space_curly_quotes_and_numbered_forms(inst):
    lk = label_lookup(inst)
    raw = pd.Series(["STRONGLY AGREE", "  disagree ", "Don\u2019t know / haven\u2019t seen",
                     "1 - Strongly disagree", "4. Agree", "Agree (4)", "3.0", "2,0", None, "Agreed"])
    got = to_codes(raw, lk)
    assert got[:8].tolist()[:2] == [5.0, 2.0]
    assert np.isnan(got[2]) and np.isnan(got[8])
    assert got[3:8].tolist() == [1.0, 4.0, 4.0, 3.0, 2.0]
    assert got[9] < 0  # unknown label


def test_roles_and_forms_as_labels_and_form_derived_from_role(write, sim, inst):
    sim["role"] = sim["role"].map(dict(inst.roles)).str.upper()
    sim = sim.drop(columns="form")
    r = read_responses(write(sim))
    assert len(r.exclusions) == 0
    assert set(r.data["role"]) <= set(inst.roles)
    assert (r.data["form"] == r.data["role"].map(inst.form_for_role)).all()


def test_role_that_does_not_answer_the_form(write, sim):
    i = sim.index[sim["form"] == "colleague"][0]
    sim.loc[i, "role"] = "psw"
    r = read_responses(write(sim))
    assert reasons(r) == {i + 2: "unknown_role"}


def test_wrong_instrument_is_one_error_naming_the_column(write, sim):
    p = write(sim.drop(columns=["vdm1", "vdm2"]))
    with pytest.raises(CoproError) as e:
        read_responses(p, format="canonical")
    assert "vdm1" in str(e.value) and "r.csv" in str(e.value)


def test_ids_hash_is_salted_and_sequence_hides_them(write, sim):
    p = write(sim)
    a = read_responses(p, ids="hash", salt="s1").data["response_id"]
    b = read_responses(p, ids="hash", salt="s2").data["response_id"]
    assert a.is_unique and not (a == b).any()
    assert not a.isin(sim["response_id"]).any()
    seq = read_responses(p, ids="sequence").data["response_id"]
    assert seq.tolist() == [f"r{k}" for k in range(1, len(sim) + 1)]
    assert hash_ids(pd.Series(["x"]), "s1").iloc[0] == hash_ids(pd.Series(["x"]), "s1").iloc[0]


def test_flags_mark_and_drop_flagged_excludes(write, sim, inst):
    sim.loc[0, inst.item_ids] = 4  # same code on forward and reverse items
    sim["duration_s"] = 600.0
    sim.loc[1, "duration_s"] = 30.0
    p = write(sim)
    r = read_responses(p)
    assert len(r.exclusions) == 0
    f = r.flags.set_index(r.data["response_id"])
    assert f.loc[sim.loc[0, "response_id"], "straightline"] and f.loc[sim.loc[0, "response_id"], "longstring"]
    assert f.loc[sim.loc[1, "response_id"], "speeder"]
    assert f["straightline"].sum() == 1 and f["speeder"].sum() == 1
    d = read_responses(p, drop_flagged=True)
    assert reasons(d) == {2: "flagged", 3: "flagged"}
    assert "straightline" in d.exclusions["detail"].iloc[0]


def test_longstring_counts_runs_in_item_order(inst):
    v = np.tile([1.0, 2.0], 18)[None, :].repeat(2, axis=0)
    v[1, :18] = 3.0  # a run of 18 = half the items
    f = careless_flags(v, inst)
    assert f["longstring"].tolist() == [False, True]
    assert not f["straightline"].any()


def test_norm_text_collapses_space_and_case():
    assert norm_text("  Neither\tAgree  nor disagree ") == "neither agree nor disagree"


def test_dataframe_input_and_canonical_dtypes(sim, inst):
    r = read_responses(sim)
    assert list(r.data.columns[:5]) == ["response_id", "team", "role", "form", "months_in_role"]
    assert all(str(r.data[i].dtype) == "Int8" for i in inst.item_ids)
    assert str(r.data["months_in_role"].dtype) == "Int64"
    assert list(r.exclusions.columns) == ["source_row", "response_id", "reason", "detail"]


def test_hash_ids_is_the_keyed_siphash_in_hex():
    import hashlib

    ids = pd.Series(["R_1", "R_2", None])
    got = hash_ids(ids, "salt")
    key = hashlib.sha256(b"salt").hexdigest()[:16]
    want = pd.util.hash_pandas_object(pd.Series(["R_1", "R_2"], dtype="string"), index=False,
                                      hash_key=key)
    assert got.iloc[:2].tolist() == [f"{v:016x}" for v in want]
    assert pd.isna(got.iloc[2])
