"""Does ``copro plan`` predict what users will see? Its prediction against a generator it did
not write, side by side.

For each organisation (headcounts of 1-3 PSWs and about 14 staff per team, from
``independent_generator.headcounts``), ``plan_survey(headcounts=..., response_rate=(.35, .80),
nuisance=...)`` predicts the shares of teams typed correctly, indeterminate, wrong and below
the threshold, from the package's simulator; ``independent_generator.generate`` with the
matching condition (the same headcounts and response rates) is then run through the real
pipeline and the same shares are observed. Printed: predicted, observed, and the difference in
points for each.

Run: ``.venv/bin/python benchmarks/bench_plan.py [--orgs 4] [--reps 10] [--markdown]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from copro_scale import read_responses, score  # noqa: E402
from copro_scale.classify import classify_teams  # noqa: E402
from copro_scale.plan import (classification_records, plan_survey,  # noqa: E402
                              recovery_summary)
from independent_generator import CONDITIONS, generate, headcounts  # noqa: E402

RATE = (0.35, 0.80)
PAIRS = [("clean", "clean"), ("realistic", "realistic"), ("harsh", "harsh")]
SHARES = ("correct", "indeterminate", "wrong", "suppressed")


def observed(heads, condition: str, reps: int, seed: int, draws: int) -> dict:
    cond = CONDITIONS[condition]
    if condition == "clean":  # the plan's clean profile has no non-response: answer all
        cond = type(cond)(**{**cond.__dict__, "response_rate": RATE})
    parts = []
    for r in range(reps):
        resp, truth = generate(heads, cond, seed=seed * 1000 + r)
        types = classify_teams(score(read_responses(resp)), n_draws=draws, seed=r)
        parts.append(classification_records(types, truth))
    return recovery_summary(pd.concat(parts, ignore_index=True))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, default=4)
    ap.add_argument("--teams", type=int, default=42)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rows = []
    for profile, condition in PAIRS:
        for org in range(args.orgs):
            heads = headcounts(args.teams, rng_seed=100 + org)
            pred = plan_survey(headcounts=heads, response_rate=RATE, nuisance=profile,
                               reps=args.reps, seed=500 + org, n_draws=args.draws)
            p = pred.designs.iloc[0]
            o = observed(heads, condition, args.reps, 700 + org, args.draws)
            row = dict(profile=profile, organisation=org + 1)
            for k in SHARES:
                row[f"{k} plan"] = f"{p[k]:.1%}"
                row[f"{k} seen"] = f"{o[k]:.1%}"
            row["correct diff (points)"] = f"{100 * (p['correct'] - o['correct']):+.1f}"
            rows.append(row)
    frame = pd.DataFrame(rows)
    if args.markdown:
        print("| " + " | ".join(frame.columns) + " |")
        print("|" + "|".join("---" for _ in frame.columns) + "|")
        for r in frame.itertuples(index=False):
            print("| " + " | ".join(str(v) for v in r) + " |")
    else:
        print(frame.to_string(index=False))
    print(f"\n{args.reps} simulated organisations per prediction and per observation; "
          f"{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
