"""``copro db``: the survey database's schema (``copro db upgrade --db URL``)."""

from __future__ import annotations

import sys

from ..serve import DEFAULT_URL as DEFAULT_DB


def add_db_option(p) -> None:
    """Add ``--db URL`` (default ./copro.db)."""
    p.add_argument("--db", metavar="URL", default=DEFAULT_DB,
                   help=f"the survey database: sqlite:///FILE or postgresql://USER@HOST/DB "
                        f"(default {DEFAULT_DB})")


def run_upgrade(args) -> int:
    """Migrate to the newest schema and say from which revision."""
    from ..serve.migrations import upgrade
    from ..serve.store import database_url

    before, after = upgrade(args.db)
    where = database_url(args.db).render_as_string(hide_password=True)
    if before == after:
        print(f"{where}: schema {after} is the newest; nothing to do", file=sys.stderr)
    else:
        print(f"{where}: schema {before or '(empty)'} -> {after}", file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add ``db`` with ``upgrade``."""
    p = sub.add_parser("db", help="create or migrate the survey database of `copro serve`")
    dsub = p.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="create the tables, or migrate them to this version's "
                         "schema (safe to run again)")
    add_db_option(up)
    up.set_defaults(func=run_upgrade)
