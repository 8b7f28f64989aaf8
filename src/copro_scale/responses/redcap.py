"""Reader for REDCap record exports (CSV).

REDCap exports raw codes or labels, with raw headers (field names) or label headers (field
labels). Survey projects add ``redcap_survey_identifier`` and ``<form>_timestamp`` (which reads
``[not completed]`` for a survey not submitted); every instrument adds ``<form>_complete``
(0 Incomplete, 1 Unverified, 2 Complete). The first column is the record id. Only the
completion of the form that holds the items counts (another instrument's ``_complete`` says
nothing about these answers): our dictionary's ``psw_form`` / ``colleague_form``, else the
first ``_complete`` column after the last item column
(:func:`~copro_scale.platforms.redcap.completion_columns`).

Items are found by field name (the item id, as ``copro instrument export --format redcap``
names them) or by field label (the item text). A row whose form ``_complete`` is 0 /
Incomplete, or whose survey timestamp is ``[not completed]``, is excluded as ``unfinished``. Longitudinal
columns (``redcap_event_name``, ``redcap_repeat_*``) are ignored, so a record answered at two
events shows up as a duplicate id (the last complete one is kept).
"""

from __future__ import annotations

from ..instrument import Instrument
from ..platforms.redcap import (INCOMPLETE, NOT_COMPLETED, completion_columns, form_name,
                                team_position)
from .text import drop_identifying, norm_header
from .tables import Head, Raw, item_texts, meta_names, pick, read_any

NAME = "redcap"


def _is_complete(col: str) -> bool:
    return col.endswith("_complete") or norm_header(col) == "complete?"


def sniff(head: Head, inst: Instrument) -> bool:
    """REDCap when a ``*_complete`` / ``Complete?`` column or a ``redcap_`` column is present."""
    h = head.header()
    return any(_is_complete(c) or c.startswith("redcap_") for c in h) or (
        bool(h) and norm_header(h[0]) in {"record_id", "record id"})


def columns(header: list[str], inst: Instrument) -> dict[str, str]:
    """Source column -> canonical name: record id, fields by name, then by label."""
    by_text = {t: i for t, (i, _) in item_texts(inst).items()}
    meta = meta_names(inst)
    ids = set(inst.item_ids)
    out, taken = {}, set()
    if header:
        out[header[0]] = "response_id"
        taken.add("response_id")
    for col in header[1:]:
        key = norm_header(col)
        target = col if col in ids else meta.get(key) or by_text.get(key)
        if target is not None and target not in taken:
            out[col] = target
            taken.add(target)
    return out


def read(path, inst: Instrument, head: Head, *, encoding=None, sheet=None, **_) -> Raw:
    """Read a REDCap record export (raw or label values and headers)."""
    frame = read_any(path, head, encoding=encoding, sheet=sheet)
    mapping = columns(list(frame.columns), inst)
    header = [str(c) for c in frame.columns]
    items = [c for c, t in mapping.items() if t in inst.item_ids]
    complete, stamp = completion_columns(header, items, [form_name(f) for f in inst.forms])
    if complete is None:  # a label-header export: "Complete?" after the form's fields
        last = max((header.index(c) for c in items), default=-1)
        complete = next((c for c in header[last + 1:] if norm_header(c) == "complete?"), None)
        first = min((header.index(c) for c in items), default=0)
        stamp = next((c for c in reversed(header[:first]) if norm_header(c) == "survey timestamp"),
                     None)
    unfinished = None
    if complete is not None:
        unfinished = frame[complete].astype("string").str.strip().str.lower().isin(INCOMPLETE)
    if stamp is not None:
        hit = frame[stamp].astype("string").str.strip().str.lower().eq(NOT_COMPLETED)
        unfinished = hit if unfinished is None else unfinished | hit
    if unfinished is not None:
        unfinished = unfinished.fillna(False).astype(bool)
    frame = drop_identifying(frame, keep=tuple(mapping))
    raw = pick(frame, mapping)
    if unfinished is not None:
        raw["_unfinished"] = unfinished
    return Raw(raw, team_code=team_position)
