"""Reader for any CSV or xlsx with a small YAML mapping.

The mapping says which column holds what, and (optionally) how answer and role text code::

    columns:                 # source header -> item id, or team / role / form / response_id /
      Q1: vdm1               #   months_in_role / duration_s
      Q2: vdm2
      Team name: team
    labels:                  # answer text -> code (null: counts as missing)
      Totally disagree: 1
      Totally agree: 5
      Not sure: null
    roles:                   # role text -> role code
      Staff nurse: clinical
    header_rows: 1           # optional: header rows above the data (the first names the columns)
    sheet: Responses         # optional: worksheet of an xlsx file
    unfinished:              # optional: a status column and what means "not finished"
      column: Done
      values: ["no", 0]      #   these values, and/or
      blank: true            #   an empty cell (e.g. LimeSurvey's "Date submitted")

Every item must be mapped (or already be headed by its id); a mapped column that is not in the
file is an error naming it, and so is an ``unfinished`` column the file lacks. Label codes must
be numbers (or null) and role codes the instrument's roles.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import CoproError
from ..instrument import Instrument
from .text import drop_identifying, norm_text
from .tables import Head, Raw, pick, read_any

NAME = "mapped"
TARGETS = ("response_id", "team", "role", "form", "months_in_role", "duration_s")


def sniff(head: Head, inst: Instrument) -> bool:
    """Never detected: used when a mapping is given."""
    return False


def load_mapping(mapping, inst: Instrument) -> dict:
    """Load and check a mapping (a dict, or a YAML file path).

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> load_mapping({"columns": {"Q1": "vdm1"}}, load_instrument())["columns"]
    {'Q1': 'vdm1'}
    """
    where = "<mapping>"
    if not isinstance(mapping, dict):
        where = str(mapping)
        try:
            mapping = yaml.safe_load(Path(mapping).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CoproError("mapping file not found", file=where) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CoproError(f"cannot read the mapping ({type(exc).__name__})", file=where) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise CoproError("invalid YAML", file=where,
                             row=mark.line + 1 if mark is not None else None) from None
    if not isinstance(mapping, dict) or not isinstance(mapping.get("columns"), dict):
        raise CoproError("needs a 'columns' mapping: source header -> item id or field",
                         file=where, field="columns")
    allowed = set(inst.item_ids) | set(TARGETS)
    for src, dst in mapping["columns"].items():
        if dst not in allowed:
            raise CoproError(f"maps to {dst!r}, which is no item id or field of this instrument",
                             file=where, field=f"columns.{src}")
    for key in ("labels", "roles"):
        if not isinstance(mapping.get(key) or {}, dict):
            raise CoproError("must be a mapping", file=where, field=key)
    for label, code in (mapping.get("labels") or {}).items():
        if code is not None and (isinstance(code, bool) or not isinstance(code, (int, float))
                                 or code != int(code)):
            raise CoproError(f"code {code!r} is not a whole number (or null for missing)",
                             file=where, field=f"labels.{label}")
    for text, role in (mapping.get("roles") or {}).items():
        if role not in inst.roles:
            raise CoproError(f"{role!r} is no role of this instrument; expected one of "
                             f"{', '.join(inst.roles)}", file=where, field=f"roles.{text}")
    rows = mapping.get("header_rows", 1)
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= 100):
        raise CoproError(f"must be a whole number of rows from 1 to 100, not {rows!r}",
                         file=where, field="header_rows")
    spec = mapping.get("unfinished")
    if spec is not None and not (isinstance(spec, dict) and isinstance(spec.get("column"), str)
                                 and isinstance(spec.get("values", []), list)
                                 and isinstance(spec.get("blank", False), bool)):
        raise CoproError("needs 'column' (a header), with 'values' (a list) and/or 'blank: true'",
                         file=where, field="unfinished")
    out = dict(mapping)
    out["columns"] = {str(k): str(v) for k, v in mapping["columns"].items()}
    out["_where"] = where
    return out


def read(path, inst: Instrument, head: Head, *, mapping=None, encoding=None, sheet=None, **_) -> Raw:
    """Read a table through a mapping (see the module docstring)."""
    if mapping is None:
        raise CoproError("the mapped format needs --mapping", file=path)
    m = load_mapping(mapping, inst)
    n = m.get("header_rows") or 1
    frame = read_any(path, head, header_rows=n, encoding=encoding, sheet=sheet or m.get("sheet"))
    cols = dict(m["columns"])
    for c in frame.columns:  # columns already headed by an item id or field need no mapping
        if c in set(inst.item_ids) | set(TARGETS) and c not in cols.values():
            cols.setdefault(c, c)
    absent = [c for c in cols if c not in frame.columns]
    if absent:
        raise CoproError("the mapping names a column the file does not have", file=path, row=n,
                         column=absent[0])
    unfinished = None
    spec = m.get("unfinished")
    if spec is not None:
        if spec["column"] not in frame.columns:
            raise CoproError("the mapping's 'unfinished' column is not in the file", file=path,
                             row=n, column=spec["column"])
        values = {norm_text(v) for v in spec.get("values", [])}
        text = frame[spec["column"]].astype("string").str.strip()
        unfinished = text.str.lower().isin(values).fillna(False)
        if spec.get("blank"):
            unfinished |= text.fillna("").eq("")
    frame = drop_identifying(frame, keep=tuple(cols))
    raw = pick(frame, cols, n)
    if unfinished is not None:
        raw["_unfinished"] = unfinished.to_numpy(dtype=bool)
    return Raw(raw, labels=m.get("labels") or None, roles=m.get("roles") or None)
