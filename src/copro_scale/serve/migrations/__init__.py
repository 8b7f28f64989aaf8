"""The store's schema, as Alembic migrations (batch mode on SQLite), run from Python.

:func:`upgrade` brings a database to the newest schema (``copro db upgrade --db URL``);
:func:`check_current` refuses, with the command to run, a database that is behind.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import CoproError

HERE = Path(__file__).resolve().parent


def _config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision the package ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(None)).get_current_head()


def current(engine) -> str | None:
    """The revision a database is at (None for a database without the store's tables)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url_or_engine=None, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the database to ``revision`` (default the newest); returns (before, after).

    Creates the tables of a new database; a database already at the newest revision is left as
    it is.
    """
    from alembic import command
    from sqlalchemy.engine import Engine

    from ..store import engine_for

    engine = url_or_engine if isinstance(url_or_engine, Engine) else engine_for(url_or_engine)
    before = current(engine)
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)
    return before, current(engine)


def check_current(engine) -> None:
    """Raise a :class:`CoproError` naming ``copro db upgrade`` when the schema is not the newest."""
    at, newest = current(engine), head()
    if at != newest:
        url = engine.url.render_as_string(hide_password=True)
        state = "has no survey tables" if at is None else f"is at schema {at}, not {newest}"
        raise CoproError(f"the database {url} {state}; run `copro db upgrade --db {url}` first")
