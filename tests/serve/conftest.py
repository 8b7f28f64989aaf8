"""Fixtures of the serve tests: a database on SQLite and on a real PostgreSQL, and an open wave.

PostgreSQL is Debian's server (``make postgresql`` installs it), started once per test process
by pytest-postgresql's executor on a free port, with its data in a temporary folder. PostgreSQL
refuses to run as root: under root the executor drives ``pg_ctl`` through a wrapper that runs
it as the unprivileged ``postgres`` user (created by Debian's package), in a folder that user
owns. Each test gets a database of its own, cloned from a migrated template.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import stat
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from copro_scale.serve import migrations
from copro_scale.serve.store import engine_for, session_factory

TEAMS_CSV = (
    "team,aliases,n_psw_expected,n_colleague_expected\n"
    "Ward A,A ward;WA,2,5\n"
    "Ward B,,1,3\n"
)


def _pg_ctl() -> str | None:
    """Debian's newest pg_ctl (or $COPRO_PG_CTL, or one on PATH)."""
    if os.environ.get("COPRO_PG_CTL"):
        return os.environ["COPRO_PG_CTL"]
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return found[-1] if found else shutil.which("pg_ctl")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.fail("running as root, and there is no 'postgres' or 'nobody' user to run PostgreSQL as")


@pytest.fixture(scope="session")
def postgresql_server():
    """A PostgreSQL server of this test process (pytest-postgresql's PostgreSQLExecutor):
    ``.host``, ``.port``, ``.user``; ``.stop()`` and ``.start()`` restart it."""
    from pytest_postgresql.executors import PostgreSQLExecutor

    pg_ctl = _pg_ctl()
    if pg_ctl is None or not os.path.exists(pg_ctl):
        pytest.fail("PostgreSQL's pg_ctl not found: run `make postgresql` (Debian's postgresql "
                    "package) or set COPRO_PG_CTL")
    base = Path(tempfile.mkdtemp(prefix="copro-pg-"))
    executable = pg_ctl
    if os.geteuid() == 0:
        user = _server_user()
        shutil.chown(base, user)
        wrapper = Path(tempfile.mkdtemp(prefix="copro-pg-bin-")) / "pg_ctl"
        wrapper.write_text(f'#!/bin/sh\ncd /\nexec runuser -u {user} -- "{pg_ctl}" "$@"\n')
        wrapper.chmod(stat.S_IRWXU)
        executable = str(wrapper)
    executor = PostgreSQLExecutor(
        executable=executable, host="127.0.0.1", port=_free_port(), datadir=str(base / "data"),
        unixsocketdir=str(base), logfile=str(base / "postgresql.log"), startparams="-w",
        dbname="copro_test", user="postgres", options="",
        postgres_options="-c fsync=off -c max_connections=300",
    )
    executor.start()
    _wait_ready(executor)
    try:
        yield executor
    finally:
        executor.stop()
        shutil.rmtree(base, ignore_errors=True)
        if executable != pg_ctl:
            shutil.rmtree(Path(executable).parent, ignore_errors=True)


def _wait_ready(server, timeout: float = 30.0) -> None:
    """Until the server takes connections (it accepts TCP while still starting up)."""
    import time

    import psycopg

    end = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(host=server.host, port=server.port, user=server.user,
                            dbname="postgres", connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def _pg_url(server, dbname: str) -> str:
    return f"postgresql://{server.user}@{server.host}:{server.port}/{dbname}"


@pytest.fixture(scope="session")
def postgresql_template(postgresql_server):
    """A migrated database that each test's database is cloned from."""
    from pytest_postgresql.janitor import DatabaseJanitor

    name = "copro_template"
    janitor = DatabaseJanitor(user=postgresql_server.user, host=postgresql_server.host,
                              port=postgresql_server.port, dbname=name)
    janitor.init()
    engine = engine_for(_pg_url(postgresql_server, name))
    migrations.upgrade(engine)
    engine.dispose()
    yield name
    janitor.drop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file that each test's database is copied from."""
    path = tmp_path_factory.mktemp("sqlite-template") / "copro.db"
    engine = engine_for(f"sqlite:///{path}")
    migrations.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The URL of an empty, migrated database: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "copro.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    from pytest_postgresql.janitor import DatabaseJanitor

    server = request.getfixturevalue("postgresql_server")
    template = request.getfixturevalue("postgresql_template")
    name = f"copro_{uuid.uuid4().hex[:12]}"
    janitor = DatabaseJanitor(user=server.user, host=server.host, port=server.port, dbname=name,
                              template_dbname=template)
    janitor.init()
    try:
        yield _pg_url(server, name)
    finally:
        janitor.drop()


@pytest.fixture
def session(db_url):
    """A session on ``db_url``; the engine is disposed afterwards."""
    engine = engine_for(db_url)
    with session_factory(engine)() as s:
        yield s
    engine.dispose()


@dataclass
class OpenedWave:
    """A wave opened on ``url`` with :data:`TEAMS_CSV`.

    ``tokens[(team, form)]`` are the single-use tokens (from the headcounts: Ward A 2 PSW and 5
    colleagues, Ward B 1 and 3); ``open_tokens[(team, form)]`` one open link each.
    """

    url: str
    label: str
    teams_csv: Path
    tokens: dict = field(default_factory=dict)
    open_tokens: dict = field(default_factory=dict)


@pytest.fixture
def opened_wave(db_url, tmp_path) -> OpenedWave:
    """An open wave ``2026-spring`` with single-use and open links (see :class:`OpenedWave`)."""
    from copro_scale.serve import invitations, waves

    teams = tmp_path / "teams.csv"
    teams.write_text(TEAMS_CSV, encoding="utf-8")
    engine = engine_for(db_url)
    out = OpenedWave(db_url, "2026-spring", teams)
    with session_factory(engine)() as s:
        wave, issued = waves.open_wave(s, out.label, teams=teams)
        issued += invitations.open_links(s, wave, waves.team_list_of(wave))
        s.commit()
    engine.dispose()
    for i in issued:
        if i.kind == "single":
            out.tokens.setdefault((i.team, i.form), []).append(i.token)
        else:
            out.open_tokens[(i.team, i.form)] = i.token
    return out


@pytest.fixture
def db_restart(db_url, request):
    """A callable that restarts the database server under ``db_url`` (stop, then start; the
    data stays); None on SQLite, which has no server."""
    if db_url.startswith("sqlite"):
        return None
    server = request.getfixturevalue("postgresql_server")

    def restart() -> None:
        server.stop()
        server.start()
        _wait_ready(server)

    return restart
