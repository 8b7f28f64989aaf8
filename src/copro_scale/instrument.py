"""The instrument as data: items, forms, scale and prototypes, loaded from versioned YAML.

An :class:`Instrument` is an immutable value object. Every later stage (readers, scoring,
exports, classification, reports) asks it questions - which items a form has, which cell an item
sits in, which codes are valid - and none re-derives item metadata from ids.

The YAML schema is checked on load by :func:`check_instrument`, which returns every problem it
finds; each names the file, the item and the field. The packaged default is
``instruments/pcp-psw-v1.yaml`` (shipped inside the wheel as ``copro_scale.instruments``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from .errors import CoproError

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


# -- loading -----------------------------------------------------------------------------------
def default_instrument_path() -> Path:
    """Path of the packaged default instrument (works from an installed wheel)."""
    return Path(str(resources.files("copro_scale.instruments").joinpath(DEFAULT_INSTRUMENT)))


#: The C (libyaml) safe loader, several times faster, when PyYAML was built with it; used for the
#: packaged instrument only, so user files keep the pure-Python loader's checks and messages.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CoproError("instrument file not found", file=path) from None
    except UnicodeDecodeError as exc:
        raise CoproError(f"not UTF-8 text (byte {exc.start})", file=path) from None
    except OSError as exc:
        raise CoproError(f"cannot read instrument file ({exc.strerror})", file=path) from None
    if path.resolve() == default_instrument_path().resolve():  # packaged, known valid: libyaml
        return yaml.load(text, Loader=_FAST_LOADER)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise CoproError(f"invalid YAML: {problem}", file=path, row=row) from None


def check_instrument(path: str | Path) -> list[CoproError]:
    """Validate an instrument file against the schema and return every problem found.

    Returns an empty list for a valid file. Each error names the file and, where it applies,
    the item and the field.
    """
    path = Path(path)
    try:
        data = _read_yaml(path)
    except CoproError as exc:
        return [exc]
    return _Checker(path).run(data)


def load_instrument(path: str | Path | None = None) -> Instrument:
    """Load and validate an instrument; the packaged default when ``path`` is None.

    Raises
    ------
    CoproError
        With the first schema problem, naming file, item and field.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> inst.name, inst.version, len(inst.items)
    ('pcp-psw', '1.0.0', 36)
    >>> [it.id for it in inst.cell_items("voice", "decision_making")]
    ['vdm1', 'vdm2', 'vdm3', 'vdm4']
    """
    path = default_instrument_path() if path is None else Path(path)
    return _load_cached(str(path.resolve()), path.stat().st_mtime_ns if path.exists() else 0)


_CACHE: dict[tuple[str, int], Instrument] = {}


def _load_cached(path: str, mtime: int) -> Instrument:
    key = (path, mtime)
    if key not in _CACHE:
        p = Path(path)
        data = _read_yaml(p)
        errors = _Checker(p).run(data)
        if errors:
            raise errors[0]
        _CACHE[key] = _build(data, p)
    return _CACHE[key]


def _build(d: dict, path: Path) -> Instrument:
    scale = tuple(ScalePoint(int(p["code"]), str(p["label"])) for p in d["scale"]["points"])
    k = int(d["privacy"]["min_responses"])
    dk = d["scale"]["dont_know"]
    forms = {
        fid: Form(
            id=fid,
            title=str(f["title"]),
            referent=str(f["referent"]),
            instructions=" ".join(str(f["instructions"]).split()).replace(THRESHOLD_PLACEHOLDER, str(k)),
            dont_know=bool(f["dont_know"]),
            roles=tuple(f["roles"]),
        )
        for fid, f in d["forms"].items()
    }
    roles = {str(c["code"]): str(c["label"]) for c in d["respondent_fields"]["role"]["choices"]}
    items = tuple(
        Item(
            id=it["id"],
            construct=it["construct"],
            face=it["face"],
            reverse=bool(it["reverse"]),
            texts=MappingProxyType({k: " ".join(str(v).split()) for k, v in it["text"].items()}),
            basis=" ".join(str(it["basis"]).split()),
        )
        for it in d["items"]
    )
    protos = {
        t: MappingProxyType({f: float(p[f]) for f in FACES}) for t, p in d["prototypes"].items()
    }
    processes = {t: str(p.get("process", "")) for t, p in d["prototypes"].items()}
    cls = d.get("classification", {})
    return Instrument(
        name=str(d["name"]),
        version=str(d["version"]),
        title=str(d["title"]),
        short_title=str(d.get("short_title", d["title"])),
        citation=" ".join(str(d["citation"]).split()),
        licence=str(d["licence"]),
        recall_period=str(d["recall_period"]),
        scale=scale,
        dont_know=ScalePoint(int(dk["code"]), str(dk["label"])),
        forms=MappingProxyType(forms),
        roles=MappingProxyType(roles),
        respondent_fields=MappingProxyType(d["respondent_fields"]),
        items=items,
        prototypes=MappingProxyType(protos),
        processes=MappingProxyType(processes),
        min_probability=float(cls.get("min_probability", 0.8)),
        max_distance=float(cls.get("max_distance", 1.25)),
        min_responses=k,
        source=str(path),
    )


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
