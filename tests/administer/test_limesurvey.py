"""LimeSurvey TSV survey structure: encoding, columns, row classes and their order, codes."""

from __future__ import annotations

import csv
import io
import re

import pytest

from copro_scale.administer import export_instrument
from copro_scale.administer._layout import sections
from copro_scale.administer.limesurvey import ROLE_ANSWER_CODES

CLASSES = {"S", "SL", "G", "Q", "SQ", "A"}
QCODE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")  # question/subquestion codes (qcode roots)
ACODE = re.compile(r"^[A-Za-z0-9]{1,5}$")     # answer codes: at most 5 characters


@pytest.fixture
def rows(inst, form):
    text = export_instrument(inst, "limesurvey", form=form)
    assert text.startswith("\ufeff")
    data = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter="\t"))
    assert list(data[0]) [:9] == ["id", "related_id", "class", "type/scale", "name", "relevance",
                                  "text", "help", "language"]
    return data


def test_row_classes_and_their_order(rows):
    classes = [r["class"] for r in rows]
    assert set(classes) <= CLASSES
    first_g = classes.index("G")
    assert set(classes[:first_g]) <= {"S", "SL"} and "S" not in classes[first_g:]
    for prev, cur in zip(classes, classes[1:]):
        if cur == "Q":
            assert prev in {"G", "Q", "SQ", "A"}
        if cur in {"SQ", "A"}:
            assert prev in {"Q", "SQ", "A"}, "subquestions and answers follow their question"


def test_codes_follow_limesurveys_rules(rows):
    q_names = [r["name"] for r in rows if r["class"] == "Q"]
    assert len(set(q_names)) == len(q_names)
    assert all(QCODE.match(n) and len(n) <= 20 for n in q_names)
    assert all(QCODE.match(r["name"]) and len(r["name"]) <= 20 for r in rows if r["class"] == "SQ")
    assert all(ACODE.match(r["name"]) for r in rows if r["class"] == "A")
    ids = [r["id"] for r in rows if r["class"] in ("Q", "SQ")]
    assert len(set(ids)) == len(ids), "question and subquestion ids are unique"


def _questions(rows):
    out, q = {}, None
    for r in rows:
        if r["class"] == "Q":
            q = out[r["name"]] = {"type": r["type/scale"], "sq": [], "a": [], "id": r["id"]}
        elif r["class"] == "SQ":
            q["sq"].append((r["name"], r["text"]))
        elif r["class"] == "A":
            assert r["id"] == q["id"], "an answer row carries its question's id"
            q["a"].append((r["name"], r["relevance"], r["text"]))
    return out


def test_arrays_have_items_as_subquestions_and_codes_as_answers(rows, inst, form):
    qs = _questions(rows)
    codes = [p.code for p in inst.scale] + ([inst.dont_know.code] if form == "colleague" else [])
    for s in sections(inst):
        q = qs[s.key]
        assert q["type"] == "F"
        assert q["sq"] == [(it.id, it.text(form)) for it in s.items]
        assert [a[0] for a in q["a"]] == [str(c) for c in codes]
        assert [a[1] for a in q["a"]] == [str(c) for c in codes], "assessment value = code"
    assert [a[0] for a in qs["role"]["a"]] == [ROLE_ANSWER_CODES[r] for r in inst.forms[form].roles]
    assert qs["team"]["type"] == "S" and qs["months"]["type"] == "N"
    assert qs["info"]["type"] == "X" and "116 123" in next(
        r["text"] for r in rows if r["name"] == "support")


def test_role_answer_codes_are_distinct_and_cover_every_role(inst):
    assert set(ROLE_ANSWER_CODES) == set(inst.roles)
    assert len(set(ROLE_ANSWER_CODES.values())) == len(ROLE_ANSWER_CODES)
