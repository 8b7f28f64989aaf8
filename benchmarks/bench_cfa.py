"""CFA and invariance: copro_scale against lavaan on the same data, in the same run.

Tasks use the reference data (tests/reference) and psych's bfi (exported by R to a temporary
CSV): ML, MLR, FIML, WLSMV (listwise and pairwise), multi-group invariance (ML, MLR + FIML,
WLSMV), the 5-factor bfi model (one group and invariance by gender) and msq400's 4-category
items correlated .85-.91 (WLSMV, and invariance by group). Each task is timed
REPEAT times in each language and the median is reported; R times itself inside one process,
so R start-up and package loading are excluded. Prints seconds and the ratio Python / R.

    .venv/bin/python benchmarks/bench_cfa.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from copro_scale.psychometrics.cfa import cfa, invariance, ordinal

REF = Path(__file__).resolve().parents[1] / "tests" / "reference"
REPEAT = 3
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
AC = "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
ORD = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]
MSQ_ITEMS = ["sleepy", "drowsy", "tired", "wide.awake", "alert", "wakeful", "energetic", "lively", "active"]
MSQ = ("tiredness =~ sleepy + drowsy + tired\n"
       "energy =~ wide.awake + alert + wakeful + energetic + lively + active")
BIG5 = "\n".join(f"{f} =~ " + " + ".join(f"{f[0].upper()}{i}" for i in range(1, 6))
                 for f in ("agree", "consc", "extra", "neuro", "open"))

# name: (python call, R expression); R sees hs, hsm, bo, boc, bfi and the model strings
TASKS = {
    "HS ML": (lambda d: cfa(d["hs"], HS), 'cfa(HS, data = hs)'),
    "HS MLR": (lambda d: cfa(d["hs"], HS, estimator="MLR"), 'cfa(HS, data = hs, estimator = "MLR")'),
    "HS 8% missing, FIML MLR": (lambda d: cfa(d["hsm"], HS, estimator="MLR", missing="fiml"),
                                'cfa(HS, data = hsm, estimator = "MLR", missing = "ml")'),
    "bfi 5 factors ML (listwise)": (lambda d: cfa(d["bfi"], BIG5), 'cfa(BIG5, data = bfi)'),
    "bfi A+C WLSMV": (lambda d: cfa(d["boc"], AC, ordered=ORD), 'cfa(AC, data = boc, ordered = ORD)'),
    "bfi A+C WLSMV pairwise": (lambda d: cfa(d["bo"], AC, ordered=ORD, missing="pairwise"),
                               'cfa(AC, data = bo, ordered = ORD, missing = "pairwise")'),
    "invariance HS by school, ML": (
        lambda d: invariance(d["hs"], HS, "school"),
        'for (eq in list("", "loadings", c("loadings", "intercepts"))) '
        'cfa(HS, data = hs, group = "school", group.equal = eq)'),
    "invariance HS missing by school, FIML MLR": (
        lambda d: invariance(d["hsm"], HS, "school", estimator="MLR", missing="fiml"),
        'for (eq in list("", "loadings", c("loadings", "intercepts"))) '
        'cfa(HS, data = hsm, group = "school", group.equal = eq, estimator = "MLR", missing = "ml")'),
    "invariance bfi 5 factors by gender, ML": (
        lambda d: invariance(d["bfi"], BIG5, "gender"),
        'for (eq in list("", "loadings", c("loadings", "intercepts"))) '
        'cfa(BIG5, data = bfi, group = "gender", group.equal = eq)'),
    "invariance bfi A+C by gender, WLSMV": (
        lambda d: invariance(d["boc"], AC, "gender", ordered=ORD),
        'for (eq in list("", "loadings", c("loadings", "thresholds"))) '
        'cfa(AC, data = boc, group = "gender", group.equal = eq, ordered = ORD)'),
    "msq 4-category items r .85-.91, WLSMV": (lambda d: cfa(d["msq"], MSQ, ordered=MSQ_ITEMS),
                                              'cfa(MSQ, data = msq, ordered = MI)'),
    "invariance msq by group, WLSMV": (
        lambda d: invariance(d["msq"], MSQ, "grp", ordered=MSQ_ITEMS),
        'for (eq in list("", "loadings", c("loadings", "thresholds"))) '
        'cfa(MSQ, data = msq, group = "grp", group.equal = eq, ordered = MI)'),
}

R_SCRIPT = r"""
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
a <- commandArgs(trailingOnly = TRUE)
ref <- a[1]; tasks <- fromJSON(a[2]); repeat_n <- as.integer(a[3])
hs <- read.csv(file.path(ref, "holzinger.csv")); hsm <- read.csv(file.path(ref, "hs_missing.csv"))
bo <- read.csv(file.path(ref, "bfi_ordered.csv")); boc <- na.omit(bo)
bfi <- read.csv(a[4])
HS <- a[5]; AC <- a[6]; BIG5 <- a[7]; ORD <- c(paste0("A", 1:5), paste0("C", 1:5))
msq <- read.csv(file.path(ref, "msq400.csv")); MSQ <- a[8]; MI <- names(msq)[1:9]
out <- list()
for (name in names(tasks)) {
  e <- parse(text = tasks[[name]])
  eval(e)  # warm-up
  t <- replicate(repeat_n, system.time(eval(e))[["elapsed"]])
  out[[name]] <- median(t)
}
cat(toJSON(out, auto_unbox = TRUE, digits = NA))
"""


def r_times(bfi_csv: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        tasks = Path(tmp) / "tasks.json"
        tasks.write_text(json.dumps({k: v[1] for k, v in TASKS.items()}))
        out = subprocess.run(["Rscript", str(script), str(REF), str(tasks), str(REPEAT), str(bfi_csv), HS, AC, BIG5, MSQ],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if not shutil.which("Rscript"):
        raise SystemExit("Rscript not found: this benchmark compares with lavaan")
    with tempfile.TemporaryDirectory() as tmp:
        bfi_csv = Path(tmp) / "bfi.csv"
        subprocess.run(["Rscript", "-e", "b <- psych::bfi[, c(1:25, 26)]; b$gender <- ifelse(b$gender == 1, "
                        f"'male', 'female'); write.csv(b, '{bfi_csv}', row.names = FALSE, na = '')"],
                       check=True, capture_output=True)
        data = {"hs": pd.read_csv(REF / "holzinger.csv"), "hsm": pd.read_csv(REF / "hs_missing.csv"),
                "bo": pd.read_csv(REF / "bfi_ordered.csv"), "bfi": pd.read_csv(bfi_csv)}
        data["boc"] = data["bo"].dropna()
        data["msq"] = pd.read_csv(REF / "msq400.csv")
        py = {}
        for name, (call, _) in TASKS.items():
            call(data)  # warm-up (imports)
            times = []
            for _ in range(REPEAT):
                ordinal._RECENT.clear()  # lavaan recomputes its polychorics each time: so do we
                t0 = time.perf_counter()
                call(data)
                times.append(time.perf_counter() - t0)
            py[name] = sorted(times)[len(times) // 2]
        r = r_times(bfi_csv)
    print(f"{'task':45s} {'copro s':>9s} {'lavaan s':>9s} {'ratio':>7s}")
    for name in TASKS:
        print(f"{name:45s} {py[name]:9.3f} {r[name]:9.3f} {py[name] / r[name]:7.2f}")
    print(f"(median of {REPEAT} runs each, after one warm-up; ratio < 1: copro_scale is faster)")


if __name__ == "__main__":
    main()
