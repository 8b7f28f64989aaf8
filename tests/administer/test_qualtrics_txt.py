"""Qualtrics Advanced Format TXT: tags, blocks, matrices, recodes and the export columns."""

from __future__ import annotations

import re

import pytest

from copro_scale.administer import export_instrument
from copro_scale.administer._layout import sections
from copro_scale.platforms.qualtrics import response_columns, role_recodes

# The tags of Qualtrics' Advanced Format, as documented.
KNOWN_TAG = re.compile(
    r"^\[\[(AdvancedFormat|PageBreak|Block(:.+)?|Question:(Matrix|DB|MC(:[A-Za-z]+)*|"
    r"TextEntry(:[A-Za-z]+)?)|ID:[A-Za-z0-9_]+|Choices|Answers|AdvancedChoices|"
    r"AdvancedAnswers|Choice(:\d+)?|Answer(:\d+)?|MultipleAnswer|ED:.+)\]\]$")


def parse(txt: str, make_fixtures) -> list[dict]:
    """Check every tag, then parse with the fixture maker's reader of the format."""
    unknown = [line for line in txt.splitlines() if line.startswith("[[") and not KNOWN_TAG.match(line)]
    assert unknown == []
    qs = make_fixtures.parse_qualtrics_txt(txt)
    for q in qs:
        q["text"] = [q["text"]]
    return qs


@pytest.fixture
def questions(inst, form, make_fixtures):
    txt = export_instrument(inst, "qualtrics", form=form)
    assert txt.splitlines()[0] == "[[AdvancedFormat]]"
    return parse(txt, make_fixtures)


def test_ids_are_unique_and_every_question_has_one(questions):
    ids = [q["id"] for q in questions]
    assert None not in ids and len(set(ids)) == len(ids)


def test_a_block_per_section_with_one_likert_matrix(questions, inst, form):
    matrices = [q for q in questions if q["type"] == "Matrix"]
    assert [q["id"] for q in matrices] == [s.key for s in sections(inst)]
    codes = [p.code for p in inst.scale] + ([inst.dont_know.code] if form == "colleague" else [])
    for q, s in zip(matrices, sections(inst)):
        assert q["block"] == f"{s.number}. {s.title}"
        assert [t for _, t in q["choices"]] == [it.text(form) for it in s.items]
        assert [n for n, _ in q["answers"]] == codes
        assert [t for _, t in q["answers"]][:5] == [p.label for p in inst.scale]
    assert len({q["block"] for q in matrices}) == len(matrices)


def test_export_columns_map_to_every_item_exactly_once(questions, inst):
    cols = response_columns(inst)
    assert sorted(cols.values()) == sorted(inst.item_ids)
    made = {f"{q['id']}_{n}" for q in questions if q["type"] == "Matrix" for n, _ in q["choices"]}
    assert made == set(cols)


def test_respondent_questions(questions, inst, form):
    by = {q["id"]: q for q in questions}
    assert by["team"]["type"].startswith("TextEntry")
    assert by["months_in_role"]["type"].startswith("TextEntry")
    rec = role_recodes(inst)
    assert [n for n, _ in by["role"]["choices"]] == [rec[r] for r in inst.forms[form].roles]
    assert [t for _, t in by["role"]["choices"]] == [inst.roles[r] for r in inst.forms[form].roles]
    assert "116 123" in " ".join(by["support"]["text"])
