"""The one normalisation step every reader shares.

A reader only finds its columns. It hands :func:`finish` a *raw table*: a DataFrame with

- ``_row``: the 1-based row as a spreadsheet shows it (header = row 1);
- optional booleans ``_preview`` and ``_unfinished`` (platform status);
- any of ``response_id``, ``team``, ``role``, ``form``, ``months_in_role``, ``duration_s``;
- one column per item id, holding codes (numbers or numeric text) or label text.

:func:`finish` turns labels into codes, checks every value, accounts for every row (kept or
excluded with a reason), resolves duplicate ids, computes careless-response flags and returns
:class:`~copro_scale.responses.model.Responses`. Everything is vectorised over the table; the
only Python loops run over columns or over the *distinct* values of a column.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import CoproError
from ..instrument import Instrument
from .model import EXCLUSION_COLUMNS, FLAG_COLUMNS, META_COLUMNS, Responses

#: Header names (normalised: lower case, letters and digits only) that identify a person.
IDENTIFYING = re.compile(
    r"^(name|fullname|firstname|lastname|surname|email|emailaddress|e?mailaddress|"
    r"ipaddress|ip|phone|telephone|mobile|address|postcode|zipcode|"
    r"recipient.*|externalreference|externaldatareference|location.*|latitude|longitude|"
    r"respondentname|respondentemail|username|userid)$"
)
#: Raw text that means "no answer".
BLANKS = frozenset({"", "nan", "na", "n/a", "#n/a", "null", "none", "-", "."})
UNKNOWN_LABEL = -1000.0  # sentinel for text that is no known label
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                         "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                         "\u00a0": " ", "\u2013": "-", "\u2014": "-"})
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)(e[+-]?\d+)?$")
_PREFIXED = re.compile(r"^\(?(\d+)\)?\s*[-.:=)]\s*(.+)$")   # "1 - Strongly disagree", "1. Agree"
_SUFFIXED = re.compile(r"^(.+?)\s*[(\[]\s*(\d+)\s*[)\]]$")  # "Strongly disagree (1)"
#: Straight-lining needs at least this many answered items; long strings at least this share.
MIN_STRAIGHTLINE_ITEMS = 6
LONGSTRING_SHARE = 0.5
SPEEDER_SHARE = 0.3


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
        out[norm_text(label)] = np.nan if code is None else float(code)
    return out


def _code_of(text: str, lookup: Mapping[str, float]) -> float:
    """Code of one distinct raw value (called once per distinct value, not per row)."""
    t = norm_text(text)
    if t in BLANKS:
        return np.nan
    if t in lookup:
        return lookup[t]
    if _NUMBER.match(t):
        return float(t.replace(",", "."))
    for pattern, label_group in ((_PREFIXED, 2), (_SUFFIXED, 1)):
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
        return column.to_numpy(dtype="float64", na_value=np.nan)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    mapped = np.array([_code_of(u, lookup) for u in uniques] + [np.nan], dtype="float64")
    return mapped[codes]  # code -1 (missing) picks the trailing NaN


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


class Distinct:
    """A column as (codes, distinct values): work once per distinct value, take back per row.

    Examples
    --------
    >>> d = Distinct(pd.Series(["a", None, "a", "b"]))
    >>> d.map(str.upper).tolist()
    ['A', None, 'A', 'B']
    """

    def __init__(self, column: pd.Series):
        if isinstance(column.dtype, pd.StringDtype):  # all text: the object array hashes faster
            column = column.to_numpy(dtype=object)
        self.codes, uniques = pd.factorize(column, use_na_sentinel=True)
        self.uniques = list(uniques)

    def map(self, fn, missing=None, dtype=object) -> np.ndarray:
        """``fn`` of each distinct value, one entry per row (``missing`` where the row is NA)."""
        return np.array([fn(u) for u in self.uniques] + [missing], dtype=dtype)[self.codes]


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
    m = _PREFIXED.match(t)
    if m and m.group(2) in lookup:
        return lookup[m.group(2)]
    if t.endswith(".0") and t[:-2] in lookup:  # Excel turned a numeric code into a float
        return lookup[t[:-2]]
    return None


def to_choice(column: pd.Series, lookup: Mapping[str, str]) -> pd.Series:
    """Map a column of codes or labels to codes; unknown text and blanks become <NA>.

    Examples
    --------
    >>> to_choice(pd.Series(["PSW ", "2 - psw", "nurse"]), {"psw": "psw"}).tolist()
    ['psw', 'psw', <NA>]
    """
    out = Distinct(column).map(lambda u: choice_of(_clean_text(u), lookup))
    return pd.Series(pd.array(out, dtype="string"), index=column.index)


def _clean_text(value) -> str | None:
    text = str(value).strip()
    if isinstance(value, float) and text.endswith(".0"):  # 12.0 -> "12"
        text = text[:-2]
    return None if text.lower() in BLANKS else text


def text_column(raw: pd.DataFrame, name: str) -> pd.Series:
    """A metadata column as stripped strings (<NA> when absent or blank).

    Examples
    --------
    >>> text_column(pd.DataFrame({"team": [" Ward ", "", None, 12.0]}), "team").tolist()
    ['Ward', <NA>, <NA>, '12']
    """
    if name not in raw:
        return pd.Series(pd.NA, index=raw.index, dtype="string")
    return pd.Series(pd.array(Distinct(raw[name]).map(_clean_text), dtype="string"), index=raw.index)


def number_column(raw: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    """A numeric metadata column; text that is no number becomes <NA>.

    Examples
    --------
    >>> number_column(pd.DataFrame({"m": ["12", "1,5", "x", None]}), "m", "Float64").tolist()
    [12.0, 1.5, <NA>, <NA>]
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
    if dtype == "Int64":
        col = col.where(col.round() == col).round().astype("Int64")
    return col.astype(dtype)


def hash_ids(ids: pd.Series, salt: str) -> pd.Series:
    """Salted, keyed hash (SipHash-2-4, 16 hex digits) of each id, vectorised.

    Examples
    --------
    >>> hash_ids(pd.Series(["R_1", "R_1", "R_2"]), "pepper").nunique()
    2
    """
    key = hashlib.sha256(salt.encode("utf-8")).hexdigest()[:16]
    h = pd.util.hash_pandas_object(ids.astype("string").fillna(""), index=False,
                                   hash_key=key).to_numpy(dtype=np.uint64)
    nibbles = (h[:, None] >> np.arange(60, -1, -4, dtype=np.uint64)) & np.uint64(15)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles.astype(np.intp)]
    hexed = np.ascontiguousarray(digits).view("S16").ravel().astype(str)
    return pd.Series(hexed, index=ids.index, dtype="string").where(ids.notna())


def sequence_ids(n: int) -> pd.Series:
    """``r1, r2, ..., rn`` as a "str" Series, built in NumPy's string ufuncs (no row loop).

    Examples
    --------
    >>> sequence_ids(3).tolist()
    ['r1', 'r2', 'r3']
    """
    if not hasattr(np, "strings"):  # NumPy < 2
        return "r" + pd.Series(np.arange(1, n + 1)).astype(str)
    text = np.strings.add("r", np.arange(1, n + 1).astype(np.dtypes.StringDType()))
    return pd.Series(text.astype(object), dtype="str")


def new_salt() -> str:
    """A random salt for one run (32 hex digits)."""
    return secrets.token_hex(16)


# -- items: codes, checks and flags, one column at a time (vectorised over respondents) --------
BAD_CODE = 1000  # a number that is not a whole code in range (kept aside, never clipped)


def _column_codes(column: pd.Series, lookup: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes as int16, missing mask, value as read) of one item column.

    Whole numbers come back as codes; other numbers as :data:`BAD_CODE` (their value in the
    third array, for the log); unrecognised text as :data:`UNKNOWN_LABEL`.
    """
    dtype = column.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        missing = column.isna().to_numpy()
        wide = column.to_numpy(dtype="int64", na_value=0)
        inside = (wide > -BAD_CODE) & (wide < BAD_CODE)
        codes = np.where(inside, wide, BAD_CODE).astype(np.int16)
        return codes, missing, wide
    values = to_codes(column, lookup)
    missing = np.isnan(values)
    unknown = values == UNKNOWN_LABEL
    whole = (values == np.round(values)) & (np.abs(values) < BAD_CODE)
    codes = np.where(missing, 0, np.where(unknown, int(UNKNOWN_LABEL), np.where(whole, values, BAD_CODE)))
    return codes.astype(np.int16), missing, values


class _ItemChecks:
    """Running per-respondent results while the item columns are visited one by one."""

    def __init__(self, n: int, k: int):
        self.codes = np.zeros((n, k), dtype=np.int8, order="F")  # 0 = no answer
        self.first_bad = np.full(n, -1, dtype=np.int16)
        self.bad_value = np.zeros(n)
        self.first_unknown = np.full(n, -1, dtype=np.int16)
        self.answered = np.zeros(n, dtype=np.int16)


def check_items(raw: pd.DataFrame, inst: Instrument, colleague: np.ndarray,
                lookup: Mapping[str, float]) -> _ItemChecks:
    """Codes of every item column with the first out-of-range and unknown answer of each row.

    Don't-know (the instrument's code) is missing on a form that offers it and out of range
    elsewhere; nothing is clipped or rounded.
    """
    n, k = len(raw), len(inst.item_ids)
    res = _ItemChecks(n, k)
    valid = np.zeros(2 * BAD_CODE + 1, dtype=bool)
    valid[np.array(inst.codes) + BAD_CODE] = True
    dk = inst.dont_know.code
    lo, hi = min(inst.codes), max(inst.codes)
    contiguous = sorted(inst.codes) == list(range(lo, hi + 1)) and -128 <= lo and hi <= 127
    small = np.zeros(256, dtype=bool)  # the codes as a table for int8 values, indexed as uint8
    small[np.array(inst.codes, dtype=np.int8).view(np.uint8)] = True
    for j, item in enumerate(inst.item_ids):
        column = raw[item]
        if column.dtype == "Int8":  # the canonical fast path: the masked array's own buffers
            data, na = column.array._data, column.array._mask
            if contiguous:  # two comparisons instead of a table look-up
                ok = data >= lo
                ok &= data <= hi
            else:
                ok = np.take(small, data.view(np.uint8))
            ok &= ~na
            np.multiply(data, ok, out=res.codes[:, j], casting="unsafe")
            res.answered += ok
            n_ok = int(np.count_nonzero(ok))
            if n_ok < n:  # only then can a row hold a value that is neither code nor blank
                dont_know = (data == dk) & colleague & ~na
                if n_ok + int(np.count_nonzero(na)) + int(np.count_nonzero(dont_know)) < n:
                    bad = ~(ok | na | dont_know)
                    new_bad = bad & (res.first_bad < 0)
                    res.first_bad[new_bad] = j
                    res.bad_value[new_bad] = data[new_bad]
            continue
        codes, missing, value = _column_codes(column, lookup)
        unknown = codes == int(UNKNOWN_LABEL)
        ok = valid[np.clip(codes, -BAD_CODE, BAD_CODE) + BAD_CODE]
        dont_know = (codes == dk) & colleague
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


# -- the shared finishing step ---------------------------------------------------------------
#: Whether "str" is pandas' string dtype (pandas 3), which a column of distinct text can be
#: taken into directly; with pandas 2 text stays an object array until the table is built.
_STR_DTYPE = isinstance(pd.api.types.pandas_dtype("str"), pd.StringDtype)


def _text_array(values: list):
    """A few text values (None for none) as an array to index per row."""
    return pd.array(values, dtype="str") if _STR_DTYPE else np.array(values, dtype=object)


def finish(raw: pd.DataFrame, inst: Instrument, *, source: str, fmt: str,
           labels: Mapping[str, int] | None = None, roles: Mapping[str, str] | None = None,
           ids: str = "keep", salt: str | None = None, drop_flagged: bool = False) -> Responses:
    """Validate a raw table and account for every row.

    Parameters
    ----------
    raw : DataFrame
        The reader's raw table (see the module docstring).
    inst : Instrument
    source, fmt : str
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

    Returns
    -------
    Responses

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> raw = pd.DataFrame({"_row": [2, 3], "response_id": ["a", "b"], "team": ["T", None],
    ...                     "role": ["psw", "psw"], **{i: ["Agree", 4] for i in inst.item_ids}})
    >>> r = finish(raw, inst, source="x.csv", fmt="canonical")
    >>> r.accounting()
    'rows read 2 = scored 1 + excluded 1 (missing_team: 1)'
    """
    if ids not in ("keep", "hash", "sequence"):
        raise ValueError("ids must be 'keep', 'hash' or 'sequence'")
    if ids == "hash" and not salt:
        raise ValueError("ids='hash' needs a salt")
    items = inst.item_ids
    absent = [i for i in items if i not in raw]
    if absent:
        raise CoproError(f"wrong instrument? {len(absent)} of {len(items)} items have no "
                         f"column (first: {absent[0]})", file=source, column=absent[0])
    raw = raw.reset_index(drop=True)
    n = len(raw)
    rows = raw["_row"].to_numpy(dtype="int64") if "_row" in raw else np.arange(2, n + 2)
    free = np.ones(n, dtype=bool)  # rows with no reason yet
    reason = detail = None  # made at the first exclusion

    def mark(mask, code, text):
        """Give rows still free in ``mask`` a reason (the first reason found wins)."""
        nonlocal reason, detail
        mask = np.asarray(mask, dtype=bool) & free
        if mask.any():
            if reason is None:
                reason, detail = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
            reason[mask] = code
            detail[mask] = text if isinstance(text, str) else np.asarray(text, dtype=object)[mask]
            free[mask] = False

    for flag, code, text in (("_preview", "preview", "survey preview (Status 1)"),
                             ("_unfinished", "unfinished", "response not finished")):
        if flag in raw:
            mark(raw[flag].fillna(False).to_numpy(dtype=bool), code, text)

    # respondent fields (worked out once per distinct value) -----------------------------------
    def field(name):
        return Distinct(raw[name] if name in raw else pd.Series(pd.NA, index=raw.index))

    def text_of(d: Distinct, values: list):
        """``values`` (one per distinct value, None for none) per row, as a "str" array."""
        return _text_array(values + [None])[d.codes]  # code -1 picks the None

    form_ids = list(inst.forms)
    team_d = field("team")
    team_text = [_clean_text(u) for u in team_d.uniques]
    team = text_of(team_d, team_text)
    mark(np.array([t is None for t in team_text] + [True])[team_d.codes], "missing_team",
         "column 'team' is blank")
    role_lk = choice_lookup(dict(inst.roles))
    for text_, code in (roles or {}).items():
        role_lk[norm_text(text_)] = code
    role_form = {r: form_ids.index(inst.form_for_role(r)) for r in inst.roles}
    role_d = field("role")
    role_code = [choice_of(_clean_text(u), role_lk) for u in role_d.uniques]
    role = text_of(role_d, role_code)
    role_none = np.array([c is None for c in role_code] + [True])[role_d.codes]
    role_blank = np.array([_clean_text(u) is None for u in role_d.uniques] + [True])[role_d.codes]
    form_of_role = np.array([role_form.get(c, -1) for c in role_code] + [-1], dtype=np.int8)[role_d.codes]
    if "form" in raw:
        form_lk = choice_lookup({f: f for f in inst.forms}, {f.id: f.title for f in inst.forms.values()})
        form_d = field("form")
        given = form_d.map(lambda u: _clean_text(u) is not None, missing=False, dtype=bool)
        form_idx = form_d.map(lambda u: form_ids.index(f) if (f := choice_of(_clean_text(u), form_lk))
                              else -1, missing=-1, dtype=np.int8)
        mark(given & (form_idx < 0), "unknown_form", "column 'form' is not psw or colleague")
        clash = given & (form_idx >= 0) & (form_of_role >= 0) & (form_idx != form_of_role)
        form_idx = np.where(given, form_idx, form_of_role)
    else:
        form_idx, clash = form_of_role, np.zeros(n, dtype=bool)
    if role_none.any():
        mark(role_none, "unknown_role",
             np.where(role_blank, "column 'role' is blank", "column 'role' is no known role"))
    mark(clash, "unknown_role", "column 'role' does not answer this form")
    mark(form_idx < 0, "unknown_form", "form unknown (no 'form' column and no role)")
    form = _text_array(form_ids + [None])[form_idx]  # -1 picks None

    # items -----------------------------------------------------------------------------------------
    colleague = form_idx == list(inst.forms).index("colleague")
    checks = check_items(raw, inst, colleague, label_lookup(inst, labels))
    names = np.array(items, dtype=object)
    bad_rows = checks.first_bad >= 0
    if bad_rows.any():
        where = np.flatnonzero(bad_rows)
        text = np.full(n, None, dtype=object)
        values = pd.Series(checks.bad_value[where]).map("{:g}".format).to_numpy(dtype=object)
        text[where] = ("column '" + names[checks.first_bad[where]] + "': value outside "
                       f"{inst.scale_min}-{inst.scale_max} (" + values + ")")
        mark(bad_rows, "out_of_range", text)
    unknown_rows = checks.first_unknown >= 0
    if unknown_rows.any():  # the answer text itself is not logged: it might be personal
        text = np.full(n, None, dtype=object)
        text[unknown_rows] = ("column '" + names[checks.first_unknown[unknown_rows]]
                              + "': answer text is no scale label")
        mark(unknown_rows, "unknown_label", text)
    mark(checks.answered == 0, "no_answers", "no item answered")

    # ids and duplicates ------------------------------------------------------------------------------
    if "response_id" in raw:
        rid = raw["response_id"].astype("str")
        blank = raw["response_id"].isna().to_numpy()
    else:
        rid = pd.Series("", index=raw.index, dtype="str")
        blank = np.ones(n, dtype=bool)
    if blank.any():
        rid = rid.copy()
        rid[blank] = "row" + pd.Series(rows[blank]).astype(str).to_numpy()
    if free.any():
        kept_ids = rid[free]
        d = kept_ids.duplicated(keep="last")
        if d.any():
            last_row = pd.Series(rows[free], index=kept_ids.index).groupby(kept_ids).transform("last")
            dup = np.zeros(n, dtype=bool)
            dup[d[d].index.to_numpy()] = True
            text = np.full(n, None, dtype=object)
            text[dup] = ("response id repeated; the last complete one, row "
                         + last_row[d].astype(str) + ", is kept").to_numpy(dtype=object)
            mark(dup, "duplicate_id", text)
    if ids == "hash":
        rid = hash_ids(rid, salt)
    elif ids == "sequence":
        rid = sequence_ids(n)

    # the canonical table --------------------------------------------------------------------------
    meta = {"response_id": rid.array if rid.dtype == "str" else rid.to_numpy(), "team": team,
            "role": role, "form": form,
            "months_in_role": number_column(raw, "months_in_role", "Int64").array}
    if "duration_s" in raw:
        meta["duration_s"] = number_column(raw, "duration_s", "Float64").to_numpy(
            dtype="float64", na_value=np.nan)
    codes = checks.codes
    items_df = {i: pd.arrays.IntegerArray(codes[:, j], codes[:, j] == 0) for j, i in enumerate(items)}
    data = pd.DataFrame({**meta, **items_df}, copy=False)  # arrays made here, owned by data
    for c in META_COLUMNS[:4]:
        data[c] = data[c].astype("str")

    flags = careless_flags(codes, inst, meta.get("duration_s"), keep=free)
    if drop_flagged:
        any_flag = flags.any(axis=1).to_numpy()
        text = pd.Series("careless:", index=flags.index)
        for c in FLAG_COLUMNS:
            text = text + np.where(flags[c], " " + c, "")
        mark(any_flag, "flagged", text.to_numpy(dtype=object))
    out = ~free
    excl = pd.DataFrame({
        "source_row": rows[out],
        "response_id": data["response_id"].to_numpy()[out],
        "reason": reason[out].astype(str) if out.any() else np.array([], dtype=object),
        "detail": detail[out] if out.any() else np.array([], dtype=object),
    }, columns=list(EXCLUSION_COLUMNS))
    if out.any():
        data = data[free].reset_index(drop=True)
        flags = flags[free].reset_index(drop=True)
    return Responses(data=data, exclusions=excl, flags=flags, source=str(source), format=fmt,
                     n_read=n, instrument=inst)


def careless_flags(codes: np.ndarray, inst: Instrument, duration=None, *,
                   keep: np.ndarray | None = None) -> pd.DataFrame:
    """Careless-response flags on a respondent x item matrix of codes (0 or NaN = no answer).

    - ``straightline``: at least :data:`MIN_STRAIGHTLINE_ITEMS` answers, all the same code,
      across both forward- and reverse-keyed items (a contradiction unless the answers are
      careless);
    - ``longstring``: the longest run of one code in instrument order covers at least
      :data:`LONGSTRING_SHARE` of the items (Johnson 2005);
    - ``speeder``: ``duration`` below :data:`SPEEDER_SHARE` of the median duration of the rows
      in ``keep`` (only where a duration exists).

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> v = np.vstack([np.full(36, 4.0), np.tile([1.0, 2.0, 3.0, 4.0], 9)])
    >>> careless_flags(v, inst)["straightline"].tolist()
    [True, False]
    """
    codes = np.asarray(codes)
    if codes.dtype.kind == "f":
        codes = np.nan_to_num(codes, nan=0).astype(np.int8)
    codes = np.asfortranarray(codes)  # one item = one contiguous column
    n, k = codes.shape
    is_rev = [it.reverse for it in inst.items]
    count = np.zeros(n, dtype=np.int32)
    hi = np.zeros(n, dtype=codes.dtype) if k else np.zeros(n, dtype=np.int8)
    # lowest answered code; for int8 codes as the min of (code - 1) seen as uint8, where every
    # unanswered code (<= 0) maps to 127 or more and an answered one (1-127) to 0-126
    as_int8 = codes.dtype == np.int8
    low = np.full(n, 255 if as_int8 else 127, dtype=np.uint8 if as_int8 else codes.dtype)
    rev = np.zeros(n, dtype=bool)
    fwd = np.zeros(n, dtype=bool)
    run = np.zeros(n, dtype=np.int8)
    best = np.zeros(n, dtype=np.int8)
    same = np.empty(n, dtype=bool)
    for j in range(k):  # over items, vectorised over respondents, in place
        c = codes[:, j]
        answered = c > 0
        count += answered
        if j == 0:
            hi[:] = c
        else:
            np.maximum(hi, c, out=hi)
        np.minimum(low, (c - 1).view(np.uint8) if as_int8 else np.where(answered, c, 127), out=low)
        seen = rev if is_rev[j] else fwd
        seen |= answered
        if j:  # a run goes on where the code repeats and is answered, else restarts at 0 or 1
            np.equal(c, codes[:, j - 1], out=same)
            same &= answered
            np.multiply(run, same, out=run, casting="unsafe")
        run += answered
        np.maximum(best, run, out=best)
    lowest = low.astype(np.int16) + 1 if as_int8 else low  # right wherever count >= 1
    straight = (count >= MIN_STRAIGHTLINE_ITEMS) & (lowest == hi) & fwd & rev
    longstring = best >= int(np.ceil(LONGSTRING_SHARE * k))
    speeder = np.zeros(n, dtype=bool)
    if duration is not None:
        d = pd.Series(duration).to_numpy(dtype="float64", na_value=np.nan)
        ref = d[keep] if keep is not None else d
        if np.isfinite(ref).any():
            speeder = np.isfinite(d) & (d < SPEEDER_SHARE * np.nanmedian(ref))
    return pd.DataFrame({"straightline": straight, "longstring": longstring, "speeder": speeder},
                        columns=list(FLAG_COLUMNS))
