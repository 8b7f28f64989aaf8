"""Start-up: wall time of ``copro --help`` and of ``copro score`` on a small file, as processes.

Each command runs ``RUNS`` times as a fresh process (the way a user starts it); the median is
printed beside the bare interpreter (``python -c pass``) and ``python -c "import pandas"`` in
the same run, so a loaded machine shows as a slower baseline rather than a slower copro. The
target for ``copro --help`` is under 0.3 s. Data for ``copro score``: the simulator's 3 teams x
8 respondents (``copro simulate``), written once to a temporary folder.

    .venv/bin/python benchmarks/bench_startup.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 9
COPRO = [sys.executable, "-m", "copro_scale.cli"]


def median_seconds(cmd: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        data = Path(d) / "responses.csv"
        subprocess.run([*COPRO, "simulate", "--teams", "3", "--per-team", "8", "--seed", "1",
                        "-o", str(data)], check=True, stderr=subprocess.DEVNULL)
        rows = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
            "copro --help": [*COPRO, "--help"],
            "copro score (24 responses)": [*COPRO, "score", str(data), "-o", os.devnull],
        }
        print(f"start-up, median of {RUNS} fresh processes")
        for name, cmd in rows.items():
            print(f"{name:28s} {median_seconds(cmd):7.3f} s")


if __name__ == "__main__":
    main()
