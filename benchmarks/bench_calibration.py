"""Calibration of the team classification on the nuisance grid, on two generators side by side.

For every condition, ``--reps`` organisations of ``--teams`` teams go through the real pipeline
(``read_responses`` -> ``score`` -> ``classify_teams`` at ``copro report``'s defaults) and the
teams are counted:

- ``correct``: the reported type is the truth (a team *between* two types: left indeterminate or
  called mixed); ``indeterminate`` (and not correct); ``wrong``: a type or mixed other than the
  truth reported at the instrument's probability (.80) - "confidently wrong"; ``suppressed``
  (below the threshold); the four add up to 1; ``wrong_of_typed_truth``: wrong among the teams
  whose truth is one of the types or mixed (not between two types);
- ``ECE``: expected calibration error of the most probable outcome's probability over the teams
  whose truth is an outcome (bins of :data:`copro_scale.plan.BIN_EDGES`); ``ECE 95%``: its
  percentile interval over 1,000 bootstrap resamples of the organisations (the unit the
  generator draws independently);
- ``between typed``: the share of teams between two types that were given one of the types;
- ``tokenistic``: the share of tokenistic teams typed right.

Generators: the package's simulator (:func:`copro_scale.simulate.simulate` with each condition
of :mod:`copro_scale.nuisance`: clean, each nuisance alone at its realistic size, realistic,
harsh), and ``benchmarks/independent_generator.py`` (a graded response model written apart from
the simulator, with its own conditions). Teams: the simulator's ``per_team`` 8 (2 PSW) with the
condition's spread of sizes; the independent generator's headcounts of 1-3 PSWs and about 14
staff, each answering at the condition's response rate.

``--ablation`` adds the independent generator's realistic and harsh conditions without the
acquiescence correction and at temperature 1, to show what each part of the posterior adds;
``--tradeoff`` adds both generators' realistic and harsh conditions at tighter ``max_distance``.

Run: ``nice -n 10 .venv/bin/python benchmarks/bench_calibration.py [--reps 25] [--teams 42]
[--markdown] [--ablation] [--tradeoff]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from copro_scale import read_responses, score  # noqa: E402
from copro_scale.classify import classify_teams  # noqa: E402
from copro_scale.nuisance import PROFILES  # noqa: E402
from copro_scale.plan import (BIN_EDGES, classification_records,  # noqa: E402
                              recovery_summary)
from copro_scale.simulate import simulate  # noqa: E402
from copro_scale.typology import OUTCOMES  # noqa: E402
from independent_generator import CONDITIONS, generate, headcounts  # noqa: E402

#: Each nuisance alone: the fields of the realistic profile it sets on the clean one.
ALONE = {
    "colleague optimism": ("colleague_optimism",),
    "response styles": ("acquiescence_mean", "acquiescence_sd", "extreme_share"),
    "careless": ("careless_share", "straightline_share"),
    "answer-dependent skips": ("skip_low",),
    "don't know": ("dont_know", "missing"),
    "loadings, thresholds": ("loadings", "threshold_shift", "threshold_jitter"),
    "between-team spread": ("face_sd",),
    "between two types": ("between_share",),
    "team sizes": ("size_cv", "no_psw_share"),
}


def simulator_conditions() -> dict:
    real = PROFILES["realistic"]
    out = {"clean": PROFILES["clean"]}
    for name, keys in ALONE.items():
        out[name] = replace(PROFILES["clean"], **{k: getattr(real, k) for k in keys})
    out["realistic"] = real
    out["harsh"] = PROFILES["harsh"]
    return out


def ece_interval(rec: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the ECE over bootstrap resamples of the organisations (``org``).

    Per organisation and bin the teams, their summed probability and their summed hits are kept;
    a resample's ECE is ``sum_b |hits_b - probability_b| / n`` over the resampled sums, which is
    ``sum_b n_b/n |accuracy_b - mean probability_b|``.
    """
    r = rec[rec["probability"].notna() & rec["truth"].isin(OUTCOMES)]
    if r.empty:
        return np.nan, np.nan
    edges = np.asarray(BIN_EDGES, dtype=float)
    p = r["probability"].to_numpy("float64")
    k = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    org = pd.factorize(r["org"])[0]
    cell = org * (len(edges) - 1) + k
    size = (org.max() + 1) * (len(edges) - 1)
    shape = (org.max() + 1, len(edges) - 1)
    n = np.bincount(cell, minlength=size).reshape(shape)
    sp = np.bincount(cell, weights=p, minlength=size).reshape(shape)
    hit = np.bincount(cell, weights=(r["best"] == r["truth"]).to_numpy(float),
                      minlength=size).reshape(shape)
    rng = np.random.default_rng(seed)
    w = rng.multinomial(shape[0], np.full(shape[0], 1 / shape[0]), size=n_boot)
    ece = np.abs(w @ hit - w @ sp).sum(axis=1) / (w @ n).sum(axis=1)
    lo, hi = np.percentile(ece, [2.5, 97.5])
    return float(lo), float(hi)


def summarise(rec: pd.DataFrame) -> dict:
    between = rec[rec["truth"] == "between"]
    tok = rec[rec["truth"] == "tokenistic"]
    typed_between = between["type"].isin(["neutralized", "enhanced", "tokenistic"])
    s = recovery_summary(rec)
    typed = rec[rec["truth"] != "between"]
    return dict(teams=len(rec), correct=s["correct"], indeterminate=s["indeterminate"],
                wrong=s["wrong"], suppressed=s["suppressed"], ECE=s["ece"],
                **{"ECE 95%": "{:.3f}-{:.3f}".format(*ece_interval(rec))},
                wrong_of_typed_truth=typed["wrong"].mean(),
                between_typed=typed_between.mean() if len(between) else float("nan"),
                tokenistic=tok["correct"].mean() if len(tok) else float("nan"))


def run_simulator(reps: int, teams: int, draws: int) -> pd.DataFrame:
    rows = []
    for name, nz in simulator_conditions().items():
        parts = []
        for r in range(reps):
            sim = simulate(teams, 8, n_psw=2, seed=3000 + r, nuisance=nz)
            types = classify_teams(score(read_responses(sim.responses)), n_draws=draws, seed=r)
            parts.append(classification_records(types, sim.truth).assign(org=r))
        rows.append(dict(generator="simulator", condition=name,
                         **summarise(pd.concat(parts, ignore_index=True))))
    return pd.DataFrame(rows)


def run_independent(reps: int, teams: int, draws: int) -> pd.DataFrame:
    rows = []
    for name, cond in CONDITIONS.items():
        parts = []
        for r in range(reps):
            resp, truth = generate(headcounts(teams, rng_seed=r), cond, seed=r)
            types = classify_teams(score(read_responses(resp)), n_draws=draws, seed=r)
            parts.append(classification_records(types, truth).assign(org=r))
        rows.append(dict(generator="independent", condition=name,
                         **summarise(pd.concat(parts, ignore_index=True))))
    return pd.DataFrame(rows)


#: What each part of the posterior adds: ``classify_teams`` keyword arguments per variant.
ABLATION = {"plain, T = 1": dict(acquiescence=False, temperature=1.0),
            "acquiescence out, T = 1": dict(acquiescence=True, temperature=1.0),
            "acquiescence out, T default": dict(acquiescence=True)}


def run_ablation(reps: int, teams: int, draws: int) -> pd.DataFrame:
    """The independent generator's combined conditions under each variant of :data:`ABLATION`."""
    rows = []
    for name in ("realistic", "harsh"):
        data = []
        for r in range(reps):
            resp, truth = generate(headcounts(teams, rng_seed=r), CONDITIONS[name], seed=r)
            data.append((score(read_responses(resp)), truth))
        for variant, kw in ABLATION.items():
            rec = pd.concat([classification_records(
                classify_teams(s, n_draws=draws, seed=r, **kw), truth).assign(org=r)
                for r, (s, truth) in enumerate(data)], ignore_index=True)
            rows.append(dict(generator="independent", condition=f"{name}: {variant}",
                             **summarise(rec)))
    return pd.DataFrame(rows)


#: Tighter ``max_distance`` values for ``--tradeoff`` (the instrument's is 1.25).
TRADEOFF = (1.15, 1.1, 1.0)


def run_tradeoff(reps: int, teams: int, draws: int) -> pd.DataFrame:
    """Both generators' realistic and harsh conditions at each ``max_distance`` of
    :data:`TRADEOFF`: what calling more of the profiles far from every prototype mixed costs."""
    rows = []
    for name in ("realistic", "harsh"):
        sims = [simulate(teams, 8, n_psw=2, seed=3000 + r, nuisance=PROFILES[name])
                for r in range(reps)]
        sim_data = [(score(read_responses(s.responses)), s.truth) for s in sims]
        ind_data = []
        for r in range(reps):
            resp, truth = generate(headcounts(teams, rng_seed=r), CONDITIONS[name], seed=r)
            ind_data.append((score(read_responses(resp)), truth))
        for generator, data in (("simulator", sim_data), ("independent", ind_data)):
            for md in TRADEOFF:
                rec = pd.concat([classification_records(
                    classify_teams(s, n_draws=draws, seed=r, max_distance=md), truth)
                    .assign(org=r) for r, (s, truth) in enumerate(data)], ignore_index=True)
                rows.append(dict(generator=generator, condition=f"{name}: max_distance {md}",
                                 **summarise(rec)))
    return pd.DataFrame(rows)


def table(frame: pd.DataFrame, markdown: bool) -> str:
    f = frame.copy()
    for c in ("correct", "indeterminate", "wrong", "suppressed", "wrong_of_typed_truth",
              "between_typed", "tokenistic"):
        f[c] = f[c].map(lambda v: "" if pd.isna(v) else f"{v:.1%}")
    f["ECE"] = f["ECE"].map(lambda v: f"{v:.3f}")
    if not markdown:
        return f.to_string(index=False)
    head = "| " + " | ".join(f.columns) + " |"
    rule = "|" + "|".join("---" for _ in f.columns) + "|"
    return "\n".join([head, rule, *("| " + " | ".join(str(v) for v in r) + " |"
                                    for r in f.itertuples(index=False))])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=25)
    ap.add_argument("--teams", type=int, default=42)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--only", choices=["simulator", "independent"])
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--ablation", action="store_true",
                    help="also run the independent combined conditions without the "
                         "acquiescence correction and at temperature 1")
    ap.add_argument("--tradeoff", action="store_true",
                    help="also run the realistic and harsh conditions at tighter max_distance")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    parts = []
    if args.only != "independent":
        parts.append(run_simulator(args.reps, args.teams, args.draws))
    if args.only != "simulator":
        parts.append(run_independent(args.reps, args.teams, args.draws))
    if args.ablation:
        parts.append(run_ablation(args.reps, args.teams, args.draws))
    if args.tradeoff:
        parts.append(run_tradeoff(args.reps, args.teams, args.draws))
    print(table(pd.concat(parts, ignore_index=True), args.markdown))
    print(f"\n{args.reps} organisations x {args.teams} teams per condition; "
          f"{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
