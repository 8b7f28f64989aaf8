"""Time the psychometric battery in Python and, if Rscript is available, in R (psych/lavaan).

Data: 2,000 x 36 simulated ordinal answers (1-5) with 9 correlated factors of 4 items
(seeded), written to a temporary CSV that both languages read. Steps: reliability of the
9 scales, omega (9 group factors), KMO + Bartlett, EFA (9 factors, minres, oblimin),
parallel analysis (20 iterations), 9-factor CFA, polychoric on 36 items. R runs in one
process and times each step itself, so R start-up and package loading are excluded.

    .venv/bin/python benchmarks/bench_psychometrics.py
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from copro_scale.psychometrics import (
    bartlett,
    cfa,
    efa,
    kmo,
    omega,
    parallel_analysis,
    polychoric,
    reliability,
)

N_ROWS, N_FACTORS, PER_FACTOR = 2000, 9, 4


def simulate(seed: int = 2024) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    phi = np.full((N_FACTORS, N_FACTORS), 0.3) + 0.7 * np.eye(N_FACTORS)
    f = rng.standard_normal((N_ROWS, N_FACTORS)) @ np.linalg.cholesky(phi).T
    p = N_FACTORS * PER_FACTOR
    lam = np.zeros((p, N_FACTORS))
    for j in range(p):
        lam[j, j // PER_FACTOR] = rng.uniform(0.55, 0.85)
    latent = f @ lam.T + rng.standard_normal((N_ROWS, p)) * np.sqrt(1 - np.sum(lam**2, axis=1))
    cuts = np.array([-1.5, -0.5, 0.4, 1.3])
    x = 1 + (latent[:, :, None] > cuts).sum(axis=2)
    cols = [f"i{j + 1:02d}" for j in range(p)]
    return pd.DataFrame(x, columns=cols)


def model_syntax(cols) -> str:
    return "\n".join(f"F{k + 1} =~ " + " + ".join(cols[k * PER_FACTOR:(k + 1) * PER_FACTOR])
                     for k in range(N_FACTORS))


R_SCRIPT = r"""
suppressPackageStartupMessages({library(psych); library(lavaan); library(GPArotation)})
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1]); model <- readLines(args[2])
tm <- function(name, expr) { t <- proc.time()[["elapsed"]]; force(expr);
  cat(name, proc.time()[["elapsed"]] - t, "\n", sep = ",") }
tm("reliability (9 scales)", for (k in 0:8) psych::alpha(x[, (4*k+1):(4*k+4)], warnings = FALSE))
tm("omega (9 factors)", omega(x, nfactors = 9, plot = FALSE))
tm("KMO + Bartlett", {KMO(x); cortest.bartlett(cor(x), n = nrow(x))})
tm("EFA (9, minres, oblimin)", fa(x, 9, fm = "minres", rotate = "oblimin"))
tm("EFA (9, cor = poly)", fa(x, 9, fm = "minres", rotate = "oblimin", cor = "poly"))
tm("parallel analysis (20)", fa.parallel(x, fa = "fa", n.iter = 20, plot = FALSE))
tm("CFA (9 factors)", cfa(paste(model, collapse = "\n"), data = x))
tm("polychoric (36 items)", polychoric(x))
"""


def run_python(data: pd.DataFrame, model: str) -> dict:
    cols = list(data.columns)
    steps = {
        "reliability (9 scales)": lambda: [reliability(data[cols[k * 4:(k + 1) * 4]]) for k in range(N_FACTORS)],
        "omega (9 factors)": lambda: omega(data, n_factors=9),
        "KMO + Bartlett": lambda: (kmo(data), bartlett(data)),
        "EFA (9, minres, oblimin)": lambda: efa(data, 9, method="minres", rotation="oblimin"),
        "EFA (9, cor = poly)": lambda: efa(data, 9, method="minres", rotation="oblimin", cor="poly"),
        "parallel analysis (20)": lambda: parallel_analysis(data, n_iter=20, seed=1),
        "CFA (9 factors)": lambda: cfa(data, model),
        "polychoric (36 items)": lambda: polychoric(data),
    }
    times, results = {}, {}
    for name, fn in steps.items():
        t = time.perf_counter()
        results[name] = fn()
        times[name] = time.perf_counter() - t
    cf = results["CFA (9 factors)"]
    print(f"CFA: converged={cf.converged}, chisq={cf.fit['chisq']:.3f}, df={cf.fit['df']}, "
          f"cfi={cf.fit['cfi']:.4f}, rmsea={cf.fit['rmsea']:.4f}, iterations={cf.iterations}")
    print(f"parallel analysis suggests {results['parallel analysis (20)'].n_factors} factors")
    return times


def run_r(csv: Path, model: str, tmp: Path) -> dict:
    if shutil.which("Rscript") is None:
        return {}
    script = tmp / "bench.R"
    script.write_text(R_SCRIPT)
    mfile = tmp / "model.txt"
    mfile.write_text(model)
    out = subprocess.run(["Rscript", str(script), str(csv), str(mfile)], capture_output=True, text=True)
    times = {}
    for line in out.stdout.splitlines():
        parts = line.rsplit(",", 2)
        if len(parts) == 3:
            try:
                times[parts[0]] = float(parts[1])
            except ValueError:
                pass
    if out.returncode != 0:
        print("R failed:", out.stderr[-2000:])
    return times


def main() -> None:
    data = simulate()
    model = model_syntax(list(data.columns))
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        csv = tmp / "battery.csv"
        data.to_csv(csv, index=False)
        py = run_python(data, model)
        r = run_r(csv, model, tmp)
    print(f"\n{'step':28s} {'Python s':>10s} {'R s':>10s} {'Py/R':>8s}")
    for name, t in py.items():
        rt = r.get(name)
        ratio = f"{t / rt:8.2f}" if rt else "       -"
        print(f"{name:28s} {t:10.3f} {rt if rt is not None else float('nan'):10.3f} {ratio}")
    tp, tr = sum(py.values()), sum(r.values()) if r else float("nan")
    print(f"{'total':28s} {tp:10.3f} {tr:10.3f} {tp / tr if r else float('nan'):8.2f}")


if __name__ == "__main__":
    main()
