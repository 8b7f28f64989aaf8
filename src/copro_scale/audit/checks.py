"""The attacker's model: every published figure as linear constraints, and what they pin down.

Unknowns are per team and form (``atoms``): the number of respondents, the number who answered
an item and how many gave each (keyed) answer, and the sums of their face and construct scores.
The published figures constrain them (means times counts, shares of counts, the validation's
item means and SDs, which give each item's first two moments, counts and bounds such as "fewer
than k"). A *target* is a quantity about fewer than ``k`` people the outputs mean to hide: a
withheld figure, a below-threshold team, a form shown as "fewer than k", the respondents whose
cells are missing. :func:`pinned` asks the program for its least and greatest value; a group
whose mean answer or score is known to within ``protection`` scale points (one answer category
by default) is disclosed, and so is the exact size of a group shown as "fewer than k".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..instrument import CONSTRUCTS, FACES
from .read import Favourable, Num, Report, Validation, num, precision
from .solve import Program

FORMS = ("psw", "colleague")
SCORES = (*FACES, *CONSTRUCTS)


@dataclass
class Disclosure:
    """A quantity about fewer than ``k`` people that the published figures pin down."""

    kind: str
    group: str
    what: str
    low: float
    high: float
    derivation: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        value = ("" if self.kind in ("waves", "agreement") else f"= {self.low:.3f}"
                 if self.high - self.low < 5e-4 else f"in [{self.low:.3f}, {self.high:.3f}]")
        lines = [f"DISCLOSED ({self.kind}) {self.group}: {self.what} {value}".rstrip()]
        lines += [f"    from {d}" for d in self.derivation]
        return "\n".join(lines)


@dataclass
class Population:
    """The outputs about one set of respondents: a report and the validation and --favourable
    tables written beside it."""

    name: str
    report: Report | None = None
    validations: list[Validation] = field(default_factory=list)
    favourables: list[Favourable] = field(default_factory=list)


def _count(text, total=None):
    """(lo, hi) of a per-form count as printed: a number, "fewer than k" or "at least m"."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return int(text), int(text)
    s = str(text)
    if s.startswith("fewer than"):
        return 0, int(s.split()[-1]) - 1
    if s.startswith("at least"):
        return int(s.split()[-1]), total if total is not None else 10**6
    return 0, 10**6


def _sizes(prog: Program, rep: Report, k: int, k0: int) -> dict:
    """Team and form sizes as unknowns, with what the report says about them."""
    s = rep.summary
    atoms = {}
    for t in s["teams"]:
        name = t["team"]
        cap = k - 1 if t.get("suppressed") else int(t["n"]["total"])
        n = {f: prog.var(f"n[{name},{f}]", 0, cap, integer=True) for f in FORMS}
        atoms[name] = n
        if t.get("suppressed"):
            prog.add({n["psw"]: 1, n["colleague"]: 1}, 1, k - 1, f"{rep.path.name}: team '{name}' has fewer than {k}")
            continue
        total = int(t["n"]["total"])
        prog.add({n["psw"]: 1, n["colleague"]: 1}, total, total, f"{rep.path.name}: team '{name}' n = {total}")
        for f in FORMS:
            lo, hi = _count(t["n"][f], total)
            prog.add({n[f]: 1}, lo, hi, f"{rep.path.name}: team '{name}' {f} count '{t['n'][f]}'")
        if t.get("weights") == "forms_equal":  # forms count equally only when both reach k0
            for f in FORMS:
                prog.add({n[f]: 1}, k0, 10**6, f"{rep.path.name}: team '{name}' weights forms_equal")
    org = s.get("organisation") or {}
    teams = [t for t in org.get("teams", []) if t in atoms]
    if isinstance(org.get("n"), int):
        prog.add({atoms[t][f]: 1 for t in teams for f in FORMS}, org["n"], org["n"],
                 f"{rep.path.name}: organisation n = {org['n']}")
    gap = org.get("psw_vs_colleague") or {}
    for f in FORMS:  # the respondents with every cell scored (rule 8): at most all of them
        if isinstance(gap.get(f"n_{f}"), int):
            prog.add({atoms[t][f]: 1 for t in teams}, gap[f"n_{f}"], 10**6,
                     f"{rep.path.name}: organisation n_{f} = {gap[f'n_{f}']}")
    return atoms


def _mean_rows(prog, coef_by_var: dict, v: Num, why: str):
    """``sum(coef * x)`` within the printed interval of ``v``."""
    prog.add(coef_by_var, v.lo, v.hi, why)


def _quadratic_interval(n: int, mean: Num, sd: Num) -> tuple[float, float]:
    """Range of sum(x^2) = (n-1) sd^2 + n mean^2 over the printed intervals."""
    sq = [(n - 1) * s * s + n * m * m for s in (max(sd.lo, 0), sd.hi) for m in (mean.lo, mean.hi)]
    if mean.lo < 0 < mean.hi:
        sq.append((n - 1) * max(sd.lo, 0) ** 2)
    return min(sq), max(sq)


def _item_stats(validation: Validation) -> dict:
    """form -> item -> (n, mean, sd) as printed in validation.json (None where withheld)."""
    out: dict = {}
    for form, sec in validation.doc.get("forms", {}).items():
        for scale in sec.get("reliability", []) or []:
            if scale.get("kind") != "cell" or not isinstance(scale.get("item_stats"), dict):
                continue
            st = scale["item_stats"]
            cols = st["columns"]
            d = precision(validation.doc, "item_statistics", None)  # unstated: full precision
            for item, row in zip(st["index"], st["data"]):
                r = dict(zip(cols, row))
                if r.get("mean") is None or r.get("n") is None:
                    continue
                out.setdefault(form, {})[item] = tuple(
                    [int(r["n"])] + [num(r.get(c), decimals=d) for c in ("mean", "sd", "floor", "ceiling")])
    return out


def item_program(pop: Population, item: str, reverse: bool, k: int, k0: int):
    """The program of one item, and its targets (label, coefficients of m, of the keyed sum)."""
    prog = Program()
    rep = pop.report
    atoms = _sizes(prog, rep, k, k0)
    m, y = {}, {}
    for team, n in atoms.items():
        for f in FORMS:
            cap = prog.upper[n[f]]
            m[team, f] = prog.var(f"m[{team},{f}]", 0, cap, integer=True)
            prog.add({m[team, f]: 1, n[f]: -1}, -10**6, 0, "model: "+"answered <= respondents")
            y[team, f] = [prog.var(f"y[{team},{f},{c}]", 0, cap, integer=True) for c in range(1, 6)]
            prog.add({**{v: 1 for v in y[team, f]}, m[team, f]: -1}, 0, 0, "model: "+"answers add up")
    org = [t for t in (rep.summary.get("organisation") or {}).get("teams", []) if t in atoms]
    for val in pop.validations:
        for form, items in _item_stats(val).items():
            if item not in items or form not in FORMS:
                continue
            n_i, mean, sd, floor, ceiling = items[item]
            where = f"{val.path.name}/validation.json: {form} item {item}"
            prog.add({m[t, form]: 1 for t in org}, n_i, n_i, f"{where} n = {n_i}")
            _mean_rows(prog, {y[t, form][c]: (c + 1) / n_i for t in org for c in range(5)}, mean,
                       f"{where} mean = {mean.value:g}")
            if sd is not None:
                lo, hi = _quadratic_interval(n_i, mean, sd)
                prog.add({y[t, form][c]: (c + 1) ** 2 for t in org for c in range(5)}, lo, hi,
                         f"{where} sd = {sd.value:g}")
            for share, c, name in ((floor, 0, "floor"), (ceiling, 4, "ceiling")):
                if share is not None:  # the share at the scale's lowest / highest answer (1 / 5)
                    prog.add({y[t, form][c]: 1 for t in org}, share.lo * n_i, share.hi * n_i,
                             f"{where} {name} = {share.value:g}")
    unfav, fav = (0, 1), (3, 4)
    targets = []
    for team, page in rep.pages.items():
        for view, forms in (("all", FORMS), ("psw", ("psw",))):
            shares = page.items.get(view, {}).get(item)
            if shares is None:
                continue
            mm = {m[team, f]: 1 for f in forms}
            if shares[0] is None:  # withheld: fewer than k answered
                prog.add(mm, 0, k - 1, f"{rep.path.name}: '{team}' item {item} withheld")
                targets.append((f"team '{team}'" + (" (PSW form)" if view == "psw" else "")
                                + f", item {item}",
                                mm, {y[team, f][c]: c + 1 for f in forms for c in range(5)}))
                continue
            for share, cats in zip(shares, (unfav, fav)):
                cnt = {y[team, f][c]: 1 for f in forms for c in cats}
                where = f"{rep.path.name}: '{team}' item {item} ({view})"
                prog.add({**cnt, **{v: -share.lo for v in mm}}, 0, np.inf, where)
                prog.add({**cnt, **{v: -share.hi for v in mm}}, -np.inf, 0, where)
    for fav_table in pop.favourables:
        for row in fav_table.rows:
            team, v = row["team"], num(row.get(item) or None, percent=True)
            if team not in atoms or v is None:
                continue
            mm = {m[team, f]: 1 for f in FORMS}
            cnt = {y[team, f][c]: 1 for f in FORMS for c in fav}
            where = f"{fav_table.path.name}: '{team}' {item} favourable"
            prog.add({**cnt, **{x: -v.lo for x in mm}}, 0, np.inf, where)
            prog.add({**cnt, **{x: -v.hi for x in mm}}, -np.inf, 0, where)
    for t in rep.summary["teams"]:
        if t.get("suppressed") and t["team"] in atoms:
            team = t["team"]
            targets.append((f"team '{team}' (below threshold), item {item}", {m[team, f]: 1 for f in FORMS},
                            {y[team, f][c]: c + 1 for f in FORMS for c in range(5)}))
    del reverse
    return prog, targets


def score_program(pop: Population, k: int, k0: int):
    """The program of the face and construct figures, and its targets."""
    prog = Program()
    rep = pop.report
    s = rep.summary
    atoms = _sizes(prog, rep, k, k0)
    x = {}
    for team, n in atoms.items():
        for f in FORMS:
            for sc in SCORES:
                x[team, f, sc] = prog.var(f"sum[{team},{f},{sc}]", 0, 5 * prog.upper[n[f]])
                prog.add({x[team, f, sc]: 1, n[f]: -5}, -np.inf, 0, "model: "+"scores are at most 5")
            d = prog.var(f"d[{team},{f}]", -30 * prog.upper[n[f]], 30 * prog.upper[n[f]])
            prog.add({**{x[team, f, sc]: 1 for sc in FACES}, **{x[team, f, sc]: -1 for sc in CONSTRUCTS},
                      d: -1}, 0, 0, "model: "+"faces and constructs average the same nine cells")
    targets = []
    dec = precision(s, "mean", 4)
    for t in s["teams"]:
        team = t["team"]
        if t.get("suppressed"):
            for sc in SCORES:
                targets.append(("score", f"team '{team}' (below threshold)", sc,
                                {x[team, f, sc]: 1 for f in FORMS}, {atoms[team][f]: 1 for f in FORMS}))
            targets.append(("count", f"team '{team}' (below threshold)", "respondents", None,
                            {atoms[team][f]: 1 for f in FORMS}))
            continue
        total = int(t["n"]["total"])
        exact = all(isinstance(t["n"][f], int) for f in FORMS)
        for sc in SCORES:
            v = num((t.get("faces") or {}).get(sc, (t.get("constructs") or {}).get(sc)), decimals=dec)
            if v is None:
                targets.append(("score", f"team '{team}' (withheld figure)", sc,
                                {x[team, f, sc]: 1 for f in FORMS}, {atoms[team][f]: 1 for f in FORMS}))
                continue
            where = f"{rep.path.name}: '{team}' {sc} = {v.value:g}"
            if t.get("weights") == "forms_equal" and exact:
                coef = {x[team, f, sc]: 1 / (2 * t["n"][f]) for f in FORMS}
            else:
                coef = {x[team, f, sc]: 1 / total for f in FORMS}
            prog.add(coef, v.lo, v.hi, where)
        targets.append(("contrast", f"team '{team}': respondents with a missing cell",
                        "sum of faces minus sum of constructs", {prog.var(f"d[{team},{f}]"): 1 for f in FORMS}, None))
        for f in FORMS:
            if isinstance(t["n"][f], str) and t["n"][f].startswith("fewer"):
                targets.append(("count", f"team '{team}' {f} form", "respondents", None, {atoms[team][f]: 1}))
    org = s.get("organisation") or {}
    teams = [t for t in org.get("teams", []) if t in atoms]
    gap = org.get("psw_vs_colleague") or {}
    for sc in SCORES:
        v = num((org.get("faces") or {}).get(sc, (org.get("constructs") or {}).get(sc)), decimals=dec)
        if v is not None and teams:
            if org.get("weights") == "forms_equal" and all(isinstance(gap.get(f"n_{f}"), int) for f in FORMS):
                coef = {x[t, f, sc]: 1 / (2 * gap[f"n_{f}"]) for t in teams for f in FORMS}
            elif isinstance(org.get("n"), int):
                coef = {x[t, f, sc]: 1 / org["n"] for t in teams for f in FORMS}
            else:
                coef = None
            if coef:
                prog.add(coef, v.lo, v.hi, f"{rep.path.name}: organisation {sc} = {v.value:g}")
        for f in FORMS:
            g = num((gap.get(f) or {}).get(sc), decimals=dec)
            if g is not None and isinstance(gap.get(f"n_{f}"), int):
                prog.add({x[t, f, sc]: 1 / gap[f"n_{f}"] for t in teams}, g.lo, g.hi,
                         f"{rep.path.name}: organisation {f} {sc} = {g.value:g}")
    return prog, targets


def pinned(prog: Program, targets, k: int, protection: float, kind_default: str = "answers"):
    """Disclosures among ``targets`` (label, coefficients of the count, of the sum)."""
    out = []
    for t in targets:
        if len(t) == 3:
            kind, group, what, total, size = kind_default, t[0], "mean keyed answer", t[2], t[1]
        else:
            kind, group, what, total, size = t
        rn = prog.range(size) if size else None
        if size and rn is None:
            continue
        if kind == "count":
            if rn[1] - rn[0] < 0.5 and 0 < round(rn[0]) < k:
                out.append(Disclosure("count", group, f"exactly {round(rn[0])} {what}", rn[0], rn[1],
                                      prog.sources(size)))
            continue
        if kind == "contrast":
            r = prog.range(total)
            if r and r[1] - r[0] <= protection + 1e-6 and (r[0] > 1e-6 or r[1] < -1e-6):
                out.append(Disclosure("contrast", group, what, r[0], r[1], prog.sources(total)))
            continue
        if rn[1] - rn[0] >= 0.5 or rn[1] < 0.5 or round(rn[0]) >= k:
            continue  # group size not pinned, nobody in it, or at least k
        n = round(rn[0])
        r = prog.range(total)
        if r and (r[1] - r[0]) / n <= protection + 1e-6:
            out.append(Disclosure(kind, group, f"{what} of {n} respondent(s)", r[0] / n, r[1] / n,
                                  prog.sources(total)))
    return out
