"""Scores checked against a slow, obvious re-computation of the rules in the spec."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

from copro_scale import favourable, load_instrument, read_responses, score
from copro_scale.instrument import CONSTRUCTS, FACES, default_instrument_path
from copro_scale.responses.model import FLAG_COLUMNS
from copro_scale.scoring import keyed_items, score_columns, scores_long
from copro_scale.simulate import simulate


@pytest.fixture(scope="module")
def inst():
    return load_instrument()


@pytest.fixture(scope="module")
def responses():
    sim = simulate(4, 7, seed=9, missing_rate=0.25).responses
    return read_responses(sim)


def naive_scores(row, inst, min_answered_share=0.5):
    """Plain Python, one response at a time: the spec written out."""
    keyed = {}
    for it in inst.items:
        v = row[it.id]
        keyed[it.id] = None if pd.isna(v) else (6 - int(v) if it.reverse else int(v))

    def mean_rule(values, k):
        got = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
        return sum(got) / len(got) if got and len(got) >= math.ceil(min_answered_share * k) else float("nan")

    out = {}
    for c in CONSTRUCTS:
        for f in FACES:
            its = inst.cell_items(c, f)
            out[f"{c}.{f}"] = mean_rule([keyed[i.id] for i in its], len(its))
    for f in FACES:
        out[f] = mean_rule([out[f"{c}.{f}"] for c in CONSTRUCTS], 3)
    for c in CONSTRUCTS:
        out[c] = mean_rule([out[f"{c}.{f}"] for f in FACES], 3)
    out["overall"] = mean_rule([out[f"{c}.{f}"] for c in CONSTRUCTS for f in FACES], 9)
    return out


@pytest.mark.parametrize("min_answered_share", [0.25, 0.5, 1.0])
def test_scores_match_the_spec_written_out(responses, inst, min_answered_share):
    got = score(responses, min_answered_share=min_answered_share)
    want = pd.DataFrame([naive_scores(r, inst, min_answered_share) for _, r in responses.data.iterrows()])
    cols = score_columns(inst)
    np.testing.assert_allclose(got[cols].to_numpy(float), want[cols].to_numpy(float), equal_nan=True)
    if min_answered_share == 1.0:
        assert got[cols].isna().any().any()  # 25% missing: some cells fail the rule


def test_output_columns_and_order(responses, inst):
    got = score(responses)
    assert list(got.columns) == ["response_id", "team", "role", "form", *inst.cells, *FACES,
                                 *CONSTRUCTS, "overall", "n_answered", "acquiescence", "straightline",
                                 "longstring", "speeder"]
    assert (got["n_answered"] == responses.data[inst.item_ids].notna().sum(axis=1)).all()


def test_reverse_keyed_item_scores_six_minus_code(inst):
    rev = inst.reverse_ids[0]
    it = inst.item(rev)
    row = {i: pd.NA for i in inst.item_ids}
    row.update({x.id: 5 for x in inst.cell_items(it.construct, it.face)})
    df = pd.DataFrame([{"response_id": "a", "team": "T", "role": "psw", "form": "psw", **row}])
    r = read_responses(df)
    n_rev = sum(x.reverse for x in inst.cell_items(it.construct, it.face))
    n = len(inst.cell_items(it.construct, it.face))
    assert score(r)[it.cell].iloc[0] == pytest.approx((5 * (n - n_rev) + 1 * n_rev) / n)


def test_rescale_maps_1_to_0_and_5_to_100(responses, inst):
    a, b = score(responses), score(responses, rescale=True)
    cols = score_columns(inst)
    np.testing.assert_allclose(b[cols].to_numpy(float), (a[cols].to_numpy(float) - 1) * 25, equal_nan=True)


def test_min_answered_share_must_be_a_share(responses):
    with pytest.raises(ValueError):
        score(responses, min_answered_share=0)


def _reverse_ids_from_the_file():
    """The reverse-keyed item ids read straight from the YAML, not through the Instrument."""
    doc = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    return {item["id"] for item in doc["items"] if item["reverse"]}


def _random_answers(inst, n=60, seed=5):
    """Codes 1-5 with a quarter blank, by a generator that knows nothing of keying or types."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(1, 6, size=(n, len(inst.item_ids))).astype(float)
    codes[rng.random(codes.shape) < 0.25] = np.nan
    meta = pd.DataFrame({"response_id": [f"x{i}" for i in range(n)],
                         "team": [f"T{i % 3}" for i in range(n)],
                         "role": "clinical", "form": "colleague"})
    items = pd.DataFrame(codes, columns=inst.item_ids).astype("Int8")
    return read_responses(pd.concat([meta, items], axis=1))


def test_the_instrument_file_has_ten_reverse_keyed_items(inst):
    assert _reverse_ids_from_the_file() == set(inst.reverse_ids)
    assert len(_reverse_ids_from_the_file()) == 10


def test_keyed_items_are_six_minus_code_exactly_where_the_file_says_reverse(inst):
    r = _random_answers(inst)
    keyed = keyed_items(r)
    rev = _reverse_ids_from_the_file()
    for item in inst.item_ids:
        for raw, got in zip(r.data[item], keyed[item]):
            if pd.isna(raw):
                assert math.isnan(got)
            else:
                assert got == (6 - int(raw) if item in rev else int(raw)), item


def test_all_ones_are_favourable_only_on_reverse_keyed_items(inst):
    """Hand-computed: a respondent who strongly disagrees with everything agrees, after keying,
    with exactly the 10 negative practices."""
    row = {"response_id": "a", "team": "T", "role": "psw", "form": "psw",
           **{i: 1 for i in inst.item_ids}}
    fav = favourable(read_responses(pd.DataFrame([row]).astype({i: "Int8" for i in inst.item_ids})))
    rev = _reverse_ids_from_the_file()
    assert {i: fav.loc["T", i] for i in inst.item_ids} == {i: 100.0 if i in rev else 0.0
                                                          for i in inst.item_ids}
    # a cell holding one reverse item of four: 25 % favourable
    assert fav.loc["T", "voice.decision_making"] == 25.0


def test_favourable_matches_a_count_by_hand(inst):
    r = _random_answers(inst)
    fav = favourable(r, by="team")
    rev = _reverse_ids_from_the_file()
    for team, rows in r.data.groupby("team"):
        def pct(items):
            answers = [(6 - int(v) if i in rev else int(v)) for i in items for v in rows[i]
                       if not pd.isna(v)]
            return 100 * sum(a >= 4 for a in answers) / len(answers)
        for item in inst.item_ids:
            assert fav.loc[team, item] == pytest.approx(pct([item])), (team, item)
        for cell in inst.cells:
            members = [i.id for i in inst.cell_items(*cell.split("."))]
            assert fav.loc[team, cell] == pytest.approx(pct(members)), (team, cell)
        assert fav.loc[team, "n"] == len(rows)
    pooled = favourable(r, by=None)
    assert len(pooled) == 1 and pooled["n"].iloc[0] == len(r.data)


def test_long_form_has_one_row_per_response_and_score(responses, inst):
    s = score(responses)
    long = scores_long(s)
    assert list(long.columns) == ["response_id", "team", "role", "form", "score", "value"]
    assert list(long.index) == list(range(len(long)))
    assert len(long) == len(s) * len(score_columns(inst))
    back = long.pivot(index="response_id", columns="score", values="value")
    np.testing.assert_allclose(back.loc[s["response_id"], "overall"].to_numpy(float),
                               s["overall"].to_numpy(float))


def test_score_accepts_a_canonical_dataframe_with_its_instrument(inst):
    sim = simulate(2, 4, seed=3).responses
    assert score(sim, instrument=inst)["overall"].notna().all()


def test_a_bare_dataframe_needs_its_instrument(responses, inst):
    """score(df) never falls back silently to the packaged instrument."""
    with pytest.raises(TypeError, match="instrument="):
        score(responses.data)
    got = score(responses.data, instrument=inst)
    pd.testing.assert_frame_equal(got.drop(columns=list(FLAG_COLUMNS)),
                                  score(responses).drop(columns=list(FLAG_COLUMNS)))


def test_keying_of_a_bare_dataframe_keeps_its_rows(inst):
    """keyed_items and favourable on a canonical table with instrument= and a row index that
    is not 0..n-1: the same numbers as through Responses, on the same rows."""
    r = _random_answers(inst, n=12)
    table = r.data.set_axis(range(100, 112))
    keyed = keyed_items(table, instrument=inst)
    assert list(keyed.index) == list(range(100, 112))
    np.testing.assert_array_equal(keyed[inst.item_ids].to_numpy(float),
                                  keyed_items(r)[inst.item_ids].to_numpy(float))
    pd.testing.assert_frame_equal(favourable(table, instrument=inst), favourable(r))


def test_favourable_groups_in_sorted_order(inst):
    r = _random_answers(inst, n=9)
    data = r.data.assign(team=["Zeta", "Alpha", "Mid"] * 3)
    assert list(favourable(data, instrument=inst).index) == ["Alpha", "Mid", "Zeta"]


def test_favourable_withholds_what_rests_on_too_few_answers(inst):
    """Hand count: 3 answers are needed; vdm1 has 2 in team A, so vdm1 and its cell are withheld
    there, while a cell whose items all have 3 answers is shown."""
    rows = []
    for i in range(3):
        answers = {item: 5 for item in inst.item_ids}
        if i == 0:
            answers["vdm1"] = pd.NA
        rows.append({"response_id": f"a{i}", "team": "A", "role": "psw", "form": "psw", **answers})
    for i in range(3):
        rows.append({"response_id": f"b{i}", "team": "B", "role": "psw", "form": "psw",
                     **{item: 5 for item in inst.item_ids}})
    fav = favourable(read_responses(pd.DataFrame(rows).astype({i: "Int8" for i in inst.item_ids})),
                     min_answered=3)
    rev = _reverse_ids_from_the_file()
    assert math.isnan(fav.loc["A", "vdm1"]) and math.isnan(fav.loc["A", "voice.decision_making"])
    assert fav.loc["B", "vdm1"] == 100.0
    assert fav.loc["B", "voice.decision_making"] == 75.0  # all 5s: the one reverse item is not
    vnd = [i.id for i in inst.cell_items("voice", "non_decision_making")]
    want = 100 * sum(i not in rev for i in vnd) / len(vnd)
    assert fav.loc["A", "voice.non_decision_making"] == fav.loc["B", "voice.non_decision_making"] == want


def test_one_answered_cell_is_a_face_score_at_a_quarter(inst):
    """min_answered_share 0.25: a face needs ceil(0.75) = 1 of its 3 cells, overall 3 of 9."""
    row = {"response_id": "a", "team": "T", "role": "psw", "form": "psw",
           **{i: pd.NA for i in inst.item_ids}}
    row.update({it.id: 4 for it in inst.cell_items("voice", "decision_making") if not it.reverse})
    r = read_responses(pd.DataFrame([row]).astype({i: "Int8" for i in inst.item_ids}))
    s = score(r, min_answered_share=0.25).iloc[0]
    assert s["voice.decision_making"] == 4.0
    assert s["decision_making"] == 4.0 and s["voice"] == 4.0
    assert math.isnan(s["overall"]) and math.isnan(s["ideological"])


def test_min_answered_share_above_one_is_refused(responses):
    with pytest.raises(ValueError):
        score(responses, min_answered_share=1.5)


def test_acquiescence_is_half_the_keyed_minus_reverse_keyed_gap_per_cell(inst):
    """Hand-computed: all 5s on every item (positively worded 5, reverse-keyed scored 1) is a
    gap of 4 in every cell with both kinds, so 2.0; a straight 3 is 0; only voice.ideological
    answered (2 keyed at 4, 2 reverse-keyed coded 2, scored 4) is 0."""
    rows = [{i: 5 for i in inst.item_ids}, {i: 3 for i in inst.item_ids},
            {i: (4 if not inst.item(i).reverse else 2) if i in
             [it.id for it in inst.cell_items("voice", "ideological")] else pd.NA
             for i in inst.item_ids}]
    frame = pd.DataFrame(rows).astype("Int8")
    frame.insert(0, "form", "psw")
    frame.insert(0, "role", "psw")
    frame.insert(0, "team", "A")
    frame.insert(0, "response_id", ["r1", "r2", "r3"])
    got = score(frame, instrument=inst)["acquiescence"].tolist()
    assert got == [2.0, 0.0, 0.0]
    one_sided = frame.iloc[[0]].copy()
    one_sided[inst.reverse_ids] = pd.NA
    assert np.isnan(score(one_sided, instrument=inst)["acquiescence"].iloc[0])


def _bare(inst, answers: list[dict], dtype=None) -> pd.DataFrame:
    """A canonical table (no Responses) of ``answers`` (item id -> code), one team, PSW form."""
    items = pd.DataFrame([{i: a.get(i, pd.NA) for i in inst.item_ids} for a in answers],
                         columns=inst.item_ids)
    if dtype is not None:
        items = items.astype(dtype)
    meta = pd.DataFrame({"response_id": [f"r{k}" for k in range(len(answers))], "team": "A",
                         "role": "psw", "form": "psw"})
    return pd.concat([meta, items], axis=1)


def test_keying_reads_object_columns_holding_pd_na_as_missing(inst):
    """Hand values: code 2 keys to 2, or to 6 - 2 = 4 on a reverse-keyed item; pd.NA in a plain
    object column is NaN; every item column comes out as float."""
    rev = min(_reverse_ids_from_the_file())
    plain = next(i for i in inst.item_ids if i not in _reverse_ids_from_the_file())
    table = _bare(inst, [{rev: 2, plain: 2}, {rev: pd.NA, plain: 5}], dtype=object)
    keyed = keyed_items(table, instrument=inst)
    assert keyed[rev].tolist()[0] == 4.0 and math.isnan(keyed[rev].tolist()[1])
    assert keyed[plain].tolist() == [2.0, 5.0]
    assert (keyed[inst.item_ids].dtypes == "float64").all()
    assert favourable(table, instrument=inst).loc["A", rev] == 100.0  # 4 of 5: favourable


def test_complete_answers_key_to_float_columns(inst):
    table = _bare(inst, [{i: 3 for i in inst.item_ids}] * 2, dtype="Int8")
    keyed = keyed_items(table, instrument=inst)
    assert (keyed[inst.item_ids].dtypes == "float64").all()
    assert (keyed[inst.item_ids] == 3.0).all().all()


def test_no_responses_key_and_score_to_no_rows(inst):
    table = _bare(inst, [{i: 3 for i in inst.item_ids}], dtype="Int8").iloc[:0]
    keyed = keyed_items(table, instrument=inst)
    assert keyed.shape == (0, 4 + 36) and (keyed[inst.item_ids].dtypes == "float64").all()
    assert score(table, instrument=inst).shape == (0, 25)


def test_scoring_missing_answers_raises_no_numpy_warning(inst):
    """A cell, face or group with nothing answered is NaN, silently (0 / 0 is not shown to the
    user as a RuntimeWarning)."""
    table = _bare(inst, [{"vdm1": 4}, {}, {i: 2 for i in inst.item_ids}], dtype="Int8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = score(table, instrument=inst)
        fav = favourable(table, instrument=inst, by="response_id", min_answered=1)
    assert math.isnan(s.loc[1, "overall"]) and s.loc[2, "overall"] == pytest.approx(
        (2 * 26 + 4 * 10) / 36)
    assert math.isnan(fav.loc["r1", "vdm1"]) and math.isnan(fav.loc["r1", "voice.ideological"])


def test_favourable_at_min_answered_zero_shows_a_cell_on_one_answer(inst):
    """min_answered=0: a cell is shown once one of its items is answered (hand: one answer of
    5 on a positively worded item of voice.decision_making is 100 % favourable)."""
    item = next(it.id for it in inst.cell_items("voice", "decision_making") if not it.reverse)
    fav = favourable(_bare(inst, [{item: 5}], dtype="Int8"), instrument=inst, min_answered=0)
    assert fav.loc["A", "voice.decision_making"] == 100.0
    assert math.isnan(fav.loc["A", "voice.ideological"])


def test_acquiescence_uses_only_cells_with_both_kinds_answered(inst):
    """Hand-computed: voice.decision_making all 5 (three positively worded at 5, one reverse
    keyed to 1: gap 4); voice.ideological one positively worded 4 and two reverse coded 4
    (keyed 2: gap 2); voice.non_decision_making with its positively worded items only and
    experience.decision_making with its reverse item only have no gap. (4 + 2) / 2 / 2 = 1.5."""
    answers = {"vdm1": 5, "vdm2": 5, "vdm3": 5, "vdm4": 5, "vid1": 4, "vid3": 4, "vid4": 4,
               "vnd1": 5, "vnd2": 5, "vnd3": 5, "edm4": 1}
    assert all(inst.item(i).reverse == (i in ("vdm4", "vid3", "vid4", "edm4")) for i in answers)
    got = score(_bare(inst, [answers], dtype="Int8"), instrument=inst)["acquiescence"]
    assert got.tolist() == [1.5]


def test_rescaled_acquiescence_is_a_difference_on_0_to_100(inst):
    """Hand: all 5s is an acquiescence of 2.0 on 1-5; on 0-100 a difference scales by
    100 / 4 with no offset: 50.0; a straight 3 stays 0."""
    table = _bare(inst, [{i: 5 for i in inst.item_ids}, {i: 3 for i in inst.item_ids}],
                  dtype="Int8")
    assert score(table, instrument=inst, rescale=True)["acquiescence"].tolist() == [50.0, 0.0]


def test_n_answered_is_a_whole_count(inst):
    # written as 12, not 12.0, in copro score's CSV
    table = _bare(inst, [{i: 4 for i in inst.item_ids[:12]}], dtype="Int8")
    got = score(table, instrument=inst)["n_answered"]
    assert pd.api.types.is_integer_dtype(got) and got.tolist() == [12]


def test_score_carries_the_readers_careless_flags(inst):
    """Hand: 36 answers of 3 (every item, both keyings) is a straight line; a row alternating
    2 and 4 is none. A bare table has no flags: each is False, as booleans."""
    table = _bare(inst, [{i: 3 for i in inst.item_ids},
                         {i: 2 + 2 * (k % 2) for k, i in enumerate(inst.item_ids)}], dtype="Int8")
    flags = score(read_responses(table))[list(FLAG_COLUMNS)]
    assert flags["straightline"].tolist() == [True, False]
    bare = score(table, instrument=inst)[list(FLAG_COLUMNS)]
    assert (bare.dtypes == bool).all() and not bare.to_numpy().any()


def test_responses_with_another_instrument_are_refused(inst, responses):
    import dataclasses
    other = dataclasses.replace(inst, min_responses=7)
    with pytest.raises(ValueError, match="another instrument"):
        score(responses, instrument=other)
    pd.testing.assert_frame_equal(score(responses, instrument=responses.instrument),
                                  score(responses))
