"""Benchmark: write the reports for 500 teams x 10 respondents and print the time (target < 60 s).

Run: ``.venv/bin/python benchmarks/bench_reports.py [n_teams] [per_team]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from copro_scale import read_responses, render_reports, score
from copro_scale.simulate import simulate

TARGET_S = 60.0


def main(n_teams: int = 500, per_team: int = 10) -> float:
    sim = simulate(n_teams, per_team, seed=1)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        responses = read_responses(sim.responses)
        scores = score(responses)
        t1 = time.perf_counter()
        paths = render_reports(responses, scores, Path(d), n_boot=2000, seed=0)
        t2 = time.perf_counter()
    total = t2 - t0
    print(f"reports for {n_teams} teams x {per_team} respondents: {total:.1f} s "
          f"(read+score {t1 - t0:.1f} s, classify+render {t2 - t1:.1f} s; "
          f"{len(paths['teams'])} team pages; target < {TARGET_S:.0f} s: "
          f"{'met' if total < TARGET_S else 'NOT met'})")
    return total


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
