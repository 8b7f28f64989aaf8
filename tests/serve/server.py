"""A real ``copro serve`` process for the load and fault tests and the benchmark.

:func:`running_server` starts ``copro serve`` (waitress) on a free loopback port with its
stderr in a file, waits for ``/healthz`` and stops it afterwards; ``Server.kill()`` ends it
with SIGKILL (nothing runs after: no handler, no flush). :func:`open_load_wave` opens a wave
whose headcounts give ``n`` single-use links.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: ``copro serve`` through its own parser (what the ``copro`` command runs).
SCRIPT = ("import argparse, sys\n"
          "from copro_scale.cli import serve\n"
          "p = argparse.ArgumentParser(prog='copro'); serve.register(p.add_subparsers())\n"
          "args = p.parse_args(['serve', *sys.argv[1:]]); sys.exit(args.func(args))\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    base: str
    log: Path
    args: list

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_server(db_url: str, *, threads: int = 32, port: int | None = None,
                 log: Path | None = None, extra: tuple = ()) -> Server:
    """Start ``copro serve`` on ``db_url`` and wait until it answers."""
    port = port or free_port()
    log = log or Path(tempfile.mkstemp(prefix="copro-serve-", suffix=".log")[1])
    args = [sys.executable, "-c", SCRIPT, "--db", db_url, "--host", "127.0.0.1",
            "--port", str(port), "--threads", str(threads),
            # every test client comes from 127.0.0.1: lift the per-address budget
            "--client-limit", "1000000 per minute", "--invitation-limit", "10000 per minute",
            *extra]
    env = dict(os.environ, COPRO_SECRET_KEY="serve-tests-secret")
    fh = open(log, "ab")
    proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, env=env)
    fh.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"copro serve exited with {proc.returncode}:\n"
                               + log.read_text(errors="replace"))
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("copro serve did not answer within 60 s")
        time.sleep(0.05)
    return Server(proc, base, log, args)


@contextmanager
def running_server(db_url: str, **kwargs):
    server = start_server(db_url, **kwargs)
    try:
        yield server
    finally:
        server.stop()


def open_load_wave(db_url: str, label: str, n_teams: int, psw: int, colleagues: int,
                   folder: Path):
    """Open wave ``label`` with ``n_teams`` teams of ``psw`` + ``colleagues`` single-use links;
    returns [(team, form, token)] in a shuffled order."""
    from copro_scale.serve import waves
    from copro_scale.serve.store import engine_for, session_factory

    teams = folder / f"teams-{label}.csv"
    rows = [f"Team {i:03d},,{psw},{colleagues}" for i in range(n_teams)]
    teams.write_text("team,aliases,n_psw_expected,n_colleague_expected\n" + "\n".join(rows)
                     + "\n", encoding="utf-8")
    engine = engine_for(db_url)
    with session_factory(engine)() as s:
        _, issued = waves.open_wave(s, label, teams=teams)
        s.commit()
    engine.dispose()
    links = [(i.team, i.form, i.token) for i in issued]
    random.Random(label).shuffle(links)
    return links
