"""``copro audit``: an attacker built in, run on what copro published.

:func:`audit` reads the published outputs of one or more runs (report folders, validation
folders, ``--favourable`` tables), writes every figure as linear constraints on the unknown
answers (:mod:`.checks`) and asks a mixed-integer program (:mod:`.solve`, scipy's HiGHS) which
quantities about fewer than ``k`` people they pin down. It also compares figures that two
outputs publish about the same team and wave, and the validation's item means against the
organisation's per-form figures. docs/privacy.md states the model, the guarantee and the limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from ..instrument import FACES, Instrument, load_instrument
from .checks import (
    FORMS,
    Disclosure,
    Population,
    _item_stats,
    item_program,
    pinned,
    score_program,
)
from .read import Report, Validation, discover, num, precision
from .runs import differences

__all__ = ["AuditResult", "Disclosure", "audit"]


@dataclass
class AuditResult:
    """What the audit read and what it found."""

    outputs: list[str]
    k: int
    disclosures: list[Disclosure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return not self.disclosures


def _populations(outputs) -> list[Population]:
    """A report and the validation and --favourable outputs in the same folder as it."""
    pops: dict[Path, Population] = {}
    for o in outputs:
        key = o.path.parent
        pop = pops.setdefault(key, Population(str(key)))
        if isinstance(o, Report):
            if pop.report is not None:  # two reports in one folder: two populations
                key = o.path
                pop = pops.setdefault(key, Population(str(key)))
            pop.report = o
        elif isinstance(o, Validation):
            pop.validations.append(o)
        else:
            pop.favourables.append(o)
    return list(pops.values())


def _waves(reports: list[Report], k: int) -> list[Disclosure]:
    """Two outputs that publish one team's figure in one wave must publish the same figure."""
    out = []
    own = {}
    for r in reports:
        for t in r.summary["teams"]:
            if not t.get("suppressed"):
                own.setdefault((r.wave, t["team"]), []).append((r, t))
    for (wave, team), seen in own.items():  # reruns of one wave
        for (r1, t1), (r2, t2) in pairwise(seen):
            d = abs(int(t1["n"]["total"]) - int(t2["n"]["total"]))
            if 0 < d < k:
                out.append(Disclosure("waves", f"team '{team}', {wave}: the {d} respondent(s) "
                                      "between two runs", "team figures differ", 0, 0,
                                      [f"{r1.path}: n = {t1['n']['total']}",
                                       f"{r2.path}: n = {t2['n']['total']}"]))
    for r in reports:  # an earlier wave's figure as a later report shows it
        for team, page in r.pages.items():
            if not page.then or (page.previous_wave, team) not in own:
                continue
            for r0, t0 in own[page.previous_wave, team]:
                for sc, then in page.then.items():
                    v = num((t0.get("faces") or {}).get(sc, (t0.get("constructs") or {}).get(sc)),
                            decimals=precision(r0.summary, "mean", 4))
                    if v is not None and abs(v.value - then.value) > v.half + then.half + 1e-9:
                        out.append(Disclosure(
                            "waves", f"team '{team}', {page.previous_wave}: the respondents "
                            "between two team lists", f"{sc}: n x Then - n x published", 0, 0,
                            [f"{r0.path}: {sc} = {v.value:g} (n = {t0['n']['total']})",
                             f"{r.path}: Then {sc} = {then.value:g}"]))
                        break
    return out


def _agreement(reports: list[Report], k: int, *, own: bool = False) -> list[Disclosure]:
    """A team page's rwg(j) / AD(j) over the respondents with all nine cells: a subset of each
    score's respondents, so fewer than ``k`` when any score's n in the scores table is. With
    ``own``, each report is held to the threshold it states (a report at 5 beside one at 6 may
    show indices over 5)."""
    out = []
    for r in reports:
        least = (r.k or k) if own else k
        for team, page in r.pages.items():
            n = min(page.score_n.values(), default=least)
            if page.agreement and n < least:
                out.append(Disclosure(
                    "agreement", f"team '{team}': the at most {n} respondent(s) with all nine "
                    "cells", "agreement indices published", 0, 0,
                    [f"{r.path.name}/teams: scores table n = {n}; "
                     + ", ".join(f"{name} = {v.value:g}" for name, v in page.agreement.items())]))
    return out


def _skipped_answers(pop: Population, inst: Instrument, k: int, protection: float) -> list[Disclosure]:
    """Per form: 12 x n x face - sum of its items' n x mean is about those who skipped items;
    where the validation counts ``d`` more of a form than the report's per-form figures (those
    with a missing cell) and each of them answered every item of a face, it is their answers."""
    out = []
    org = (pop.report.summary.get("organisation") or {}) if pop.report else {}
    gap = org.get("psw_vs_colleague") or {}
    for val in pop.validations:
        stats = _item_stats(val)
        for form in FORMS:
            n = gap.get(f"n_{form}")
            vn = val.doc.get("forms", {}).get(form, {}).get("n")
            if not isinstance(n, int) or not isinstance(vn, int) or form not in stats:
                continue
            extra = vn - n  # respondents in the item statistics, not in the score figures
            if extra and not 0 < extra < k:
                continue
            for face in FACES:
                items = [it.id for it in inst.items if it.face == face]
                v = num((gap.get(form) or {}).get(face), decimals=precision(pop.report.summary, "mean", 4))
                if v is None or any(i not in stats[form] for i in items):
                    continue
                answers = sum(stats[form][i][0] for i in items)
                if extra:  # every answer there: the report's n answered all, and so did the d
                    if answers != len(items) * vn:
                        continue
                    group, size, how = (f"{form} form: the {extra} respondent(s) with a missing "
                                        f"cell, {face} items"), len(items) * extra, \
                        "items' n x mean - 12 x n x face score"
                else:
                    size = len(items) * n - answers
                    if not 0 < size < k:
                        continue
                    group, how = (f"{form} form: the respondent(s) who skipped {size} {face} "
                                  "item(s)"), "12 x face score - their answered items"
                lo = len(items) * n * v.lo - sum(s[0] * s[1].hi for i, s in stats[form].items() if i in items)
                hi = len(items) * n * v.hi - sum(s[0] * s[1].lo for i, s in stats[form].items() if i in items)
                if extra:
                    lo, hi = -hi, -lo
                if hi - lo <= protection * size + 1e-6:
                    out.append(Disclosure(
                        "answers", group, how, lo, hi,
                        [f"{pop.report.path.name}: organisation {form} {face} = {v.value:g} (n = {n})",
                         f"{val.path.name}/validation.json: n and mean of the {len(items)} {face} items"
                         + (f" (n = {vn})" if extra else "")]))
    return out


def audit(paths, *, min_responses: int | None = None, instrument: Instrument | None = None,
          protection: float = 1.0) -> AuditResult:
    """Search the published outputs ``paths`` for anything about fewer than ``k`` people.

    Parameters
    ----------
    paths : list of path
        Report folders, validation folders, ``--favourable`` tables, or folders holding them.
    min_responses : int, optional
        The threshold ``k`` to audit against (default: the highest any report states, else the
        instrument's).
    instrument : Instrument, optional
        Default: the packaged one.
    protection : float
        A group's mean answer or score known to within this many scale points is disclosed
        (default 1: one answer category).

    Returns
    -------
    AuditResult
        ``disclosures`` (each with its derivation); true when there are none.
    """
    inst = instrument or load_instrument()
    outputs = discover(paths)
    reports = [o for o in outputs if isinstance(o, Report)]
    k0 = inst.min_responses
    k = min_responses or max([r.k or k0 for r in reports] or [k0])
    res = AuditResult([str(o.path) for o in outputs], k)
    for pop in _populations(outputs):
        if pop.report is None:
            res.skipped.append(f"{pop.name}: no report beside it; its figures are read alone")
            continue
        prog, targets = score_program(pop, k, k0)
        res.disclosures += pinned(prog, targets, k, protection)
        for it in inst.items:
            if not pop.validations and not pop.favourables and not any(
                    it.id in p.items.get("all", {}) for p in pop.report.pages.values()):
                continue
            prog, targets = item_program(pop, it.id, it.reverse, k, k0)
            if targets:
                res.disclosures += pinned(prog, targets, k, protection)
        res.disclosures += _skipped_answers(pop, inst, k, protection)
    res.disclosures += _waves(reports, k)
    res.disclosures += differences(outputs, k, protection)
    res.disclosures += _agreement(reports, k, own=min_responses is None)
    return res
