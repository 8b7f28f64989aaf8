"""KMO + Bartlett in Python and in R (psych), side by side in one run.

Data: the 2,000 x 36 ordinal answers of bench_psychometrics.py (9 correlated factors of 4
items, seeded), once complete and once with 5 % of answers blanked at random (pairwise
correlations). Each side times ``REPS`` calls of KMO and Bartlett on its own clock (R in one
process, so R's start-up and package loading are excluded) and reports the median of ``ROUNDS``
rounds; R and Python rounds alternate so both see the same machine load.

    .venv/bin/python benchmarks/bench_adequacy.py
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_psychometrics import simulate
from copro_scale.psychometrics import bartlett, kmo

REPS, ROUNDS = 20, 5

R_SCRIPT = r"""
suppressPackageStartupMessages(library(psych))
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1]); reps <- as.integer(args[2])
invisible(KMO(x)); invisible(cortest.bartlett(cor(x, use = "pairwise"), n = nrow(x)))
t <- proc.time()[["elapsed"]]
for (i in seq_len(reps)) { KMO(x); cortest.bartlett(cor(x, use = "pairwise"), n = nrow(x)) }
cat((proc.time()[["elapsed"]] - t) / reps, "\n")
"""


def python_seconds(data) -> float:
    kmo(data), bartlett(data)
    t = time.perf_counter()
    for _ in range(REPS):
        kmo(data), bartlett(data)
    return (time.perf_counter() - t) / REPS


def r_seconds(script: Path, csv: Path) -> float:
    out = subprocess.run(["Rscript", str(script), str(csv), str(REPS)], capture_output=True,
                         text=True, check=True)
    return float(out.stdout.split()[-1])


def main() -> None:
    if shutil.which("Rscript") is None:
        raise SystemExit("Rscript not found: this benchmark compares with R's psych")
    complete = simulate()
    missing = complete.astype(float).mask(np.random.default_rng(1).random(complete.shape) < 0.05)
    print(f"KMO + Bartlett, 2,000 x 36, median of {ROUNDS} rounds of {REPS} calls each")
    print(f"{'data':22s} {'Python s':>10s} {'R s':>10s} {'Py/R':>6s}")
    with tempfile.TemporaryDirectory() as d:
        script = Path(d) / "adequacy.R"
        script.write_text(R_SCRIPT)
        for name, data in (("complete", complete), ("5 % missing, pairwise", missing)):
            csv = Path(d) / "x.csv"
            data.to_csv(csv, index=False)
            py, r = [], []
            for _ in range(ROUNDS):
                py.append(python_seconds(data))
                r.append(r_seconds(script, csv))
            p, q = statistics.median(py), statistics.median(r)
            print(f"{name:22s} {p:10.4f} {q:10.4f} {p / q:6.2f}")


if __name__ == "__main__":
    main()
