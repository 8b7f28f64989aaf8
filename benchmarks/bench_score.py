"""Benchmark ``copro score`` against pandas' plain ``read_csv`` of the same file.

Simulates N responses (default 1,000,000) x 36 items into a CSV (kept between runs with
``--keep``), then times, each in a fresh Python process and best of ``--repeat`` runs:

1. ``pandas.read_csv(path)`` - the plain read, the yardstick (the call alone);
2. the library call ``score(read_responses(path))`` - reading, validation, row accounting,
   careless flags and scoring (the call alone);
3. the command line ``copro score path -o scores.csv --exclusions excluded.csv`` as a
   subprocess: all of the above plus interpreter start-up and writing the scores CSV;
4. two floors of any such command, for context: a Python process that only imports pandas
   (start-up), and pyarrow's own ``write_csv`` of the same scores table in one piece (writing).

Peak memory is each process's maximum resident set size (``getrusage`` / ``wait4``). Targets:
library / plain <= 1.2, command / plain <= 1.5, peak memory < 3 GB. The command is
also compared with the plain read run the same way, as a process (start-up + import + read).
All measurements are taken in turn, round by round, so that a change in the machine's load
touches each of them.

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
elif what == "write":  # pyarrow's plain writer on the scores table, in one piece
    import pyarrow as pa, pyarrow.csv as pa_csv
    table = pa.Table.from_pandas(pd.read_csv(path), preserve_index=False)
    t = time.perf_counter()
    pa_csv.write_csv(table, path + ".plain.csv")
    rows = table.num_rows
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


def process(code: str, path: Path) -> float:
    """Wall seconds of a whole Python process running ``code`` (``sys.argv[1]`` is the path)."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    return time.perf_counter() - t


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
        path = folder / f"responses-{args.n}-{args.per_team}.csv"
        teams = max(1, args.n // args.per_team)
        t = time.perf_counter()
        if not path.exists():  # a kept folder keeps its simulation for the next run
            # In a child process: Linux keeps a process's peak RSS across fork and exec, so the
            # measuring processes must not descend from one that held the simulation.
            subprocess.run([sys.executable, "-c", SIMULATE, str(path), str(teams),
                            str(args.per_team)], check=True)
        print(f"simulated {teams * args.per_team:,} responses x 36 items in {teams:,} teams "
              f"({path.stat().st_size / 1e6:.0f} MB CSV) in {time.perf_counter() - t:.1f} s")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; best of {args.repeat} runs")

        plains, libs, runs, procs, starts, writes = [], [], [], [], [], []
        for _ in range(args.repeat):  # interleaved: each round measures everything
            plains.append(child(path, "plain"))
            libs.append(child(path, "library"))
            runs.append(cli(path, folder))
            procs.append(process("import sys, pandas; pandas.read_csv(sys.argv[1])", path))
            starts.append(process("import pandas", path))
            writes.append(child(folder / "scores.csv", "write"))
        plain, lib, best_cli = min(plains), min(libs), min(runs)
        proc, start, write = min(procs), min(starts), min(writes)[0]
        peak = max(lib[2], max(r[1] for r in runs))
        ratio, cli_ratio = lib[0] / plain[0], best_cli[0] / plain[0]
        print(f"plain pandas.read_csv          {plain[0]:7.2f} s   peak {plain[2]:.2f} GB")
        print(f"library read_responses+score   {lib[0]:7.2f} s   peak {lib[2]:.2f} GB   "
              f"ratio {ratio:.2f} (target <= {TARGET_LIBRARY})")
        print(f"CLI copro score (+start-up, writing CSVs) {best_cli[0]:7.2f} s   peak "
              f"{best_cli[1]:.2f} GB   ratio {cli_ratio:.2f} (target <= {TARGET_CLI})")
        print(f"  {best_cli[2]}")
        print(f"plain read as a process (python -c 'import pandas; pandas.read_csv(...)') "
              f"{proc:.2f} s: command / that = {best_cli[0] / proc:.2f}")
        print(f"floors of any such command: start-up importing pandas {start:.2f} s "
              f"({start / plain[0]:.2f} x the read); pyarrow write_csv of the scores in one piece "
              f"{write:.2f} s ({write / plain[0]:.2f} x)")
        ok = ratio <= TARGET_LIBRARY and cli_ratio <= TARGET_CLI and peak < TARGET_MEMORY_GB
        print(f"targets: library {'met' if ratio <= TARGET_LIBRARY else 'NOT met'}, command "
              f"{'met' if cli_ratio <= TARGET_CLI else 'NOT met'}, peak memory {peak:.2f} GB "
              f"{'<' if peak < TARGET_MEMORY_GB else '>='} {TARGET_MEMORY_GB} GB")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
