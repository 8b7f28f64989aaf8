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
file is an error naming it, and so is an ``unfinished`` column the file lacks, or two columns
mapped to one field. Label codes must be numbers (or null) and role codes the instrument's
roles. A label may be a numeric code: ``-1: null`` reads Qualtrics' "no basis for evaluation"
recode as no answer, ``0: 1`` ... ``4: 5`` a 0-4 coding.

A mapping with only ``labels`` and/or ``roles`` (no ``columns``) adds them to the reader the
file is detected as, which keeps finding its columns and its status (previews, unfinished). A
mapping with ``columns`` over a Qualtrics export keeps Qualtrics' Status and Finished handling
and its header rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from ..errors import CoproError
from ..instrument import Instrument
from . import qualtrics
from .tables import Head, Plan, Raw, pick, read_plan
from .text import drop_identifying, norm_text

NAME = "mapped"
TARGETS = ("response_id", "team", "role", "form", "months_in_role", "duration_s")


def sniff(head: Head, inst: Instrument) -> bool:
    """Never detected: used when a mapping is given."""
    return False


def load_mapping(mapping, inst: Instrument) -> dict:
    """Load and check a mapping (a dict, or a YAML file path).

    A mapping without ``columns`` only adds ``labels`` and ``roles`` to the reader the file
    is detected as (its status handling kept).

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> load_mapping({"columns": {"Q1": "vdm1"}}, load_instrument())["columns"]
    {'Q1': 'vdm1'}
    """
    if isinstance(mapping, dict) and "_where" in mapping:  # loaded and checked already
        return mapping
    mapping, where = _read_mapping(mapping)
    if not isinstance(mapping, dict) or not isinstance(mapping.get("columns", {}), dict) \
            or not (mapping.get("columns") or mapping.get("labels") or mapping.get("roles")):
        raise CoproError("needs a 'columns' mapping (source header -> item id or field), or "
                         "'labels' / 'roles' for a platform's export", file=where, field="columns")
    for check in (_check_columns, _check_labels, _check_roles, _check_header_rows,
                  _check_unfinished):
        check(mapping, inst, where)
    out = dict(mapping)
    if "columns" in mapping:
        out["columns"] = {str(k): str(v) for k, v in mapping["columns"].items()}
    out["_where"] = where
    return out


def _read_mapping(mapping) -> tuple[object, str]:
    """The mapping as loaded from its YAML file (or as given), and where it came from."""
    if isinstance(mapping, dict):
        return mapping, "<mapping>"
    where = str(mapping)
    try:
        return yaml.safe_load(Path(mapping).read_text(encoding="utf-8")), where
    except FileNotFoundError:
        raise CoproError("mapping file not found", file=where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CoproError(f"cannot read the mapping ({type(exc).__name__})", file=where) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CoproError("invalid YAML", file=where,
                         row=mark.line + 1 if mark is not None else None) from None


def _check_columns(mapping: dict, inst: Instrument, where: str) -> None:
    """Every target is an item id or a field, and a field has one source column."""
    allowed = set(inst.item_ids) | set(TARGETS)
    seen: dict[str, str] = {}
    for src, dst in (mapping.get("columns") or {}).items():
        if dst not in allowed:
            raise CoproError(f"maps to {dst!r}, which is no item id or field of this instrument",
                             file=where, field=f"columns.{src}")
        if dst in TARGETS and dst in seen:  # an item may have a column per form; a field not
            raise CoproError(f"{seen[dst]!r} and {src!r} both map to {dst!r}; map one column "
                             "to it", file=where, field=f"columns.{src}")
        seen[dst] = str(src)


def _check_labels(mapping: dict, inst: Instrument, where: str) -> None:
    """``labels`` is a mapping of answer text (or a numeric code) to a whole code or null."""
    if not isinstance(mapping.get("labels") or {}, dict):
        raise CoproError("must be a mapping", file=where, field="labels")
    for label, code in (mapping.get("labels") or {}).items():
        if code is not None and (isinstance(code, bool) or not isinstance(code, (int, float))
                                 or code != int(code)):
            raise CoproError(f"code {code!r} is not a whole number (or null for missing)",
                             file=where, field=f"labels.{label}")


def _check_roles(mapping: dict, inst: Instrument, where: str) -> None:
    """``roles`` maps role text to the instrument's role codes."""
    if not isinstance(mapping.get("roles") or {}, dict):
        raise CoproError("must be a mapping", file=where, field="roles")
    for text, role in (mapping.get("roles") or {}).items():
        if role not in inst.roles:
            raise CoproError(f"{role!r} is no role of this instrument; expected one of "
                             f"{', '.join(inst.roles)}", file=where, field=f"roles.{text}")


def _check_header_rows(mapping: dict, inst: Instrument, where: str) -> None:
    """``header_rows`` is a whole number from 1 to 100."""
    rows = mapping.get("header_rows", 1)
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= 100):
        raise CoproError(f"must be a whole number of rows from 1 to 100, not {rows!r}",
                         file=where, field="header_rows")


def _check_unfinished(mapping: dict, inst: Instrument, where: str) -> None:
    """``unfinished`` names a column, with values (a list) and/or ``blank: true``."""
    spec = mapping.get("unfinished")
    if spec is not None and not (isinstance(spec, dict) and isinstance(spec.get("column"), str)
                                 and isinstance(spec.get("values", []), list)
                                 and isinstance(spec.get("blank", False), bool)):
        raise CoproError("needs 'column' (a header), with 'values' (a list) and/or 'blank: true'",
                         file=where, field="unfinished")


def plan(path, inst: Instrument, head: Head, *, mapping=None, wave_column=None, **_) -> Plan:
    """The columns read (the mapped ones, the ``unfinished`` column, a Qualtrics export's
    Status and Finished) and the raw table of them."""
    if mapping is None:
        raise CoproError("the mapped format needs --mapping", file=path)
    m = load_mapping(mapping, inst)
    qualtrics_export = qualtrics.sniff(head, inst)
    n = m.get("header_rows") or (qualtrics.header_rows(head) if qualtrics_export else 1)
    spec = m.get("unfinished")
    named = set(inst.item_ids) | set(TARGETS)
    used = set(m["columns"]) | {wave_column, spec["column"] if spec else None} | {
        c for c in head.header() if c in named or norm_text(c) in ("status", "finished")}

    def shape(frame: pd.DataFrame) -> Raw:
        cols = dict(m["columns"])
        for c in frame.columns:  # columns already headed by an item id or field need no mapping
            if c in named and c not in cols.values():
                cols.setdefault(c, c)
        absent = [c for c in cols if c not in frame.columns]
        if absent:
            raise CoproError("the mapping names a column the file does not have", file=path,
                             row=n, column=absent[0])
        unfinished = None
        if spec is not None:
            if spec["column"] not in frame.columns:
                raise CoproError("the mapping's 'unfinished' column is not in the file",
                                 file=path, row=n, column=spec["column"])
            values = {norm_text(v) for v in spec.get("values", [])}
            text = frame[spec["column"]].astype("string").str.strip()
            unfinished = text.str.lower().isin(values).fillna(False)
            if spec.get("blank"):
                unfinished |= text.fillna("").eq("")
        status = qualtrics.status_flags(frame) if qualtrics_export else {}
        frame = drop_identifying(frame, keep=tuple(cols))
        raw = pick(frame, cols, n, wave_column=wave_column)
        for column, values in status.items():  # a Qualtrics export keeps its status handling
            raw[column] = values
        if unfinished is not None:
            raw["_unfinished"] = unfinished.to_numpy(dtype=bool)
        return Raw(raw, labels=m.get("labels") or None, roles=m.get("roles") or None)

    return Plan(frozenset(str(c) for c in used if c is not None), n, shape)


def read(path, inst: Instrument, head: Head, *, mapping=None, encoding=None, sheet=None,
         wave_column=None, **_) -> Raw:
    """Read a table through a mapping (see the module docstring)."""
    p = plan(path, inst, head, mapping=mapping, wave_column=wave_column)
    m = load_mapping(mapping, inst)
    return read_plan(path, head, p, encoding=encoding, sheet=sheet or m.get("sheet"))
