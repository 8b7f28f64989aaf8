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

import numpy as np

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


def aggregates(out) -> dict[tuple, tuple[dict[str, tuple[int, Num]], str]]:
    """Named aggregates an output publishes: {quantity: (count, mean)} and where.

    A mean is taken over its count: the organisation per form (its ``n_psw`` / ``n_colleague``:
    respondents with every cell), the whole organisation, a service (its respondents) and a team
    (the scores table's n of each score on its page, else its respondents) when every response
    counts once, a validation item per form (the ones who answered it).
    """
    found: dict = {}
    if isinstance(out, Report):
        s, name = out.summary, out.path.name
        dec = precision(s, "mean", 4)

        def figures(rec, n, counts=None):
            vals = {}
            for key in ("faces", "constructs"):
                for sc, v in (rec.get(key) or {}).items():
                    if (x := num(v, decimals=dec)) is not None:
                        vals[sc] = ((counts or {}).get(sc, n), x)
            return vals

        org = s.get("organisation") or {}
        if org.get("weights") == "respondents" and isinstance(org.get("n"), int):
            found["organisation", "all"] = (figures(org, org["n"]), f"{name}: organisation")
        gap = org.get("psw_vs_colleague") or {}
        for f in ("psw", "colleague"):
            if isinstance(gap.get(f"n_{f}"), int):
                found["organisation", f] = (figures({"faces": gap.get(f)}, gap[f"n_{f}"]),
                                            f"{name}: organisation {f}")
        for t in s.get("teams") or []:
            if not t.get("suppressed") and t.get("weights") == "respondents" \
                    and isinstance((t.get("n") or {}).get("total"), int):
                page = out.pages.get(t["team"])
                found["team", t["team"]] = (figures(t, t["n"]["total"], page and page.score_n),
                                            f"{name}: team '{t['team']}'")
        for p in s.get("parents") or []:
            if not p.get("withheld") and isinstance(p.get("n"), int) \
                    and p.get("weights", "respondents") == "respondents":
                found["service", p["parent"]] = (figures(p, p["n"]), f"{name}: service '{p['parent']}'")
    elif isinstance(out, Validation):
        where = f"{out.path.name}/validation.json"
        for form, items in _item_stats(out).items():
            for item, (n, mean, *_rest) in items.items():
                if mean is not None and n:
                    found["item", form, item] = ({"mean": (n, mean)}, f"{where}: {form} item {item}")
    return found


def item_shares(out) -> dict[tuple, tuple[int, Num, Num, str]]:
    """A report's team pages: (team, view, item) -> (n answered, unfavourable share, favourable
    share, where)."""
    found = {}
    if isinstance(out, Report):
        for team, page in out.pages.items():
            for view, items in page.items.items():
                for item, (u, f) in items.items():
                    n = page.item_n.get(view, {}).get(item)
                    if u is not None and f is not None and n:
                        where = f"{out.path.name}: team '{team}' item {item} ({view})"
                        found[team, view, item] = (n, u, f, where)
    return found


def moved_answers(n_big: int, shares_big: tuple[Num, Num], n_small: int,
                  shares_small: tuple[Num, Num], d: int) -> tuple[float, float] | None:
    """Least and greatest keyed sum of the ``d`` answers in the bigger set only, from the two
    sets' unfavourable (1-2) and favourable (4-5) shares; None when no nesting explains them."""
    prog = Program()
    moved = {}
    for side in ("u", "f"):
        common = prog.var(f"{side} common", 0, n_small, integer=True)
        moved[side] = prog.var(f"{side} moved", 0, d, integer=True)
        i = 0 if side == "u" else 1
        prog.add({common: 1}, n_small * shares_small[i].lo, n_small * shares_small[i].hi, "smaller")
        prog.add({common: 1, moved[side]: 1}, n_big * shares_big[i].lo, n_big * shares_big[i].hi,
                 "bigger")
    prog.add({moved["u"]: 1, moved["f"]: 1}, 0, d, "model: movers")
    total = prog.var("sum", d, 5 * d)  # unfavourable 1-2, neutral 3, favourable 4-5
    # at most 2u + 3(d - u - f) + 5f = 3d - u + 2f; at least u + 3(d - u - f) + 4f = 3d - 2u + f
    prog.add({total: 1, moved["u"]: 1, moved["f"]: -2}, -np.inf, 3 * d, "model: at most")
    prog.add({total: 1, moved["u"]: 2, moved["f"]: -1}, 3 * d, np.inf, "model: at least")
    return prog.range({total: 1})


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
            (q1, w1), (q2, w2) = fa[key], fb[key]
            for q in q1.keys() & q2.keys():
                (n1, m1), (n2, m2), big, small = q1[q], q2[q], w1, w2
                d = abs(n1 - n2)
                if not 0 < d < k:
                    continue
                if n1 < n2:
                    (n1, m1), (n2, m2), big, small = (n2, m2), (n1, m1), w2, w1
                r = moved_range(n1, m1, n2, m2, d)
                if r is None or (r[1] - r[0]) / d > protection + 1e-6:
                    continue
                what = "mean answer" if key[0] == "item" else f"{q} mean"
                out.append(Disclosure(
                    "runs", _group(key, d), f"{what} ({n1} x {m1.value:g} - {n2} x "
                    f"{m2.value:g}) / {d}", r[0] / d, r[1] / d,
                    [f"{big}: {q} = {m1.value:g} over n = {n1}",
                     f"{small}: {q} = {m2.value:g} over n = {n2}"]))
    out += _item_differences(published, k, protection)
    return out


def _item_differences(published, k: int, protection: float) -> list[Disclosure]:
    """Team pages' item shares of two runs of one input whose answer counts differ by 1 to
    ``k`` - 1: the movers' answers."""
    out = []
    pages = [(o, item_shares(o)) for o, _ in published if isinstance(o, Report)]
    for (a, fa), (b, fb) in combinations(pages, 2):
        if not same_input(a, b):
            continue
        for key in sorted(fa.keys() & fb.keys()):
            (n1, u1, f1, w1), (n2, u2, f2, w2) = fa[key], fb[key]
            if n1 < n2:
                (n1, u1, f1, w1), (n2, u2, f2, w2) = (n2, u2, f2, w2), (n1, u1, f1, w1)
            d = n1 - n2
            if not 0 < d < k:
                continue
            r = moved_answers(n1, (u1, f1), n2, (u2, f2), d)
            if r is None or (r[1] - r[0]) / d > protection + 1e-6:
                continue
            team, view, item = key
            out.append(Disclosure(
                "runs", f"team '{team}'{' (PSW form)' if view == 'psw' else ''}, item {item}: "
                f"the {d} answer(s) between two runs", "mean keyed answer", r[0] / d, r[1] / d,
                [f"{w1}: unfavourable {u1.value:.0%}, favourable {f1.value:.0%} of n = {n1}",
                 f"{w2}: unfavourable {u2.value:.0%}, favourable {f2.value:.0%} of n = {n2}"]))
    return out
