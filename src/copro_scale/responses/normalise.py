"""The one normalisation step every reader shares, as small named steps.

A reader only finds its columns. It hands :func:`finish` a *raw table*: a DataFrame with

- ``_row``: the 1-based row as a spreadsheet shows it (header = row 1);
- optional booleans for the platform's status (:data:`STATUS_COLUMNS`: ``_preview``,
  ``_spam``, ``_unknown_status``, ``_unfinished``), and ``_other_form`` for rows that hold
  another instrument (a REDCap event or repeat row);
- optional ``_wave``: the wave of each row (:func:`mark_waves`);
- any of ``response_id``, ``team``, ``role``, ``form``, ``months_in_role``, ``duration_s``;
- one column per item id, holding codes (numbers or numeric text) or label text.

:func:`finish` runs the steps in order, each giving the rows it rejects a reason in a
:class:`Ledger` (the first reason found wins): platform status, unusable text, team, role and
form, answers, repeated ids; then it builds the canonical table and the careless-response flags.
Everything is vectorised over the table; the only Python loops run over columns or over the
*distinct* values of a column.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrow import all_distinct, any_control, arrow_of, is_text
from ..errors import CoproError
from ..instrument import Instrument
from .careless import careless_flags, speeders
from .codes import ItemChecks, check_items, label_lookup
from .ids import excel_damage, hash_ids, sequence_ids
from .model import EXCLUSION_COLUMNS, FLAG_COLUMNS, META_COLUMNS, Responses
from .teams import TeamList, TeamNames, headcount_checks, read_team_list, resolve_teams
from .text import (
    CONTROL,
    MAX_TEXT,
    Distinct,
    choice_lookup,
    choice_of,
    clean_text,
    months_column,
    norm_text,
    number_column,
    text_per_row,
    text_problem,
)

#: Status columns a reader may set, with the reason and detail of the rows they mark.
STATUS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("_preview", "preview", "survey preview or test"),
    ("_spam", "spam", "marked as spam by the platform"),
    ("_unknown_status", "unknown_status", "status code the platform does not document"),
    ("_unfinished", "unfinished", "response not finished"),
)
_PROBLEM_TEXT = {"invalid_text": "holds a control character (such as NUL) or a value that is not text",
                 "text_too_long": f"holds more than {MAX_TEXT:,} characters"}


class Ledger:
    """Which rows are still kept, and the reason and detail of each row left out."""

    def __init__(self, rows: np.ndarray):
        self.rows = rows
        self.free = np.ones(len(rows), dtype=bool)  # rows with no reason yet
        self.reason = self.detail = None  # made at the first exclusion

    def mark(self, mask, code: str, text) -> None:
        """Give rows still free in ``mask`` a reason; ``text`` is one detail or one per row."""
        mask = np.asarray(mask, dtype=bool) & self.free
        if mask.any():
            if self.reason is None:
                n = len(self.rows)
                self.reason, self.detail = np.full(n, None, object), np.full(n, None, object)
            self.reason[mask] = code
            self.detail[mask] = text if isinstance(text, str) else np.asarray(text, object)[mask]
            self.free[mask] = False

    def exclusions(self, response_ids) -> pd.DataFrame:
        """The exclusion log: source_row, response_id (taken only for the rows left out),
        reason, detail."""
        out = ~self.free
        return pd.DataFrame({
            "source_row": self.rows[out],
            "response_id": np.asarray(response_ids[np.flatnonzero(out)], dtype=object),
            "reason": self.reason[out].astype(str) if out.any() else np.array([], dtype=object),
            "detail": self.detail[out] if out.any() else np.array([], dtype=object),
        }, columns=list(EXCLUSION_COLUMNS))


def _per_row(d: Distinct, values: list, dtype=object) -> np.ndarray:
    """``values`` (one per distinct value) per row; rows with no value take the last entry."""
    return np.asarray(values, dtype=dtype)[d.codes]


def _field(raw: pd.DataFrame, name: str) -> Distinct:
    return Distinct(raw[name] if name in raw else pd.Series(pd.NA, index=raw.index))


# -- the steps -----------------------------------------------------------------------------------
def mark_waves(raw: pd.DataFrame, ledger: Ledger, wave: str | None, source: str) -> None:
    """Rows that hold no answer to this form (``not_this_form``: a REDCap event or repeat row of
    another instrument), and rows of another wave than ``wave`` (``other_wave``).

    Without ``wave``, a file whose rows answer the form in more than one wave is refused: the
    waves are separate surveys, and pooled a person would count once per wave.
    """
    if "_other_form" in raw:
        ledger.mark(raw["_other_form"].to_numpy(dtype=bool), "not_this_form",
                    "this row (an event or repeat of another instrument) holds no answer to the form")
    if "_wave" not in raw:
        return
    column = raw.attrs.get("wave_column", "wave")
    waves = pd.Series(raw["_wave"].to_numpy(dtype=object)).fillna("").astype(str).str.strip()
    counts = waves[ledger.free].value_counts(sort=False)
    shown = ", ".join(f"{w or '(blank)'}: {n}" for w, n in counts.items())
    if wave is None:
        if len(counts) > 1:
            raise CoproError(f"holds answers from {len(counts)} waves in column {column!r} "
                             f"({shown[:200]}); pass --wave NAME to read one wave (waves are "
                             "separate surveys: pooled, a person would count once per wave)",
                             file=source, column=column)
        return
    if wave not in set(waves):
        raise CoproError(f"no row of wave {wave!r} in column {column!r}; the waves are "
                         f"{shown[:200]}", file=source, column=column)
    other = waves.ne(wave).to_numpy()
    ledger.mark(other, "other_wave", np.where(
        other, "wave '" + waves.to_numpy(dtype=object) + f"' in column {column!r}, not {wave!r}",
        None))


def mark_status(raw: pd.DataFrame, ledger: Ledger) -> None:
    """Previews, spam, undocumented statuses and unfinished responses, as the reader marked them."""
    for column, code, text in STATUS_COLUMNS:
        if column in raw:
            ledger.mark(raw[column].fillna(False).to_numpy(dtype=bool), code, text)


def mark_bad_text(raw: pd.DataFrame, fields: dict[str, Distinct], ledger: Ledger) -> None:
    """Rows whose id, team, role or form text holds a control character or is too long."""
    for name, d in fields.items():
        problems = [text_problem(u) for u in d.uniques]
        if any(problems):
            per_row = _per_row(d, problems + [None])
            for code, text in _PROBLEM_TEXT.items():
                ledger.mark(per_row == code, code, f"column {name!r} {text}")
    if "response_id" in raw and raw["response_id"].dtype != "int64":
        arr = arrow_of(raw["response_id"]) if is_text(raw["response_id"]) else None
        if arr is not None and not any_control(arr) and (  # bytes bound characters
                pc.max(pc.binary_length(arr)).as_py() or 0) <= MAX_TEXT:
            return  # the fast read's ids: one pass over their bytes, and all is well
        ids = raw["response_id"].astype("string")
        too_long = ids.str.len().gt(MAX_TEXT).fillna(False).to_numpy(dtype=bool)
        ledger.mark(too_long, "text_too_long", f"column 'response_id' {_PROBLEM_TEXT['text_too_long']}")
        bad = ids.str.contains(CONTROL.pattern, regex=True)
        ledger.mark(bad.fillna(False).to_numpy(dtype=bool), "invalid_text",
                    f"column 'response_id' {_PROBLEM_TEXT['invalid_text']}")


def team_codes_to_names(text: list, teams: TeamList | None, team_code, team_codes: bool = False
                        ) -> tuple[list, list[str]]:
    """Team names for the distinct team cells ``text``, matched by name first and only then by
    the platform's answer code of a listed team (an export made with ``--teams``).

    A code that is a bare number (REDCap's and Qualtrics' ``1..n``) is read as a list position
    only when ``team_codes`` says the export offered the list as choices: a number typed into a
    free-text team question is not a position. Returns the names and the warnings.

    Examples
    --------
    >>> tl = TeamList.from_records([{"team": "Ward 1"}, {"team": "Ward 10"}, {"team": "Ward 2"}])
    >>> team_codes_to_names(["2", "Ward 2"], tl, int)[0]
    ['2', 'Ward 2']
    >>> team_codes_to_names(["2", "Ward 2"], tl, int, team_codes=True)[0]
    ['Ward 10', 'Ward 2']
    """
    if teams is None or team_code is None:
        return text, []
    out, numbers, warnings = list(text), [], []
    for k, t in enumerate(text):
        if t is None or teams.match(t) is not None:
            continue
        p = team_code(t)
        if p is None or not 1 <= p <= len(teams.teams):
            continue
        if t.strip().isdigit() and not team_codes:
            numbers.append(t)
            continue
        out[k] = teams.teams[p - 1]
    if team_codes:
        named = [t for t in teams.teams if t.strip().isdigit()]
        if named:
            raise CoproError(f"the team list names teams by numbers ({', '.join(named[:3])}) and "
                             "--team-codes reads numbers as positions in the list: one number, "
                             "two meanings; rename those teams or drop --team-codes",
                             file=teams.source)
    if numbers:
        warnings.append(f"{len(numbers)} team cell value(s) are numbers that name no listed team "
                        f"({', '.join(sorted(numbers)[:3])}); if the export offered the team list "
                        "as choices (copro instrument export --teams), pass --team-codes to read "
                        "them as the list's answer codes")
    return out, warnings


def team_texts(uniques, teams: TeamList | None, team_code=None, team_codes: bool = False
               ) -> tuple[list, list[str]]:
    """The team name each distinct team cell reads as (None: blank), before spelling variants
    are merged or names matched, and the warnings of the codes read."""
    return team_codes_to_names([clean_text(u, blanks={""}) for u in uniques], teams, team_code,
                               team_codes)


def resolve_team(d: Distinct, ledger: Ledger, teams: TeamList | None,
                 team_code=None, team_codes: bool = False, resolved=None) -> tuple[np.ndarray, list]:
    """Team name per row: blanks marked ``missing_team``; spelling variants merged, or matched
    to the team list (unmatched: ``unknown_team``). Returns the names and the warnings.

    ``resolved`` (a :class:`~.teams.TeamNames` of the whole file's names, for one block of it)
    replaces the resolution of this table's names, and its warnings are the caller's."""
    text, code_warnings = team_texts(d.uniques, teams, team_code, team_codes)
    ledger.mark(_per_row(d, [t is None for t in text] + [True], bool), "missing_team",
                "column 'team' is blank")
    counts = np.bincount(d.codes[d.codes >= 0], minlength=len(text))
    usable = [(t, int(c)) for t, c in zip(text, counts) if t is not None and text_problem(t) is None]
    if resolved is None:
        resolved = resolve_teams([t for t, _ in usable], [c for _, c in usable], teams)
    else:
        code_warnings, resolved = [], TeamNames(resolved.canonical, [])
    team = [resolved.canonical.get(t) if t is not None else None for t in text] + [None]
    if teams is not None:
        unknown = [t is not None and resolved.canonical.get(t, "") is None for t in text] + [False]
        ledger.mark(_per_row(d, unknown, bool), "unknown_team", "team is not in the team list")
    return d.text_per_row(team[:-1]), code_warnings + resolved.warnings


def resolve_role_form(inst: Instrument, roles: Mapping[str, str] | None,
                      role_d: Distinct, form_d: Distinct | None, ledger: Ledger):
    """Role code and form index per row (-1: unknown), marking unknown roles and forms."""
    form_ids = list(inst.forms)
    role_lk = choice_lookup(dict(inst.roles))
    for text_, code in (roles or {}).items():
        role_lk[norm_text(text_)] = code
    role_code = [choice_of(clean_text(u), role_lk) for u in role_d.uniques]
    role_none = _per_row(role_d, [c is None for c in role_code] + [True], bool)
    role_blank = _per_row(role_d, [clean_text(u) is None for u in role_d.uniques] + [True], bool)
    role_form = {r: form_ids.index(inst.form_for_role(r)) for r in inst.roles}
    form_of_role = _per_row(role_d, [role_form.get(c, -1) for c in role_code] + [-1], np.int8)
    if form_d is not None:
        form_lk = choice_lookup({f: f for f in inst.forms}, {f.id: f.title for f in inst.forms.values()})
        given = form_d.map(lambda u: clean_text(u) is not None, missing=False, dtype=bool)
        form_idx = form_d.map(lambda u: form_ids.index(f) if (f := choice_of(clean_text(u), form_lk))
                              else -1, missing=-1, dtype=np.int8)
        ledger.mark(given & (form_idx < 0), "unknown_form", "column 'form' is not psw or colleague")
        clash = given & (form_idx >= 0) & (form_of_role >= 0) & (form_idx != form_of_role)
        form_idx = np.where(given, form_idx, form_of_role)
    else:
        form_idx, clash = form_of_role, np.zeros(len(ledger.rows), dtype=bool)
    if role_none.any():
        ledger.mark(role_none, "unknown_role",
                    np.where(role_blank, "column 'role' is blank", "column 'role' is no known role"))
    ledger.mark(clash, "unknown_role", "column 'role' does not answer this form")
    ledger.mark(form_idx < 0, "unknown_form", "form unknown (no 'form' column and no role)")
    return role_d.text_per_row(role_code), form_idx


def mark_answers(checks: ItemChecks, inst: Instrument, ledger: Ledger) -> None:
    """Mark the rows :func:`~.codes.check_items` found out of range, unlabelled or empty."""
    names = np.array(inst.item_ids, dtype=object)
    bad_rows = checks.first_bad >= 0
    if bad_rows.any():
        where = np.flatnonzero(bad_rows)
        text = np.full(len(bad_rows), None, dtype=object)
        values = pd.Series(checks.bad_value[where] + 0.0).map(  # + 0.0: "-0" is 0
            "{:g}".format).to_numpy(dtype=object)
        text[where] = ("column '" + names[checks.first_bad[where]] + "': value outside "
                       f"{inst.scale_min}-{inst.scale_max} (" + values + ")")
        ledger.mark(bad_rows, "out_of_range", text)
    unknown_rows = checks.first_unknown >= 0
    if unknown_rows.any():  # the answer text itself is not logged: it might be personal
        text = np.full(len(unknown_rows), None, dtype=object)
        text[unknown_rows] = ("column '" + names[checks.first_unknown[unknown_rows]]
                              + "': answer is no code or label of the scale")
        ledger.mark(unknown_rows, "unknown_label", text)
    ledger.mark(checks.answered == 0, "no_answers", "no item answered")


def _answers_and_flags(raw, inst, colleague, lookup) -> tuple[ItemChecks, pd.DataFrame]:
    """The item checks and the careless flags that rest on the answers alone."""
    checks = check_items(raw, inst, colleague, lookup)
    return checks, careless_flags(checks.codes, inst)


def _all_distinct(ids: pd.Series | None, kept: np.ndarray) -> bool:
    """Whether the fast read's ids of the kept rows are all given and distinct
    (:func:`~.arrow.all_distinct`, the common case); False sends the caller to find the
    repeats."""
    arr = arrow_of(ids) if ids is not None else None
    if arr is None:
        return False
    if not kept.all():
        arr = arr.filter(pa.array(kept))
    return all_distinct(arr)


def resolve_ids(raw: pd.DataFrame, ledger: Ledger, ids: str, salt: str | None,
                warnings: list | None = None, mark_repeats: bool = True) -> pd.Series:
    """Response ids (kept, hashed or numbered); all but the last kept row of a repeated id are
    marked ``duplicate_id``. A blank id is ``row<N>``. Ids that repeat because a spreadsheet
    damaged them (:func:`~.ids.excel_damage`) are all replaced by ``row<N>``, with a warning
    added to ``warnings`` naming the column."""
    rows, n = ledger.rows, len(ledger.rows)
    if "response_id" in raw:
        rid = raw["response_id"].astype("str")
        blank = raw["response_id"].isna().to_numpy()
    else:
        rid, blank = pd.Series("", index=raw.index, dtype="str"), np.ones(n, dtype=bool)
    if blank.any():
        rid = rid.copy()
        rid[blank] = "row" + pd.Series(rows[blank]).astype(str).to_numpy()
    kept = ledger.free
    if mark_repeats and kept.any() and not _all_distinct(raw.get("response_id", None), kept):
        kept_ids = rid[kept]
        d = kept_ids.duplicated(keep="last")
        damage = excel_damage(kept_ids[kept_ids.duplicated(keep=False)].unique()) if d.any() else None
        if damage is not None:
            column = raw.attrs.get("columns", {}).get("response_id", "response_id")
            (warnings if warnings is not None else []).append(
                f"column {column!r} holds ids damaged by a spreadsheet ({damage}), so "
                f"{int(d.sum())} rows share an id with another: every response id is its row "
                "number (row<N>) instead; export the file again and save it as CSV without "
                "opening it in Excel to keep the platform's ids")
            rid = "row" + pd.Series(rows, index=raw.index).astype(str)
            d = d & False
        if d.any():
            last_row = pd.Series(rows[kept], index=kept_ids.index).groupby(kept_ids).transform("last")
            dup = np.zeros(n, dtype=bool)
            dup[d[d].index.to_numpy()] = True
            text = np.full(n, None, dtype=object)
            text[dup] = ("response id repeated; the last complete one, row "
                         + last_row[d].astype(str) + ", is kept").to_numpy(dtype=object)
            ledger.mark(dup, "duplicate_id", text)
    if ids == "hash":
        return hash_ids(rid, salt)
    if ids == "sequence":
        return sequence_ids(n)
    return rid


def canonical_table(raw: pd.DataFrame, inst: Instrument, meta: dict, codes: np.ndarray,
                    warnings: list | None = None) -> pd.DataFrame:
    """The canonical responses table from the resolved metadata and the code matrix (a
    months value that is no whole number of months adds a warning to ``warnings``)."""
    months, problem = months_column(raw)
    if problem and warnings is not None:
        warnings.append(problem)
    meta = dict(meta, months_in_role=months.array)
    if "duration_s" in raw:
        meta["duration_s"] = number_column(raw, "duration_s", "Float64").to_numpy(
            dtype="float64", na_value=np.nan)
    items = {i: pd.arrays.IntegerArray(codes[:, j], codes[:, j] == 0)
             for j, i in enumerate(inst.item_ids)}
    data = pd.DataFrame({**meta, **items}, copy=False)  # arrays made here, owned by data
    for c in META_COLUMNS[:4]:
        if data[c].dtype != "str":
            data[c] = data[c].astype("str")
    return data


def finish(raw: pd.DataFrame, inst: Instrument, *, source: str, format: str,
           labels: Mapping[str, int] | None = None, roles: Mapping[str, str] | None = None,
           ids: str = "keep", salt: str | None = None, drop_flagged: bool = False,
           teams=None, team_code=None, team_codes: bool = False, wave: str | None = None,
           reader_warnings=(), teams_encoding: str | None = None, team_names=None,
           mark_repeats: bool = True) -> Responses:
    """Validate a raw table and account for every row.

    Parameters
    ----------
    raw : DataFrame
        The reader's raw table (see the module docstring).
    inst : Instrument
    source, format : str
        The path read and the reader's name, kept on the result.
    labels : mapping, optional
        Extra answer text -> code (None for missing), beyond the instrument's labels.
    roles : mapping, optional
        Extra role text -> role code.
    ids : {"keep", "hash", "sequence"}
        Keep the source response ids, replace them by a salted hash (``salt``), or by ``r1``,
        ``r2``, ... in file order.
    salt : str, optional
        Salt for ``ids="hash"``; required then.
    drop_flagged : bool
        Exclude flagged (careless) rows with reason ``flagged`` instead of only marking them.
    teams : TeamList or path, optional
        The team list names are matched to (see :mod:`.teams`).
    team_code : callable, optional
        The reader's reading of a team answer code as a position in the team list.
    team_codes : bool
        Read team cells that are bare numbers as positions in the team list (the export offered
        the list as choices); without it a number is matched as a name only.
    wave : str, optional
        The wave to keep, of the raw table's ``_wave`` column (see :func:`mark_waves`).
    reader_warnings : tuple of str
        The reader's warnings, put before the normalisation's.
    teams_encoding : str, optional
        Text encoding of a team list given as a path (the responses' ``encoding``).
    team_names : TeamNames, optional
        For one block of a file read in blocks (:mod:`.chunked`): the resolution of the whole
        file's team names. The caller then reports the team warnings and checks headcounts.
    mark_repeats : bool
        Mark repeated ids ``duplicate_id`` (False for one block: repeats are judged across the
        whole file by the caller).

    Returns
    -------
    Responses

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> raw = pd.DataFrame({"_row": [2, 3], "response_id": ["a", "b"], "team": ["T", None],
    ...                     "role": ["psw", "psw"], **{i: ["Agree", 4] for i in inst.item_ids}})
    >>> r = finish(raw, inst, source="x.csv", format="canonical")
    >>> r.accounting()
    'rows read 2 = scored 1 + excluded 1 (missing_team: 1)'
    """
    if ids not in ("keep", "hash", "sequence"):
        raise ValueError("ids must be 'keep', 'hash' or 'sequence'")
    if ids == "hash" and not salt:
        raise ValueError("ids='hash' needs a salt")
    absent = [i for i in inst.item_ids if i not in raw]
    if absent:
        raise CoproError(f"wrong instrument? {len(absent)} of {len(inst.item_ids)} items have no "
                         f"column (first: {absent[0]})", file=source, column=absent[0])
    team_list = read_team_list(teams, encoding=teams_encoding) if teams is not None else None
    raw = raw.reset_index(drop=True)
    n = len(raw)
    ledger = Ledger(raw["_row"].to_numpy(dtype="int64") if "_row" in raw else np.arange(2, n + 2))
    mark_waves(raw, ledger, wave, source)
    if wave is not None and "_wave" not in raw:
        warnings_in = ((f"wave {wave!r}: the file has no wave column (--wave-column), so every "
                       "row is read as that wave"),)
        reader_warnings = tuple(reader_warnings) + warnings_in
    mark_status(raw, ledger)
    # The answers are checked in a second thread while this one works out the respondents'
    # fields; the checks ask for the colleague rows (known after the role step) only if a
    # column holds text or a value outside the scale.
    colleague = Future()
    with ThreadPoolExecutor(1) as pool:
        try:
            answers = pool.submit(_answers_and_flags, raw, inst, colleague.result,
                                  label_lookup(inst, labels))
            fields = {name: _field(raw, name) for name in ("team", "role")}
            if "form" in raw:
                fields["form"] = _field(raw, "form")
            mark_bad_text(raw, fields, ledger)
            team, warnings = resolve_team(fields["team"], ledger, team_list, team_code,
                                          team_codes, team_names)
            role, form_idx = resolve_role_form(inst, roles, fields["role"], fields.get("form"), ledger)
            colleague.set_result(form_idx == list(inst.forms).index("colleague"))
        finally:
            if not colleague.done():  # never leave the checks waiting
                colleague.set_exception(RuntimeError("the respondents' forms were not worked out"))
        checks, flags = answers.result()
    mark_answers(checks, inst, ledger)
    codes = checks.codes
    rid = resolve_ids(raw, ledger, ids, salt, warnings, mark_repeats)
    form = text_per_row(list(inst.forms) + [None], form_idx)  # -1 picks None
    data = canonical_table(raw, inst, {
        "response_id": rid.array if rid.dtype == "str" else rid.to_numpy(),
        "team": team, "role": role, "form": form}, codes, warnings)
    if "duration_s" in data:
        flags["speeder"] = speeders(data["duration_s"], keep=ledger.free)
    if drop_flagged:
        text = pd.Series("careless:", index=flags.index)
        for c in FLAG_COLUMNS:
            text = text + np.where(flags[c], " " + c, "")
        ledger.mark(flags.any(axis=1).to_numpy(), "flagged", text.to_numpy(dtype=object))
    excl = ledger.exclusions(data["response_id"].array)
    if not ledger.free.all():
        data = data[ledger.free].reset_index(drop=True)
        flags = flags[ledger.free].reset_index(drop=True)
    heads = None
    if team_list is not None and team_names is None:
        heads, notes = headcount_checks(team_list.headcounts, data)
        warnings = list(warnings) + notes
    return Responses(data=data, exclusions=excl, flags=flags, source=str(source), format=format,
                     n_read=n, instrument=inst, warnings=tuple(reader_warnings) + tuple(warnings),
                     team_list=heads)
