"""The instrument's value objects: items, forms, scale points and the :class:`Instrument`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CONSTRUCTS: tuple[str, ...] = ("voice", "experience", "identity")
FACES: tuple[str, ...] = ("decision_making", "non_decision_making", "ideological")
FORMS: tuple[str, ...] = ("psw", "colleague")
TYPES: tuple[str, ...] = ("neutralized", "enhanced", "tokenistic")
CELLS: tuple[tuple[str, str], ...] = tuple((c, f) for c in CONSTRUCTS for f in FACES)

DEFAULT_INSTRUMENT = "pcp-psw-v1.yaml"
MIN_ITEMS_PER_CELL = 4
#: Portable across REDCap field names, Qualtrics tags, LimeSurvey (sub)question codes, SPSS names.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]{1,15}$")
MAX_ITEM_WORDS = 20
#: The lowest reporting threshold an instrument may promise. With 2, each of a pair reads the
#: other's answers off their team's figure by taking away their own.
MIN_RESPONSES_FLOOR = 3
#: Where the form instructions state the threshold; rendered from ``privacy.min_responses``.
THRESHOLD_PLACEHOLDER = "{min_responses}"


def cell_name(construct: str, face: str) -> str:
    """Column name of a cell score, e.g. ``voice.decision_making``."""
    return f"{construct}.{face}"


@dataclass(frozen=True)
class ScalePoint:
    code: int
    label: str


@dataclass(frozen=True)
class Item:
    """One statement, with a parallel text on each form."""

    id: str
    construct: str
    face: str
    reverse: bool
    texts: Mapping[str, str]
    basis: str

    @property
    def cell(self) -> str:
        return cell_name(self.construct, self.face)

    def text(self, form: str) -> str:
        return self.texts[form]


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    referent: str
    instructions: str
    dont_know: bool
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Instrument:
    """A loaded, validated instrument. Build it with :func:`load_instrument`."""

    name: str
    version: str
    title: str
    short_title: str
    citation: str
    licence: str
    recall_period: str
    scale: tuple[ScalePoint, ...]
    dont_know: ScalePoint
    forms: Mapping[str, Form]
    roles: Mapping[str, str]
    respondent_fields: Mapping[str, Any]
    items: tuple[Item, ...]
    prototypes: Mapping[str, Mapping[str, float]]
    processes: Mapping[str, str]
    min_probability: float
    max_distance: float
    #: The reporting threshold the participant text promises (``privacy.min_responses``).
    min_responses: int
    source: str = field(default="", compare=False)

    # -- items -------------------------------------------------------------------------------
    @property
    def item_ids(self) -> list[str]:
        return [it.id for it in self.items]

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def cell_items(self, construct: str, face: str) -> list[Item]:
        return [it for it in self.items if it.construct == construct and it.face == face]

    @property
    def cells(self) -> list[str]:
        return [cell_name(c, f) for c, f in CELLS]

    @property
    def reverse_ids(self) -> list[str]:
        return [it.id for it in self.items if it.reverse]

    # -- scale -------------------------------------------------------------------------------
    @property
    def codes(self) -> list[int]:
        return [p.code for p in self.scale]

    @property
    def scale_min(self) -> int:
        return min(self.codes)

    @property
    def scale_max(self) -> int:
        return max(self.codes)

    def labels(self) -> dict[int, str]:
        return {p.code: p.label for p in self.scale}

    def form_for_role(self, role: str) -> str:
        for f in self.forms.values():
            if role in f.roles:
                return f.id
        raise KeyError(role)

    def to_dict(self) -> dict:
        """The machine-readable export (``copro instrument export --format json``)."""
        return {
            "name": self.name,
            "version": self.version,
            "title": self.title,
            "citation": self.citation,
            "licence": self.licence,
            "recall_period": self.recall_period,
            "scale": [{"code": p.code, "label": p.label} for p in self.scale],
            "dont_know": {"code": self.dont_know.code, "label": self.dont_know.label},
            "forms": {
                f.id: {
                    "title": f.title,
                    "referent": f.referent,
                    "instructions": f.instructions,
                    "dont_know": f.dont_know,
                    "roles": list(f.roles),
                }
                for f in self.forms.values()
            },
            "roles": dict(self.roles),
            "prototypes": {t: dict(p) for t, p in self.prototypes.items()},
            "privacy": {"min_responses": self.min_responses},
            "classification": {
                "min_probability": self.min_probability,
                "max_distance": self.max_distance,
            },
            "items": [
                {
                    "id": it.id,
                    "form": form,
                    "construct": it.construct,
                    "face": it.face,
                    "cell": it.cell,
                    "reverse": it.reverse,
                    "text": it.text(form),
                    "basis": it.basis,
                }
                for form in self.forms
                for it in self.items
            ],
        }
