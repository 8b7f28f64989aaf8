"""REDCap data dictionary: column order, field-name rules, choice syntax, matrix groups."""

from __future__ import annotations

import csv
import io
import re

import pytest

from copro_scale.administer import export_instrument
from copro_scale.administer._layout import sections

# Typed from REDCap's data dictionary template (not imported from the module under test).
REDCAP_HEADER = [
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
    "Identifier?", "Branching Logic (Show field only if...)", "Required Field?",
    "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name", "Matrix Ranking?",
    "Field Annotation",
]
FIELD_TYPES = {"text", "notes", "dropdown", "radio", "checkbox", "yesno", "truefalse", "calc",
               "file", "slider", "descriptive", "sql"}
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def parse(text: str) -> tuple[list[str], list[dict[str, str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert all(len(r) == len(header) for r in body), "every row has the 18 cells"
    return header, [dict(zip(header, r)) for r in body]


def parse_choices(s: str) -> list[tuple[str, str]]:
    """REDCap's rule: options split on '|', code before the first comma."""
    out = []
    for part in s.split("|"):
        code, _, label = part.strip().partition(",")
        assert _ == ",", f"choice {part!r} has no comma"
        out.append((code.strip(), label.strip()))
    return out


@pytest.fixture
def dd(inst, form):
    return parse(export_instrument(inst, "redcap", form=form))


def test_columns_are_redcaps_18_in_order(dd):
    header, _ = dd
    assert header == REDCAP_HEADER


def test_record_id_first_and_names_follow_redcaps_rules(dd, form):
    _, rows = dd
    assert rows[0]["Variable / Field Name"] == "record_id" and rows[0]["Field Type"] == "text"
    names = [r["Variable / Field Name"] for r in rows]
    assert len(set(names)) == len(names)
    bad = [n for n in names if not NAME.match(n) or len(n) > 26]
    assert bad == []
    assert {r["Form Name"] for r in rows} == {f"{form}_form"}
    assert all(NAME.match(r["Form Name"]) for r in rows)
    assert {r["Field Type"] for r in rows} <= FIELD_TYPES
    groups = {r["Matrix Group Name"] for r in rows} - {""}
    assert all(NAME.match(g) for g in groups)


def test_items_are_radio_fields_whose_codes_are_the_scoring_codes(dd, inst, form):
    _, rows = dd
    items = [r for r in rows if r["Variable / Field Name"] in set(inst.item_ids)]
    assert [r["Variable / Field Name"] for r in items] == inst.item_ids
    expected = [(str(p.code), p.label) for p in inst.scale]
    if form == "colleague":
        expected.append((str(inst.dont_know.code), inst.dont_know.label))
    for r in items:
        assert r["Field Type"] == "radio"
        assert parse_choices(r["Choices, Calculations, OR Slider Labels"]) == expected
        assert r["Field Label"] == inst.item(r["Variable / Field Name"]).text(form)


def test_one_matrix_group_per_section_contiguous_with_its_header(dd, inst):
    _, rows = dd
    grouped = [r for r in rows if r["Matrix Group Name"]]
    order = [r["Matrix Group Name"] for r in grouped]
    runs = [g for i, g in enumerate(order) if i == 0 or order[i - 1] != g]
    assert runs == [s.key for s in sections(inst)]  # one contiguous run per section
    for s in sections(inst):
        members = [r for r in grouped if r["Matrix Group Name"] == s.key]
        assert [r["Variable / Field Name"] for r in members] == [it.id for it in s.items]
        assert len({r["Choices, Calculations, OR Slider Labels"] for r in members}) == 1
        assert s.title in members[0]["Section Header"]
        assert all(r["Section Header"] == "" for r in members[1:])


def test_information_support_team_and_role(dd, inst, form):
    _, rows = dd
    by = {r["Variable / Field Name"]: r for r in rows}
    assert by["participant_info"]["Field Type"] == "descriptive"
    assert "voluntary" in by["participant_info"]["Field Label"]
    assert "116 123" in by["support_info"]["Field Label"]
    assert by["team"]["Field Type"] == "text" and by["team"]["Required Field?"] == "y"
    assert by["role"]["Field Type"] == "radio"
    codes = [c for c, _ in parse_choices(by["role"]["Choices, Calculations, OR Slider Labels"])]
    assert codes == list(inst.forms[form].roles)
    assert by["months_in_role"]["Text Validation Type OR Show Slider Number"] == "integer"


def test_every_raw_choice_code_follows_redcaps_rule(dd):
    """Raw coded values: lower-case letters, digits and underscores."""
    _, rows = dd
    codes = [c for r in rows if r["Field Type"] in ("radio", "dropdown", "checkbox")
             for c, _ in parse_choices(r["Choices, Calculations, OR Slider Labels"])]
    assert codes and all(re.fullmatch(r"[a-z0-9_]+", c) for c in codes)
