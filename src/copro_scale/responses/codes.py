"""Answers to codes: labels and numbers to the scale's codes, and the checks on every item.

Only what a platform produces is a code: ASCII digits (``4``, ``4.0``, ``4,0``) and the scale's
labels (with or without their code, ``1 - Strongly disagree``). Other digits (Arabic-Indic,
fullwidth, superscript, circled) and JSON ``true`` are text that is no label.
"""

from __future__ import annotations

import re
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..blocks import over_blocks
from ..instrument import Instrument
from ..arrow import arrow_of, is_int8, values_and_missing
from .text import BLANKS, PREFIXED, norm_text

UNKNOWN_LABEL = -1000.0  # sentinel for text that is no known label
BAD_CODE = 1000  # a number that is not a whole code in range (kept aside, never clipped)
#: A number as platforms write it: ASCII digits, a decimal point or comma, an exponent.
_NUMBER = re.compile(r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?$", re.ASCII)
_SUFFIXED = re.compile(r"^(.+?)\s*[(\[]\s*([0-9]+)\s*[)\]]$")  # "Strongly disagree (1)"


def label_lookup(inst: Instrument, extra: Mapping[str, int] | None = None) -> dict[str, float]:
    """Normalised answer text -> code: the instrument's labels, don't-know as NaN, plus ``extra``.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> label_lookup(load_instrument())["strongly agree"]
    5.0
    """
    out = {norm_text(p.label): float(p.code) for p in inst.scale}
    out[norm_text(inst.dont_know.label)] = np.nan
    for label, code in (extra or {}).items():
        value = np.nan if code is None else float(code)
        text = str(label).strip()
        if _NUMBER.match(text):  # a code given a meaning: -1 "no basis" -> null, 0 -> 1
            out[number_key(float(text.replace(",", ".")))] = value
        else:
            out[norm_text(label)] = value
    return out


def number_key(value: float) -> str:
    """The look-up key of a numeric code that a mapping's ``labels`` recodes.

    Examples
    --------
    >>> number_key(-1.0), number_key(0)
    ('#-1', '#0')
    """
    return f"#{float(value):g}"


def recoded_numbers(lookup: Mapping[str, float]) -> dict[float, float]:
    """Numeric code -> code (NaN: no answer), from a mapping's numeric ``labels``.

    Examples
    --------
    >>> recoded_numbers({"#-1": float("nan"), "agree": 4.0})
    {-1.0: nan}
    """
    return {float(k[1:]): v for k, v in lookup.items() if k.startswith("#")}


def recode(values: np.ndarray, numbers: Mapping[float, float]) -> np.ndarray:
    """``values`` (floats) with each numeric code in ``numbers`` replaced, all at once (0 -> 1
    and 1 -> 2 never chain).

    Examples
    --------
    >>> recode(np.array([0.0, 1.0, -1.0]), {0.0: 1.0, 1.0: 2.0, -1.0: np.nan})
    array([ 1.,  2., nan])
    """
    if not numbers:
        return values
    out = values.astype("float64", copy=True)
    for old, new in numbers.items():
        out[values == old] = new
    return out


def code_of(value, lookup: Mapping[str, float]) -> float:
    """Code of one distinct raw value (called once per distinct value, not per row).

    Examples
    --------
    >>> code_of(" 4 ", {}), code_of("\\uff15", {}), code_of(True, {})
    (4.0, -1000.0, -1000.0)
    """
    if isinstance(value, (bool, np.bool_)):  # JSON true is no answer code
        return UNKNOWN_LABEL
    if isinstance(value, (int, float, np.integer, np.floating)):
        return lookup.get(number_key(value), float(value)) if value == value else np.nan
    raw = str(value).strip()
    if _NUMBER.match(raw):
        number = float(raw.replace(",", "."))
        return lookup.get(number_key(number), number)
    t = norm_text(raw)
    if t in BLANKS:
        return np.nan
    if t in lookup:
        return lookup[t]
    for pattern, label_group in ((PREFIXED, 2), (_SUFFIXED, 1)):
        m = pattern.match(t)
        if m and m.group(label_group).strip() in lookup:
            return lookup[m.group(label_group).strip()]
    return UNKNOWN_LABEL


def to_codes(column: pd.Series, lookup: Mapping[str, float]) -> np.ndarray:
    """Turn a column of codes or label text into float codes.

    NaN marks no answer (blank or don't-know text); :data:`UNKNOWN_LABEL` marks text that is no
    known label. Numbers are returned as they are (range checks come later, nothing is clipped).

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> lk = label_lookup(load_instrument())
    >>> to_codes(pd.Series(["1 - Strongly disagree", " agree", "4.0", None, "maybe"]), lk)
    array([    1.,     4.,     4.,    nan, -1000.])
    """
    if pd.api.types.is_bool_dtype(column.dtype):
        return np.full(len(column), UNKNOWN_LABEL)
    if pd.api.types.is_numeric_dtype(column.dtype):
        return recode(column.to_numpy(dtype="float64", na_value=np.nan), recoded_numbers(lookup))
    values = column.to_numpy(dtype=object)
    if column.dtype == object and _has_bool(values):  # True == 1 when hashed: keep them apart
        values = np.array([_BOOL if isinstance(v, (bool, np.bool_)) else v for v in values],
                          dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([code_of(u, lookup) for u in uniques] + [np.nan], dtype="float64")
    return mapped[codes]  # code -1 (missing) picks the trailing NaN


_BOOL = "\x00boolean"  # what a boolean answer becomes: text that is no label


def _has_bool(values: np.ndarray) -> bool:
    """Whether an object column holds a boolean (JSON true/false, an Excel TRUE)."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    return kind not in ("string", "integer", "floating", "mixed-integer-float", "empty",
                        "decimal") and any(isinstance(v, (bool, np.bool_)) for v in values)


def column_codes(column: pd.Series, lookup: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes as int16, missing mask, value as read) of one item column.

    Whole numbers come back as codes; other numbers as :data:`BAD_CODE` (their value in the
    third array, for the log); unrecognised text as :data:`UNKNOWN_LABEL`.
    """
    dtype = column.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype) \
            and not recoded_numbers(lookup):
        missing = column.isna().to_numpy()
        wide = column.to_numpy(dtype="int64", na_value=0)
        inside = (wide > -BAD_CODE) & (wide < BAD_CODE)
        codes = np.where(inside, wide, BAD_CODE).astype(np.int16)
        return codes, missing, wide
    values = to_codes(column, lookup)
    missing = np.isnan(values)
    unknown = values == UNKNOWN_LABEL
    with np.errstate(invalid="ignore"):
        whole = (values == np.round(values)) & (np.abs(values) < BAD_CODE)
    codes = np.where(missing, 0, np.where(unknown, int(UNKNOWN_LABEL),
                                          np.where(whole, np.nan_to_num(values), BAD_CODE)))
    return codes.astype(np.int16), missing, values


class ItemChecks:
    """Per-respondent results of visiting the item columns one by one."""

    def __init__(self, n: int, k: int):
        self.codes = np.zeros((n, k), dtype=np.int8, order="F")  # 0 = no answer
        self.first_bad = np.full(n, -1, dtype=np.int16)
        self.bad_value = np.zeros(n)
        self.first_unknown = np.full(n, -1, dtype=np.int16)
        self.answered = np.zeros(n, dtype=np.int16)

    def rows(self, rows: slice) -> "ItemChecks":
        """The same results for a block of rows (views: writing them writes these)."""
        part = object.__new__(ItemChecks)
        for name, value in vars(self).items():
            setattr(part, name, value[rows])
        return part


def _int8_column(column: pd.Series, j: int, res: ItemChecks, ok_code: np.ndarray,
                 dk: int, colleague) -> None:
    """The canonical fast path: an int8 column (pandas' or arrow's), checked by table look-up.

    An arrow column whose every value lies in the scale (its minimum and maximum tell) is taken
    as it is: nothing to look up.
    """
    arr = arrow_of(column)
    if arr is not None:
        low, high = pc.min_max(arr).values()
        if low.is_valid and ok_code[np.arange(low.as_py(), high.as_py() + 1, dtype=np.int8)
                                    .view(np.uint8)].all():
            data = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False)
            res.codes[:, j] = data
            res.answered += data != 0
            return
        data, na = values_and_missing(arr)
    else:
        na = column.isna().to_numpy()
        data = column.to_numpy(dtype="int8", na_value=0)
    ok = np.take(ok_code, data.view(np.uint8))
    np.multiply(data, ok, out=res.codes[:, j], casting="unsafe")
    res.answered += ok
    n_ok = int(np.count_nonzero(ok))
    if n_ok + int(np.count_nonzero(na)) < len(data):  # some value is neither code nor blank
        bad = ~(ok | na | ((data == dk) & colleague()))
        new_bad = bad & (res.first_bad < 0)
        res.first_bad[new_bad] = j
        res.bad_value[new_bad] = data[new_bad]


def _int8_columns(raw: pd.DataFrame, columns: list[tuple[int, str]], res: ItemChecks,
                  ok_code: np.ndarray, dk: int, colleague) -> None:
    """The int8 columns, by row blocks in threads (:func:`~copro_scale.blocks.over_blocks`)."""
    def block(rows: slice) -> None:
        part = res.rows(rows)
        for j, item in columns:
            _int8_column(raw[item].iloc[rows], j, part, ok_code, dk, lambda: colleague()[rows])

    over_blocks(block, len(raw))


def check_items(raw: pd.DataFrame, inst: Instrument, colleague,
                lookup: Mapping[str, float]) -> ItemChecks:
    """Codes of every item column with the first out-of-range and unknown answer of each row.

    Don't-know (the instrument's code) is missing on a form that offers it and out of range
    elsewhere; nothing is clipped or rounded. ``colleague`` (which rows answer the colleague
    form, the form that offers don't-know) is a mask, or a function giving it, asked only when
    a column holds a value outside the scale or text.
    """
    if not callable(colleague):
        mask = colleague
        colleague = lambda: mask  # noqa: E731
    n, k = len(raw), len(inst.item_ids)
    res = ItemChecks(n, k)
    valid = np.zeros(2 * BAD_CODE + 1, dtype=bool)
    valid[np.array(inst.codes) + BAD_CODE] = True
    dk = inst.dont_know.code
    ok_code = np.zeros(256, dtype=bool)  # the codes as a table for int8 values, indexed as uint8
    ok_code[np.array(inst.codes, dtype=np.int8).view(np.uint8)] = True
    fast = [] if recoded_numbers(lookup) else [  # a mapping recodes numbers: the general path
        (j, i) for j, i in enumerate(inst.item_ids) if raw[i].dtype == "Int8" or is_int8(raw[i])]
    _int8_columns(raw, fast, res, ok_code, dk, colleague)
    for j, item in enumerate(inst.item_ids):
        if (j, item) in fast:
            continue
        column = raw[item]
        codes, missing, value = column_codes(column, lookup)
        unknown = codes == int(UNKNOWN_LABEL)
        ok = valid[np.clip(codes, -BAD_CODE, BAD_CODE) + BAD_CODE]
        dont_know = (codes == dk) & colleague()
        bad = ~(ok | missing | unknown | dont_know)
        keep = ok & ~missing
        res.codes[:, j] = np.where(keep, codes, 0)
        res.answered += keep
        new_bad = bad & (res.first_bad < 0)
        if new_bad.any():
            res.first_bad[new_bad] = j
            res.bad_value[new_bad] = np.asarray(value, dtype="float64")[new_bad]
        new_unknown = unknown & (res.first_unknown < 0)
        if new_unknown.any():
            res.first_unknown[new_unknown] = j
    return res
