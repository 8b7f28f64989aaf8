"""The forms build sheet and the Markdown rendering."""

from __future__ import annotations

import csv
import io
import re

from copro_scale.administer import export_instrument
from copro_scale.administer._layout import sections


def test_forms_sheet_statements_are_unique_and_options_carry_codes(inst):
    rows = list(csv.DictReader(io.StringIO(export_instrument(inst, "forms-sheet"))))
    for form in inst.forms:
        mine = [r for r in rows if r["form"] == form]
        stmts = [r["text"] for r in mine if r["kind"] == "statement"]
        assert stmts == [it.text(form) for s in sections(inst) for it in s.items]
        assert len(set(stmts)) == len(stmts), "Microsoft Forms heads columns by statement only"
        likert = [r for r in mine if r["kind"] == "likert"]
        assert len(likert) == len(sections(inst))
        for r in likert:
            opts = r["options"].split(" | ")
            parsed = [re.match(r"^(\d+) - (.+)$", o).groups() for o in opts]
            expected = [(str(p.code), p.label) for p in inst.scale]
            if inst.forms[form].dont_know:
                expected.append((str(inst.dont_know.code), inst.dont_know.label))
            assert parsed == expected
        role = next(r for r in mine if r["kind"] == "choice")
        assert role["options"].split(" | ") == [inst.roles[c] for c in inst.forms[form].roles]
        assert any("116 123" in r["text"] for r in mine if r["kind"] == "support")


def test_markdown_lists_every_item_once_per_form(inst):
    md = export_instrument(inst, "markdown")
    for it in inst.items:
        assert md.count(f"| {it.id} |") == 2
    assert md.count("# " + inst.title) == 2
    assert md.count("116 123") == 2
    psw = export_instrument(inst, "markdown", form="psw")
    assert "Don't know" not in psw.split("## 1.")[1]
