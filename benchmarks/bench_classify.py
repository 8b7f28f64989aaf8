"""Recovery and calibration of the team classification over the full robustness grid.

Every setting: ``REPS`` simulated organisations of 60 teams x 8 respondents (2 PSW), through the
real pipeline (read, score, classify). Prints, per setting, the share of teams typed correctly,
indeterminate and wrong (a type or mixed other than the truth, at the reported probability), and
the expected calibration error; then the pooled reliability table, the independent generator's
recovery (tests/reports/independent_sim.py, colleague optimism), and the extreme teams.

Run: ``.venv/bin/python benchmarks/bench_classify.py [--reps 5] [--markdown]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reports"))

from copro_scale import read_responses, score  # noqa: E402
from copro_scale.classify import classify_teams  # noqa: E402
from copro_scale.plan import (classification_records, expected_calibration_error,  # noqa: E402
                              recovery_records, recovery_summary, reliability_table,
                              robustness_settings)
from copro_scale.simulate import THRESHOLDS, simulate  # noqa: E402
from copro_scale.typology import OUTCOMES, Typology  # noqa: E402
from independent_sim import independent_survey  # noqa: E402

EXTREMES = [(4.96, 4.99, 4.96), (1.01, 1.43, 1.10), (4.79, 4.73, 4.86)]


def table(frame: pd.DataFrame, markdown: bool) -> str:
    if not markdown:
        return frame.to_string(index=False)
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v) for v in r) + " |" for r in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def shares(s: dict) -> dict:
    return dict(n=s["n"], correct=f"{s['correct']:.1%}", indeterminate=f"{s['indeterminate']:.1%}",
                wrong=f"{s['wrong']:.1%}", ECE=f"{s['ece']:.3f}")


def spread_records(reps: int, draws: int) -> pd.DataFrame:
    """Teams spread uniformly over [1.5, 4.5]^3, so that many sit near a boundary.

    No team effect beyond the profile, no form gap, no straight-lining; the truth is the region
    of the team's *expected observed* profile (the simulator's ordinal link applied to its latent
    profile), i.e. the event the posterior is about.
    """
    from scipy.stats import norm

    typ = Typology.from_instrument()
    sd = np.hypot(0.7, 0.6)  # the simulator's person SD and item noise at their defaults
    recs = []
    for seed in range(reps):
        faces = np.random.default_rng(500 + seed).uniform(1.5, 4.5, size=(60, 3))
        sim = simulate(60, 8, seed=500 + seed, faces=faces, icc1=0.0, form_bias=0.0,
                       straightline_rate=0.0)
        observed = 1 + norm.cdf((faces[..., None] - THRESHOLDS) / sd).sum(axis=-1)
        truth = pd.DataFrame({"team": sim.truth["team"],
                              "type": np.array(OUTCOMES)[typ.outcome(observed)]})
        types = classify_teams(score(read_responses(sim.responses)), n_draws=draws, seed=seed)
        recs.append(classification_records(types, truth))
    return pd.concat(recs, ignore_index=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()

    rows, pooled = [], []
    for name, kw in robustness_settings().items():
        rec = recovery_records(60, 8, 2, reps=args.reps, seed=1000, n_draws=args.draws, **kw)
        pooled.append(rec)
        rows.append(dict(setting=name, **shares(recovery_summary(rec))))
    grid = pd.DataFrame(rows)
    everything = pd.concat(pooled, ignore_index=True)
    print(f"## Package simulator, 60 teams x 8 (2 PSW), {args.reps} organisations per setting\n")
    print(table(grid, args.markdown))
    worst = min(float(r.strip("%")) for r in grid["correct"])
    print(f"\nlowest recovery {worst:.1f}%; wrong (all settings) "
          f"{everything['wrong'].mean():.2%}; ECE (all settings) "
          f"{expected_calibration_error(everything):.3f}\n")

    rel = reliability_table(everything).round(3)
    print("## Reliability table (all settings pooled; probability of the most probable outcome)\n")
    print(table(rel, args.markdown))

    rows, recs = [], []
    for lo, hi in ((0.10, 0.25), (0.25, 0.50)):
        part = []
        for seed in range(args.reps):
            resp, truth = independent_survey(60, 8, 2, seed=seed, gap_low=lo, gap_high=hi)
            types = classify_teams(score(read_responses(resp)), n_draws=args.draws, seed=seed)
            part.append(classification_records(types, truth))
        rec = pd.concat(part, ignore_index=True)
        recs.append(rec)
        by_type = {f"right {t}": f"{(rec.loc[rec.truth == t, 'correct']).mean():.0%}"
                   for t in ("neutralized", "enhanced", "tokenistic")}
        rows.append(dict(optimism=f"{lo:.2f}-{hi:.2f}", **shares(recovery_summary(rec)), **by_type))
    print(f"\n## Independent generator (tests/reports/independent_sim.py), 60 teams x 8 (2 PSW), "
          f"{args.reps} seeds\n")
    print(table(pd.DataFrame(rows), args.markdown))
    print("\nreliability, independent generator (both optimism ranges):\n")
    print(table(reliability_table(pd.concat(recs)).round(3), args.markdown))

    spread = spread_records(2 * args.reps, args.draws)
    print(f"\n## Teams spread over the face space (60 x 8, 2 PSW, {2 * args.reps} organisations): "
          f"the posterior near the boundaries\n")
    print(table(pd.DataFrame([shares(recovery_summary(spread))]), args.markdown))
    print()
    print(table(reliability_table(spread).round(3), args.markdown))

    typ = Typology.from_instrument()
    ext = [dict(profile=" / ".join(f"{v:.2f}" for v in p), type=OUTCOMES[typ.outcome(p)],
                distance=f"{typ.distances(p).min():.2f}") for p in EXTREMES]
    print("\n## Extreme teams (profile -> region)\n")
    print(table(pd.DataFrame(ext), args.markdown))
    print(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
