"""Round trips: our export -> the platform's response export (fixture) -> reader -> same answers.

For every platform: (1) the fixture in tests/fixtures/roundtrip/ is what the platform exports
for our exported survey (rebuilt here from the current export; a changed id breaks this test);
(2) reading it gives the same canonical answers, and the same scores, as the canonical CSV of
the same answers; (3) the ids and codes the export defines are exactly the ones the reader maps.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from copro_scale import Responses, read_responses, score
from copro_scale.administer import export_instrument
from copro_scale.administer._layout import choices, sections
from copro_scale.platforms.limesurvey import ROLE_ANSWER_CODES
from copro_scale.responses.limesurvey import columns as limesurvey_columns

FIX = Path(__file__).parents[1] / "fixtures" / "roundtrip"

COMPARE = ["team", "role", "form", "months_in_role"]


@pytest.fixture(scope="module")
def built(inst, make_fixtures):
    return make_fixtures.build(inst)


@pytest.fixture(scope="module")
def canonical(inst, make_fixtures):
    return make_fixtures.canonical_answers(inst)


def test_committed_fixtures_are_what_the_current_exports_produce(built):
    on_disk = {p.name for p in FIX.iterdir() if p.name != "make_fixtures.py" and p.is_file()}
    assert on_disk == set(built)
    stale = [name for name, data in built.items() if not name.endswith(".xlsx")
             and (FIX / name).read_bytes() != data]
    stale += [name for name, data in built.items() if name.endswith(".xlsx") and not
              pd.read_excel(FIX / name, dtype=object).equals(pd.read_excel(io.BytesIO(data), dtype=object))]
    assert stale == [], "rerun tests/fixtures/roundtrip/make_fixtures.py"


def same_answers(got: pd.DataFrame, want: pd.DataFrame, inst) -> None:
    """Canonical columns equal, row by row (response ids aside)."""
    g = got.reset_index(drop=True)
    w = want.reset_index(drop=True)
    assert len(g) == len(w)
    pd.testing.assert_frame_equal(g[COMPARE].astype(str), w[COMPARE].astype(str))
    pd.testing.assert_frame_equal(g[inst.item_ids].astype("Int8"), w[inst.item_ids].astype("Int8"))


def same_scores(got: Responses, canonical_path: Path, inst) -> None:
    """score() of a platform export equals score() of the canonical CSV, response by response."""
    want = read_responses(canonical_path, instrument=inst)
    want_scores = score(want)
    got_scores = score(got)
    want_scores = want_scores[want_scores["form"].isin(set(got_scores["form"]))]
    cols = [c for c in got_scores.columns if c != "response_id"]
    assert len(got_scores) == len(want_scores) > 0
    pd.testing.assert_frame_equal(got_scores[cols].reset_index(drop=True),
                                  want_scores[cols].reset_index(drop=True), check_dtype=False)


# (file stem, --format, reader-specific options) of every platform fixture
PLATFORMS = [("limesurvey", "limesurvey"), ("surveyjs", "surveyjs"), ("redcap", "redcap"),
             ("qualtrics", "qualtrics"), ("qualtrics_qsf", "qualtrics"),
             ("ms_forms", "forms"), ("google_forms", "forms")]
SUFFIX = {"surveyjs": ".json", "ms_forms": ".xlsx"}


@pytest.mark.parametrize("form", ["psw", "colleague"])
@pytest.mark.parametrize("stem,fmt", PLATFORMS)
def test_platform_export_scores_like_the_canonical_csv(inst, canonical, stem, fmt, form):
    path = FIX / f"{stem}_{form}{SUFFIX.get(stem, '.csv')}"
    r = read_responses(path, instrument=inst, format=fmt)
    assert r.format == fmt
    same_answers(r.data, canonical[canonical["form"] == form], inst)
    same_scores(r, FIX / "canonical.csv", inst)
    assert read_responses(path, instrument=inst).format == fmt, "auto-detection finds it"


# -- LimeSurvey ------------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["psw", "colleague"])
def test_limesurvey_round_trip(inst, canonical, form):
    r = read_responses(FIX / f"limesurvey_{form}.csv", inst, format="limesurvey")
    same_answers(r.data, canonical[canonical["form"] == form], inst)
    assert r.exclusions["reason"].tolist() == ["unfinished"]
    assert r.n_read == len(r.data) + 1


@pytest.mark.parametrize("form", ["psw", "colleague"])
def test_limesurvey_ids_and_codes_are_the_readers(inst, form):
    rows = list(csv.DictReader(io.StringIO(export_instrument(inst, "limesurvey", form=form)
                                           .lstrip("\ufeff")), delimiter="\t"))
    q = None
    item_cols, answer_codes, role_codes, qnames = [], set(), set(), []
    for r in rows:
        if r["class"] == "Q":
            q = r
            qnames.append(r["name"])
        elif r["class"] == "SQ":
            item_cols.append(f"{q['name']}[{r['name']}]")
        elif r["class"] == "A":
            (role_codes if q["name"] == "role" else answer_codes).add(r["name"])
    mapped = limesurvey_columns(item_cols + qnames, inst)
    assert sorted(mapped[c] for c in item_cols) == sorted(inst.item_ids)
    assert {mapped[n] for n in qnames if n in mapped} == {"team", "role", "months_in_role"}
    assert answer_codes == {str(c) for c, _ in choices(inst, form)}
    assert role_codes == {ROLE_ANSWER_CODES[r] for r in inst.forms[form].roles}


# -- SurveyJS --------------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["psw", "colleague"])
def test_surveyjs_round_trip(inst, canonical, form):
    r = read_responses(FIX / f"surveyjs_{form}.json", inst, format="surveyjs")
    want = canonical[canonical["form"] == form]
    same_answers(r.data, want, inst)
    assert r.data["response_id"].tolist() == want["response_id"].tolist()
    assert len(r.exclusions) == 0


@pytest.mark.parametrize("form", ["psw", "colleague"])
def test_surveyjs_ids_and_codes_are_the_readers(inst, form, tmp_path):
    d = json.loads(export_instrument(inst, "surveyjs", form=form))
    matrices = [el for p in d["pages"] for el in p["elements"] if el["type"] == "matrix"]
    # one result answering every row of every matrix with every column value in turn
    rec = {"team": "T", "role": inst.forms[form].roles[0]}
    for m in matrices:
        values = [c["value"] for c in m["columns"]]
        rec[m["name"]] = {r["value"]: values[k % len(values)] for k, r in enumerate(m["rows"])}
    p = tmp_path / "one.json"
    p.write_text(json.dumps([rec]))
    r = read_responses(p, inst, format="surveyjs")
    assert len(r.data) == 1 and len(r.exclusions) == 0
    got = r.data.iloc[0]
    for m in matrices:
        for item, value in rec[m["name"]].items():
            want = pd.NA if value == inst.dont_know.code else value
            assert (pd.isna(got[item]) and pd.isna(want)) or got[item] == want
    assert sorted(r for m in matrices for r in rec[m["name"]]) == sorted(inst.item_ids)
    assert [s.key for s in sections(inst)] == [m["name"] for m in matrices]


def test_the_documented_walk_through_runs(tmp_path, capsys):
    """README, "Running the survey": export for LimeSurvey, then `copro score` the responses."""
    from copro_scale.cli import main

    assert main(["instrument", "export", "--format", "limesurvey", "--form", "psw",
                 "-o", str(tmp_path / "pcp-psw-psw.txt")]) == 0
    out, excl = tmp_path / "scores.csv", tmp_path / "excluded.csv"
    assert main(["score", str(FIX / "limesurvey_psw.csv"), "-o", str(out),
                 "--exclusions", str(excl)]) == 0
    err = capsys.readouterr().err
    assert "read as limesurvey" in err and "excluded 1 (unfinished: 1)" in err
    scores = pd.read_csv(out)
    assert len(scores) == 6 and set(scores["form"]) == {"psw"}
    assert pd.read_csv(excl)["reason"].tolist() == ["unfinished"]


def every_code_answers(canonical: pd.DataFrame, inst) -> pd.DataFrame:
    """The fixture's respondents, re-answered so that every item takes every code and blank."""
    out = canonical.copy()
    n, k = len(out), len(inst.item_ids)
    grid = [[(r + j) % 6 + 1 for j in range(k)] for r in range(n)]
    for j, item in enumerate(inst.item_ids):  # 6 stands for a blank
        out[item] = pd.array([None if g[j] == 6 else g[j] for g in grid], dtype="Int8")
    return out


WRITERS = [("redcap", "redcap_export", "redcap", ".csv"),
           ("qualtrics", "qualtrics_export", "qualtrics", ".csv"),
           ("qsf", "qualtrics_qsf_export", "qualtrics", ".csv"),
           ("limesurvey", "limesurvey_export", "limesurvey", ".csv"),
           ("surveyjs", "surveyjs_export", "surveyjs", ".json"),
           ("forms-sheet", "google_forms", "forms", ".csv")]


@pytest.mark.parametrize("form", ["psw", "colleague"])
@pytest.mark.parametrize("export_fmt,writer,fmt,suffix", WRITERS)
def test_every_id_and_code_the_export_defines_reads_back(inst, canonical, make_fixtures, tmp_path,
                                                         export_fmt, writer, fmt, suffix, form):
    """Each item x each answer code (1-5, 9 on the colleague form, blank) survives the trip."""
    answers = every_code_answers(canonical, inst)
    exported = export_instrument(inst, export_fmt, form=form)
    if writer == "google_forms":
        text = make_fixtures.forms_table(exported, answers, inst, form, google=True).to_csv(
            index=False)
    else:
        text = getattr(make_fixtures, writer)(exported, answers, inst, form)
    if writer == "limesurvey_export":  # its one unfinished row is tested elsewhere
        text = text.rsplit('\n"', 1)[0] + "\n"
    path = tmp_path / f"{export_fmt}{suffix}"
    path.write_text(text, encoding="utf-8")
    r = read_responses(path, instrument=inst, format=fmt)
    want = answers[answers["form"] == form]
    assert len(r.exclusions) == 0
    same_answers(r.data, want, inst)
    if form == "colleague":  # some blanks were written as don't-know (9) and read as missing
        assert make_fixtures._dk_mask(answers, inst).to_numpy().any()
