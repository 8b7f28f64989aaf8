"""Faults against a real ``copro serve`` process, on SQLite and on PostgreSQL.

- The server killed (SIGKILL) while 40 submits are in flight: every stored response is whole,
  each used link has exactly one response, and after a restart every respondent whose answers
  were not stored sends them through the same link.
- The server killed while a submit waits inside the database: nothing stored, link unused, and
  it then works.
- The same link sent from three browsers at once, for ten links together: one response each.
- PostgreSQL stopped and started in the middle of a wave: nothing lost, nothing twice.

Each test opens a wave of its own on the module's database and server (:func:`.server.live`);
the answers a test is about are saved in the drafts directly (:func:`.server.saved_drafts`,
as "Save and finish later" leaves them), so that the requests are the submits. Oracle
throughout: the answers each respondent sent.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from copro_scale.serve import store

from .server import (  # noqa: F401
    PAGES,
    live,
    open_load_wave,
    row_key,
    run_respondents,
    saved_drafts,
    stored,
)
from .survey_client import CSRF, HTTPTransport, follow


def _count_responses(db_url: str, label: str) -> int:
    engine = store.engine_for(db_url)
    with store.session_factory(engine)() as s:
        wave = store.wave_by_label(s, label)
        n = s.execute(select(func.count()).select_from(store.Response).where(
            store.Response.wave_id == wave.id)).scalar_one()
    engine.dispose()
    return n


def _whole(rows, sent) -> bool:
    """Every stored response is one of the sent ones, whole (multiset inclusion)."""
    pool = sorted(sent, key=row_key)
    for row in rows:
        if row not in pool:
            return False
        pool.remove(row)
    return True


class LastPage:
    """A browser that opened a link and shows its saved last page, ready to send it."""

    def __init__(self, base, token, answers):
        self.client = HTTPTransport(base, timeout=60)
        self.token, self.answers = token, answers
        status, self.path, page = follow(self.client, "GET", "/s/" + token)
        m = CSRF.search(page) if status == 200 else None
        self.csrf = m.group(1) if m else None

    def send(self):
        """POST "Send my answers"; (status, location) or the exception."""
        if self.csrf is None:
            return self.path
        data = {"csrf_token": self.csrf, "action": "submit"}
        data.update({i: str(self.answers[i]) for i in PAGES[-1] if i in self.answers})
        try:
            return self.client("POST", self.path, data)[:2]
        except Exception as exc:  # the server died under it
            return exc
        finally:
            self.client.close()


def _open_all(base, tokens_answers):
    """A :class:`LastPage` per (token, answers), opened by 16 threads."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda ta: LastPage(base, *ta), tokens_answers))


def _send_together(pages):
    """Every page's "Send" at once, one thread each; returns the outcomes and the threads."""
    outcome = [None] * len(pages)
    barrier = threading.Barrier(len(pages) + 1)

    def send(i):
        barrier.wait()
        outcome[i] = pages[i].send()

    threads = [threading.Thread(target=send, args=(i,), daemon=True) for i in range(len(pages))]
    for t in threads:
        t.start()
    barrier.wait()
    return outcome, threads


def test_server_killed_mid_submit_stores_nothing_partial(live):  # noqa: F811
    links = open_load_wave(live.url, "kill", n_teams=2, psw=5, colleagues=15, folder=live.folder)
    sent = saved_drafts(live.url, links, seed=3)
    pages = _open_all(live.base, [(token, s[4]) for (_, _, token), s in zip(links, sent)])
    assert all(p.path == "/survey/3" for p in pages)
    outcome, threads = _send_together(pages)
    deadline = time.monotonic() + 10
    while _count_responses(live.url, "kill") < 3 and time.monotonic() < deadline:
        time.sleep(0.002)
    live.server.kill()  # SIGKILL: in the middle of the other submits
    for t in threads:
        t.join(timeout=60)
    rows, used, drafts = stored(live.url, "kill")
    assert 3 <= len(rows) < len(links), "the kill did not land mid-wave; nothing was tested"
    assert _whole(rows, sent) and used == len(rows) and drafts == len(links) - len(rows)

    live.restart()
    for i, (_, _, token) in enumerate(links):
        if outcome[i] == (303, "/done"):
            continue
        again = LastPage(live.base, token, sent[i][4]).send()
        # stored before the kill (its reply lost): the link is spent; else it works now
        assert again in ((303, "/done"), "/s/" + token), again
    rows, used, drafts = stored(live.url, "kill")
    assert rows == sorted(sent, key=row_key) and (used, drafts) == (len(links), 0)


def _hold_invitation_lock(db_url, token_hash):
    """A connection holding what a submit of this invitation must wait for: the row lock
    (PostgreSQL) or the write lock (SQLite)."""
    engine = store.engine_for(db_url)
    conn = engine.connect()
    if engine.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.execute(text("SELECT id FROM invitations WHERE token_hash = :h FOR UPDATE"),
                     {"h": token_hash})
    return engine, conn


def test_server_killed_while_a_submit_waits_in_the_database(live):  # noqa: F811
    links = open_load_wave(live.url, "lock", n_teams=1, psw=1, colleagues=1, folder=live.folder)
    sent = saved_drafts(live.url, links, seed=4)
    token, answers = links[0][2], sent[0][4]
    page = LastPage(live.base, token, answers)
    engine, lock = _hold_invitation_lock(live.url, store.hash_token(token))
    try:
        outcome = []
        t = threading.Thread(target=lambda: outcome.append(page.send()))
        t.start()
        time.sleep(1.0)  # the submit is now waiting on the lock, inside its request
        assert t.is_alive()
        live.server.kill()
        t.join(timeout=30)
    finally:
        lock.rollback()
        lock.close()
        engine.dispose()
    assert isinstance(outcome[0], Exception)
    assert stored(live.url, "lock") == ([], 0, 2)  # nothing stored, both drafts kept
    live.restart()
    assert LastPage(live.base, token, answers).send() == (303, "/done")
    rows, used, _ = stored(live.url, "lock")
    assert [r[4] for r in rows] == [answers] and used == 1


def test_the_same_link_sent_twice_at_once_stores_one_response(live):  # noqa: F811
    links = open_load_wave(live.url, "twice", n_teams=1, psw=2, colleagues=8, folder=live.folder)
    sent = saved_drafts(live.url, links, seed=5)
    copies = 3  # three browsers on each link, each on its last page
    pages = _open_all(live.base, [(token, s[4]) for (_, _, token), s in zip(links, sent)
                                  for _ in range(copies)])
    outcome, threads = _send_together(pages)
    for t in threads:
        t.join(timeout=120)
    for i in range(len(links)):
        mine = outcome[i * copies:(i + 1) * copies]
        assert sorted(mine) == [(303, "/done")] + [(404, None)] * (copies - 1), mine
    rows, used, drafts = stored(live.url, "twice")
    assert rows == sorted(sent, key=row_key) and (used, drafts) == (len(links), 0)


def _wait_for_database(db_url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        engine = store.engine_for(db_url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except Exception:  # "the database system is starting up"
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
        finally:
            engine.dispose()


def test_a_database_restart_mid_wave_loses_nothing(live, request):  # noqa: F811
    if live.url.startswith("sqlite"):
        pytest.skip("SQLite has no server to restart (the server-kill tests cover its file)")
    pg = request.getfixturevalue("postgresql_server")
    links = open_load_wave(live.url, "restart", n_teams=1, psw=5, colleagues=15,
                           folder=live.folder)
    first, second = links[:10], links[10:]
    sent1, results, _ = run_respondents(live.base, first, seed=1)
    assert all(r == (200, "/done") for r in results)
    sent2 = saved_drafts(live.url, second, seed=2)
    pg.stop()
    try:
        down = HTTPTransport(live.base)
        status, _, page = follow(down, "GET", "/s/" + second[0][2])
        assert status == 500 and "Something went wrong" in page
    finally:
        pg.start()
    _wait_for_database(live.url)  # PostgreSQL replays its log before it takes connections
    for i, (_, _, token) in enumerate(second):  # the rest come back after the restart
        assert LastPage(live.base, token, sent2[i][4]).send() == (303, "/done")
    rows, used, drafts = stored(live.url, "restart")
    assert rows == sorted(sent1 + sent2, key=row_key) and (used, drafts) == (20, 0)
    log = live.server.log_text()
    assert "Exception on survey.link [GET]" in log  # the outage was logged ...
    for _, _, token in links:
        assert token not in log  # ... without a token
    assert "/s/" not in log
