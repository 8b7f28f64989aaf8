"""Reader for Qualtrics response exports (CSV).

Qualtrics writes three header rows: 1, export tags (``Q3_4``, or the tags our exports set); 2, the
question text (for a matrix, ``<question> - <statement>``); 3, JSON such as
``{"ImportId":"QID3_4"}``. Legacy exports have only the first two. Metadata columns come first:
StartDate, EndDate, Status (0 response, 1 preview), IPAddress, Progress, Duration (in seconds),
Finished (1/0 or True/False), RecordedDate, ResponseId, Recipient*, ExternalReference,
Location*, DistributionChannel, UserLanguage. Values are recode numbers or choice text.

Items are found by tag (the item id, or the ``<section>_<n>`` tags of
``copro instrument export --format qualtrics``) or by statement text in row 2. Previews and
test responses (Status 1, 2, 17 or their text) are excluded as ``preview``, spam (8, 9, 12) as
``spam``, a status Qualtrics does not document as ``unknown_status``
(:mod:`copro_scale.platforms.qualtrics`); Finished 0/False as ``unfinished``. Choice text
in Qualtrics' default agreement labels ("Somewhat agree") reads as the scale's codes
(:func:`~copro_scale.platforms.qualtrics.default_labels`). Identifying columns (IP, recipient, location, external reference) are dropped.
"""

from __future__ import annotations

import re

import pandas as pd

from ..instrument import Instrument
from ..platforms.qualtrics import META_COLUMNS as META
from ..platforms.qualtrics import (
    STATUS,
    UNFINISHED,
    default_labels,
    response_columns,
    role_recodes,
    status_of,
    team_position,
)
from .tables import Head, Plan, Raw, item_texts, meta_names, pick, read_plan
from .text import drop_identifying, norm_header, norm_text

NAME = "qualtrics"
_IMPORT_ID = re.compile(r"""^\s*\{\s*["']ImportId["']""")


def sniff(head: Head, inst: Instrument) -> bool:
    """Qualtrics when the header has ``ResponseId`` or ``StartDate`` with ``Status``."""
    for row in head.rows[:2]:
        h = {norm_text(c).replace(" ", "") for c in row}
        if "responseid" in h or {"startdate", "status"} <= h:
            return True
    return False


def header_rows(head: Head) -> int:
    """How many header rows the export has (1 to 3)."""
    n = 1
    header = head.header()
    status = next((i for i, c in enumerate(header) if norm_text(c) == "status"), None)
    if status is None and len(head.rows) > 1:  # legacy: V1, V2, ... over the field names
        status = next((i for i, c in enumerate(head.rows[1]) if norm_text(c) == "status"), None)
        if status is not None:
            return 2
    if len(head.rows) > 1 and status is not None and status < len(head.rows[1]) \
            and norm_text(head.rows[1][status]) not in STATUS or len(head.rows) > 1 and head.rows[1] and norm_text(head.rows[1][0]) in {"start date", "startdate"}:
        n = 2
    if len(head.rows) > n and any(_IMPORT_ID.match(c) for c in head.rows[n][:3]):
        n += 1  # {"ImportId":"QID1"}, or {'ImportId': 'QID1'} in Insights-era exports
    return n


def columns(head: Head, inst: Instrument, n_header: int) -> dict[str, str]:
    """Source column -> canonical name: by tag, by question text, then by our export's tags."""
    header = head.header()
    texts = head.rows[1] if n_header >= 2 and len(head.rows) > 1 else [""] * len(header)
    texts = list(texts) + [""] * (len(header) - len(texts))
    by_text = {t: i for t, (i, _) in item_texts(inst).items()}
    meta = meta_names(inst)
    tags = response_columns(inst)
    ids = set(inst.item_ids)
    out, taken = {}, set()
    for col, text in zip(header, texts):
        key = norm_header(col)
        alt = norm_header(text)
        target = (col if col in ids else META.get(key) or meta.get(key) or META.get(alt)
                  or meta.get(alt))
        if target is None:
            t = norm_header(text)
            parts = t.split(" - ")
            target = next((by_text[" - ".join(parts[k:])] for k in range(len(parts))
                           if " - ".join(parts[k:]) in by_text), None)
        if target is None:
            target = tags.get(col)
        if target is not None and (target in ids or target not in taken):
            out[col] = target  # an item may have a column per form (merged by pick)
            taken.add(target)
    return out


def plan(path, inst: Instrument, head: Head, *, wave_column=None, **_) -> Plan:
    """The columns read (the instrument's, Status and Finished) and the raw table of them."""
    n = header_rows(head)
    mapping = columns(head, inst, n)
    texts = head.rows[1] if n >= 2 and len(head.rows) > 1 else []
    used = set(mapping) | {wave_column} | {  # Status, Finished: by tag or by their text
        c for c, t in zip(head.header(), list(texts) + [""] * len(head.header()))
        if {norm_text(c), norm_text(t)} & {"status", "finished"}}
    by_column = dict(zip(head.header(), texts))  # row 2's text of each column read
    labels = default_labels(inst)
    roles = {str(k): code for code, k in role_recodes(inst).items()}

    def shape(frame: pd.DataFrame) -> Raw:
        flags = status_flags(frame, [by_column.get(c, "") for c in frame.columns])
        frame = drop_identifying(frame, keep=tuple(mapping))
        raw = pick(frame, mapping, n, wave_column=wave_column)
        for column, values in flags.items():
            raw[column] = values
        return Raw(raw, labels=labels, roles=roles, team_code=team_position)

    return Plan(frozenset(c for c in used if c is not None), n, shape)


def read(path, inst: Instrument, head: Head, *, encoding=None, sheet=None, wave_column=None,
         **_) -> Raw:
    """Read a Qualtrics export (numeric or choice-text values)."""
    return read_plan(path, head, plan(path, inst, head, wave_column=wave_column),
                     encoding=encoding, sheet=sheet)


def status_flags(frame: pd.DataFrame, texts=()) -> dict:
    """The status columns of :func:`~copro_scale.responses.normalise.finish` (``_preview``,
    ``_spam``, ``_unknown_status``, ``_unfinished``) from Qualtrics' ``Status`` and
    ``Finished`` columns, found by export tag or by their text in header row 2 (``texts``).
    Used by this reader and by a ``--mapping`` read of a Qualtrics export."""
    status = {norm_text(c): c for c in frame.columns}
    status.update({norm_text(t): c for c, t in zip(frame.columns, texts) if norm_text(t) not in status})
    out = {}
    if "status" in status:
        col = frame[status["status"]]
        codes, uniques = col.factorize(use_na_sentinel=True)
        meaning = pd.Series([status_of(u) for u in uniques] + ["response"], dtype=object)
        per_row = meaning.to_numpy()[codes]
        out["_preview"] = per_row == "preview"
        out["_spam"] = per_row == "spam"
        out["_unknown_status"] = pd.isna(per_row)
    if "finished" in status:
        out["_unfinished"] = frame[status["finished"]].astype("string").str.strip().str.lower() \
            .isin(UNFINISHED).fillna(False).to_numpy(dtype=bool)
    return out
