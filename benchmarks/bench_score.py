"""Benchmark ``copro score`` against pandas' plain ``read_csv`` of the same file.

Simulates N responses (default 1,000,000) x 36 items into a CSV in a temporary folder, then
times, each in a fresh Python process and best of ``--repeat`` runs:

1. ``pandas.read_csv(path)`` - the plain read, the yardstick;
2. the library call ``score(read_responses(path))`` - reading, validation, row accounting,
   careless flags and scoring;
3. the command line ``copro score path -o scores.csv --exclusions excluded.csv`` as a
   subprocess: all of the above plus interpreter start-up and writing the scores CSV.

Peak memory is each process's maximum resident set size (``getrusage`` / ``wait4``). Targets
(issue 12): library / plain <= 1.2, command / plain <= 1.5, peak memory < 3 GB. The three are
measured in turn, round by round, so that a change in the machine's load touches all three.

Usage: ``python benchmarks/bench_score.py [--n 1000000] [--repeat 3] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_LIBRARY = 1.2
TARGET_CLI = 1.5
TARGET_MEMORY_GB = 3.0

CHILD = r"""
import resource, sys, time
import pandas as pd
path, what = sys.argv[1], sys.argv[2]
if what == "library":
    from copro_scale import read_responses, score
t = time.perf_counter()
if what == "plain":
    df = pd.read_csv(path)
    rows = len(df)
else:
    s = score(read_responses(path))
    rows = len(s)
elapsed = time.perf_counter() - t
print(elapsed, rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


SIMULATE = r"""
import sys
from copro_scale.simulate import simulate, write_simulation
write_simulation(simulate(int(sys.argv[2]), int(sys.argv[3]), seed=1), sys.argv[1])
"""


def child(path: Path, what: str) -> tuple[float, int, float]:
    """Seconds, rows and peak RSS (GB) of one measurement in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), what], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1]), int(out[2]) / 1024**2


def cli(path: Path, folder: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (GB) and the accounting line of ``copro score`` as a subprocess."""
    copro = Path(sys.executable).with_name("copro")
    cmd = [str(copro) if copro.exists() else sys.executable, *([] if copro.exists() else
           ["-m", "copro_scale.cli"]), "score", str(path), "-o", str(folder / "scores.csv"),
           "--exclusions", str(folder / "excluded.csv")]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    err = proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"copro score failed: {err}")
    return elapsed, usage.ru_maxrss / 1024**2, err.strip().splitlines()[-1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="responses (default 1,000,000)")
    ap.add_argument("--per-team", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (best kept)")
    ap.add_argument("--keep", help="folder to keep the CSV in (default: a temporary one)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "responses.csv"
        teams = max(1, args.n // args.per_team)
        t = time.perf_counter()
        # In a child process: Linux keeps a process's peak RSS across fork and exec, so the
        # measuring processes must not descend from one that held the simulation.
        subprocess.run([sys.executable, "-c", SIMULATE, str(path), str(teams), str(args.per_team)],
                       check=True)
        print(f"simulated {teams * args.per_team:,} responses x 36 items in {teams:,} teams "
              f"({path.stat().st_size / 1e6:.0f} MB CSV) in {time.perf_counter() - t:.1f} s")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; best of {args.repeat} runs")

        plains, libs, runs = [], [], []
        for _ in range(args.repeat):  # interleaved: each round measures all three
            plains.append(child(path, "plain"))
            libs.append(child(path, "library"))
            runs.append(cli(path, folder))
        plain, lib, best_cli = min(plains), min(libs), min(runs)
        peak = max(lib[2], max(r[1] for r in runs))
        ratio, cli_ratio = lib[0] / plain[0], best_cli[0] / plain[0]
        print(f"plain pandas.read_csv          {plain[0]:7.2f} s   peak {plain[2]:.2f} GB")
        print(f"library read_responses+score   {lib[0]:7.2f} s   peak {lib[2]:.2f} GB   "
              f"ratio {ratio:.2f} (target <= {TARGET_LIBRARY})")
        print(f"CLI copro score (+start-up, writing CSVs) {best_cli[0]:7.2f} s   peak "
              f"{best_cli[1]:.2f} GB   ratio {cli_ratio:.2f} (target <= {TARGET_CLI})")
        print(f"  {best_cli[2]}")
        ok = ratio <= TARGET_LIBRARY and cli_ratio <= TARGET_CLI and peak < TARGET_MEMORY_GB
        print(f"targets: library {'met' if ratio <= TARGET_LIBRARY else 'NOT met'}, command "
              f"{'met' if cli_ratio <= TARGET_CLI else 'NOT met'}, peak memory {peak:.2f} GB "
              f"{'<' if peak < TARGET_MEMORY_GB else '>='} {TARGET_MEMORY_GB} GB")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
