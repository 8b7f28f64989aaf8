"""The instrument file's schema: every problem found, each naming file, item and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import CoproError
from .model import (CELLS, CONSTRUCTS, FACES, FORMS, ID_PATTERN, MAX_ITEM_WORDS,
                    MIN_ITEMS_PER_CELL, MIN_RESPONSES_FLOOR, THRESHOLD_PLACEHOLDER, TYPES,
                    cell_name)

class _Checker:
    """Collects schema problems; each message names file, item and field."""

    def __init__(self, path: Path):
        self.path = path
        self.errors: list[CoproError] = []

    def err(self, msg: str, *, item=None, field=None):
        self.errors.append(CoproError(msg, file=self.path, item=item, field=field))

    def need(self, d: Any, key: str, kind, *, item=None, where: str = "") -> Any:
        name = f"{where}{key}"
        if not isinstance(d, dict) or key not in d or d[key] is None:
            self.err("is missing", item=item, field=name)
            return None
        v = d[key]
        if kind is str and not (isinstance(v, str) and v.strip()):
            self.err("must be a non-empty text", item=item, field=name)
            return None
        if kind is not str and not isinstance(v, kind):
            self.err(f"must be a {getattr(kind, '__name__', kind)}", item=item, field=name)
            return None
        return v

    def run(self, d: Any) -> list[CoproError]:
        if not isinstance(d, dict):
            self.err("is not an instrument: expected a YAML mapping at the top level")
            return self.errors
        for key in ("name", "title", "citation", "licence", "recall_period"):
            self.need(d, key, str)
        if not isinstance(d.get("version"), (str, int, float)):
            self.err("is missing", field="version")
        self.check_scale(d.get("scale"))
        form_ids = self.check_forms(d.get("forms"))
        roles = self.check_respondents(d.get("respondent_fields"), d.get("forms"))
        del roles
        self.check_items(d.get("items"), form_ids)
        self.check_prototypes(d.get("prototypes"))
        self.check_privacy(d.get("privacy"), d.get("forms"))
        cls = d.get("classification", {})
        if not isinstance(cls, dict):
            self.err("must be a mapping", field="classification")
        else:
            p = cls.get("min_probability", 0.8)
            if not isinstance(p, (int, float)) or not 0.5 <= p <= 1:
                self.err("must be a number from 0.5 to 1", field="classification.min_probability")
            m = cls.get("max_distance", 1.25)
            if not isinstance(m, (int, float)) or m <= 0:
                self.err("must be a positive number", field="classification.max_distance")
        return self.errors

    def check_scale(self, s):
        if not isinstance(s, dict):
            self.err("is missing", field="scale")
            return
        pts = s.get("points")
        if not isinstance(pts, list) or not pts:
            self.err("must be a list of {code, label}", field="scale.points")
            return
        codes = []
        for i, p in enumerate(pts):
            f = f"scale.points[{i}]"
            if not isinstance(p, dict) or not isinstance(p.get("code"), int) or isinstance(p.get("code"), bool):
                self.err("needs an integer code", field=f + ".code")
                continue
            if not (isinstance(p.get("label"), str) and p["label"].strip()):
                self.err("needs a non-empty label", field=f + ".label")
            codes.append(p["code"])
        if codes and codes != list(range(1, 6)):
            self.err(
                f"must be five fully labelled points coded 1-5 in order, found codes {codes}",
                field="scale.points",
            )
        dk = s.get("dont_know")
        if not isinstance(dk, dict) or not isinstance(dk.get("code"), int) or not dk.get("label"):
            self.err("needs a code and a label", field="scale.dont_know")
        elif dk["code"] in codes:
            self.err("code must differ from every scale code", field="scale.dont_know.code")

    def check_forms(self, forms) -> list[str]:
        if not isinstance(forms, dict):
            self.err("is missing", field="forms")
            return []
        if sorted(forms) != sorted(FORMS):
            self.err(f"must define exactly the forms {list(FORMS)}, found {list(forms)}", field="forms")
        for fid, f in forms.items():
            for key in ("title", "referent", "instructions"):
                self.need(f, key, str, where=f"forms.{fid}.")
            self.need(f, "dont_know", bool, where=f"forms.{fid}.")
            self.need(f, "roles", list, where=f"forms.{fid}.")
        return [f for f in forms if f in FORMS]

    def check_respondents(self, rf, forms) -> list[str]:
        if not isinstance(rf, dict):
            self.err("is missing", field="respondent_fields")
            return []
        for key in ("team", "role", "months_in_role"):
            if key not in rf:
                self.err("is missing", field=f"respondent_fields.{key}")
        role = rf.get("role") or {}
        choices = role.get("choices") if isinstance(role, dict) else None
        if not isinstance(choices, list) or not choices:
            self.err("needs a list of choices", field="respondent_fields.role.choices")
            return []
        codes = [c.get("code") for c in choices if isinstance(c, dict)]
        if len(set(codes)) != len(codes):
            self.err("has duplicate codes", field="respondent_fields.role.choices")
        if isinstance(forms, dict):
            listed = [r for f in forms.values() if isinstance(f, dict) for r in f.get("roles") or []]
            for r in listed:
                if r not in codes:
                    self.err(f"role {r!r} is not a respondent role choice", field="forms.roles")
            for c in codes:
                if listed.count(c) != 1:
                    self.err(f"role {c!r} must belong to exactly one form", field="forms.roles")
        return codes

    def check_items(self, items, form_ids):
        if not isinstance(items, list) or not items:
            self.err("must be a non-empty list", field="items")
            return
        seen: set[str] = set()
        cells: dict[tuple[str, str], list[dict]] = {c: [] for c in CELLS}
        for i, it in enumerate(items):
            iid = it.get("id") if isinstance(it, dict) else None
            label = iid if isinstance(iid, str) else f"#{i + 1}"
            if not isinstance(it, dict):
                self.err("must be a mapping", item=label)
                continue
            if not isinstance(iid, str) or not ID_PATTERN.match(iid):
                self.err(
                    "id must be 2-16 lower-case letters or digits starting with a letter "
                    "(portable to REDCap, Qualtrics, LimeSurvey and SPSS)",
                    item=label,
                    field="id",
                )
            elif iid in seen:
                self.err("duplicate id", item=label, field="id")
            seen.add(iid if isinstance(iid, str) else label)
            con, face = it.get("construct"), it.get("face")
            if con not in CONSTRUCTS:
                self.err(f"unknown construct {con!r}; expected one of {list(CONSTRUCTS)}", item=label, field="construct")
            if face not in FACES:
                self.err(f"unknown face {face!r}; expected one of {list(FACES)}", item=label, field="face")
            if not isinstance(it.get("reverse"), bool):
                self.err("must be true or false", item=label, field="reverse")
            self.need(it, "basis", str, item=label)
            text = it.get("text")
            if not isinstance(text, dict):
                self.err("must give a text for each form", item=label, field="text")
            else:
                for fid in form_ids:
                    t = text.get(fid)
                    if not (isinstance(t, str) and t.strip()):
                        self.err("is empty", item=label, field=f"text.{fid}")
                    elif len(t.split()) > MAX_ITEM_WORDS:
                        self.err(f"has {len(t.split())} words; at most {MAX_ITEM_WORDS}", item=label, field=f"text.{fid}")
                for fid in text:
                    if fid not in FORMS:
                        self.err(f"unknown form {fid!r}", item=label, field=f"text.{fid}")
            if (con, face) in cells:
                cells[(con, face)].append(it)
        for (con, face), its in cells.items():
            name = cell_name(con, face)
            if len(its) < MIN_ITEMS_PER_CELL:
                self.err(f"cell {name} has {len(its)} items; each cell needs at least {MIN_ITEMS_PER_CELL}", field="items")
            elif not any(it.get("reverse") is True for it in its):
                self.err(f"cell {name} has no reverse-keyed item; each cell needs at least one", field="items")

    def check_privacy(self, privacy, forms):
        """The threshold is an integer >= the floor, and every form's instructions state it."""
        k = privacy.get("min_responses") if isinstance(privacy, dict) else None
        if not isinstance(privacy, dict):
            self.err("is missing: the reporting threshold the participant text promises, "
                     "e.g. privacy: {min_responses: 5}", field="privacy")
        elif not isinstance(k, int) or isinstance(k, bool) or k < MIN_RESPONSES_FLOOR:
            self.err(f"must be a whole number of at least {MIN_RESPONSES_FLOOR}",
                     field="privacy.min_responses")
        for fid, f in (forms or {}).items() if isinstance(forms, dict) else ():
            text = f.get("instructions") if isinstance(f, dict) else None
            if isinstance(text, str) and THRESHOLD_PLACEHOLDER not in text:
                self.err(f"must state the reporting threshold as {THRESHOLD_PLACEHOLDER} (rendered "
                         "from privacy.min_responses), not as a number written in the text",
                         field=f"forms.{fid}.instructions")

    def check_prototypes(self, protos):
        if not isinstance(protos, dict):
            self.err("is missing", field="prototypes")
            return
        for t in TYPES:
            if t not in protos:
                self.err("is missing", field=f"prototypes.{t}")
        for t, p in protos.items():
            if t not in TYPES:
                self.err(f"unknown type; expected one of {list(TYPES)}", field=f"prototypes.{t}")
                continue
            for f in FACES:
                v = p.get(f) if isinstance(p, dict) else None
                if not isinstance(v, (int, float)) or isinstance(v, bool) or not 1 <= v <= 5:
                    self.err("must be a number from 1 to 5", field=f"prototypes.{t}.{f}")
