"""Opening and closing a wave of 100 teams with 5,000 single-use links, on SQLite and PostgreSQL.

Prints the seconds of ``copro wave open`` (5 PSW + 45 colleague links per team, written to
invitations.csv) and ``copro wave close`` on each database, side by side in one run. PostgreSQL
is the tests' throw-away server (tests/serve/pg.py; `make postgresql`).
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.serve.pg

import psycopg  # noqa: E402

from copro_scale.cli import main  # noqa: E402
from tests.serve.pg import running_postgresql  # noqa: E402


def timed(url: str, folder: Path, tag: str) -> tuple[float, float]:
    args = ["--db", url]
    with contextlib.redirect_stderr(io.StringIO()):
        t = time.perf_counter()
        assert main(["wave", "open", "w", *args, "--teams", str(folder / "teams.csv"),
                     "--base-url", "https://s.example.org", "-o", str(folder / f"{tag}.csv")]) == 0
        opened = time.perf_counter() - t
        t = time.perf_counter()
        assert main(["wave", "close", "w", *args]) == 0
    return opened, time.perf_counter() - t


def main_() -> None:
    folder = Path(tempfile.mkdtemp())
    rows = ["team,n_psw_expected,n_colleague_expected"] + [f"Team {i},5,45" for i in range(100)]
    (folder / "teams.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    results = {"sqlite": timed(f"sqlite:///{folder / 'copro.db'}", folder, "sqlite")}
    with running_postgresql() as pg:
        with psycopg.connect(host=pg.host, port=pg.port, user=pg.user, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
        results["postgresql"] = timed(f"postgresql://{pg.user}@{pg.host}:{pg.port}/bench",
                                      folder, "postgresql")
    print("wave of 100 teams, 5,000 single-use links")
    for name, (opened, closed) in results.items():
        print(f"  {name:<11} open {opened:5.2f} s   close {closed:5.2f} s")


if __name__ == "__main__":
    main_()
