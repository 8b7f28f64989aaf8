"""The instrument file's schema: every problem found, each naming file, item and field.

The shape of the file (keys, types, ranges, allowed values) is a JSON Schema shipped with the
package, ``instruments/instrument.schema.json`` (:func:`schema_path`), checked with
``jsonschema``; editors and other tools can validate an instrument with the same file. Its
``x-message`` keys hold the messages copro prints. What a schema cannot state - rules that
compare fields with each other - are the small functions in :data:`CROSS_FIELD_CHECKS`.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CoproError
from .model import CELLS, MAX_ITEM_WORDS, MIN_ITEMS_PER_CELL, cell_name

SCHEMA_FILE = "instrument.schema.json"


def schema_path() -> Path:
    """Path of the instrument JSON Schema (works from an installed wheel)."""
    return Path(str(resources.files("copro_scale.instruments").joinpath(SCHEMA_FILE)))


@cache
def schema() -> dict:
    """The instrument JSON Schema as a mapping."""
    return json.loads(schema_path().read_text(encoding="utf-8"))


@cache
def _validator():
    # imported on first check, not at start-up
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def _where(data: Any, path: list) -> dict:
    """``item`` and ``field`` of a location in the file: items are named by their id."""
    item = None
    if len(path) >= 2 and path[0] == "items" and isinstance(path[1], int):
        it = data["items"][path[1]]
        iid = it.get("id") if isinstance(it, dict) else None
        item = iid if isinstance(iid, str) else f"#{path[1] + 1}"
        path = path[2:]
    field = ""
    for part in path:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return {"item": item, "field": field or None}


def _schema_problems(data: Any, file: Path) -> list[CoproError]:
    """Every place where ``data`` breaks the JSON Schema, as one-line errors."""
    out = []
    for err in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        if err.validator == "required" and isinstance(err.instance, dict):
            missing = [k for k in err.validator_value if k not in err.instance]
            out += [CoproError("is missing", file=file, **_where(data, [*path, k])) for k in missing]
        elif err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = list(err.schema.get("properties", {}))
            extra = [k for k in err.instance if k not in known]
            out += [CoproError(f"is not known here; expected one of {known}", file=file,
                               **_where(data, [*path, k])) for k in extra]
        else:
            message = err.schema.get("x-message", err.message).replace("{value}", repr(err.instance))
            out.append(CoproError(message, file=file, **_where(data, path)))
    return out


# -- checks across fields (a JSON Schema compares no two values) -------------------------------
def duplicate_ids(data: dict) -> list[tuple[str, dict]]:
    """Each item id once."""
    ids = [it["id"] for it in data["items"]]
    return [("duplicate id", {"item": i, "field": "id"}) for i, n in Counter(ids).items() if n > 1]


def cell_sizes(data: dict) -> list[tuple[str, dict]]:
    """At least four items in every construct x face cell, one of them reverse-keyed."""
    out = []
    for con, face in CELLS:
        its = [it for it in data["items"] if (it["construct"], it["face"]) == (con, face)]
        name = cell_name(con, face)
        if len(its) < MIN_ITEMS_PER_CELL:
            message = f"cell {name} has {len(its)} items; each cell needs at least {MIN_ITEMS_PER_CELL}"
            out.append((message, {"field": "items"}))
        elif not any(it["reverse"] for it in its):
            out.append((f"cell {name} has no reverse-keyed item; each cell needs at least one",
                        {"field": "items"}))
    return out


def item_lengths(data: dict) -> list[tuple[str, dict]]:
    """At most :data:`MAX_ITEM_WORDS` words in every item text."""
    return [(f"has {len(text.split())} words; at most {MAX_ITEM_WORDS}",
             {"item": it["id"], "field": f"text.{form}"})
            for it in data["items"] for form, text in it["text"].items()
            if len(text.split()) > MAX_ITEM_WORDS]


def form_roles(data: dict) -> list[tuple[str, dict]]:
    """Role codes unique, and every role on exactly one form."""
    codes = [c["code"] for c in data["respondent_fields"]["role"]["choices"]]
    listed = [r for f in data["forms"].values() for r in f["roles"]]
    out = [("has duplicate codes", {"field": "respondent_fields.role.choices"})
           for _ in range(len(codes) != len(set(codes)))]
    out += [(f"role {r!r} is not a respondent role choice", {"field": "forms.roles"})
            for r in dict.fromkeys(listed) if r not in codes]
    out += [(f"role {c!r} must belong to exactly one form", {"field": "forms.roles"})
            for c in dict.fromkeys(codes) if listed.count(c) != 1]
    return out


#: The checks a schema cannot express, run on a file that passes the schema.
CROSS_FIELD_CHECKS = (duplicate_ids, cell_sizes, item_lengths, form_roles)


def problems(data: Any, file: Path) -> list[CoproError]:
    """Every problem of an instrument mapping read from ``file``; empty when it is valid."""
    found = _schema_problems(data, file)
    if found:  # the checks across fields assume the shape the schema guarantees
        return found
    return [CoproError(message, file=file, **where)
            for check in CROSS_FIELD_CHECKS for message, where in check(data)]
