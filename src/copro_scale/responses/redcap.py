"""Reader for REDCap record exports (CSV).

REDCap exports raw codes or labels, with raw headers (field names) or label headers (field
labels). Survey projects add ``redcap_survey_identifier`` and ``<form>_timestamp`` (which reads
``[not completed]`` for a survey not submitted); every instrument adds ``<form>_complete``
(0 Incomplete, 1 Unverified, 2 Complete). The record id is ``record_id``, else the first
column REDCap does not add (:func:`id_column`). Only the
completion of the form that holds the items counts (another instrument's ``_complete`` says
nothing about these answers): our dictionary's ``psw_form`` / ``colleague_form``, else the
first ``_complete`` column after the last item column
(:func:`~copro_scale.platforms.redcap.completion_columns`).

Items are found by field name (the item id, as ``copro instrument export --format redcap``
names them) or by field label (the item text). A row whose form ``_complete`` is 0 /
Incomplete, or whose survey timestamp is ``[not completed]``, is excluded as ``unfinished``.

Longitudinal projects: ``redcap_event_name`` is the wave column (unless ``--wave-column``
names another), so each event is a wave that ``--wave`` selects (see docs/scoring.md). A row
of an event the form is not designated for (no item answered and its ``_complete`` blank), or
a repeat row of another instrument, is ``not_this_form``. Each repeat instance of the form is a
response of its own, with id ``record#instance``, and a warning says so.
"""

from __future__ import annotations

import pandas as pd

from ..errors import CoproError
from ..instrument import Instrument
from ..platforms.redcap import (
    COMPLETE_SUFFIX,
    EVENT,
    INCOMPLETE,
    LABEL_HEADERS,
    NOT_COMPLETED,
    REPEAT_INSTANCE,
    REPEAT_INSTRUMENT,
    TIMESTAMP_SUFFIX,
    completion_columns,
    form_name,
    team_position,
)
from .tables import Head, Plan, Raw, item_texts, meta_names, pick, read_plan
from .text import drop_identifying, norm_header

NAME = "redcap"


def _is_complete(col: str) -> bool:
    return col.endswith("_complete") or norm_header(col) == "complete?"


def sniff(head: Head, inst: Instrument) -> bool:
    """REDCap when a ``*_complete`` / ``Complete?`` column or a ``redcap_`` column is present."""
    h = head.header()
    return any(_is_complete(c) or c.startswith("redcap_") for c in h) or (
        bool(h) and norm_header(h[0]) in {"record_id", "record id"})


def id_column(header: list[str]) -> str | None:
    """The record id: ``record_id`` (or its label ``Record ID``), else the first column that is
    not one REDCap adds (``redcap_event_name``, ``redcap_data_access_group``, ...): REDCap's
    first field is the project's id, whatever its name.

    Examples
    --------
    >>> id_column(["redcap_data_access_group", "record_id", "vdm1"])
    'record_id'
    >>> id_column(["redcap_data_access_group", "study_id", "vdm1"])
    'study_id'
    """
    for col in header:
        if norm_header(col) in ("record_id", "record id"):
            return col
    return next((c for c in header if not _is_redcap_column(c)), None)


def _is_redcap_column(col: str) -> bool:
    return col.startswith("redcap_") or norm_header(col) in LABEL_HEADERS.values() or \
        norm_header(col) == "survey identifier"


def columns(header: list[str], inst: Instrument) -> dict[str, str]:
    """Source column -> canonical name: record id, fields by name, then by label."""
    by_text = {t: i for t, (i, _) in item_texts(inst).items()}
    meta = meta_names(inst)
    ids = set(inst.item_ids)
    out, taken = {}, set()
    rid = id_column(header)
    if rid is not None:
        out[rid] = "response_id"
        taken.add("response_id")
    for col in header:
        if col == rid:
            continue
        key = norm_header(col)
        target = col if col in ids else meta.get(key) or by_text.get(key)
        if target is not None and target not in taken:
            out[col] = target
            taken.add(target)
    return out


def _redcap(frame: pd.DataFrame, name: str) -> str | None:
    """The column of one of REDCap's longitudinal fields, by name or by its label header."""
    if name in frame.columns:
        return name
    label = LABEL_HEADERS[name]
    return next((c for c in frame.columns if norm_header(c) == label), None)


def plan(path, inst: Instrument, head: Head, *, wave_column=None, **_) -> Plan:
    """The columns read (the instrument's, completion, events and instances) and the raw table
    of them. An export with events or repeat instances (or a wave column) is read whole: its
    waves and the warning on its repeat instances are judged over every row."""
    header = head.header()
    used = set(columns(header, inst)) | {wave_column, *LABEL_HEADERS} | {
        c for c in header if c.endswith((COMPLETE_SUFFIX, TIMESTAMP_SUFFIX))
        or norm_header(c) in (*LABEL_HEADERS.values(), "complete?", "survey timestamp")}
    spread = (EVENT, REPEAT_INSTRUMENT, REPEAT_INSTANCE)
    longitudinal = wave_column is not None or any(
        c in spread or norm_header(c) in {LABEL_HEADERS[k] for k in spread} for c in header)
    return Plan(frozenset(c for c in used if c is not None), 1,
                lambda frame: _shape(frame, path, inst, wave_column), rowwise=not longitudinal)


def read(path, inst: Instrument, head: Head, *, encoding=None, sheet=None, wave_column=None,
         **_) -> Raw:
    """Read a REDCap record export (raw or label values and headers)."""
    return read_plan(path, head, plan(path, inst, head, wave_column=wave_column),
                     encoding=encoding, sheet=sheet)


def _shape(frame: pd.DataFrame, path, inst: Instrument, wave_column) -> Raw:
    """The raw table of the columns read."""
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
    event = _redcap(frame, EVENT)
    repeat, instance = _redcap(frame, REPEAT_INSTRUMENT), _redcap(frame, REPEAT_INSTANCE)
    other_form = _rows_without_the_form(frame, items, complete, event, repeat)
    wave = wave_column or event
    if wave is not None and wave not in frame.columns:
        raise CoproError("the wave column is not in the file", file=path, row=1, column=wave)
    waves = frame[wave].astype("string") if wave is not None else None
    rid = id_column(header)
    repeats = None
    if instance is not None and rid is not None:
        n = frame[instance].astype("string").str.strip().str.removesuffix(".0")
        mine = n.notna() & n.ne("") & ~pd.Series(other_form, index=frame.index)
        if mine.any():  # each instance of the form is its own response: record#instance
            frame[rid] = frame[rid].astype("string").where(~mine, frame[rid].astype("string")
                                                            + "#" + n)
            repeats = int(mine.sum())
    frame = drop_identifying(frame, keep=tuple(mapping))
    raw = pick(frame, mapping)
    if unfinished is not None:
        raw["_unfinished"] = unfinished
    if other_form is not None:
        raw["_other_form"] = other_form
    if waves is not None:
        raw["_wave"] = waves.to_numpy(dtype=object)
        raw.attrs["wave_column"] = wave
    warnings = []
    if repeats:
        warnings.append(f"{repeats} rows are repeat instances of the form (column {instance!r}): "
                        "each instance is scored as its own response, id record#instance; if "
                        "one person answered it repeatedly, keep one instance per person")
    return Raw(raw, team_code=team_position, warnings=tuple(warnings))


def _rows_without_the_form(frame, items, complete, event, repeat):
    """Rows of a longitudinal or repeating export that do not hold the items' form: an event
    the form is not designated for (its ``_complete`` blank and no item answered) or a repeat
    row of another instrument. None for a classic export (every row is a record)."""
    if event is None and repeat is None:
        return None
    blank = pd.Series(True, index=frame.index)
    for c in items:
        blank &= frame[c].isna() | frame[c].astype("string").str.strip().eq("").fillna(True)
    if complete is not None:
        blank &= frame[complete].isna() | frame[complete].astype("string").str.strip().eq("").fillna(True)
    out = blank
    if repeat is not None and complete is not None:
        form = complete.removesuffix(COMPLETE_SUFFIX)
        other = frame[repeat].astype("string").str.strip()
        out = out | (other.notna() & other.ne("") & other.ne(form)).fillna(False)
    return out.to_numpy(dtype=bool)
