"""Real export files from public projects (tests/fixtures/real/README.md): their answer columns
mapped onto item ids, every other column kept, read through detection as a user's file is."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from copro_scale import read_responses
from copro_scale.errors import CoproError

REAL = Path(__file__).parents[1] / "fixtures" / "real"


def as_export(tmp_path, name, items, *, header_row=0, add=None, heading=None):
    """The file with columns ``items`` (source -> item id) renamed, the instrument's other items
    added unanswered after the last of them (headed ``heading(item id)``, default the id), and
    ``add`` (column -> value) after the first column. ``header_row`` is the header row holding
    the names (Qualtrics legacy: 0)."""
    from copro_scale import load_instrument

    ids = [(heading or str)(i) for i in load_instrument().item_ids]
    rows = list(csv.reader(io.StringIO((REAL / name).read_text("utf-8-sig"), newline="")))
    n_header = 3 if name == "qualtrics_qualtRics_sample.csv" else 2 if "legacy" in name else 1
    head = rows[header_row]
    last = max(head.index(src) for src in items)
    others = [i for i in ids if i not in items.values()]
    out = []
    for k, row in enumerate(rows):
        if not row:  # a blank line stays blank
            out.append(row)
            continue
        row = list(row) + [""] * (len(head) - len(row))
        if k == header_row:
            row = [items.get(c, c) for c in row]
            row = row[:last + 1] + others + row[last + 1:]
            row = row[:1] + list(add or {}) + row[1:]
        else:
            row = row[:last + 1] + [""] * len(others) + row[last + 1:]
            row = row[:1] + [(v if k >= n_header else "") for v in (add or {}).values()] + row[1:]
        out.append(row)
    p = tmp_path / name
    with open(p, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(out)
    return p


def test_redcapr_simple_project_completion_is_read_for_the_items_form(tmp_path, inst):
    p = as_export(tmp_path, "redcap_REDCapR_simple_data.csv", {"ethnicity": "vdm1"},
                  add={"team": "Mouse Ward", "role": "psw"})
    r = read_responses(p, inst)
    assert r.format == "redcap" and r.n_read == 5
    # record 2: race_and_ethnicity_complete = 0; record 3: ethnicity 0 is no code of the scale.
    # health_complete = 0 (records 2 and 5) is another instrument's and decides nothing.
    assert dict(zip(r.exclusions["source_row"], r.exclusions["reason"])) == {
        3: "unfinished", 4: "out_of_range"}
    assert r.data["vdm1"].tolist() == [1, 1, 2]
    text = r.data.astype(str).to_csv() + r.exclusions.astype(str).to_csv()
    assert "Nutmouse" not in text and "mouse.com" not in text and "Rose Cottage" not in text


def test_redcapr_survey_project_unfinished_morale_questionnaire(tmp_path, inst):
    p = as_export(tmp_path, "redcap_REDCapR_survey_data.csv",
                  {f"pmq{k}": f"vdm{k}" for k in range(1, 5)},
                  add={"team": "Survey Ward", "role": "psw"})
    r = read_responses(p, inst)
    assert r.format == "redcap" and r.n_read == 2
    # prescreening_survey_complete = 2, but the morale questionnaire holding the items is 0
    assert r.exclusions["reason"].tolist() == ["unfinished", "unfinished"]
    assert "bbb.com" not in r.exclusions.astype(str).to_csv()


@pytest.mark.parametrize("name, header_row", [("qualtrics_qualtRics_sample.csv", 0),
                                              ("qualtrics_qualtRics_sample_legacy.csv", 0)])
def test_qualtrics_samples_read_with_identifying_columns_dropped(tmp_path, inst, name, header_row):
    p = as_export(tmp_path, name, {"Q1": "vdm1", "Q2": "team"}, header_row=header_row,
                  add={"role": "psw"})
    r = read_responses(p, inst)
    assert r.format == "qualtrics" and r.n_read == 1
    assert r.exclusions.empty
    assert r.data.loc[0, "vdm1"] == 2 and r.data.loc[0, "team"] == "Hello World!"
    text = r.data.astype(str).to_csv()
    assert "130.92.34.66" not in text and "47.115" not in text


def test_limonaid_limesurvey_full_text_export(tmp_path, inst):
    """LimeSurvey's "R (data file)" export with full question text as headings: an array
    question's statements become items, "Date submitted" blank means unfinished, and the
    respondents' street addresses never reach an output."""
    traits = ["Openness", "Conscientiousness", "Extraversion", "Agreeableness",
              "Emotional Stability"]
    def heading(item_id):  # LimeSurvey's full-text heading of an array statement
        return f"Describe yourselves [{inst.item(item_id).text('psw')}]"

    items = {f"Describe yourselves [{t}]": heading(it.id) for t, it in zip(traits, inst.items)}
    p = as_export(tmp_path, "limesurvey_limonaid_survey_998192_R_data_file.csv", items,
                  add={"Which team do you work in?": "Plant Ward", "What is your role?":
                       "Peer support worker"}, heading=heading)
    r = read_responses(p, inst)
    assert r.format == "limesurvey" and r.n_read == 7
    assert dict(zip(r.exclusions["source_row"], r.exclusions["reason"])) == {
        2: "no_answers", **{row: "unfinished" for row in range(3, 8)}}
    kept = r.data.iloc[0]
    assert kept["response_id"] == "9" and kept["team"] == "Plant Ward" and kept["role"] == "psw"
    assert [kept[it.id] for it in inst.items[:5]] == [1, 2, 3, 3, 4]
    assert r.data["duration_s"].tolist() == [58.95]
    text = r.data.astype(str).to_csv() + r.exclusions.astype(str).to_csv()
    assert "4774" not in text and "gdgd" not in text


def _rows(name):
    return list(csv.DictReader(io.StringIO((REAL / name).read_text("utf-8-sig"), newline="")))


def test_redcapr_longitudinal_events_are_waves(tmp_path, inst):
    """Each event is a wave: --wave selects one; events without the morale questionnaire are
    not_this_form, never missing_team; the 0-4 coding is recoded by a mapping's labels."""
    p = as_export(tmp_path, "redcap_REDCapR_longitudinal_data.csv",
                  {f"pmq{k}": f"vdm{k}" for k in range(1, 5)},
                  add={"team": "Dialysis Ward", "role": "psw"})
    labels = {"labels": {str(k): k + 1 for k in range(5)}}
    with pytest.raises(CoproError, match="waves in column 'redcap_event_name'.*--wave"):
        read_responses(p, inst, mapping=labels)
    for wave in ("dose_1_arm_1", "visit_1_arm_1", "first_visit_arm_2"):
        r = read_responses(p, inst, mapping=labels, wave=wave)
        expected, scored = {}, []
        for k, row in enumerate(_rows("redcap_REDCapR_longitudinal_data.csv"), start=2):
            pmq = [row[f"pmq{j}"] for j in range(1, 5)]
            done = row["patient_morale_questionnaire_complete"]
            if not any(pmq) and not done:
                expected[k] = "not_this_form"
            elif row["redcap_event_name"] != wave:
                expected[k] = "other_wave"
            elif done == "0":
                expected[k] = "unfinished"
            else:
                scored.append([int(v) + 1 for v in pmq])
        assert dict(zip(r.exclusions["source_row"], r.exclusions["reason"])) == expected
        assert r.data[["vdm1", "vdm2", "vdm3", "vdm4"]].astype(int).values.tolist() == scored


def test_redcapr_repeat_instances_are_responses_of_their_own(tmp_path, inst):
    p = as_export(tmp_path, "redcap_REDCapR_repeating_instruments_data.csv",
                  {"bp_systolic": "vdm1"}, add={"team": "Clinic", "role": "psw"})
    r = read_responses(p, inst, mapping={"labels": {"110": 1, "111": 2, "112": 3, "114": 5}})
    # the two demographics rows hold another instrument; the four bp instances are kept
    assert dict(zip(r.exclusions["source_row"], r.exclusions["reason"])) == {
        2: "not_this_form", 6: "not_this_form"}
    assert r.data["response_id"].tolist() == ["1#1", "1#2", "1#3", "2#1"]
    assert r.data["vdm1"].tolist() == [1, 2, 3, 5]
    assert any("repeat instances" in w for w in r.warnings)


def test_redcap_id_is_record_id_not_the_first_column(tmp_path, sim, inst):
    src = sim.rename(columns={"response_id": "record_id"}).drop(columns="form")
    src.insert(0, "redcap_data_access_group", "north")
    src["psw_form_complete"] = 2
    p = tmp_path / "dag.csv"
    src.to_csv(p, index=False)
    r = read_responses(p, inst)
    assert r.exclusions.empty and r.data["response_id"].tolist() == sim["response_id"].tolist()
