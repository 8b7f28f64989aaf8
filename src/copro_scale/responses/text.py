"""Text of headers and cells: normalising, blanks, choices and the checks on free text.

Every comparison of text the package makes (a header against an item text, an answer against a
label, a role against the instrument's roles) goes through :func:`norm_text`, so that case,
spacing, curly quotes and compatibility characters never decide a match.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Mapping

import numpy as np
import pandas as pd

from ..arrow import arrow_of, factorize

#: Header names (normalised: lower case, letters and digits only) that identify a person.
IDENTIFYING = re.compile(
    r"^(name|fullname|firstname|lastname|surname|email|emailaddress|e?mailaddress|"
    r"ipaddress|ip|phone|telephone|mobile|address|postcode|zipcode|"
    r"recipient.*|externalreference|externaldatareference|location.*|latitude|longitude|"
    r"respondentname|respondentemail|username|userid)$"
)
#: Raw text that means "no answer" in an answer, role or form cell. A team cell is blank only
#: when empty: "NA", "None" and "-" can be real team names (see :func:`clean_text`).
BLANKS = frozenset({"", "nan", "na", "<na>", "n/a", "#n/a", "null", "none", "-", "."})
#: Longest text a cell may hold (characters); a longer one is excluded as ``text_too_long``.
MAX_TEXT = 10_000
#: Control characters (NUL and the C0 set except tab, line feed and carriage return).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                         "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                         "\u00a0": " ", "\u2013": "-", "\u2014": "-"})
#: "1 - Strongly disagree", "1. Agree" (ASCII digits only).
PREFIXED = re.compile(r"^\(?([0-9]+)\)?\s*[-.:=)]\s*(.+)$")


def norm_text(value) -> str:
    """Normalise one label for matching: NFKC, straight quotes, lower case, single spaces.

    Examples
    --------
    >>> norm_text("  Don\u2019t  KNOW ")
    "don't know"
    """
    text = unicodedata.normalize("NFKC", str(value)).translate(_QUOTES)
    return " ".join(text.lower().split())


def norm_header(value) -> str:
    """Normalise a column header for matching: :func:`norm_text` without trailing ``:`` or ``*``.

    Examples
    --------
    >>> norm_header("Which team do you work in? *")
    'which team do you work in?'
    """
    return norm_text(value).rstrip(" :*").strip()


def drop_identifying(frame: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Drop columns whose header names a person (name, e-mail, IP, location, recipient, ...).

    Parameters
    ----------
    frame : DataFrame
        A table as read from the platform.
    keep : tuple of str
        Headers never dropped (e.g. a mapped column the user asked for).

    Examples
    --------
    >>> df = pd.DataFrame(columns=["ResponseId", "IPAddress", "RecipientEmail", "Q1"])
    >>> list(drop_identifying(df).columns)
    ['ResponseId', 'Q1']
    """
    squash = [re.sub(r"[^a-z0-9]", "", norm_text(c)) for c in frame.columns]
    drop = [c for c, s in zip(frame.columns, squash) if IDENTIFYING.match(s) and c not in keep]
    return frame.drop(columns=drop)


def text_problem(value) -> str | None:
    """Why a cell's text cannot be used (None when it can): a control character, or too long.

    Examples
    --------
    >>> text_problem("Ward A"), text_problem("W\\x00rd"), text_problem("x" * 10_001)
    (None, 'invalid_text', 'text_too_long')
    """
    if not isinstance(value, str):
        return None
    if len(value) > MAX_TEXT:
        return "text_too_long"
    if CONTROL.search(value):
        return "invalid_text"
    return None


def clean_text(value, blanks=BLANKS) -> str | None:
    """A cell as stripped text, None when blank (``blanks``: normalised texts meaning blank).

    Examples
    --------
    >>> clean_text(12.0), clean_text(" NA "), clean_text("NA", blanks={""})
    ('12', None, 'NA')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    if isinstance(value, float) and text.endswith(".0"):  # 12.0 -> "12"
        text = text[:-2]
    return None if text.lower() in blanks else text


def choice_lookup(pairs: Mapping[str, str], *more: Mapping[str, str]) -> dict[str, str]:
    """Normalised text -> code for roles or forms (codes and labels both match).

    Examples
    --------
    >>> choice_lookup({"psw": "Peer support worker"})["peer support worker"]
    'psw'
    """
    out: dict[str, str] = {}
    for mapping in (pairs, *more):
        for code, label in mapping.items():
            out[norm_text(code)] = code
            out[norm_text(label)] = code
    return out


def choice_of(text: str | None, lookup: Mapping[str, str]) -> str | None:
    """The code a role or form text stands for, or None.

    Examples
    --------
    >>> choice_of("2 - PSW", {"psw": "psw"})
    'psw'
    """
    if text is None:
        return None
    t = norm_text(text)
    if t in lookup:
        return lookup[t]
    m = PREFIXED.match(t)
    if m and m.group(2) in lookup:
        return lookup[m.group(2)]
    if t.endswith(".0") and t[:-2] in lookup:  # Excel turned a numeric code into a float
        return lookup[t[:-2]]
    return None


class Distinct:
    """A column as (codes, distinct values): work once per distinct value, take back per row.

    Examples
    --------
    >>> d = Distinct(pd.Series(["a", None, "a", "b"]))
    >>> d.map(str.upper).tolist()
    ['A', None, 'A', 'B']
    """

    def __init__(self, column: pd.Series):
        self.column = column
        arr = arrow_of(column)
        if arr is not None:  # the fast read's columns: arrow's hash kernel
            self.codes, self.uniques = factorize(arr)
            return
        if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage != "pyarrow":
            column = column.to_numpy(dtype=object)  # Python strings hash faster as objects
        self.codes, uniques = pd.factorize(column, use_na_sentinel=True)
        self.uniques = list(uniques)

    def map(self, fn, missing=None, dtype=object) -> np.ndarray:
        """``fn`` of each distinct value, one entry per row (``missing`` where the row is NA)."""
        return np.array([fn(u) for u in self.uniques] + [missing], dtype=dtype)[self.codes]

    def text_per_row(self, values: list):
        """``values`` (one text per distinct value, None for none) per row, as a text array.

        Where every value is its distinct value's own text, or None, the column itself is that
        array: no row is copied (rows whose value is None are left out by then, with a reason).

        Examples
        --------
        >>> d = Distinct(pd.Series(["a", None, "b"]))
        >>> list(d.text_per_row(["a", "b"])), list(d.text_per_row(["A", None]))
        (['a', nan, 'b'], ['A', nan, nan])
        """
        if all(v is None or (isinstance(u, str) and v == u) for v, u in zip(values, self.uniques)):
            return self.column.astype(TEXT_DTYPE).array
        return text_per_row(list(values) + [None], self.codes)


#: The dtype of text columns: pandas' string dtype "str" where it is one (pandas 3), else object.
TEXT_DTYPE = "str" if isinstance(pd.api.types.pandas_dtype("str"), pd.StringDtype) else object


def text_per_row(values: list, codes: np.ndarray):
    """``values`` (a few texts, None for none) per row by index, as a text array (the last
    value for code -1); indexing a small string array is a take, not a conversion per row.

    Examples
    --------
    >>> list(text_per_row(["a", "b", None], np.array([1, -1, 0])))
    ['b', nan, 'a']
    """
    return pd.array(values, dtype=TEXT_DTYPE)[codes]


def number_column(raw: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    """A numeric metadata column; text that is no number, and infinities, become <NA>.

    Examples
    --------
    >>> number_column(pd.DataFrame({"m": ["12", "1,5", "x", None, "inf"]}), "m", "Float64").tolist()
    [12.0, 1.5, <NA>, <NA>, <NA>]
    """
    if name not in raw:
        return pd.Series(pd.NA, index=raw.index, dtype=dtype)
    col = raw[name]
    if pd.api.types.is_integer_dtype(col.dtype) and dtype == "Int64":
        return col.astype("Int64")
    if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        col = pd.to_numeric(col.astype("string").str.strip().str.replace(",", ".", regex=False),
                            errors="coerce")
    col = col.astype("Float64")
    col = col.where(col.abs() < 1e15)  # inf and absurd values are no months or seconds
    if dtype == "Int64":
        col = col.where(col.round() == col).round().astype("Int64")
    return col.astype(dtype)


_MONTHS = re.compile(r"^([0-9]+(?:[.,][0-9]+)?)\s*(months?|mths?|mos?|m|years?|yrs?|y)?\.?$")


def months_column(raw: pd.DataFrame) -> tuple[pd.Series, str | None]:
    """``months_in_role`` as whole months (Int64): ``6``, ``6 months``, ``2 years`` (24). A value
    that is no whole number of months (``12,5``, ``about a year``) is read as blank, and the
    warning returned counts them and shows the first.

    Examples
    --------
    >>> m, w = months_column(pd.DataFrame({"months_in_role": ["6 months", "2 years", "12,5", None]}))
    >>> m.tolist(), w
    ([6, 24, <NA>, <NA>], "column 'months_in_role': 1 value(s) are no whole number of months (first: '12,5'); read as blank")
    """
    if "months_in_role" not in raw or pd.api.types.is_numeric_dtype(raw["months_in_role"].dtype):
        col = number_column(raw, "months_in_role", "Float64")
        text = None
    else:
        text = raw["months_in_role"].astype("string").str.strip().str.lower()
        parts = text.str.extract(_MONTHS)
        number = pd.to_numeric(parts[0].str.replace(",", ".", regex=False), errors="coerce")
        years = parts[1].fillna("").str.startswith("y").to_numpy(dtype=bool)
        col = pd.Series(np.where(years, number * 12, number), index=raw.index).astype("Float64")
        col = col.where(col.abs() < 1e15)
    whole = col.where(col.round() == col)
    out = whole.round().astype("Int64")
    if text is None:
        return out, None
    lost = text.notna() & text.ne("") & out.isna()
    if not lost.any():
        return out, None
    first = text[lost].iloc[0][:20]
    return out, (f"column 'months_in_role': {int(lost.sum())} value(s) are no whole number of "
                 f"months (first: {first!r}); read as blank")
