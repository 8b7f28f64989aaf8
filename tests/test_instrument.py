"""The instrument file: schema, content rules, readability, and the instrument commands."""

from __future__ import annotations

import json
import re
import statistics

import pytest
import textstat
import yaml

from copro_scale import CoproError, load_instrument
from copro_scale.cli import main
from copro_scale.instrument import (
    CELLS,
    CONSTRUCTS,
    FACES,
    FORMS,
    ID_PATTERN,
    MIN_RESPONSES_FLOOR,
    THRESHOLD_PLACEHOLDER,
    TYPES,
    check_instrument,
    default_instrument_path,
)
from copro_scale.instrument.schema import schema_path

INST = load_instrument()
NEGATIONS = re.compile(r"\b(not|never|no|n't|cannot|nobody|nothing)\b", re.I)


def test_default_instrument_loads_with_metadata():
    assert INST.name == "pcp-psw" and INST.version == "1.0.0"
    assert "Chauhan" in INST.citation and "padm" in INST.citation
    assert INST.licence and INST.recall_period == "in the past 3 months"
    assert [(p.code) for p in INST.scale] == [1, 2, 3, 4, 5]
    assert INST.labels()[1] == "Strongly disagree" and INST.labels()[5] == "Strongly agree"
    assert INST.dont_know.code not in INST.codes
    assert INST.forms["colleague"].dont_know and not INST.forms["psw"].dont_know
    assert set(INST.roles) == {"psw", "clinical", "manager", "nonprofessional", "volunteer"}
    assert INST.form_for_role("psw") == "psw" and INST.form_for_role("clinical") == "colleague"


@pytest.mark.parametrize("construct,face", CELLS)
def test_every_cell_has_four_items_and_a_reverse_keyed_one(construct, face):
    items = INST.cell_items(construct, face)
    assert len(items) >= 4
    assert any(it.reverse for it in items)


def test_items_are_parallel_and_well_formed():
    ids = INST.item_ids
    assert len(ids) == len(set(ids)) >= 36
    for it in INST.items:
        assert it.construct in CONSTRUCTS and it.face in FACES and it.basis
        psw, col = it.text("psw"), it.text("colleague")
        assert len(psw.split()) <= 20 and len(col.split()) <= 20, it.id
        # parallel forms: the PSW form speaks in the first person, the colleague form about PSWs
        assert re.search(r"\b(I|[Mm]y|me)\b", psw), it.id
        assert "peer support workers in this team" in col.lower(), it.id


def test_reverse_keyed_items_describe_practices_not_negations():
    for it in INST.items:
        if it.reverse:
            for form in FORMS:
                assert not NEGATIONS.search(it.text(form)), (it.id, it.text(form))


@pytest.mark.parametrize("form", FORMS)
def test_readability(form):
    """Flesch-Kincaid grade: form mean <= 8 and every item <= 10 (textstat 0.7.3, pyphen)."""
    grades = {it.id: textstat.flesch_kincaid_grade(it.text(form)) for it in INST.items}
    worst = max(grades, key=grades.get)
    assert grades[worst] <= 10, (worst, grades[worst])
    assert statistics.mean(grades.values()) <= 8


def test_prototypes_are_data_and_follow_the_construct_map():
    p = INST.prototypes
    assert set(p) == {"neutralized", "enhanced", "tokenistic"}
    # enhanced: high on all faces, ideological highest
    assert min(p["enhanced"].values()) >= 3.5
    assert p["enhanced"]["ideological"] == max(p["enhanced"].values())
    # neutralized: non-decision-making clearly the lowest face
    assert p["neutralized"]["non_decision_making"] < min(
        p["neutralized"]["decision_making"], p["neutralized"]["ideological"]) - 0.5
    # tokenistic: decision-making and ideological clearly low
    assert max(p["tokenistic"]["decision_making"], p["tokenistic"]["ideological"]) < 2.5
    assert 0.5 <= INST.min_probability <= 1 and INST.max_distance > 0


# -- broken instruments --------------------------------------------------------------------
def _drop_cell(d):
    d["items"] = [it for it in d["items"] if not (it["construct"] == "voice" and it["face"] == "ideological")]


def _duplicate_id(d):
    d["items"][1]["id"] = d["items"][0]["id"]


def _unknown_face(d):
    d["items"][0]["face"] = "hidden"


def _bad_scale(d):
    d["scale"]["points"] = d["scale"]["points"][:4]


def _empty_text(d):
    d["items"][2]["text"]["colleague"] = "   "


def _no_reverse(d):
    for it in d["items"]:
        if it["construct"] == "identity" and it["face"] == "decision_making":
            it["reverse"] = False


def _bad_prototype(d):
    d["prototypes"]["enhanced"]["ideological"] = 7


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (_drop_cell, "cell voice.ideological has 0 items"),
        (_duplicate_id, "item 'vdm1', field 'id': duplicate id"),
        (_unknown_face, "item 'vdm1', field 'face': unknown face 'hidden'"),
        (_bad_scale, "field 'scale.points': must be five fully labelled points"),
        (_empty_text, "item 'vdm3', field 'text.colleague': is empty"),
        (_no_reverse, "cell identity.decision_making has no reverse-keyed item"),
        (_bad_prototype, "field 'prototypes.enhanced.ideological': must be a number from 1 to 5"),
    ],
)
def test_broken_instruments_are_rejected_by_check(instrument_file, capsys, mutate, expected):
    path = instrument_file(mutate)
    errors = [str(e) for e in check_instrument(path)]
    assert any(expected in e for e in errors), errors
    assert all(e.startswith(str(path)) for e in errors)
    assert main(["instrument", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    with pytest.raises(CoproError):
        load_instrument(path)


def _missing_title(d):
    del d["title"]


def _unknown_prototype(d):
    d["prototypes"]["mixed"] = {"decision_making": 3, "non_decision_making": 3, "ideological": 3}


def _threshold_true(d):
    d["privacy"]["min_responses"] = True


def _long_item(d):
    d["items"][0]["text"]["psw"] = " ".join(["word"] * 21)


def _role_on_two_forms(d):
    d["forms"]["colleague"]["roles"].append("psw")


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (_missing_title, "field 'title': is missing"),
        (_unknown_prototype, "field 'prototypes.mixed': is not known here"),
        (_threshold_true, "field 'privacy.min_responses': must be a whole number of at least 3"),
        (_long_item, "item 'vdm1', field 'text.psw': has 21 words; at most 20"),
        (_role_on_two_forms, "field 'forms.roles': role 'psw' must belong to exactly one form"),
    ],
)
def test_schema_and_cross_field_problems_are_one_line_each(instrument_file, mutate, expected):
    errors = [str(e) for e in check_instrument(instrument_file(mutate))]
    assert any(expected in e for e in errors), errors
    assert all("\n" not in e for e in errors)


def test_the_shipped_json_schema_validates_the_packaged_instrument_on_its_own():
    """What an editor or another tool does with the schema file: no copro code involved."""
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    doc = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []
    doc["items"][0]["reverse"] = "yes"
    assert [e.validator for e in Draft202012Validator(schema).iter_errors(doc)] == ["type"]


def test_the_schema_states_the_models_vocabulary():
    """The schema file and the code name the same constructs, faces, types, forms and rules."""
    s = json.loads(schema_path().read_text(encoding="utf-8"))
    item = s["$defs"]["item"]["properties"]
    assert tuple(item["construct"]["enum"]) == CONSTRUCTS
    assert tuple(item["face"]["enum"]) == FACES
    assert item["id"]["pattern"] == ID_PATTERN.pattern
    assert tuple(s["properties"]["prototypes"]["required"]) == TYPES
    assert tuple(s["properties"]["forms"]["required"]) == FORMS
    assert s["properties"]["privacy"]["properties"]["min_responses"]["minimum"] == MIN_RESPONSES_FLOOR
    assert THRESHOLD_PLACEHOLDER.replace("{", "\\{").replace("}", "\\}") == \
        s["$defs"]["form"]["properties"]["instructions"]["pattern"]


def test_not_yaml_and_missing_file_are_one_line_errors(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("items: [unclosed\n", encoding="utf-8")
    assert main(["instrument", "check", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.yaml" in err and "invalid YAML" in err
    assert main(["instrument", "check", str(tmp_path / "absent.yaml")]) == 2
    assert "not found" in capsys.readouterr().err


def test_check_accepts_the_default(capsys):
    assert main(["instrument", "check", str(default_instrument_path())]) == 0
    assert "ok" in capsys.readouterr().out


def test_show_prints_every_item(capsys):
    assert main(["instrument", "show", "--form", "colleague"]) == 0
    out = capsys.readouterr().out
    for it in INST.items:
        assert it.text("colleague") in out
    assert "Don't know / haven't seen" in out


def test_json_export_has_every_item_per_form(capsys):
    assert main(["instrument", "export", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == INST.version
    rows = {(r["form"], r["id"]): r for r in data["items"]}
    assert len(rows) == 2 * len(INST.items)
    r = rows[("colleague", "vdm4")]
    assert r["construct"] == "voice" and r["face"] == "decision_making" and r["reverse"] is True
    assert r["text"] == INST.item("vdm4").text("colleague")
    assert [s["code"] for s in data["scale"]] == [1, 2, 3, 4, 5]
