"""copro instrument export --teams: the team is a choice of the listed teams in every format,
and what a platform exports for it reads back as the listed team. Every CSV export is
formula-safe, REDCap action tags excepted."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from copro_scale import load_instrument, read_responses
from copro_scale.administer import FORMATS, export_instrument
from copro_scale.simulate import simulate

@pytest.fixture()
def sim():
    return simulate(3, 6, seed=5, straightline_rate=0.0).responses.copy()


TEAMS = ["Psychosis Service", "Ward A", "=HYPERLINK(\"http://x\")"]
INSTRUMENT = Path(__file__).parents[2] / "instruments" / "pcp-psw-v1.yaml"


def test_every_format_offers_the_listed_teams(inst):
    for name in FORMATS:
        if name == "json":
            continue
        text = export_instrument(inst, name, teams=TEAMS[:2])
        assert "Psychosis Service" in text and "Ward A" in text, name


def test_platform_choice_questions(inst):
    dd = list(csv.DictReader(io.StringIO(export_instrument(inst, "redcap", teams=TEAMS[:2]))))
    team = next(r for r in dd if r["Variable / Field Name"] == "team")
    assert team["Field Type"] == "dropdown"
    assert team["Choices, Calculations, OR Slider Labels"] == "1, Psychosis Service | 2, Ward A"
    sj = json.loads(export_instrument(inst, "surveyjs", teams=TEAMS[:2]))
    q = next(e for p in sj["pages"] for e in p["elements"] if e["name"] == "team")
    assert q["type"] == "dropdown" and q["choices"] == TEAMS[:2]
    assert "[[Question:MC:Dropdown]]\n[[ID:team]]" in export_instrument(inst, "qualtrics", teams=TEAMS[:2])
    qsf = json.loads(export_instrument(inst, "qsf", teams=TEAMS[:2]))
    q = next(e for e in qsf["SurveyElements"] if e["Element"] == "SQ"
             and e["Payload"].get("DataExportTag") == "team")
    assert q["Payload"]["Selector"] == "DL"
    ls = export_instrument(inst, "limesurvey", teams=TEAMS[:2])
    assert "\tteam\t" in ls and "\tT1\t" in ls and "\tT2\t" in ls
    assert export_instrument(inst, "html", teams=TEAMS[:2]).count('name="psw-team"') == 2


@pytest.mark.parametrize("codes", [["1", "2", "2"], ["T1", "T2", "T2"]])
def test_exported_team_codes_read_back_with_the_team_list(tmp_path, sim, codes):
    fmt = "redcap" if codes[0] == "1" else "limesurvey"
    teams = tmp_path / "teams.csv"
    teams.write_text("team\nPsychosis Service\nWard A\n")
    src = sim.copy()
    src["team"] = [codes[k % 3] for k in range(len(src))]
    if fmt == "redcap":
        src = src.rename(columns={"response_id": "record_id"})
        src["psw_form_complete"] = 2
    else:
        src = src.rename(columns={"response_id": "id", "months_in_role": "months",
                                  **{i: f"voice[{i}]" for i in load_instrument().item_ids}})
        src.insert(1, "submitdate", "2026-01-01")
    p = tmp_path / "r.csv"
    src.drop(columns="form").to_csv(p, index=False)
    r = read_responses(p, teams=teams, team_codes=fmt == "redcap")
    assert r.format == fmt and r.exclusions.empty
    assert sorted(set(r.data["team"])) == ["Psychosis Service", "Ward A"]


def test_instrument_csv_exports_are_formula_safe_but_keep_action_tags(tmp_path):
    text = INSTRUMENT.read_text("utf-8")
    old = 'psw: "When I raise a concern, it changes what the team decides."'
    assert old in text
    p = tmp_path / "evil.yaml"
    p.write_text(text.replace(old, 'psw: \'=HYPERLINK("http://x","When I raise a concern")\''), "utf-8")
    inst = load_instrument(p)
    assert inst.items[0].text("psw").startswith("=HYPERLINK(")
    for name in ("redcap", "forms-sheet"):
        text = export_instrument(inst, name, teams=TEAMS)
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        assert any(c.startswith("'=HYPERLINK(") for c in cells), name
        assert not any(c[:1] in "=+-\t\r" for c in cells if c), name
        if name == "redcap":
            assert any(c.startswith("@DEFAULT") for c in cells)
            assert not any(c.startswith("@") for c in cells if not c.startswith("@DEFAULT"))
