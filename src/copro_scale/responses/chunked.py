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
The blocks are read by :mod:`.blockread`; the repeated ids are found and the ids written by
:mod:`.block_ids`.
"""

from __future__ import annotations

import sys
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import CoproError
from ..instrument import Instrument
from .block_ids import (
    Repeats,
    damage,
    drop_repeats,
    final_ids,
    id_hashes,
    kept_rows,
    repeats_of,
)
from .blockread import BLOCK_BYTES, blocks_of, raw_blocks, streamable, text_blocks
from .careless import SPEEDER_SHARE
from .model import Responses, accounting_line, ordered_reasons
from .normalise import finish, team_texts
from .tables import Head, check_row_widths
from .teams import TeamList, TeamNames, headcount_checks, read_team_list, resolve_teams
from .text import text_problem

__all__ = ["BLOCK_BYTES", "STREAM_BYTES", "BlockSummary", "blocks_of", "raw_blocks",
           "score_in_blocks", "streamable", "text_blocks"]

#: Files at least this large are scored in blocks by ``copro score``.
STREAM_BYTES = 128 << 20


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
    h1s, h2s, kept_parts, durations = [], [], [], []
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
        h1, h2 = id_hashes(r.data["response_id"])
        h1s.append(h1), h2s.append(h2), kept_parts.append(kept_rows(raw, r))
        if "duration_s" in r.data:
            durations.append(r.data["duration_s"].to_numpy(dtype="float64", na_value=np.nan))
    if n_read == 0:
        raise CoproError("has a header but no responses: nothing to score; export the responses "
                         "again (with the responses recorded so far)", file=path, row=2)
    names = _team_names(team_counts, team_list, codes)
    del team_counts
    rows = np.concatenate(kept_parts)
    kept_parts.clear()
    h1, h2 = np.concatenate(h1s), np.concatenate(h2s)
    h1s.clear(), h2s.clear()
    repeats, repeated = repeats_of(h1, h2, rows)
    del h1, h2
    warnings = list(names.warnings)
    damaged = None
    if len(repeats.rows):
        damaged = damage(blocks, block_bytes, repeated)
        if damaged is not None:
            warnings.append(
                f"column 'response_id' holds ids damaged by a spreadsheet ({damaged}), so "
                f"{len(repeats.rows)} rows share an id with another: every response id is its "
                "row number (row<N>) instead; export the file again and save it as CSV without "
                "opening it in Excel to keep the platform's ids")
            repeats = Repeats(np.array([], "int64"), np.array([], "int64"))
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
            data, flags, excl = drop_repeats(raw, r, repeats)
            if median is not None and "duration_s" in data:
                d = data["duration_s"].to_numpy(dtype="float64", na_value=np.nan)
                flags["speeder"] = np.isfinite(d) & (d < SPEEDER_SHARE * median)
            data, excl = final_ids(raw, data, excl, ids, salt, position)
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
