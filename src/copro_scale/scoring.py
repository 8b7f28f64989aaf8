"""Scores from validated responses: cells, faces, constructs, overall, and percent favourable.

Pure, vectorised functions of :class:`~copro_scale.responses.Responses`, which carries its
instrument (or of a canonical responses DataFrame with ``instrument=`` given).

- **Reverse keying**: a reverse-keyed item scores ``6 - code``, so high is always favourable.
- **Cell score**: the mean of the cell's answered items, NaN when less than
  ``min_answered_share`` of the cell's items (default half) are answered.
- **Face, construct and overall scores**: the mean of their cells' scores, under the same rule
  applied to cells (a face or construct needs 2 of its 3 cells, overall 5 of 9 with the default).
- **Acquiescence** (a response style, not a score of the construct): half the difference
  between the favourable means of a cell's positively worded and reverse-keyed items, averaged
  over the cells where the respondent answered both kinds. An agreeing respondent's answer
  ``a`` above their view raises a positively worded item and, after keying, lowers a
  reverse-keyed one, so the difference is ``2a`` (the balanced-items logic of Billiet & McClendon
  2000, *Structural Equation Modeling* 7, 608-628). NaN when no cell has
  both kinds answered. :func:`copro_scale.classify.classify_teams` takes it out.
- **Percent favourable**: the share of answered items scored 4-5 after keying, per item and per
  cell (:func:`favourable`).
- **Rescaling**: ``rescale=True`` puts the scores on 0-100, ``(x - 1) / 4 * 100``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .blocks import over_blocks
from .instrument import CONSTRUCTS, FACES, Instrument
from .responses.model import FLAG_COLUMNS, Responses

#: The per-response id columns every score table starts with.
ID_COLUMNS = ("response_id", "team", "role", "form")
FAVOURABLE_MIN = 4


def _parts(responses, instrument: Instrument | None = None
           ) -> tuple[pd.DataFrame, pd.DataFrame | None, Instrument]:
    """(table, flags, instrument): a Responses carries its instrument; a bare DataFrame needs
    ``instrument=`` (never a silent guess at the packaged one)."""
    if isinstance(responses, Responses):
        if instrument is not None and instrument is not responses.instrument:
            raise ValueError("these responses were validated against another instrument; "
                             "leave out instrument=")
        return responses.data, responses.flags, responses.instrument
    if isinstance(responses, pd.DataFrame):
        if not isinstance(instrument, Instrument):
            raise TypeError("a canonical DataFrame needs instrument= (an Instrument); or pass "
                            "the Responses from read_responses, which carries its instrument")
        return responses, None, instrument
    raise TypeError("takes Responses (from read_responses) or a canonical DataFrame with "
                    "instrument=")


def keyed_matrix(data: pd.DataFrame, inst: Instrument) -> np.ndarray:
    """Respondent x item matrix (float, NaN = missing) with reverse-keyed items as ``6 - code``.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> row = pd.DataFrame([[1] * 36], columns=inst.item_ids)
    >>> float(keyed_matrix(row, inst)[0, [inst.item_ids.index(i) for i in inst.reverse_ids]].min())
    5.0
    """
    vals = np.column_stack([data[i].to_numpy(dtype="float64", na_value=np.nan)
                            for i in inst.item_ids])
    rev = np.array([it.reverse for it in inst.items])
    return np.where(rev, (inst.scale_min + inst.scale_max) - vals, vals)


def keyed_items(responses, *, instrument: Instrument | None = None) -> pd.DataFrame:
    """The responses with items reverse-keyed (high = favourable), as float columns.

    Columns ``response_id, team, role, form`` then one column per item id (NaN = missing);
    what the psychometric battery (:mod:`copro_scale.validate`) takes.

    Examples
    --------
    >>> from copro_scale import read_responses
    >>> from copro_scale.simulate import simulate
    >>> k = keyed_items(read_responses(simulate(2, 5, seed=1).responses))
    >>> k.shape, float(k.iloc[:, 4:].min().min()), float(k.iloc[:, 4:].max().max())
    ((10, 40), 1.0, 5.0)
    """
    data, _, inst = _parts(responses, instrument)
    out = pd.DataFrame(keyed_matrix(data, inst), columns=inst.item_ids, index=data.index)
    return pd.concat([data[list(ID_COLUMNS)], out], axis=1)


def _codes(column: pd.Series) -> np.ndarray:
    """An item column as int16 codes, 0 where missing."""
    return column.to_numpy(dtype="int16", na_value=0)


def _mean_with_rule(parts: list[tuple[np.ndarray, np.ndarray]], min_share: float,
                    out: np.ndarray) -> None:
    """Into ``out``: row means of the present entries of ``parts`` (pairs of values and present
    mask), NaN when fewer than ``min_share`` of them are present. Loops over the few parts, not
    over rows, and sums in ``out`` itself: no new arrays the size of the table."""
    out[:] = 0.0
    count = np.zeros(len(out), dtype=np.int16)
    for value, present in parts:
        np.add(out, value, out=out, where=present)
        count += present
    need = max(1, int(np.ceil(min_share * len(parts) - 1e-9)))
    with np.errstate(invalid="ignore"):  # a sum over nothing is 0: only 0 / 0 occurs
        np.divide(out, count, out=out)
    out[count < need] = np.nan


def _score_rows(items: dict[str, pd.Series], inst: Instrument, min_share: float,
                col: dict[str, np.ndarray], n_answered: np.ndarray) -> None:
    """Into ``col`` (score name -> the rows' slots) and ``n_answered``: the scores of a block."""
    top = inst.scale_min + inst.scale_max
    n = len(n_answered)
    cells = {}  # cell -> (score, present), what face, construct and overall scores take
    gaps = []  # per cell: keyed minus reverse-keyed mean (favourable), present  (acquiescence)
    for c, f in ((c, f) for c in CONSTRUCTS for f in FACES):  # per item column, over the rows
        its = inst.cell_items(c, f)
        total = np.zeros(n, dtype=np.int16)
        count = np.zeros(n, dtype=np.int16)
        by_key = {False: [np.zeros(n), np.zeros(n)], True: [np.zeros(n), np.zeros(n)]}
        for it in its:
            code = _codes(items[it.id])
            answered = code > 0
            value = np.where(answered, top - code, 0) if it.reverse else code
            total += value
            count += answered
            by_key[it.reverse][0] += value
            by_key[it.reverse][1] += answered
        (sk, nk), (sr, nr) = by_key[False], by_key[True]
        with np.errstate(invalid="ignore"):
            gaps.append((sk / nk - sr / nr, (nk > 0) & (nr > 0)))
        n_answered += count
        need = max(1, int(np.ceil(min_share * len(its) - 1e-9)))
        cell = col[f"{c}.{f}"]
        with np.errstate(invalid="ignore"):
            np.divide(total, count, out=cell)
        present = count >= need
        cell[~present] = np.nan
        cells[f"{c}.{f}"] = (cell, present)
    for f in FACES:
        _mean_with_rule([cells[f"{c}.{f}"] for c in CONSTRUCTS], min_share, col[f])
    for c in CONSTRUCTS:
        _mean_with_rule([cells[f"{c}.{f}"] for f in FACES], min_share, col[c])
    _mean_with_rule([cells[cell] for cell in inst.cells], min_share, col["overall"])
    _mean_with_rule(gaps, 1 / len(gaps), col["acquiescence"])
    col["acquiescence"] /= 2


def score_columns(inst: Instrument) -> list[str]:
    """Names of the score columns, in output order: 9 cells, 3 faces, 3 constructs, overall.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> score_columns(load_instrument())[-4:]
    ['voice', 'experience', 'identity', 'overall']
    """
    return [*inst.cells, *FACES, *CONSTRUCTS, "overall"]


def score(responses, min_answered_share: float = 0.5, rescale: bool = False, *,
          instrument: Instrument | None = None) -> pd.DataFrame:
    """Score every kept response.

    Parameters
    ----------
    responses : Responses or DataFrame
        From :func:`~copro_scale.read_responses`, or a canonical responses table (then
        ``instrument`` is required).
    min_answered_share : float
        Share (0-1] of a cell's items that must be answered for a cell score; the same share of
        cells is needed for face, construct and overall scores.
    rescale : bool
        Report scores on 0-100 instead of 1-5.
    instrument : Instrument, optional
        The instrument of a bare DataFrame (a Responses carries its own).

    Returns
    -------
    DataFrame
        ``response_id, team, role, form``, the 9 cell scores (``voice.decision_making``, ...),
        the 3 face scores, the 3 construct scores, ``overall``, ``n_answered``,
        ``acquiescence`` and the flags ``straightline, longstring, speeder``.

    Examples
    --------
    >>> from copro_scale import read_responses
    >>> from copro_scale.simulate import simulate
    >>> s = score(read_responses(simulate(3, 8, seed=1).responses))
    >>> s.shape
    (24, 25)
    >>> bool(s["overall"].between(1, 5).all())
    True
    """
    if not 0 < min_answered_share <= 1:
        raise ValueError("min_answered_share must be a share in (0, 1]")
    data, flags, inst = _parts(responses, instrument)
    n = len(data)
    names = score_columns(inst)
    grid = np.empty((n, len(names)), order="F")  # one block: the DataFrame takes it uncopied
    n_answered = np.zeros(n, dtype=np.int16)
    acquiescence = np.empty(n)
    items = {it.id: data[it.id] for it in inst.items}

    def block(rows: slice) -> None:  # every score of a row depends on that row alone
        _score_rows({i: c.iloc[rows] for i, c in items.items()}, inst, min_answered_share,
                    {name: grid[rows, j] for j, name in enumerate(names)}
                    | {"acquiescence": acquiescence[rows]}, n_answered[rows])

    over_blocks(block, n)
    if rescale:
        grid -= inst.scale_min
        grid *= 100 / (inst.scale_max - inst.scale_min)
        acquiescence *= 100 / (inst.scale_max - inst.scale_min)  # a difference: no offset
    out = pd.DataFrame(grid, columns=names, copy=False)
    for k, c in enumerate(ID_COLUMNS):  # text columns shared copy-on-write, others as arrays
        col = data[c]
        out.insert(k, c, col.set_axis(out.index) if col.dtype == "str" else col.to_numpy())
    out["n_answered"] = n_answered
    out["acquiescence"] = acquiescence
    for c in FLAG_COLUMNS:
        out[c] = (flags[c].to_numpy(dtype=bool) if flags is not None and c in flags
                  else np.zeros(n, dtype=bool))
    return out


def scores_long(scores: pd.DataFrame) -> pd.DataFrame:
    """Tidy form of :func:`score`: one row per response x score (``score``, ``value``).

    Examples
    --------
    >>> from copro_scale import read_responses
    >>> from copro_scale.simulate import simulate
    >>> long = scores_long(score(read_responses(simulate(1, 2, seed=1).responses)))
    >>> long.shape, list(long.columns)
    ((32, 6), ['response_id', 'team', 'role', 'form', 'score', 'value'])
    """
    value_cols = [c for c in scores.columns if c not in ID_COLUMNS and c not in FLAG_COLUMNS
                  and c not in ("n_answered", "acquiescence")]
    return scores.melt(id_vars=list(ID_COLUMNS), value_vars=value_cols, var_name="score")


def favourable(responses, by="team", *, instrument: Instrument | None = None,
               min_answered: int = 1) -> pd.DataFrame:
    """Percent favourable (4-5 after reverse keying) per item and per cell, by group.

    Parameters
    ----------
    responses : Responses or DataFrame
    by : str, list of str or None
        Grouping column(s) of the responses table; None pools everyone.
    min_answered : int
        Fewest answers a percentage rests on; below it the percentage is NaN (withheld). Pass
        the reporting threshold when the table leaves the analyst (``copro score --favourable``).

    Returns
    -------
    DataFrame
        Indexed by group; column ``n`` (responses), one column per item id and per cell
        (``voice.decision_making``, ...) holding the percent of its answered items scored 4-5.
        An item's percentage is NaN below ``min_answered`` answers (at least one); a cell's is
        NaN unless every one of its items has at least ``min_answered`` answers and one is
        answered.

    Examples
    --------
    >>> from copro_scale import read_responses
    >>> from copro_scale.simulate import simulate
    >>> fav = favourable(read_responses(simulate(3, 8, seed=1).responses))
    >>> fav.shape
    (3, 46)
    >>> bool(fav.drop(columns="n").stack().dropna().between(0, 100).all())
    True
    """
    data, _, inst = _parts(responses, instrument)
    keyed = keyed_matrix(data, inst)
    answered = ~np.isnan(keyed)
    fav = answered & (np.nan_to_num(keyed) >= FAVOURABLE_MIN)
    ids = inst.item_ids
    frame = pd.DataFrame(np.hstack([fav, answered]).astype("int64"),
                         columns=[f"f:{i}" for i in ids] + [f"a:{i}" for i in ids])
    keys = [by] if isinstance(by, str) else list(by or [])
    if keys:
        for k in keys:
            frame[k] = data[k].to_numpy()
        groups = frame.groupby(keys, sort=True)
        sums, n = groups.sum(), groups.size()
    else:
        sums = frame.sum().to_frame("all").T
        n = pd.Series([len(frame)], index=["all"])
    out = pd.DataFrame(index=sums.index)
    out["n"] = n
    for i in ids:  # a count below the bound is NaN, so no division by zero
        out[i] = sums[f"f:{i}"] / sums[f"a:{i}"].where(sums[f"a:{i}"] >= max(min_answered, 1)) * 100
    for cell in inst.cells:
        c, f = cell.split(".")
        members = [it.id for it in inst.cell_items(c, f)]
        num = sums[[f"f:{i}" for i in members]].sum(axis=1)
        den = sums[[f"a:{i}" for i in members]].sum(axis=1)
        fewest = sums[[f"a:{i}" for i in members]].min(axis=1)  # each item's answerers
        out[cell] = num / den.where((den > 0) & (fewest >= min_answered)) * 100
    return out
