"""lavaan model syntax for measurement models: text -> rows (lavaan's ``lavParseModelString``).

Supported: ``F =~ a + b + c`` (loadings; a factor may load on factors: second order),
``a ~~ b`` (variances / covariances), modifiers ``1*x`` (fixed value), ``NA*x`` (free),
``lab*x`` (equality by label), a term given twice with different modifiers (``NA*x + lab*x``:
a free, labelled marker, as lavaan), equality constraints between labels ``lab1 == lab2``,
comments ``#`` / ``!``, statements separated by new lines or ``;``. Every error names the statement and the term at
fault. Other lavaan operators are recognised and refused by name; anything else is an
"unknown operator" quoted as written.
"""

from __future__ import annotations

import re

from copro_scale.errors import CoproError

__all__ = ["parse_model", "SUPPORTED", "LAVAAN_ONLY"]

SUPPORTED = ("=~", "~~", "==")
LAVAAN_ONLY = {"~": "regressions", "~1": "intercepts", ":=": "defined parameters",
               "<": "inequality constraints",
               ">": "inequality constraints", "|": "thresholds", "<~": "composites",
               "~*~": "scaling factors"}
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
# left-hand side, then the operator: the run of symbol characters that follows it
_STATEMENT = re.compile(r"^\s*(?P<lhs>[^\s=~<>|:!*+]+)\s*(?P<op>[=~<>|:*!]+)\s*(?P<rhs>.*)$")


def _split_statements(model: str):
    for number, line in enumerate(model.splitlines(), start=1):
        line = re.split(r"[#!]", line, maxsplit=1)[0]
        for stmt in line.split(";"):
            if stmt.strip():
                yield number, stmt.strip()


def _operator(stmt: str, line: int):
    m = _STATEMENT.match(stmt)
    if m is None:
        raise CoproError(f"model line {line}: cannot read {stmt!r}: expected 'factor =~ item + item' "
                         "or 'item ~~ item'")
    lhs, op, rhs = m.group("lhs"), m.group("op"), m.group("rhs").strip()
    if op == "~" and rhs == "1":
        op = "~1"
    if op not in SUPPORTED:
        if op in LAVAAN_ONLY:
            raise CoproError(f"model line {line}: {stmt!r}: operator {op!r} ({LAVAAN_ONLY[op]}) is "
                             "not supported in a CFA here (only =~, ~~ and == between labels)")
        raise CoproError(f"model line {line}: {stmt!r}: unknown operator {op!r} "
                         "(lavaan measurement syntax uses =~ and ~~)")
    if not _NAME.match(lhs) or _NUMBER.match(lhs):
        raise CoproError(f"model line {line}: {stmt!r}: {lhs!r} is not a valid variable name")
    if not rhs:
        raise CoproError(f"model line {line}: {stmt!r}: nothing on the right of {op!r}")
    return lhs, op, rhs


def _term(term: str, stmt: str, line: int) -> dict:
    fixed, label, free = None, None, None
    if "*" in term:
        mod, name = (s.strip() for s in term.rsplit("*", 1))
        if _NUMBER.match(mod):
            fixed = float(mod)
        elif mod == "NA":
            free = True
        elif _NAME.match(mod):
            label = mod
        else:
            raise CoproError(f"model line {line}: {stmt!r}: unsupported modifier {mod!r} in {term!r}")
    else:
        name = term
    if not name:
        raise CoproError(f"model line {line}: {stmt!r}: empty term (a '+' with nothing after it?)")
    if not _NAME.match(name) or _NUMBER.match(name):
        raise CoproError(f"model line {line}: {stmt!r}: {name!r} is not a valid variable name")
    return dict(rhs=name, fixed=fixed, label=label, free=free)


def _merge(row, old, stmt, line, first):
    """A term given again with other modifiers (lavaan: ``NA*x + a*x``): one row with both."""
    value = {"fixed", "free"}
    given = {k for k in ("fixed", "label", "free") if row[k] is not None}
    taken = {k for k in ("fixed", "label", "free") if old[k] is not None}
    if not given or ("label" in given and "label" in taken) or (given & value and taken & value):
        what = (f"indicator {row['rhs']!r} of factor {row['lhs']!r} is given twice" if row["op"] == "=~"
                else f"'{row['lhs']} ~~ {row['rhs']}' is given twice")
        raise CoproError(f"model line {line}: {stmt!r}: {what} (first on line {first})")
    for k in given:
        old[k] = row[k]


def _constraint(lhs, rhs, stmt, line):
    if not _NAME.match(rhs) or _NUMBER.match(rhs):
        raise CoproError(f"model line {line}: {stmt!r}: '==' here sets two labels equal "
                         f"(e.g. 'a == b'); {rhs!r} is not a label")
    return dict(lhs=lhs, op="==", rhs=rhs, fixed=None, label=None, free=None)


def parse_model(model: str) -> list[dict]:
    """Parse lavaan-style CFA syntax into rows ``{lhs, op, rhs, fixed, label, free}``.

    Parameters
    ----------
    model : str
        lavaan syntax, e.g. ``"visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6"``.

    Returns
    -------
    list of dict
        One row per term, in the order written.

    Examples
    --------
    >>> [(r["lhs"], r["op"], r["rhs"]) for r in parse_model("F =~ a + b; a ~~ b")]
    [('F', '=~', 'a'), ('F', '=~', 'b'), ('a', '~~', 'b')]
    """
    if not isinstance(model, str) or not model.strip():
        raise CoproError("the CFA model must be a non-empty lavaan-style string")
    rows, seen = [], {}
    for line, stmt in _split_statements(model):
        lhs, op, rhs = _operator(stmt, line)
        if op == "==":
            rows.append(_constraint(lhs, rhs, stmt, line))
            continue
        for term in rhs.split("+"):
            row = dict(lhs=lhs, op=op, **_term(term.strip(), stmt, line))
            key = (lhs, op, row["rhs"]) if op == "=~" else (op,) + tuple(sorted((lhs, row["rhs"])))
            if key in seen:
                _merge(row, seen[key][1], stmt, line, seen[key][0])
                continue
            seen[key] = (line, row)
            rows.append(row)
    if not any(r["op"] == "=~" for r in rows):
        raise CoproError("the CFA model defines no latent variable (no '=~')")
    return rows
