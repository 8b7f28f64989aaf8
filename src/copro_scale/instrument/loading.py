"""Loading an instrument file: read the YAML, check it against the schema, build the value."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from ..errors import CoproError
from .model import (
    DEFAULT_INSTRUMENT,
    FACES,
    THRESHOLD_PLACEHOLDER,
    Form,
    Instrument,
    Item,
    ScalePoint,
)
from .schema import problems


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
    return problems(data, path)


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
        errors = problems(data, p)
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
