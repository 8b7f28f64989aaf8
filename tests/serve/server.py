"""A real ``copro serve`` process and its respondents, for the load and fault tests and the
benchmark.

:func:`running_server` starts ``copro serve`` (waitress) on a free loopback port with its
stderr in a file, waits for ``/healthz`` and stops it afterwards; ``Server.kill()`` ends it
with SIGKILL (nothing runs after: no handler, no flush). The fixture :func:`live` keeps one
database and one server per backend for a test module (each test opens a wave of its own).
:func:`open_load_wave` opens a wave whose headcounts give ``n`` single-use links;
:func:`run_respondents` answers them all at once, one thread each; :func:`saved_drafts` puts
answers in their drafts directly (for tests about the submit only); :func:`stored` reads what
the wave holds.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from copro_scale.instrument import default_instrument_path
from copro_scale.serve import store

from .survey_client import HTTPTransport, fill

RAW = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
ITEMS = [it["id"] for it in RAW["items"]]
SCALE = [p["code"] for p in RAW["scale"]["points"]]
DONT_KNOW = RAW["scale"]["dont_know"]["code"]
#: The item ids of each section page (the YAML's constructs in order).
PAGES = [[it["id"] for it in RAW["items"] if it["construct"] == c]
         for c in ("voice", "experience", "identity")]

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


@dataclass
class Live:
    """A migrated database and a ``copro serve`` process on it (``restart()`` after a kill)."""

    url: str
    server: Server
    folder: Path

    @property
    def base(self) -> str:
        return self.server.base

    def restart(self) -> None:
        self.server.stop()
        self.server = start_server(self.url)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory):
    """One database per backend for the module, and a server on it."""
    from copro_scale.serve import migrations

    folder = tmp_path_factory.mktemp("live")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{folder / 'copro.db'}"
            migrations.upgrade(url)
        else:
            from pytest_postgresql.janitor import DatabaseJanitor

            pg = request.getfixturevalue("postgresql_server")
            template = request.getfixturevalue("postgresql_template")
            name = f"copro_live_{uuid.uuid4().hex[:8]}"
            janitor = DatabaseJanitor(user=pg.user, host=pg.host, port=pg.port, dbname=name,
                                      template_dbname=template)
            janitor.init()
            stack.callback(janitor.drop)
            url = f"postgresql://{pg.user}@{pg.host}:{pg.port}/{name}"
        live = Live(url, start_server(url), folder)
        try:
            yield live
        finally:
            live.server.stop()


def answers_for(rng: random.Random, form: str) -> dict:
    """Random answers, about one in ten skipped; unique with near certainty (36 items)."""
    codes = SCALE + ([DONT_KNOW] if form == "colleague" else [])
    return {i: rng.choice(codes) for i in ITEMS if rng.random() > 0.1}


def plan_answers(links, seed: int):
    """(team, form, role, months, answers) for each link: what its respondent will send."""
    rng = random.Random(seed)
    sent = []
    for team, form, _ in links:
        role = "psw" if form == "psw" else rng.choice(["clinical", "manager", "volunteer"])
        sent.append((team, form, role, rng.choice([None, 3, 40]), answers_for(rng, form)))
    return sent


def run_respondents(base: str, links, seed: int = 1, submit: bool = True):
    """Answer every link at once, one thread each; returns (sent, results, seconds).

    ``sent[i]`` is (team, form, role, months, answers) of link ``i``; ``results[i]`` its last
    (status, path) or the exception it ended with.
    """
    sent = plan_answers(links, seed)
    results: list = [None] * len(links)
    barrier = threading.Barrier(len(links) + 1)

    def one(i):
        client = HTTPTransport(base, timeout=120)
        barrier.wait()
        try:
            _, _, role, months, answers = sent[i]
            results[i] = fill(client, links[i][2], answers, role=role, months=months,
                              submit=submit, pages=PAGES)[:2]
        except Exception as exc:  # recorded: the test says which and how many
            results[i] = exc
        finally:
            client.close()

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(len(links))]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(timeout=300)
    return sent, results, time.perf_counter() - t0


def saved_drafts(db_url: str, links, seed: int):
    """Each link's answers saved in its draft, on the last page, as "Save and finish later"
    leaves them; returns what each respondent sends."""
    sent = plan_answers(links, seed)
    engine = store.engine_for(db_url)
    with store.session_factory(engine)() as s:
        for (_, _, token), (_, _, role, months, answers) in zip(links, sent):
            inv = store.invitation_by_token(s, token)
            store.save_draft(s, invitation=inv, draft_key_hash=inv.token_hash, answers=answers,
                             role=role, months=months, page=len(PAGES))
    engine.dispose()
    return sent


def stored(db_url: str, label: str):
    """The wave's responses as sorted (team, form, role, months, answers); its used links; its
    drafts."""
    engine = store.engine_for(db_url)
    with store.session_factory(engine)() as s:
        wave = store.wave_by_label(s, label)
        rows = [(r.team, r.form, r.role, r.months_in_role, dict(r.answers))
                for r in store.wave_responses(s, wave)]
        invitations = select(store.Invitation.id).where(store.Invitation.wave_id == wave.id)
        used = s.execute(select(func.count()).select_from(store.Invitation).where(
            store.Invitation.wave_id == wave.id, store.Invitation.used.is_(True))).scalar_one()
        drafts = s.execute(select(func.count()).select_from(store.Draft).where(
            store.Draft.invitation_id.in_(invitations))).scalar_one()
    engine.dispose()
    return sorted(rows, key=row_key), used, drafts


def row_key(row):
    return (row[0], row[1], row[2], str(row[3]), sorted(row[4].items()))
