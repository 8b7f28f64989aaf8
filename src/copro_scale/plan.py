"""``copro plan``: before fielding, how well will a design type its teams, and can it be validated?

For each design (team size x PSWs per team), or for the organisation's own teams (headcounts from
a ``teams.csv``, each person answering at a response rate), the organisation is simulated
``reps`` times with :func:`copro_scale.simulate.simulate` under a nuisance profile
(:mod:`copro_scale.nuisance`, ``realistic`` by default), every simulated survey goes
through the real pipeline (:func:`~copro_scale.read_responses`, :func:`~copro_scale.score`,
:func:`~copro_scale.classify_teams`), and the teams are counted as typed correctly,
indeterminate, or wrong (a type, or mixed, other than the truth, reported at the instrument's
probability). The same functions measure recovery and calibration in the tests and in
``benchmarks/bench_classify.py``.

The validation check asks whether each form reaches the CFA's minimum sample size. The rule is an
argument (:func:`cfa_sample`): ``per_item`` respondents per item (default: the validation's COSMIN
"adequate" 5), counted as the chosen ``estimator`` counts them in ``copro validate``
(:data:`copro_scale.validate_cfa.ESTIMATORS`): complete responses only for ``ML`` (listwise),
every response for ``MLR`` (FIML) and ``WLSMV`` (pairwise, the default, as ``copro validate``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .classify import classify_teams
from .errors import CoproError
from .instrument import FACES, FORMS, TYPES, Instrument, load_instrument
from .privacy import check_threshold
from .typology import OUTCOMES

#: Edges of the probability bins of the reliability table.
BIN_EDGES = (0.25, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)
#: The clean simulator's share of missing answers (for the listwise count).
MISSING_RATE = 0.03


def robustness_settings(instrument: Instrument | None = None, *, shifts=(-0.3, 0.3)) -> dict:
    """The robustness grid's simulator settings (docs/classification.md), one change at a time: ``{name: simulate kwargs}``.

    ``defaults``; ``team SD x1.5`` and ``person SD x1.3`` (``icc1`` and ``sigma`` re-solved so
    that only that SD changes); ``item noise x1.3``; a colleague gap of 0, 0.25 and 0.5; and each
    prototype shifted by each of ``shifts`` on one face (the truth moves, the classifier keeps
    the instrument's prototypes).
    """
    from .simulate import simulate
    import inspect

    inst = instrument or load_instrument()
    d = {k: v.default for k, v in inspect.signature(simulate).parameters.items()}
    odds = d["icc1"] / (1 - d["icc1"])  # tau^2 / sigma^2
    team = 1.5**2 * odds
    person = odds / 1.3**2
    out = {"defaults": {},
           "team SD x1.5": dict(icc1=team / (1 + team)),
           "person SD x1.3": dict(sigma=1.3 * d["sigma"], icc1=person / (1 + person)),
           "item noise x1.3": dict(item_sd=1.3 * d["item_sd"])}
    for g in (0.0, 0.25, 0.5):
        out[f"colleague gap {g:.2f}"] = dict(form_bias=g)
    for t in TYPES:
        for f in FACES:
            for sh in shifts:
                out[f"{t} {f} {sh:+.1f}"] = dict(
                    prototypes={t: {f: inst.prototypes[t][f] + sh}})
    return out


def classification_records(types: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """One row per team with its true type: ``team, truth, type, probability, best, correct,
    wrong``.

    ``best`` is the outcome with the largest probability (reported or not; None for a team
    without probabilities); ``correct`` says the reported type is the truth, or, for a team whose
    truth is ``between`` two types, that it was left ``indeterminate`` or called ``mixed``;
    ``wrong`` that a type or ``mixed`` other than the truth was reported (for a ``between``
    team: any of the three types).
    """
    m = types.merge(truth[["team", "type"]].rename(columns={"type": "truth"}), on="team")
    p = m[[f"p_{o}" for o in OUTCOMES]].to_numpy("float64")
    best = np.where(np.isnan(p).all(axis=1), None,
                    np.array(OUTCOMES, dtype=object)[np.nan_to_num(p, nan=-1).argmax(axis=1)])
    out = pd.DataFrame({"team": m["team"].to_numpy(), "truth": m["truth"].to_numpy(),
                        "type": m["type"].to_numpy(), "probability": m["probability"].to_numpy(),
                        "best": best})
    between = out["truth"] == "between"
    out["correct"] = (out["type"] == out["truth"]) | (between & out["type"].isin(
        ["indeterminate", "mixed"]))
    out["wrong"] = ~out["type"].isin(["indeterminate", "suppressed"]) & ~out["correct"]
    return out


def recovery_records(n_teams: int, per_team: int, n_psw: int | None = None, *, reps: int = 5,
                     seed: int = 0, instrument: Instrument | None = None, n_draws: int = 1000,
                     min_responses: int | None = None, classify_instrument: Instrument | None = None,
                     headcounts=None, response_rate=1.0, **simulate_kw) -> pd.DataFrame:
    """Simulate ``reps`` organisations, classify them with the real pipeline, return the teams.

    ``instrument`` is the one simulated from (its prototypes are the truth) and
    ``classify_instrument`` the one classified with (default: the same); the simulator's other
    parameters (``nuisance`` among them) pass through ``simulate_kw``. With ``headcounts``
    (``(PSWs, colleagues)`` per team) each person answers with probability ``response_rate`` (a
    number, or ``(low, high)`` drawn per team), and ``n_teams``, ``per_team`` and ``n_psw`` are
    ignored. Adds ``rep`` to :func:`classification_records`.
    """
    from . import read_responses, score
    from .simulate import simulate

    inst = instrument or load_instrument()
    cinst = classify_instrument or inst
    parts = []
    for r in range(reps):
        kw = dict(simulate_kw)
        if headcounts is not None:
            kw["sizes"] = responding(headcounts, response_rate, seed=seed + r)
            n_teams = len(headcounts)
        sim = simulate(n_teams, per_team, n_psw=n_psw, seed=seed + r, instrument=inst, **kw)
        scores = score(read_responses(sim.responses, cinst))
        types = classify_teams(scores, cinst, min_responses=min_responses, n_draws=n_draws,
                               seed=seed + r)
        parts.append(classification_records(types, sim.truth).assign(rep=r))
    return pd.concat(parts, ignore_index=True)


def responding(headcounts, response_rate=1.0, *, seed: int = 0) -> list[tuple[int, int]]:
    """``(PSWs, colleagues)`` who answer in each team: binomial draws from the headcounts.

    ``response_rate`` is a probability, or ``(low, high)``: a team's rate drawn uniformly.

    Examples
    --------
    >>> responding([(2, 10), (1, 6)], 1.0)
    [(2, 10), (1, 6)]
    """
    rng = np.random.default_rng([seed, 11])
    h = np.asarray(headcounts, dtype=np.int64).reshape(-1, 2)
    lo, hi = (response_rate, response_rate) if np.isscalar(response_rate) else response_rate
    if not 0 < lo <= hi <= 1:
        raise CoproError("the response rate must be in (0, 1]", field="response_rate")
    rate = rng.uniform(lo, hi, size=len(h)) if hi > lo else np.full(len(h), lo)
    got = rng.binomial(h, rate[:, None]) if lo < 1 else h
    return [(int(p), int(c)) for p, c in got]


def read_headcounts(path) -> pd.DataFrame:
    """A ``teams.csv``: one row per team, columns ``team``, ``psw`` and ``colleagues``
    (headcounts: the people who could answer). Errors name the file, row and column."""
    from pathlib import Path

    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CoproError(f"{path}: cannot be read as CSV ({exc})", field="--teams-file") from None
    missing = [c for c in ("team", "psw", "colleagues") if c not in frame.columns]
    if missing:
        raise CoproError(f"{path}: needs the columns team, psw and colleagues (headcounts); "
                         f"missing {', '.join(missing)}", field="--teams-file")
    if frame.empty:
        raise CoproError(f"{path}: has no teams", field="--teams-file")
    for col in ("psw", "colleagues"):
        for i, v in enumerate(frame[col], start=2):
            if not v.strip().isdigit():
                raise CoproError(f"{path}, row {i}, column {col}: {v!r} is not a whole number "
                                 "of people; give the team's headcount", field="--teams-file")
        frame[col] = frame[col].astype(int)
    return frame[["team", "psw", "colleagues"]]


def recovery_summary(records: pd.DataFrame) -> dict:
    """Shares of teams typed correctly, indeterminate, wrong and suppressed (below the
    reporting threshold), which add up to 1, and the calibration error over the classified teams.

    A team between two types left indeterminate counts as correct, not as indeterminate.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"type": ["enhanced", "indeterminate"], "truth": ["enhanced"] * 2,
    ...                   "probability": [0.99, 0.6], "best": ["enhanced", "tokenistic"]})
    >>> s = recovery_summary(r.assign(correct=r.type == r.truth, wrong=False))
    >>> s["correct"], s["indeterminate"], s["wrong"], s["suppressed"]
    (0.5, 0.5, 0.0, 0.0)
    """
    n = len(records)
    if n == 0:
        return dict(n=0, correct=np.nan, indeterminate=np.nan, wrong=np.nan, suppressed=np.nan,
                    ece=np.nan)
    return dict(n=n, correct=float(records["correct"].mean()),
                indeterminate=float(((records["type"] == "indeterminate")
                                     & ~records["correct"]).mean()),
                wrong=float(records["wrong"].mean()),
                suppressed=float((records["type"] == "suppressed").mean()),
                ece=expected_calibration_error(records))


def reliability_table(records: pd.DataFrame, edges=BIN_EDGES) -> pd.DataFrame:
    """Teams binned by their largest probability: how often that outcome was the truth.

    Teams whose truth is not an outcome (``between`` two types) have no right outcome and are
    left out.

    Returns ``lo, hi, n, mean_probability, accuracy`` per bin (the last bin includes 1).
    A calibrated classifier has ``accuracy`` close to ``mean_probability`` in every bin.
    """
    records = records[records["probability"].notna() & records["truth"].isin(OUTCOMES)]
    p = records["probability"].to_numpy("float64")
    hit = (records["best"] == records["truth"]).to_numpy()
    e = np.asarray(edges, dtype=float)
    k = np.clip(np.searchsorted(e, p, side="right") - 1, 0, len(e) - 2)
    rows = []
    for b in range(len(e) - 1):
        sel = k == b
        rows.append(dict(lo=e[b], hi=e[b + 1], n=int(sel.sum()),
                         mean_probability=float(p[sel].mean()) if sel.any() else np.nan,
                         accuracy=float(hit[sel].mean()) if sel.any() else np.nan))
    return pd.DataFrame(rows)


def expected_calibration_error(records: pd.DataFrame, edges=BIN_EDGES) -> float:
    """``sum_b (n_b / n) |accuracy_b - mean probability_b|`` over the bins of
    :func:`reliability_table` (Naeini, Cooper & Hauskrecht 2015; Guo et al. 2017)."""
    t = reliability_table(records, edges)
    t = t[t["n"] > 0]
    if t.empty:
        return np.nan
    return float((t["n"] * (t["accuracy"] - t["mean_probability"]).abs()).sum() / t["n"].sum())


def cfa_sample(n_teams: int, per_team: int, n_psw: int, n_items: int, *, estimator: str = "ML",
               per_item: int | None = None, missing_rate: float = MISSING_RATE) -> pd.DataFrame:
    """Whether each form reaches the CFA minimum ``per_item x n_items`` respondents.

    For a listwise estimator (``ML``) the expected number of complete responses counts,
    ``n (1 - missing_rate)^n_items``; for ``MLR`` (FIML) and ``WLSMV`` (pairwise) every response.
    ``per_item`` defaults to the validation's COSMIN "adequate" rule (5).

    Examples
    --------
    >>> cfa_sample(40, 8, 2, 36, missing_rate=0)[["form", "n", "needed", "reaches"]].to_dict("records")[0]
    {'form': 'psw', 'n': 80, 'needed': 180, 'reaches': False}
    """
    from .cutoffs import CUTOFFS
    from .validate_cfa import ESTIMATORS

    if estimator not in ESTIMATORS:
        raise CoproError(f"unknown estimator {estimator!r}; use one of {list(ESTIMATORS)}",
                         field="estimator")
    per_item = CUTOFFS["cfa_n_per_item"]["adequate"] if per_item is None else int(per_item)
    n = {"psw": n_teams * n_psw, "colleague": n_teams * (per_team - n_psw)}
    keep = (1 - missing_rate) ** n_items if ESTIMATORS[estimator] == "listwise" else 1.0
    rows = [dict(form=f, n=n[f], used=int(np.floor(n[f] * keep)), needed=per_item * n_items)
            for f in FORMS]
    out = pd.DataFrame(rows)
    out["reaches"] = out["used"] >= out["needed"]
    return out


@dataclass(frozen=True)
class PlanResult:
    """What :func:`plan_survey` returns."""

    designs: pd.DataFrame  # per_team, n_psw, n, correct, indeterminate, wrong, suppressed, ece
    cfa: pd.DataFrame  # per_team, n_psw, form, n, used, needed, reaches
    settings: dict = field(default_factory=dict)


def plan_survey(n_teams: int = 40, sizes=(5, 8, 12), psws=(1, 2, 3), *, reps: int = 5,
                seed: int = 20260, instrument: Instrument | None = None,
                estimator: str | None = None, per_item: int | None = None, n_draws: int = 1000,
                min_responses: int | None = None, nuisance="realistic", headcounts=None,
                response_rate=0.5) -> PlanResult:
    """Expected recovery of each design and the CFA sample check of the whole organisation.

    Designs with more PSWs than respondents are left out. ``reps`` organisations of ``n_teams``
    teams are simulated per design under ``nuisance`` (a profile name, YAML file or
    :class:`~copro_scale.nuisance.Nuisance`), with the same seeds for every design (common random
    numbers, so differences between designs are not simulation noise). With ``headcounts``
    (``(PSWs, colleagues)`` per team, e.g. from :func:`read_headcounts`) there is one design, the
    organisation's own teams, each person answering with probability ``response_rate``; the
    nuisance profile's spread of team sizes is then replaced by those draws.
    """
    from .nuisance import load_nuisance
    from .validate_cfa import DEFAULT_ESTIMATOR, ESTIMATORS

    estimator = estimator or DEFAULT_ESTIMATOR  # the validation's default
    inst = instrument or load_instrument()
    nz = load_nuisance(nuisance)
    min_responses = check_threshold(inst, min_responses)
    common = dict(reps=reps, seed=seed, instrument=inst, n_draws=n_draws,
                  min_responses=min_responses, nuisance=nz)
    missing = 1 - (1 - nz.missing) * (1 - nz.dont_know * 0.75)  # the colleagues' share is ~.75
    rows, cfa = [], []
    if headcounts is not None:
        h = np.asarray(headcounts, dtype=np.int64).reshape(-1, 2)
        rec = recovery_records(len(h), 1, headcounts=h.tolist(), response_rate=response_rate,
                               **common)
        rate = np.mean(response_rate)
        size, k = float(h.sum(axis=1).mean() * rate), float(h[:, 0].mean() * rate)
        rows.append(dict(per_team=round(size, 1), n_psw=round(k, 1),
                         **recovery_summary(rec)))
        c = cfa_sample(1, round(h.sum() * rate), round(h[:, 0].sum() * rate), len(inst.items),
                       estimator=estimator, per_item=per_item, missing_rate=missing)
        cfa.append(c.assign(per_team=round(size, 1), n_psw=round(k, 1)))
        n_teams = len(h)
    else:
        for size in sizes:
            for k in psws:
                if k > size:
                    continue
                rec = recovery_records(n_teams, size, k, **common)
                rows.append(dict(per_team=size, n_psw=k, **recovery_summary(rec)))
                c = cfa_sample(n_teams, size, k, len(inst.items), estimator=estimator,
                               per_item=per_item, missing_rate=missing)
                cfa.append(c.assign(per_team=size, n_psw=k))
    if cfa:  # the rule cfa_sample applied (per_item may have been its default)
        per_item = int(cfa[0]["needed"].iloc[0]) // len(inst.items)
    settings = dict(n_teams=n_teams, reps=reps, seed=seed, estimator=estimator,
                    per_item=per_item, listwise=ESTIMATORS[estimator] == "listwise",
                    n_items=len(inst.items), missing_rate=missing,
                    nuisance=nuisance if isinstance(nuisance, str) else "custom",
                    headcounts=headcounts is not None, response_rate=response_rate,
                    min_probability=inst.min_probability, min_responses=min_responses)
    cols = ["per_team", "n_psw", "form", "n", "used", "needed", "reaches"]
    return PlanResult(pd.DataFrame(rows), pd.concat(cfa, ignore_index=True)[cols], settings)


def format_plan(result: PlanResult) -> str:
    """The plan as plain text for the terminal."""
    s = result.settings
    whose = (f"the organisation's {s['n_teams']} teams (headcounts, response rate "
             f"{s['response_rate']})" if s["headcounts"] else f"{s['n_teams']} teams per design")
    lines = [f"Expected classification of {whose} under the {s['nuisance']!r} nuisance profile "
             f"({s['reps']} simulated organisations each, seed {s['seed']}; a type is reported "
             f"at probability >= {s['min_probability']:.2f}):",
             f"{'team size':>9} {'PSWs':>5} {'correct':>8} {'indeterminate':>14} {'wrong':>6} "
             f"{'below threshold':>16}"]
    for r in result.designs.to_dict("records"):
        lines.append(f"{r['per_team']:>9} {r['n_psw']:>5} {r['correct']:>8.0%} "
                     f"{r['indeterminate']:>14.0%} {r['wrong']:>6.0%} {r['suppressed']:>16.0%}")
    if (result.designs["suppressed"] > 0).any():
        lines.append(f"(a team with fewer than {s['min_responses']} responses is below the "
                     "reporting threshold and is not typed at all)")
    how = (f"complete responses ({s['estimator']}, listwise)" if s["listwise"] else
           f"responses ({s['estimator']} uses every response)")
    lines += ["", f"CFA sample size per form: at least {s['per_item']} x {s['n_items']} items = "
              f"{s['per_item'] * s['n_items']} {how}"
              + (f", at {s['missing_rate']:.0%} missing answers" if s["listwise"] else "") + ":",
              f"{'team size':>9} {'PSWs':>5} {'form':>10} {'responses':>10} {'counted':>8} "
              f"{'reaches':>8}"]
    for r in result.cfa.to_dict("records"):
        lines.append(f"{r['per_team']:>9} {r['n_psw']:>5} {r['form']:>10} {r['n']:>10} "
                     f"{r['used']:>8} {'yes' if r['reaches'] else 'no':>8}")
    return "\n".join(lines)


def recovery_chart(designs: pd.DataFrame, *, width: int = 560, height: int = 320) -> dict:
    """Geometry of the recovery-vs-team-size chart (one line per PSW count), for the template."""
    left, right, top, bottom = 56, 150, 16, 44
    sizes = sorted(designs["per_team"].unique())
    lo, hi = min(sizes), max(sizes)
    span = max(hi - lo, 1)
    pw, ph = width - left - right, height - top - bottom

    def x(v):
        return left + (v - lo) / span * pw if hi > lo else left + pw / 2

    def y(p):
        return top + (1 - p) * ph
    dashes = ["", "6 3", "2 3", "8 3 2 3", "1 2"]
    lines = []
    for i, (k, part) in enumerate(designs.sort_values("per_team").groupby("n_psw")):
        pts = [(round(x(s), 1), round(y(c), 1), s, c)
               for s, c in zip(part["per_team"], part["correct"])]
        lines.append(dict(label=f"{k} PSW{'s' if k != 1 else ''} a team", dash=dashes[i % 5],
                          points=" ".join(f"{a},{b}" for a, b, _, _ in pts),
                          marks=[dict(x=a, y=b, text=f"team of {s}, {k} PSW: {c:.0%} correct")
                                 for a, b, s, c in pts],
                          legend_y=top + 14 + 20 * i))
    return dict(width=width, height=height, left=left, top=top, plot_w=pw, plot_h=ph,
                x_ticks=[dict(x=round(x(s), 1), label=str(s)) for s in sizes],
                y_ticks=[dict(y=round(y(p), 1), label=f"{p:.0%}") for p in (0, .25, .5, .75, 1)],
                target_y=round(y(0.9), 1), lines=lines, legend_x=left + pw + 16)


def plan_page(result: PlanResult) -> str:
    """A small self-contained HTML page: the recovery chart (inline SVG) and both tables."""
    from .render import render_template

    return render_template("plan.html", r=result, s=result.settings,
                           designs=result.designs.to_dict("records"),
                           cfa=result.cfa.to_dict("records"),
                           chart=recovery_chart(result.designs))
