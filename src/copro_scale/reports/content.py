"""The words of the reports, loaded from ``report_content.yaml`` beside the templates.

The process behind each type comes from the instrument (``prototypes.<type>.process``); labels,
type descriptions, actions and lever texts come from the content file. Nothing here is prose.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from types import MappingProxyType

import yaml

from ..instrument import CONSTRUCTS, FACES, Instrument


@lru_cache(maxsize=1)
def _content() -> dict:
    return yaml.safe_load((files("copro_scale.templates") / "report_content.yaml").read_text("utf-8"))


def _fold(text: str) -> str:
    return " ".join(str(text).split())


FACE_LABELS = MappingProxyType({f: _content()["faces"][f]["label"] for f in FACES})
FACE_ACTS = MappingProxyType({f: _content()["faces"][f]["acts"] for f in FACES})
CONSTRUCT_LABELS = MappingProxyType({c: _content()["constructs"][c]["label"] for c in CONSTRUCTS})
LEVER_TEXT = MappingProxyType({c: _content()["constructs"][c]["lever"] for c in CONSTRUCTS})
#: Label of any face or construct score column.
SCORE_LABELS = MappingProxyType({**FACE_LABELS, **CONSTRUCT_LABELS})
FORMS_TEXT = MappingProxyType(dict(_content()["forms"]))


def type_text(instrument: Instrument) -> dict[str, dict]:
    """Title, summary, meaning, actions, shape and process of every outcome.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> t = type_text(load_instrument())
    >>> t["enhanced"]["process"], t["mixed"]["short"]
    ('embedding expertise', 'Mixed')
    """
    out = {}
    for name, entry in _content()["types"].items():
        d = {k: (_fold(v) if isinstance(v, str) else [_fold(a) for a in v])
             for k, v in entry.items()}
        if name in instrument.processes and instrument.processes[name]:
            d["process"] = instrument.processes[name]
        out[name] = d
    return out


def support_text() -> dict:
    """Support signposting for peer support workers: ``intro`` and ``routes`` (content file).

    Examples
    --------
    >>> len(support_text()["routes"]) >= 1
    True
    """
    sup = _content()["support"]
    return dict(intro=_fold(sup["intro"]), routes=[_fold(r) for r in sup["routes"]])


def kit_questions(faces: list[str], lever: str | None) -> list[str]:
    """Questions for the team conversation: those of the lowest faces (``faces``, most
    constrained first), the lever's, and those asked whatever the type (content file).

    Examples
    --------
    >>> q = kit_questions(["ideological"], "voice")
    >>> len(q), q[0][:12]
    (5, 'Has speaking')
    """
    kit = _content()["kit"]
    out = [_fold(q) for f in faces for q in kit["faces"][f]]
    if lever in kit["constructs"]:
        out.append(_fold(kit["constructs"][lever]))
    return out + [_fold(q) for q in kit["always"]]
