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


def to_choice(column: pd.Series, lookup: Mapping[str, str]) -> pd.Series:
    """Map a column of codes or labels to codes; unknown text and blanks become <NA>.

    Examples
    --------
    >>> to_choice(pd.Series(["PSW ", "2 - psw", "nurse"]), {"psw": "psw"}).tolist()
    ['psw', 'psw', <NA>]
    """
    codes, uniques = pd.factorize(column.astype("string"), use_na_sentinel=True)

    def one(u):
        t = norm_text(u)
        if t in lookup:
            return lookup[t]
        m = _PREFIXED.match(t) or None
        if m and m.group(2) in lookup:
            return lookup[m.group(2)]
        if t.endswith(".0") and t[:-2] in lookup:  # Excel turned a numeric code into a float
            return lookup[t[:-2]]
        return None

    mapped = pd.array([one(u) for u in uniques] + [None], dtype="string")
    return pd.Series(mapped[codes], index=column.index)


def text_column(raw: pd.DataFrame, name: str) -> pd.Series:
    """A metadata column as stripped strings (<NA> when absent or blank)."""
    if name not in raw:
        return pd.Series(pd.NA, index=raw.index, dtype="string")
    col = raw[name].astype("string").str.strip()
    if pd.api.types.is_float_dtype(raw[name].dtype):  # 12.0 -> "12"
        col = col.str.replace(r"\.0$", "", regex=True)
    return col.mask(col.str.lower().isin(BLANKS))


def number_column(raw: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    """A numeric metadata column; text that is no number becomes <NA>."""
    if name not in raw:
        return pd.Series(pd.NA, index=raw.index, dtype=dtype)
    col = raw[name]
    if not pd.api.types.is_numeric_dtype(col.dtype):
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
    h = pd.util.hash_pandas_object(ids.astype("string").fillna(""), index=False, hash_key=key)
    hexed = pd.Series(h.to_numpy(), index=ids.index).map("{:016x}".format)
    return hexed.astype("string").where(ids.notna())


def new_salt() -> str:
    """A random salt for one run (32 hex digits)."""
    return secrets.token_hex(16)


# -- the shared finishing step ---------------------------------------------------------------
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
    raw = raw.reset_index(drop=True)
    n = len(raw)
    rows = raw["_row"].to_numpy(dtype="int64") if "_row" in raw else np.arange(2, n + 2)
    reason = np.full(n, None, dtype=object)
    detail = np.full(n, "", dtype=object)

    def mark(mask, code, text):
        """Give rows still unmarked in ``mask`` a reason (first reason wins)."""
        mask = np.asarray(mask, dtype=bool) & pd.isna(reason)
        reason[mask] = code
        detail[mask] = text if isinstance(text, str) else np.asarray(text, dtype=object)[mask]

    for flag, code, text in (("_preview", "preview", "survey preview (Status 1)"),
                             ("_unfinished", "unfinished", "response not finished")):
        if flag in raw:
            mark(raw[flag].fillna(False).to_numpy(dtype=bool), code, text)

    # respondent fields -------------------------------------------------------------------------
    team = text_column(raw, "team")
    mark(team.isna().to_numpy(), "missing_team", "column 'team' is blank")
    role_lk = choice_lookup(dict(inst.roles))
    for text_, code in (roles or {}).items():
        role_lk[norm_text(text_)] = code
    role_raw = text_column(raw, "role")
    role = to_choice(role_raw, role_lk)
    form_of_role = role.map({r: inst.form_for_role(r) for r in inst.roles}).astype("string")
    if "form" in raw:
        form_lk = choice_lookup({f: f for f in inst.forms}, {f.id: f.title for f in inst.forms.values()})
        form_raw = text_column(raw, "form")
        form = to_choice(form_raw, form_lk).fillna(form_of_role.where(form_raw.isna()))
        mark((form.isna() & form_raw.notna()).to_numpy(), "unknown_form",
             "column 'form' is not psw or colleague")
    else:
        form = form_of_role
    mark(role.isna().to_numpy(), "unknown_role",
         np.where(role_raw.isna(), "column 'role' is blank", "column 'role' is no known role"))
    clash = (role.notna() & form.notna() & (form != form_of_role)).fillna(False).to_numpy(dtype=bool)
    mark(clash, "unknown_role", "column 'role' does not answer this form")
    mark(form.isna().to_numpy(), "unknown_form", "form unknown (no 'form' column and no role)")

    # items -----------------------------------------------------------------------------------------
    items = inst.item_ids
    missing_items = [i for i in items if i not in raw]
    if missing_items:
        raise CoproError(f"wrong instrument? {len(missing_items)} of {len(items)} items have no "
                         f"column (first: {missing_items[0]})", file=source, column=missing_items[0])
    lookup = label_lookup(inst, labels)
    vals = np.column_stack([to_codes(raw[i], lookup) for i in items]) if n else np.empty((0, len(items)))
    colleague = (form == "colleague").fillna(False).to_numpy(dtype=bool)[:, None]
    dk_ok = colleague & (vals == inst.dont_know.code)
    vals[dk_ok] = np.nan
    unknown = vals == UNKNOWN_LABEL
    valid = np.isnan(vals) | np.isin(vals, inst.codes)
    bad = ~valid & ~unknown
    names = np.array(items, dtype=object)
    for mask, code, what in ((bad, "out_of_range", "value outside {}-{}".format(inst.scale_min, inst.scale_max)),
                             (unknown, "unknown_label", "answer text is no scale label")):
        any_ = mask.any(axis=1)
        if any_.any():
            first = mask.argmax(axis=1)
            text = "column '" + names[first] + "': " + what
            if code == "out_of_range":  # a code is not personal; text might be, so it is not shown
                text = text + " (" + pd.Series(vals[np.arange(n), first]).map("{:g}".format).to_numpy(dtype=object) + ")"
            mark(any_, code, text)
    vals[unknown | bad] = np.nan
    answered = (~np.isnan(vals)).sum(axis=1)
    mark(answered == 0, "no_answers", "no item answered")

    # ids and duplicates ------------------------------------------------------------------------------
    rid = text_column(raw, "response_id")
    rid = rid.fillna(pd.Series("row" + pd.Series(rows).astype(str), dtype="string"))
    ok = pd.isna(reason)
    dup = np.zeros(n, dtype=bool)
    if ok.any():
        kept_ids = rid[ok]
        d = kept_ids.duplicated(keep="last")
        if d.any():
            last_row = pd.Series(rows[ok], index=kept_ids.index).groupby(kept_ids).transform("last")
            dup[d[d].index.to_numpy()] = True
            mark(dup, "duplicate_id", ("response id repeated; the last complete one, row "
                                       + last_row.astype(str) + ", is kept").reindex(range(n)).to_numpy(dtype=object))
    if ids == "hash":
        if not salt:
            raise ValueError("ids='hash' needs a salt")
        rid = hash_ids(rid, salt)
    elif ids == "sequence":
        rid = pd.Series("r" + pd.Series(np.arange(1, n + 1)).astype(str), dtype="string")
    elif ids != "keep":
        raise ValueError("ids must be 'keep', 'hash' or 'sequence'")

    # the canonical table --------------------------------------------------------------------------
    data = pd.DataFrame({
        "response_id": rid.astype("string").to_numpy(dtype=object),
        "team": team.to_numpy(dtype=object),
        "role": role.to_numpy(dtype=object),
        "form": form.to_numpy(dtype=object),
        "months_in_role": number_column(raw, "months_in_role", "Int64").to_numpy(),
    })
    data["months_in_role"] = data["months_in_role"].astype("Int64")
    if "duration_s" in raw:
        data["duration_s"] = number_column(raw, "duration_s", "Float64").astype("float64").to_numpy()
    safe = np.where(np.isnan(vals), 0, vals).astype("int8")
    item_df = pd.DataFrame({i: pd.arrays.IntegerArray(safe[:, j], np.isnan(vals[:, j]))
                            for j, i in enumerate(items)})
    data = pd.concat([data, item_df], axis=1)

    flags = careless_flags(vals, inst, data.get("duration_s"), keep=pd.isna(reason))
    if drop_flagged:
        any_flag = flags.any(axis=1).to_numpy()
        text = pd.Series("careless:", index=flags.index)
        for c in FLAG_COLUMNS:
            text = text + np.where(flags[c], " " + c, "")
        mark(any_flag, "flagged", text.to_numpy(dtype=object))
    keep = pd.isna(reason)
    excl = pd.DataFrame({
        "source_row": rows[~keep],
        "response_id": data["response_id"].to_numpy(dtype=object)[~keep],
        "reason": reason[~keep].astype(str) if (~keep).any() else np.array([], dtype=object),
        "detail": detail[~keep],
    }, columns=list(EXCLUSION_COLUMNS))
    data = data[keep].reset_index(drop=True)
    for c in META_COLUMNS[:4]:
        data[c] = data[c].astype(str)
    return Responses(data=data, exclusions=excl.reset_index(drop=True),
                     flags=flags[keep].reset_index(drop=True), source=str(source), format=fmt,
                     n_read=n, instrument=inst)


def careless_flags(vals: np.ndarray, inst: Instrument, duration: pd.Series | None = None, *,
                   keep: np.ndarray | None = None) -> pd.DataFrame:
    """Careless-response flags on a respondent x item matrix of raw codes (NaN = no answer).

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
    n, k = vals.shape
    rev = np.array([it.reverse for it in inst.items])
    answered = ~np.isnan(vals)
    with np.errstate(all="ignore"):
        lo = np.where(answered, vals, np.inf).min(axis=1)
        hi = np.where(answered, vals, -np.inf).max(axis=1)
    both = (answered & rev).any(axis=1) & (answered & ~rev).any(axis=1)
    straight = (answered.sum(axis=1) >= MIN_STRAIGHTLINE_ITEMS) & (lo == hi) & both
    run = np.zeros(n, dtype=np.int32)
    best = np.zeros(n, dtype=np.int32)
    prev = np.full(n, np.nan)
    for j in range(k):  # over items, vectorised over respondents
        same = answered[:, j] & (vals[:, j] == prev)
        run = np.where(same, run + 1, answered[:, j].astype(np.int32))
        best = np.maximum(best, run)
        prev = vals[:, j]
    longstring = best >= int(np.ceil(LONGSTRING_SHARE * k))
    speeder = np.zeros(n, dtype=bool)
    if duration is not None:
        d = pd.Series(duration).to_numpy(dtype="float64", na_value=np.nan)
        ref = d[keep] if keep is not None else d
        if np.isfinite(ref).any():
            med = np.nanmedian(ref)
            speeder = np.isfinite(d) & (d < SPEEDER_SHARE * med)
    return pd.DataFrame({"straightline": straight, "longstring": longstring, "speeder": speeder},
                        columns=list(FLAG_COLUMNS))
