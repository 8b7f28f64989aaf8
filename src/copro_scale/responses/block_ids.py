"""The ids of a file read in blocks (:mod:`.chunked`): repeated ids found across the whole
file from a 128-bit hash of each id, the repeats left out as ``duplicate_id``, spreadsheet
damage judged on the repeated ids, and the ids written (kept, hashed, or numbered over the
whole file's rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .blockread import Blocks
from .ids import excel_damage, hash_ids
from .model import EXCLUSION_COLUMNS, Responses

#: Distinct repeated ids kept to judge spreadsheet damage by.
DAMAGE_SAMPLE = 100_000


def id_hashes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Two independent 64-bit hashes of each id (a 128-bit key: no two ids of a file share one
    by chance)."""
    text = ids.astype("string")
    return tuple(pd.util.hash_pandas_object(text, index=False, hash_key=key).to_numpy(np.uint64)
                 for key in ("copro-ids-key-01", "copro-ids-key-02"))


def kept_rows(raw: pd.DataFrame, r: Responses) -> np.ndarray:
    """The rows of ``raw`` that ``r`` kept, in order (its data's rows)."""
    return kept_rows_of(raw["_row"].to_numpy(dtype="int64"), r.exclusions)


@dataclass
class Repeats:
    rows: np.ndarray  # rows of repeated ids that are not the last, ascending
    last: np.ndarray  # the row kept for each of them


def repeats_of(h1, h2, rows) -> tuple[Repeats, np.ndarray]:
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
        return Repeats(np.array([], "int64"), np.array([], "int64")), np.array([], "int64")
    rows = rows[order]
    del order
    group = np.concatenate([[0], np.cumsum(~same_next[:-1])])
    last = rows[np.flatnonzero(~same_next)][group]  # the last row of each id, per row
    dup = same_next
    in_repeat = dup | np.concatenate([[False], same_next[:-1]])
    by_row = np.argsort(rows[dup])
    return (Repeats(rows[dup][by_row], last[dup][by_row]), np.sort(rows[in_repeat]))


def damage(blocks: Blocks, block_bytes: int, repeated: np.ndarray) -> str | None:
    """:func:`~.ids.excel_damage` of the ids that repeat (rows ``repeated``), read again."""
    values: set = set()
    for raw in (got.frame for got in blocks.read(block_bytes)):
        here = raw["_row"].isin(repeated).to_numpy()
        if here.any():
            values.update(raw["response_id"][here].dropna().astype(str).unique().tolist())
        if len(values) >= DAMAGE_SAMPLE:
            break
    return excel_damage(sorted(values))


def drop_repeats(raw, r: Responses, repeats: Repeats):
    """The block's kept rows without the repeated ids, which join its exclusions."""
    data, flags, excl = r.data, r.flags, r.exclusions
    if not len(repeats.rows):
        return data, flags.copy(), excl
    rows = kept_rows(raw, r)
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


def final_ids(raw, data, excl, ids: str, salt, position: int):
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

    data = data.assign(response_id=number(kept_rows_of(rows, excl)).astype("str").array)
    excl = excl.assign(response_id=number(excl["source_row"].to_numpy(dtype="int64"))
                       .to_numpy(dtype=object))
    return data, excl


def kept_rows_of(rows: np.ndarray, excl: pd.DataFrame) -> np.ndarray:
    return rows[~np.isin(rows, excl["source_row"].to_numpy(dtype="int64"))]
