"""copro audit on the published outputs of generated organisations (docs/privacy.md).

Each organisation comes from ``tests/privacy/orgs.py`` (answers from the independent generator
``tests/reports/independent_sim.py``; random team sizes, lone PSWs, skipped items, "Don't know"
to items and whole cells, straight-lining). For each: ``copro report``, ``copro validate`` and
``copro score --favourable`` at the promise k = 5, and for every fourth also the same three at
``--min-responses 6`` (two runs of one wave, audited together). Prints, per organisation, the
disclosures found and the seconds taken, then the totals.

    .venv/bin/python benchmarks/audit_organisations.py [N=200] [FIRST_SEED=0]
    COPRO_PIPELINE_SRC=/path/to/old/src .venv/bin/python benchmarks/audit_organisations.py 20
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copro_scale.audit import audit  # noqa: E402
from copro_scale.cli import main  # noqa: E402
from tests.privacy.orgs import organisation  # noqa: E402


def _run(*argv) -> int:
    """A copro command in-process, or with the copro in ``$COPRO_PIPELINE_SRC`` (another
    checkout's ``src``, to audit what an earlier version publishes)."""
    other = os.environ.get("COPRO_PIPELINE_SRC")
    if other:
        env = {**os.environ, "PYTHONPATH": other}
        return subprocess.run([sys.executable, "-m", "copro_scale.cli", *map(str, argv)], env=env,
                              capture_output=True).returncode
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            return main([str(a) for a in argv])
        except Exception as exc:  # a crash is counted, not a reason to stop the run
            print(f"copro {argv[0]} crashed: {type(exc).__name__}: {exc}", file=sys.__stderr__)
            return 99


def one(seed: int, folder: Path) -> tuple[int, list[str], float]:
    data = organisation(seed)
    path = folder / "responses.csv"
    data.to_csv(path, index=False)
    runs = ["5"] + (["6"] if seed % 4 == 0 else [])
    t = time.perf_counter()
    for k in runs:
        out = folder / f"k{k}"
        codes = [_run("report", path, "-o", out / "report", "--n-boot", "100", "--min-responses", k,
                      "--wave", "This wave"),
                 _run("validate", path, "-o", out / "validation", "--min-responses", k),
                 _run("score", path, "-o", folder / "scores.csv", "--favourable",
                      out / "favourable.csv", "--min-responses", k)]
        if any(codes):
            print(f"organisation {seed}: a copro command exited {codes}; not audited", flush=True)
            return len(data), [], time.perf_counter() - t
    res = audit([folder / f"k{k}" for k in runs])
    return len(data), [str(d).splitlines()[0] for d in res.disclosures], time.perf_counter() - t


def main_(n: int = 200, first: int = 0) -> int:
    found, people, seconds = 0, 0, 0.0
    for seed in range(first, first + n):
        with tempfile.TemporaryDirectory() as tmp:
            size, disclosures, s = one(seed, Path(tmp))
        found += len(disclosures)
        people += size
        seconds += s
        print(f"organisation {seed}: {size} respondents, {len(disclosures)} disclosure(s), "
              f"{s:.1f} s", flush=True)
        for d in disclosures:
            print("   ", d, flush=True)
    print(f"{n} organisations, {people} respondents: {found} disclosure(s) found by copro audit; "
          f"{seconds:.0f} s in all")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main_(*map(int, sys.argv[1:3])))
