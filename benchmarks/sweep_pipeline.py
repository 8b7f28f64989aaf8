"""simulate -> score -> validate -> report -> plan over a grid of small simulated organisations.

The grid: nuisance profiles harsh, realistic and clean, seeds 1-12, ``--teams`` 4 to 12,
``--per-team`` 3 to 9 (2,268 organisations), in a fixed shuffled order, run in one process
through ``copro_scale.cli.main`` until the time box ends. Each step is recorded as one JSON line
(organisation, step, exit code, the end of stderr, or the exception and its traceback); at the
end the tracebacks and refusals (exit code other than 0) are counted by step and message, with
the smallest organisations for each. ``copro report`` runs with ``--n-draws 300`` and ``copro
plan`` with ``--reps 1 --n-draws 200`` to keep each organisation to seconds.

    nice -n 15 .venv/bin/python benchmarks/sweep_pipeline.py OUT.jsonl [SECONDS=1200]
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from copro_scale.cli import main

PROFILES = ("harsh", "realistic", "clean")


def grid() -> list[tuple]:
    """Every (profile, seed, teams, per_team), in the sweep's fixed order."""
    out = [(p, s, t, n) for p in PROFILES for s in range(1, 13) for t in range(4, 13)
           for n in range(3, 10)]
    random.Random(2026).shuffle(out)
    return out


def steps(config: tuple, d: Path) -> list[tuple[str, list[str]]]:
    prof, seed, teams, per = map(str, config)
    f = str(d / "x.csv")
    return [("simulate", ["simulate", "--teams", teams, "--per-team", per, "--seed", seed,
                          "--nuisance", prof, "-o", f]),
            ("score", ["score", f, "-o", str(d / "s.csv")]),
            ("validate", ["validate", f, "-o", str(d / "v")]),
            ("report", ["report", f, "-o", str(d / "r"), "--n-draws", "300"]),
            ("plan", ["plan", "--teams", teams, "--sizes", per, "--nuisance", prof, "--seed", seed,
                      "--reps", "1", "--n-draws", "200", "-o", str(d / "p.html")])]


def run_step(config: tuple, name: str, argv: list[str]) -> dict:
    err = io.StringIO()
    rec = {"config": list(config), "step": name}
    t0 = time.time()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = main(argv)
        rec.update(rc=rc, stderr=err.getvalue()[-400:])
    except SystemExit as exc:
        rec.update(rc=exc.code, stderr=err.getvalue()[-400:])
    except Exception as exc:  # noqa: BLE001 - the point of the sweep: record it and go on
        rec.update(rc="traceback", exc=f"{type(exc).__name__}: {exc}"[:300],
                   where=traceback.format_exc()[-1500:])
    rec["s"] = round(time.time() - t0, 1)
    return rec


def summary(records: list[dict]) -> str:
    counts, where = collections.Counter(), collections.defaultdict(list)
    for r in records:
        if r["rc"] == "traceback":
            key = (r["step"], "traceback " + r["exc"][:90])
        elif r["rc"] not in (0, None):
            key = (r["step"], f"exit {r['rc']}: " + (r["stderr"].strip().splitlines() or [""])[-1][:90])
        else:
            continue
        counts[key] += 1
        where[key].append(r["config"])
    lines = [f"{len({tuple(r['config']) for r in records})} organisations, {len(records)} steps"]
    for key, n in counts.most_common():
        small = sorted(where[key], key=lambda c: c[2] * c[3])[:2]
        lines.append(f"{n} x {key[0]}: {key[1]} (smallest: {small})")
    return "\n".join(lines)


def sweep(out: Path, seconds: float) -> list[dict]:
    records, t0 = [], time.time()
    with open(out, "w") as fh, tempfile.TemporaryDirectory() as tmp:
        for config in grid():
            if time.time() - t0 > seconds:
                break
            d = Path(tmp) / "_".join(map(str, config))
            d.mkdir()
            for name, argv in steps(config, d):
                rec = run_step(config, name, argv)
                records.append(rec)
                fh.write(json.dumps(rec) + "\n")
                fh.flush()
                if name == "simulate" and rec["rc"] != 0:
                    break
            shutil.rmtree(d, ignore_errors=True)
    return records


if __name__ == "__main__":
    print(summary(sweep(Path(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 1200)))
