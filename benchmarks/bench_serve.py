"""Benchmark: submissions per second of ``copro serve`` on SQLite and on PostgreSQL, side by side.

For each database: a fresh migrated database, a wave of ``n`` single-use links (20 teams of 5
PSW and 15 colleague links per 400), a real ``copro serve`` process (waitress, 32 threads) and
``clients`` respondents at a time on loopback, each a thread with its own connection walking
every page (the link, "About you", then the three sections, the last with "Send": 7 requests).
Prints submissions per second (whole questionnaires stored) and requests per second, and checks
that every response arrived once.

Run: ``.venv/bin/python benchmarks/bench_serve.py [n] [clients] [--pg postgresql://...]``.
Without ``--pg`` PostgreSQL is started from Debian's binaries as in the tests (``make
postgresql``); if that is not possible, PostgreSQL is skipped with a message.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.serve.server import open_load_wave, run_respondents, running_server, stored  # noqa: E402

REQUESTS_PER_RESPONDENT = 7


@contextmanager
def postgresql_database(url: str | None):
    """A fresh database on the PostgreSQL at ``url``, or on one started for the run."""
    from pytest_postgresql.janitor import DatabaseJanitor
    from sqlalchemy.engine import make_url

    with ExitStack() as stack:
        if url is None:
            from tests.serve.pg import (
                running_postgresql,  # the tests' server, started here
            )

            ex = stack.enter_context(running_postgresql())
            url = f"postgresql://{ex.user}@{ex.host}:{ex.port}/postgres"
        u = make_url(url)
        name = f"copro_bench_{uuid.uuid4().hex[:8]}"
        janitor = DatabaseJanitor(user=u.username, host=u.host, port=u.port, dbname=name,
                                  password=u.password)
        janitor.init()
        try:
            yield u.set(database=name).render_as_string(hide_password=False)
        finally:
            janitor.drop()


def measure(url: str, n: int, clients: int, folder: Path) -> dict:
    from copro_scale.serve import migrations

    migrations.upgrade(url)
    links = open_load_wave(url, "bench", n_teams=n // 20, psw=5, colleagues=15, folder=folder)
    with running_server(url, threads=32) as server:
        seconds, failed = 0.0, 0
        for start in range(0, len(links), clients):
            batch = links[start:start + clients]
            _, results, s = run_respondents(server.base, batch, seed=start)
            seconds += s
            failed += sum(r != (200, "/done") for r in results)
    rows, used, drafts = stored(url, "bench")
    assert failed == 0 and len(rows) == used == len(links) and drafts == 0, (failed, len(rows))
    return {"n": len(links), "seconds": seconds, "per_s": len(links) / seconds,
            "requests_per_s": len(links) * REQUESTS_PER_RESPONDENT / seconds}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", nargs="?", type=int, default=400, help="respondents (multiple of 20)")
    p.add_argument("clients", nargs="?", type=int, default=200, help="respondents at a time")
    p.add_argument("--pg", help="a PostgreSQL server URL to create the benchmark database on")
    args = p.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as d:
        results["SQLite"] = measure(f"sqlite:///{d}/bench.db", args.n, args.clients, Path(d))
        try:
            with postgresql_database(args.pg) as url:
                results["PostgreSQL"] = measure(url, args.n, args.clients, Path(d))
        except (ImportError, LookupError, OSError, RuntimeError) as exc:
            print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
    print(f"copro serve on loopback: {args.n} respondents, {args.clients} at a time, "
          "waitress with 32 threads")
    print(f"{'database':<12}{'seconds':>9}{'submissions/s':>15}{'requests/s':>12}")
    for name, r in results.items():
        print(f"{name:<12}{r['seconds']:>9.1f}{r['per_s']:>15.1f}{r['requests_per_s']:>12.0f}")
    if len(results) == 2:
        print(f"PostgreSQL / SQLite: {results['PostgreSQL']['per_s'] / results['SQLite']['per_s']:.2f}")


if __name__ == "__main__":
    main()
