"""Scoring a canonical CSV in blocks of rows, so that memory stays bounded whatever its size.

:func:`score_in_blocks` gives the scores and the exclusion log that
:func:`~copro_scale.responses.read_responses` and :func:`~copro_scale.scoring.score` give for
the whole file, row for row, while holding one block of rows at a time (pyarrow's streaming
CSV reader, :data:`BLOCK_BYTES` of text a block). Every row's checks and scores depend on that
row alone; what depends on other rows is settled across the file in a first pass, before any
output is written:

- the team names: spelling variants are merged (or names matched to the team list) over the
  whole file's names and their row counts, which the first pass counts;
- repeated ids: the first pass keeps a 128-bit hash and the row number of each row that passes
  every other check (24 bytes a row: about 375 MB for 15.6 million rows), and all but the last
  row of each id are ``duplicate_id``; ids damaged by a spreadsheet are judged, as in
  :func:`~.normalise.resolve_ids`, on the ids that repeat (read again in a pass of their own);
- speeders: the median duration of the rows kept (one float a row, when the file has
  ``duration_s``).

The second pass scores each block and appends its scores and exclusions to the output files,
which take their place only when the whole file is done (:func:`~copro_scale.outputs.replaced_file`).
"""

from __future__ import annotations

import codecs
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ..errors import CoproError
from ..instrument import Instrument
from .careless import SPEEDER_SHARE
from .ids import excel_damage, hash_ids
from .model import EXCLUSION_COLUMNS, Responses, accounting_line, ordered_reasons
from .normalise import finish, team_texts
from .tables import (
    READ_BYTES,
    Head,
    Raw,
    _check_last_line,
    check_row_widths,
    drop_blank_rows,
    duplicate_headers,
)
from .teams import TeamList, TeamNames, headcount_checks, read_team_list, resolve_teams
from .text import text_problem

#: Text read into one block (pyarrow's block size): about 130,000 rows of the canonical table.
BLOCK_BYTES = 16 << 20
#: Files at least this large are scored in blocks by ``copro score``.
STREAM_BYTES = 128 << 20
#: Distinct repeated ids kept to judge spreadsheet damage by.
DAMAGE_SAMPLE = 100_000
_META = ("response_id", "team", "role", "form", "months_in_role", "duration_s")
_WHOLE = r"^[0-9]+$"


@dataclass(frozen=True)
class BlockSummary:
    """What :func:`score_in_blocks` read: counts, warnings and the responses kept per team."""

    source: str
    n_read: int
    n_scored: int
    reasons: dict
    warnings: tuple
    team_counts: pd.DataFrame  # team x form: responses kept
    team_list: pd.DataFrame | None = None
    format: str = "canonical"

    def accounting(self) -> str:
        """The one-line account, as :meth:`Responses.accounting` words it."""
        return accounting_line(self.n_read, self.n_scored, self.reasons)


@dataclass(frozen=True)
class Blocks:
    """A file to read in blocks: its reader's name, its header rows, and the raw tables
    (:class:`~.tables.Raw`) of its blocks of rows (``read(block_bytes)``)."""

    format: str
    header_rows: int
    read: Callable[[int], Iterator[Raw]]
    options: Callable[[Raw], dict]


def blocks_of(path, inst: Instrument, head: Head, *, format: str = "auto", mapping=None
              ) -> Blocks | None:
    """How to read ``path`` in blocks, or None where it is read whole: a UTF-8 CSV whose
    headers occur once, of the canonical format or of a platform reader whose raw rows are
    made row by row (:class:`~.tables.Plan`); not xlsx, SPSS or SurveyJS, and not a REDCap
    export with events or repeat instances."""
    from . import canonical
    from .registry import choose

    try:
        utf8 = codecs.lookup(head.encoding).name in ("utf-8", "utf-8-sig")
    except LookupError:
        return None
    if not utf8 or head.suffix in (".xlsx", ".sav", ".zsav", ".json") \
            or not head.header() or duplicate_headers(head.header()):
        return None
    choice = choose(head, inst, format=format, mapping=mapping)
    if choice.reader is canonical:
        return Blocks("canonical", 1, lambda size: (Raw(raw) for raw in raw_blocks(
            path, head, inst, size)), choice.options)
    planner = getattr(choice.reader, "plan", None)
    if planner is None:
        return None
    plan = planner(path, inst, head, mapping=choice.mapping)
    columns = plan.columns(head)
    if not plan.rowwise or columns is None:
        return None
    return Blocks(choice.reader.NAME, plan.header_rows, lambda size: (plan.shape(frame) for frame in (
        text_blocks(path, head, columns, plan.header_rows, size))), choice.options)


def streamable(head: Head, inst: Instrument) -> bool:
    """Whether a file can be scored in blocks (:func:`blocks_of`)."""
    return blocks_of(head.path, inst, head) is not None


def _column(col: pa.ChunkedArray, kind: pa.DataType) -> pd.Series:
    """A text column as the whole-file fast read gives it: whole numbers as ``kind``, where every
    cell is one (or blank); otherwise the text, which the checks read as the pandas read's."""
    if kind != pa.string() and col.null_count < len(col):
        ok = pc.all(pc.match_substring_regex(col, _WHOLE if pa.types.is_integer(kind)
                                             else r"^-?[0-9]+(\.[0-9]+)?$")).as_py()
        if ok:
            try:
                col = pc.cast(col, kind)
            except pa.ArrowInvalid:  # a whole number too large for the type: checked as text
                pass
    return pd.Series(col.to_pandas(types_mapper=pd.ArrowDtype))


def _blocks(path, head: Head, columns: list[str], header_rows: int,
            block_bytes: int, frame_of: Callable[[pa.Table], pd.DataFrame]
            ) -> Iterator[pd.DataFrame]:
    """``columns`` of ``path`` read as text, a table (``frame_of`` the block's arrow table) per
    block of rows, without its blank rows; each block's spreadsheet rows are in
    ``attrs["source_rows"]`` (:func:`~.tables.drop_blank_rows`).

    Arrow's streaming reader reads up to 32 of its blocks ahead in the background, whatever the
    threads: it is given :data:`~.tables.READ_BYTES` at a time (so that its read-ahead holds
    about 130 MB), and its batches are gathered into a block of ``block_bytes``."""
    step = min(block_bytes, READ_BYTES)
    per_block = max(1, block_bytes // step)
    reader = pa_csv.open_csv(
        path, read_options=pa_csv.ReadOptions(block_size=step, use_threads=False,
                                              skip_rows_after_names=header_rows - 1),
        parse_options=pa_csv.ParseOptions(delimiter=head.sep, newlines_in_values=True,
                                          ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(include_columns=columns, null_values=[""],
                                              strings_can_be_null=True,
                                              column_types={c: pa.string() for c in columns}))
    first, done = header_rows + 1, False
    while not done:
        batches = []
        while len(batches) < per_block:
            try:
                batches.append(reader.read_next_batch())
            except StopIteration:
                done = True
                break
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:  # past the rows given so far
                raise _block_error(exc, path, first + sum(len(b) for b in batches), step) from None
        if not batches:
            break
        frame = frame_of(pa.Table.from_batches(batches))
        del batches
        n = len(frame)
        frame = drop_blank_rows(frame, first)
        first += n
        if len(frame):
            yield frame
    _check_last_line(Path(path), head.encoding, head.sep, len(head.header()), first - 1)


def _block_error(exc: Exception, path, row: int, step: int) -> CoproError:
    """A one-line error for what arrow could not read past ``row``."""
    text = str(exc).split("\n")[0]
    if "UTF8" in text or "utf-8" in text:
        what = "is not UTF-8 text; save it as CSV UTF-8"
    elif "straddl" in text:
        what = (f"holds a row of more than {step / 2**20:g} MB of text, more than a large file "
                "is read at a time; export it without the free-text questions that hold it")
    else:
        what = f"is not a well-formed table ({text}); fix the rows or export again"
    return CoproError(f"{what} (in the rows from {row} on)", file=path, row=row)


def raw_blocks(path, head: Head, inst: Instrument, block_bytes: int = BLOCK_BYTES
               ) -> Iterator[pd.DataFrame]:
    """The canonical columns of ``path``, a raw table (with ``_row``) per block of rows."""
    wanted = [c for c in head.header() if c in _META or c in inst.item_ids]
    kinds = {c: pa.int8() if c in inst.item_ids else pa.float64()
             if c in ("months_in_role", "duration_s") else pa.string() for c in wanted}
    for frame in _blocks(path, head, wanted, 1, block_bytes, lambda table: pd.DataFrame(
            {c: _column(table[c], kinds[c]) for c in wanted})):
        frame["_row"] = frame.attrs["source_rows"]
        yield frame


#: The dtype of the text pandas' whole read gives (``read_csv(dtype="str")``).
_TEXT = pd.StringDtype("pyarrow", np.nan)


def text_blocks(path, head: Head, columns: list[str], header_rows: int = 1,
                block_bytes: int = BLOCK_BYTES) -> Iterator[pd.DataFrame]:
    """``columns`` of ``path`` as text, per block of rows: the table :func:`~.tables.read_any`
    gives of the whole file, a block at a time (its ``frame.attrs`` as well)."""
    def frame_of(table: pa.Table) -> pd.DataFrame:
        return pd.DataFrame({c: table[c].to_pandas(types_mapper={pa.string(): _TEXT}.get)
                             for c in columns})

    for frame in _blocks(path, head, columns, header_rows, block_bytes, frame_of):
        frame.attrs.update(duplicate_headers=[], source=str(path))
        yield frame


def _hashes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Two independent 64-bit hashes of each id (a 128-bit key: no two ids of a file share one
    by chance)."""
    text = ids.astype("string")
    return tuple(pd.util.hash_pandas_object(text, index=False, hash_key=key).to_numpy(np.uint64)
                 for key in ("copro-ids-key-01", "copro-ids-key-02"))


def _kept_rows(raw: pd.DataFrame, r: Responses) -> np.ndarray:
    """The rows of ``raw`` that ``r`` kept, in order (its data's rows)."""
    return _kept_rows_of(raw["_row"].to_numpy(dtype="int64"), r.exclusions)


@dataclass
class _Repeats:
    rows: np.ndarray  # rows of repeated ids that are not the last, ascending
    last: np.ndarray  # the row kept for each of them


def _repeats(h1, h2, rows) -> tuple[_Repeats, np.ndarray]:
    """All but the last row of each hash, with the last; and every row whose id repeats.
    ``rows`` ascend, and the sort is stable: within one id, the rows stay in file order. One
    sorted copy is held at a time (the peak of a scoring in blocks is here)."""
    order = np.lexsort((h2, h1))
    same_next = np.zeros(len(rows), dtype=bool)
    for h in (h1, h2):
        s = h[order]
        if h is h1:
            same_next[:-1] = s[1:] == s[:-1]
        else:
            same_next[:-1] &= s[1:] == s[:-1]
        del s
    if not same_next.any():
        return _Repeats(np.array([], "int64"), np.array([], "int64")), np.array([], "int64")
    rows = rows[order]
    del order
    group = np.concatenate([[0], np.cumsum(~same_next[:-1])])
    last = rows[np.flatnonzero(~same_next)][group]  # the last row of each id, per row
    dup = same_next
    in_repeat = dup | np.concatenate([[False], same_next[:-1]])
    by_row = np.argsort(rows[dup])
    return (_Repeats(rows[dup][by_row], last[dup][by_row]), np.sort(rows[in_repeat]))


def _team_names(counts: Counter, team_list: TeamList | None, codes: dict) -> TeamNames:
    """The whole file's team cells resolved as :func:`~.normalise.resolve_team` resolves them
    (``codes``: the reader's ``team_code`` and ``team_codes``)."""
    uniques = list(counts)
    text, code_warnings = team_texts(uniques, team_list, **codes)
    usable = [(t, counts[u]) for u, t in zip(uniques, text) if t is not None and text_problem(t) is None]
    resolved = resolve_teams([t for t, _ in usable], [c for _, c in usable], team_list)
    return TeamNames(resolved.canonical, code_warnings + resolved.warnings)


def _block_names(raw: pd.DataFrame, team_list: TeamList | None, codes: dict) -> TeamNames:
    """A block's team cells resolved without warnings (first pass: which rows are kept)."""
    uniques = _teams(raw).dropna().unique().tolist()
    text, _ = team_texts(uniques, team_list, **codes)
    return TeamNames({t: team_list.match(t) if team_list is not None else t
                      for t in text if t is not None}, [])


def _teams(raw: pd.DataFrame) -> pd.Series:
    return raw["team"] if "team" in raw else pd.Series([], dtype=object)


def _sink(stack: ExitStack, path):
    if str(path) == "-":
        sys.stdout.flush()
        return sys.stdout.buffer
    from ..outputs import replaced_file  # whole or not at all, never through a link

    fh = stack.enter_context(replaced_file(path, newline=""))
    fh.flush()
    return fh.buffer


def score_in_blocks(path, inst: Instrument, *, output, exclusions=None, long: bool = False,
                    teams=None, ids: str = "sequence", salt: str | None = None,
                    min_answered_share: float = 0.5, rescale: bool = False,
                    encoding: str | None = None, block_bytes: int | None = None,
                    head: Head | None = None, format: str = "auto", mapping=None,
                    team_codes: bool = False) -> BlockSummary:
    """Score the CSV ``path`` block by block into ``output`` (and the exclusion log
    into ``exclusions``): the files :func:`~copro_scale.scoring.score` of the whole file
    writes, holding one block of rows at a time.

    Parameters
    ----------
    path : path
        A UTF-8 CSV that can be read in blocks (:func:`blocks_of`): canonical, or a
        platform's export.
    inst : Instrument
    output, exclusions : path or "-"
        The scores CSV and the exclusion log (optional).
    long : bool
        Write the scores in long form (:func:`~copro_scale.scoring.scores_long`).
    teams : TeamList or path, optional
        The team list (read with ``encoding``).
    ids : {"keep", "hash", "sequence"}
        As in :func:`~copro_scale.responses.read_responses`.
    salt : str, optional
        Salt for ``ids="hash"``.
    min_answered_share, rescale
        As in :func:`~copro_scale.scoring.score`.
    block_bytes : int, optional
        Text read into one block (default :data:`BLOCK_BYTES`).
    format, mapping, team_codes
        As in :func:`~copro_scale.responses.read_responses`.

    Returns
    -------
    BlockSummary
    """
    from ..csvsafe import to_arrow, write_rows
    from ..scoring import score, scores_long
    from .tables import read_head

    block_bytes = block_bytes or BLOCK_BYTES
    head = head or read_head(path, encoding)
    if encoding:
        head = Head(head.path, head.suffix, head.rows, encoding, head.sep, head.sheets)
    source = str(path)
    blocks = blocks_of(path, inst, head, format=format, mapping=mapping)
    if blocks is None:
        raise CoproError("cannot be read in blocks (a UTF-8 CSV is needed, with each header "
                         "once); read it whole with read_responses", file=path)
    team_list = read_team_list(teams, encoding=encoding) if teams is not None else None
    check_row_widths(path, head, head.encoding, blocks.header_rows)
    # -- first pass: the rows kept before repeats, their id hashes; the team names ----------
    team_counts: Counter = Counter()
    h1s, h2s, kept_rows, durations = [], [], [], []
    n_read = 0
    codes = None
    for got in blocks.read(block_bytes):
        raw, options = got.frame, blocks.options(got)
        codes = {"team_code": options["team_code"], "team_codes": team_codes}
        n_read += len(raw)
        team_counts.update(_teams(raw).dropna().value_counts().to_dict())
        r = finish(raw, inst, source=source, format=blocks.format, ids="keep", teams=team_list,
                   team_names=_block_names(raw, team_list, codes), mark_repeats=False,
                   team_codes=team_codes, **options)
        h1, h2 = _hashes(r.data["response_id"])
        h1s.append(h1), h2s.append(h2), kept_rows.append(_kept_rows(raw, r))
        if "duration_s" in r.data:
            durations.append(r.data["duration_s"].to_numpy(dtype="float64", na_value=np.nan))
    if n_read == 0:
        raise CoproError("has a header but no responses: nothing to score; export the responses "
                         "again (with the responses recorded so far)", file=path, row=2)
    names = _team_names(team_counts, team_list, codes)
    del team_counts
    rows = np.concatenate(kept_rows)
    kept_rows.clear()
    h1, h2 = np.concatenate(h1s), np.concatenate(h2s)
    h1s.clear(), h2s.clear()
    repeats, repeated = _repeats(h1, h2, rows)
    del h1, h2
    warnings = list(names.warnings)
    damaged = None
    if len(repeats.rows):
        damaged = _damage(blocks, block_bytes, repeated)
        if damaged is not None:
            warnings.append(
                f"column 'response_id' holds ids damaged by a spreadsheet ({damaged}), so "
                f"{len(repeats.rows)} rows share an id with another: every response id is its "
                "row number (row<N>) instead; export the file again and save it as CSV without "
                "opening it in Excel to keep the platform's ids")
            repeats = _Repeats(np.array([], "int64"), np.array([], "int64"))
    median = None
    if durations:
        d = np.concatenate(durations)
        d = d[~np.isin(rows, repeats.rows)]
        median = np.nanmedian(d) if np.isfinite(d).any() else None
    del rows, durations
    # -- second pass: score each block and append it ---------------------------------------
    counts = None
    reasons: Counter = Counter()
    n_scored, position = 0, 0
    block_warnings: list[str] = []
    with ExitStack() as stack:
        out = _sink(stack, output)
        log = _sink(stack, exclusions) if exclusions else None
        first = True
        for got in blocks.read(block_bytes):
            raw = got.frame
            if damaged is not None:
                raw["response_id"] = pd.Series(pd.NA, index=raw.index, dtype="string")
            r = finish(raw, inst, source=source, format=blocks.format, ids="keep",
                       teams=team_list, team_names=names, mark_repeats=False,
                       team_codes=team_codes, **blocks.options(got))
            data, flags, excl = _drop_repeats(raw, r, repeats)
            if median is not None and "duration_s" in data:
                d = data["duration_s"].to_numpy(dtype="float64", na_value=np.nan)
                flags["speeder"] = np.isfinite(d) & (d < SPEEDER_SHARE * median)
            data, excl = _final_ids(raw, data, excl, ids, salt, position)
            position += len(raw)
            block_warnings += [w for w in r.warnings if w not in block_warnings]
            block = Responses(data=data, exclusions=excl, flags=flags, source=source,
                              format=blocks.format, n_read=len(raw), instrument=inst)
            scores = score(block, min_answered_share=min_answered_share, rescale=rescale)
            write_rows(to_arrow(scores_long(scores) if long else scores), out, header=first)
            if log is not None:
                write_rows(to_arrow(excl), log, header=first)
            first = False
            n_scored += len(data)
            reasons.update(excl["reason"].astype(str).value_counts().to_dict())
            here = pd.crosstab(data["team"].astype(str), data["form"].astype(str))
            counts = here if counts is None else counts.add(here, fill_value=0).astype("int64")
    counts = counts if counts is not None else pd.DataFrame()
    warnings += block_warnings
    heads = None
    if team_list is not None:
        heads, notes = headcount_checks(team_list.headcounts, counts=counts)
        warnings += notes
    return BlockSummary(source, n_read, n_scored, ordered_reasons(reasons), tuple(warnings),
                        counts, heads, blocks.format)


def _damage(blocks: Blocks, block_bytes: int, repeated: np.ndarray) -> str | None:
    """:func:`~.ids.excel_damage` of the ids that repeat (rows ``repeated``), read again."""
    values: set = set()
    for raw in (got.frame for got in blocks.read(block_bytes)):
        here = raw["_row"].isin(repeated).to_numpy()
        if here.any():
            values.update(raw["response_id"][here].dropna().astype(str).unique().tolist())
        if len(values) >= DAMAGE_SAMPLE:
            break
    return excel_damage(sorted(values))


def _drop_repeats(raw, r: Responses, repeats: _Repeats):
    """The block's kept rows without the repeated ids, which join its exclusions."""
    data, flags, excl = r.data, r.flags, r.exclusions
    if not len(repeats.rows):
        return data, flags.copy(), excl
    rows = _kept_rows(raw, r)
    where = np.searchsorted(repeats.rows, rows)
    where = np.minimum(where, len(repeats.rows) - 1)
    dup = repeats.rows[where] == rows
    if not dup.any():
        return data, flags.copy(), excl
    last = repeats.last[where[dup]]
    more = pd.DataFrame({
        "source_row": rows[dup],
        "response_id": data["response_id"].to_numpy(dtype=object)[dup],
        "reason": "duplicate_id",
        "detail": ("response id repeated; the last complete one, row " + pd.Series(last).astype(str)
                   + ", is kept").to_numpy(dtype=object)}, columns=list(EXCLUSION_COLUMNS))
    excl = pd.concat([excl, more], ignore_index=True).sort_values(
        "source_row", kind="stable").reset_index(drop=True)
    return (data[~dup].reset_index(drop=True), flags[~dup].reset_index(drop=True).copy(), excl)


def _final_ids(raw, data, excl, ids: str, salt, position: int):
    """The ids written: kept, hashed, or ``r<N>`` numbered over the whole file's rows."""
    if ids == "keep":
        return data, excl
    if ids == "hash":
        data = data.assign(response_id=hash_ids(data["response_id"], salt).array)
        excl = excl.assign(response_id=hash_ids(excl["response_id"].astype("string"), salt)
                           .to_numpy(dtype=object))
        return data, excl
    rows = raw["_row"].to_numpy(dtype="int64")

    def number(of: np.ndarray) -> pd.Series:  # r<N>: N counts the file's rows read
        return "r" + pd.Series(position + 1 + np.searchsorted(rows, of)).astype(str)

    data = data.assign(response_id=number(_kept_rows_of(rows, excl)).astype("str").array)
    excl = excl.assign(response_id=number(excl["source_row"].to_numpy(dtype="int64"))
                       .to_numpy(dtype=object))
    return data, excl


def _kept_rows_of(rows: np.ndarray, excl: pd.DataFrame) -> np.ndarray:
    return rows[~np.isin(rows, excl["source_row"].to_numpy(dtype="int64"))]
