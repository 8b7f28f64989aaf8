"""Reader for LimeSurvey response exports of the questionnaire exported by ``--format limesurvey``.

LimeSurvey's "Export responses" (CSV or xlsx) with *question code* headings (the default):
metadata columns ``id``, ``submitdate``, ``lastpage``, ``startlanguage``, ``seed`` (plus
``startdate``/``datestamp`` and ``interviewtime`` when the survey records dates or timings),
the respondent questions ``team``, ``role``, ``months`` and one column per item headed
``<section>[<item id>]`` (an array question's subquestion). With *full question text*
headings the same columns read ``Response ID``, ``Date submitted``, the question texts, and
``<question text> [<statement>]`` for an item. Answers may be codes ("Answer codes") or answer
text ("Full answers"); the role may be its answer code
(:data:`~copro_scale.platforms.limesurvey.ROLE_ANSWER_CODES`) or its label.

A row with an empty submit date is an incomplete response and is excluded as ``unfinished``.
"""

from __future__ import annotations

import re

import pandas as pd

from ..errors import CoproError
from ..instrument import Instrument
from ..platforms.limesurvey import (
    FIELD_CODES,
    META_COLUMNS,
    ROLE_ANSWER_CODES,
    SUBMIT_DATE,
    SUBMIT_DATE_TEXT,
    SUBQUESTION,
    team_position,
)
from .tables import Head, Plan, Raw, item_texts, meta_names, pick, read_plan
from .text import drop_identifying, norm_header

NAME = "limesurvey"
_BRACKETS = re.compile(r"\[([^\[\]]+)\]\s*$")
_FULL_META = {"response id": "response_id", "total time": "duration_s"}


def columns(header, inst: Instrument) -> dict[str, str]:
    """Source column -> canonical column for a LimeSurvey export's headings (codes or text).

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> columns(["id", "months", "voice[vdm1]", "voice[other]"], load_instrument())
    {'id': 'response_id', 'months': 'months_in_role', 'voice[vdm1]': 'vdm1'}
    """
    items = set(inst.item_ids)
    meta = {**META_COLUMNS, **{code: field for field, code in FIELD_CODES.items()}}
    by_text = {t: i for t, (i, _) in item_texts(inst).items()}
    names = {**meta_names(inst), **_FULL_META}
    out: dict[str, str] = {}
    for col in header:
        text = str(col)
        m = SUBQUESTION.match(text)
        b = _BRACKETS.search(text)
        if m and m.group(2) in items:
            out[col] = m.group(2)
        elif text.strip() in meta:
            out[col] = meta[text.strip()]
        elif b and norm_header(b.group(1)) in by_text:
            out[col] = by_text[norm_header(b.group(1))]
        elif norm_header(text) in names and names[norm_header(text)] not in out.values():
            out[col] = names[norm_header(text)]
    return out


def _submit_column(header) -> str | None:
    return next((c for c in header if str(c).strip() == SUBMIT_DATE
                 or norm_header(c) == SUBMIT_DATE_TEXT), None)


def sniff(head: Head, inst: Instrument) -> bool:
    """LimeSurvey when items are headed ``<section>[<item id>]``, or a full-text export (a
    ``Date submitted`` column beside ``[statement]`` item headings)."""
    header = head.header()
    cols = columns(header, inst)
    if any(SUBQUESTION.match(str(c)) for c, t in cols.items() if t in inst.item_ids):
        return True
    return _submit_column(header) is not None and any(t in inst.item_ids for t in cols.values())


def plan(path, inst: Instrument, head: Head, *, wave_column=None, **_) -> Plan:
    """The columns read (the questions', the submit date) and the raw table of them."""
    header = head.header()
    used = set(columns(header, inst)) | {wave_column, _submit_column(header)}

    def shape(frame: pd.DataFrame) -> Raw:
        mapping = columns(list(frame.columns), inst)
        targets = pd.Series(list(mapping.values()), dtype=object)
        if not set(inst.item_ids) & set(targets):
            raise CoproError("no LimeSurvey item columns such as 'voice[vdm1]'; export responses "
                             "with 'Question code' headings", file=path)
        twice = targets[targets.duplicated()]
        if len(twice):
            col = [c for c, t in mapping.items() if t == twice.iloc[0]][-1]
            raise CoproError(f"item {twice.iloc[0]} has two columns", file=path, column=col)
        submit = _submit_column(frame.columns)
        raw = pick(drop_identifying(frame, keep=tuple(mapping)), mapping, wave_column=wave_column)
        if submit is not None:
            raw["_unfinished"] = frame[submit].isna().to_numpy() | frame[submit].astype(
                "string").str.strip().eq("").fillna(True).to_numpy(dtype=bool)
        return Raw(raw, roles={code: role for role, code in ROLE_ANSWER_CODES.items()},
                   team_code=team_position)

    return Plan(frozenset(c for c in used if c is not None), 1, shape)


def read(path, inst: Instrument, head: Head, *, encoding=None, sheet=None, wave_column=None,
         **_) -> Raw:
    """Read a LimeSurvey response export (CSV or xlsx, question-code or full-text headings)."""
    return read_plan(path, head, plan(path, inst, head, wave_column=wave_column),
                     encoding=encoding, sheet=sheet)
