"""Fixtures of the serve tests: a database on SQLite and on a real PostgreSQL, and an open wave.

PostgreSQL is Debian's server (``make postgresql`` installs it), started once per test process
by pytest-postgresql's executor on a free port, with its data in a temporary folder. PostgreSQL
refuses to run as root: under root the executor drives ``pg_ctl`` through a wrapper that runs
it as the unprivileged ``postgres`` user (created by Debian's package), in a folder that user
owns. Each test gets a database of its own, cloned from a migrated template.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from copro_scale.serve import migrations
from copro_scale.serve.security import RedactingFormatter
from copro_scale.serve.store import engine_for, session_factory

from .pg import running_postgresql, wait_ready

TEAMS_CSV = (
    "team,aliases,n_psw_expected,n_colleague_expected\n"
    "Ward A,A ward;WA,2,5\n"
    "Ward B,,1,3\n"
)


@pytest.fixture(autouse=True)
def _no_log_handler_left_behind():
    """A root log handler that a test installs (``copro serve``'s configure_logging) and leaves
    behind writes the next tests' log lines (under ``-n 2``, other folders' tests) to this
    test's closed capture stream: it is removed, the root level restored, and the test fails."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    left = [h for h in root.handlers if h not in before
            and (type(h) is logging.StreamHandler or isinstance(h.formatter, RedactingFormatter))]
    for h in left:
        root.removeHandler(h)
    root.setLevel(level)
    if left:
        pytest.fail(f"the test left root log handler(s) behind: {left}")


@pytest.fixture(scope="session")
def postgresql_server():
    """A PostgreSQL server of this test process (pytest-postgresql's PostgreSQLExecutor):
    ``.host``, ``.port``, ``.user``; ``.stop()`` and ``.start()`` restart it."""
    try:
        with running_postgresql() as executor:
            yield executor
    except LookupError as exc:
        pytest.fail(str(exc))


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
        wait_ready(server)

    return restart
