"""Two runs of one input, differenced: the people who moved between their published sets.

Two outputs of the same input (a rerun with another team list, threshold or parent column)
publish figures about "the same" named aggregate: the organisation (overall and per form), a
service, a team whose responses count once each, a validation item per form. When their counts differ by ``d`` in 1 to ``k`` - 1, the
attacker's model is that the smaller set lies within the larger (the same respondents, a few
moved in or out), so ``n1 * m1 - n2 * m2`` is the sum over the ``d`` people who moved.
:func:`differences` writes both figures as constraints (:class:`~.solve.Program`: the sum over
the common set and over the movers, each person's value between 1 and 5, each printed mean an
interval) and asks for the least and greatest mean of the movers; known to within
``protection`` scale points, it is a disclosure.

Which outputs are of one input: reports with the same ``input_hash``, or the same organisation
and wave labels (a report's hash is taken after the team list regroups, so two team lists give
two hashes); validations with the same ``input_sha256``.
"""

from __future__ import annotations

from itertools import combinations

from ..instrument import CONSTRUCTS, FACES
from .checks import Disclosure, _item_stats
from .read import Num, Report, Validation, num, precision
from .solve import Program

SCORES = (*FACES, *CONSTRUCTS)


def same_input(a, b) -> bool:
    """Whether outputs ``a`` and ``b`` (both reports or both validations) read the same input."""
    if isinstance(a, Report) and isinstance(b, Report):
        ma, mb = a.summary.get("meta", {}), b.summary.get("meta", {})
        if ma.get("input_hash") and ma.get("input_hash") == mb.get("input_hash"):
            return True
        return (ma.get("wave"), ma.get("organisation")) == (mb.get("wave"), mb.get("organisation"))
    if isinstance(a, Validation) and isinstance(b, Validation):
        ha = (a.doc.get("meta") or {}).get("input_sha256")
        return bool(ha) and ha == (b.doc.get("meta") or {}).get("input_sha256")
    return False


def aggregates(out) -> dict[tuple, tuple[int, dict[str, Num], str]]:
    """Named aggregates an output publishes as (count, {quantity: mean}, where).

    A mean is taken over ``count`` people: the organisation per form (its ``n_psw`` /
    ``n_colleague``: respondents with every cell), the whole organisation, a service and a team
    when every respondent counts once, a validation item per form (the ones who answered it).
    """
    found: dict = {}
    if isinstance(out, Report):
        s, name = out.summary, out.path.name
        dec = precision(s, "mean", 4)
        org = s.get("organisation") or {}

        def figures(rec, keys=("faces", "constructs")):
            vals = {}
            for key in keys:
                for sc, v in (rec.get(key) or {}).items():
                    if (x := num(v, decimals=dec)) is not None:
                        vals[sc] = x
            return vals

        if org.get("weights") == "respondents" and isinstance(org.get("n"), int):
            found["organisation", "all"] = (org["n"], figures(org), f"{name}: organisation")
        gap = org.get("psw_vs_colleague") or {}
        for f in ("psw", "colleague"):
            if isinstance(gap.get(f"n_{f}"), int):
                vals = {sc: x for sc, v in (gap.get(f) or {}).items()
                        if (x := num(v, decimals=dec)) is not None}
                found["organisation", f] = (gap[f"n_{f}"], vals, f"{name}: organisation {f}")
        for t in s.get("teams") or []:
            if not t.get("suppressed") and t.get("weights") == "respondents" \
                    and isinstance((t.get("n") or {}).get("total"), int):
                found["team", t["team"]] = (t["n"]["total"], figures(t), f"{name}: team '{t['team']}'")
        for p in s.get("parents") or []:
            if not p.get("withheld") and isinstance(p.get("n"), int) \
                    and p.get("weights", "respondents") == "respondents":
                found["service", p["parent"]] = (p["n"], figures(p), f"{name}: service '{p['parent']}'")
    elif isinstance(out, Validation):
        where = f"{out.path.name}/validation.json"
        for form, items in _item_stats(out).items():
            for item, (n, mean, *_rest) in items.items():
                if mean is not None and n:
                    found["item", form, item] = (n, {"mean": mean}, f"{where}: {form} item {item}")
    return found


def _group(key: tuple, d: int) -> str:
    who = f"the {d} respondent(s) between two runs"
    if key[0] == "organisation":
        return f"organisation{'' if key[1] == 'all' else f' ({key[1]} form)'}: {who}"
    if key[0] in ("service", "team"):
        return f"{key[0]} '{key[1]}': {who}"
    return f"{key[1]} form, item {key[2]}: {who}"


def moved_range(n_big: int, m_big: Num, n_small: int, m_small: Num, d: int, low: float = 1.0,
                high: float = 5.0) -> tuple[float, float] | None:
    """Least and greatest sum over the ``d`` people in the bigger set only (None: the figures
    cannot come from nested sets, so this pair says nothing).

    The bigger set's sum is the smaller set's sum plus the movers'; each person's value lies in
    [``low``, ``high``].
    """
    prog = Program()
    common = prog.var("common", low * n_small, high * n_small)
    moved = prog.var("moved", low * d, high * d)
    prog.add({common: 1}, n_small * m_small.lo, n_small * m_small.hi, "smaller set")
    prog.add({common: 1, moved: 1}, n_big * m_big.lo, n_big * m_big.hi, "bigger set")
    return prog.range({moved: 1})


def differences(outputs, k: int, protection: float) -> list[Disclosure]:
    """Disclosures from pairs of outputs of one input whose sets for one aggregate differ by
    1 to ``k`` - 1 people."""
    out = []
    published = [(o, aggregates(o)) for o in outputs if isinstance(o, (Report, Validation))]
    for (a, fa), (b, fb) in combinations(published, 2):
        if not same_input(a, b):
            continue
        for key in fa.keys() & fb.keys():
            (n1, m1, w1), (n2, m2, w2) = fa[key], fb[key]
            d = abs(n1 - n2)
            if not 0 < d < k:
                continue
            if n1 < n2:
                (n1, m1, w1), (n2, m2, w2) = (n2, m2, w2), (n1, m1, w1)
            for q in m1.keys() & m2.keys():
                r = moved_range(n1, m1[q], n2, m2[q], d)
                if r is None or (r[1] - r[0]) / d > protection + 1e-6:
                    continue
                what = "mean answer" if key[0] == "item" else f"{q} mean"
                out.append(Disclosure(
                    "runs", _group(key, d), f"{what} ({n1} x {m1[q].value:g} - {n2} x "
                    f"{m2[q].value:g}) / {d}", r[0] / d, r[1] / d,
                    [f"{w1}: {q} = {m1[q].value:g} over n = {n1}",
                     f"{w2}: {q} = {m2[q].value:g} over n = {n2}"]))
    return out
