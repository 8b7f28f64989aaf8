"""Reader for Microsoft Forms (xlsx, or saved as CSV) and Google Forms (CSV) response sheets.

Microsoft Forms: ``ID, Start time, Completion time, Email, Name``, then one column per question
headed by its text; a Likert question gives one column per statement, headed only by the
statement text, and the column order may differ from the question order. Google Forms:
``Timestamp`` first (and ``Email Address`` when collected); a grid gives columns headed
``Question [Row]``. Values are label text in both.

Columns are matched by text (either form's wording, any order); the team, role and months
questions by their labels. Microsoft's Completion time minus Start time gives ``duration_s``.
"""

from __future__ import annotations

import re

import pandas as pd

from ..instrument import Instrument
from .tables import Head, Plan, Raw, item_texts, meta_names, pick, read_plan
from .text import drop_identifying, norm_header, norm_text

NAME = "forms"
_BRACKETS = re.compile(r"\[([^\[\]]+)\]\s*$")


def _key(col: str) -> str:
    m = _BRACKETS.search(str(col))
    return norm_header(m.group(1)) if m else norm_header(col)


def columns(header, inst: Instrument) -> dict[str, str]:
    """Source column -> canonical name, by statement or question text."""
    names = {**{t: i for t, (i, _) in item_texts(inst).items()}, **meta_names(inst)}
    out = {}
    taken_meta = set()
    for col in header:
        target = names.get(norm_header(col)) or names.get(_key(col))
        if target in inst.item_ids or (target is not None and target not in taken_meta):
            out[col] = target
            taken_meta.add(target)
    if header and norm_text(header[0]) == "id":
        out[header[0]] = "response_id"
    return out


def sniff(head: Head, inst: Instrument) -> bool:
    """Forms when at least half the items are found by text (and no item-id header)."""
    header = head.header()
    found = {t for t in columns(header, inst).values() if t in inst.item_ids}
    return len(found) >= len(inst.item_ids) / 2 and not set(inst.item_ids) & set(header)


def plan(path, inst: Instrument, head: Head, *, wave_column=None, **_) -> Plan:
    """The columns read (the questions', start and completion times) and the raw table of them."""
    header = head.header()
    used = set(columns(header, inst)) | {wave_column} | {
        c for c in header if norm_text(c) in ("start time", "completion time")}

    def shape(frame: pd.DataFrame) -> Raw:
        mapping = columns(list(frame.columns), inst)
        lower = {norm_text(c): c for c in frame.columns}
        duration = None
        if "start time" in lower and "completion time" in lower:
            start, end = (pd.to_datetime(frame[lower[k]], errors="coerce", format="mixed")
                          for k in ("start time", "completion time"))
            duration = (end - start).dt.total_seconds()
        frame = drop_identifying(frame, keep=tuple(mapping))
        raw = pick(frame, mapping, wave_column=wave_column)
        if duration is not None:
            raw["duration_s"] = duration
        return Raw(raw)

    return Plan(frozenset(c for c in used if c is not None), 1, shape)


def read(path, inst: Instrument, head: Head, *, encoding=None, sheet=None, wave_column=None,
         **_) -> Raw:
    """Read a Microsoft or Google Forms response sheet."""
    return read_plan(path, head, plan(path, inst, head, wave_column=wave_column),
                     encoding=encoding, sheet=sheet)
