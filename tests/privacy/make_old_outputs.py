"""Write the published outputs of the scenarios (tests/privacy/scenarios.py) with the copro
installed, into ``tests/fixtures/audit/<scenario>/`` (what `copro audit` is tested on).

Run once with the code before the disclosure audit (commit fde24e6) to keep the outputs that
the audit must flag: ``python -m tests.privacy.make_old_outputs``. ``missing_cell/`` (one PSW
without a cell, in the validation beside the report) was written with the code before the
validation left such respondents' answers out (commit 24ef91a):
``python -m tests.privacy.make_old_outputs missing_cell``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from copro_scale.cli import main

from .scenarios import missing_cell, organisation, waves, write

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "audit"


def _run(*argv) -> None:
    code = main([str(a) for a in argv])
    if code:
        raise SystemExit(f"copro {argv[0]} exited {code}")


def _keep(src: Path, dst: Path) -> None:
    """The published files only (no lock or marker files)."""
    for p in src.rglob("*"):
        if p.is_file() and not p.name.startswith("."):
            t = dst / p.relative_to(src)
            t.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(p, t)


def make(out: Path = OUT, n_boot: str = "50") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = write(organisation(), tmp / "responses.csv")
        for k in ("5", "6"):
            _run("report", data, "-o", tmp / f"k{k}" / "report", "--n-boot", n_boot,
                 "--min-responses", k, "--wave", "Wave 2")
            _run("validate", data, "-o", tmp / f"k{k}" / "validation", "--min-responses", k)
            _run("score", data, "-o", tmp / "scores.csv", "--favourable",
                 tmp / f"k{k}" / "favourable.csv", "--min-responses", k)
            shutil.rmtree(out / f"one_run_k{k}", ignore_errors=True)
            _keep(tmp / f"k{k}", out / f"one_run_k{k}")
        w = waves(tmp)
        _run("report", w["wave1"], "-o", tmp / "w" / "wave1", "--n-boot", n_boot,
             "--wave", "Wave 1")
        _run("report", w["wave2"], "-o", tmp / "w" / "wave2", "--n-boot", n_boot,
             "--wave", "Wave 2", "--teams", w["teams"], "--previous", w["wave1"],
             "--previous-wave", "Wave 1")
        shutil.rmtree(out / "two_waves", ignore_errors=True)
        _keep(tmp / "w", out / "two_waves")


def make_missing_cell(out: Path = OUT, n_boot: str = "50") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = write(missing_cell(), tmp / "responses.csv")
        _run("report", data, "-o", tmp / "k5" / "report", "--n-boot", n_boot)
        _run("validate", data, "-o", tmp / "k5" / "validation")
        shutil.rmtree(out / "missing_cell", ignore_errors=True)
        _keep(tmp / "k5", out / "missing_cell")


if __name__ == "__main__":
    if sys.argv[1:2] == ["missing_cell"]:
        make_missing_cell()
    else:
        make(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
