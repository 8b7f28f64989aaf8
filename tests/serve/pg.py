"""A throw-away PostgreSQL server from Debian's binaries, for the tests and the benchmark.

pytest-postgresql's executor starts it on a free port with its data in a temporary folder.
PostgreSQL refuses to run as root: under root, ``pg_ctl`` is called through a wrapper that runs
it as the unprivileged ``postgres`` user (created by Debian's package), in a folder that user
owns. ``COPRO_PG_CTL`` points at another ``pg_ctl``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import stat
import tempfile
import time
from pathlib import Path


def pg_ctl() -> str | None:
    """Debian's newest pg_ctl (or $COPRO_PG_CTL, or one on PATH)."""
    if os.environ.get("COPRO_PG_CTL"):
        return os.environ["COPRO_PG_CTL"]
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return found[-1] if found else shutil.which("pg_ctl")


def free_port() -> int:
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
    raise LookupError("running as root, and there is no 'postgres' or 'nobody' user to run "
                      "PostgreSQL as")


def wait_ready(server, timeout: float = 30.0) -> None:
    """Until the server takes connections (it accepts TCP while still starting up)."""
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


@contextlib.contextmanager
def running_postgresql(max_connections: int = 300):
    """A started server (pytest-postgresql's PostgreSQLExecutor: ``.host``, ``.port``,
    ``.user``, ``.stop()``, ``.start()``), stopped and deleted on exit.

    Raises
    ------
    LookupError
        When no pg_ctl is installed (``make postgresql``).
    """
    from pytest_postgresql.executors import PostgreSQLExecutor

    ctl = pg_ctl()
    if ctl is None or not os.path.exists(ctl):
        raise LookupError("PostgreSQL's pg_ctl not found: run `make postgresql` (Debian's "
                          "postgresql package) or set COPRO_PG_CTL")
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode):  # initdb fails on it, cryptically
        raise LookupError("/dev/null is a plain file, not the null device (a program replaced "
                          "it); as root: rm /dev/null && mknod -m 666 /dev/null c 1 3")
    base = Path(tempfile.mkdtemp(prefix="copro-pg-"))
    executable, wrapper_dir = ctl, None
    try:
        if os.geteuid() == 0:
            user = _server_user()
            shutil.chown(base, user)
            wrapper_dir = Path(tempfile.mkdtemp(prefix="copro-pg-bin-"))
            wrapper = wrapper_dir / "pg_ctl"
            wrapper.write_text(f'#!/bin/sh\ncd /\nexec runuser -u {user} -- "{ctl}" "$@"\n')
            wrapper.chmod(stat.S_IRWXU)
            executable = str(wrapper)
        executor = PostgreSQLExecutor(
            executable=executable, host="127.0.0.1", port=free_port(),
            datadir=str(base / "data"), unixsocketdir=str(base),
            logfile=str(base / "postgresql.log"), startparams="-w", dbname="copro_test",
            user="postgres", options="",
            postgres_options=f"-c fsync=off -c max_connections={max_connections}",
        )
        executor.start()
        try:
            wait_ready(executor)
            yield executor
        finally:
            executor.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)
        if wrapper_dir is not None:
            shutil.rmtree(wrapper_dir, ignore_errors=True)
