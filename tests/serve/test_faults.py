"""Faults against a real ``copro serve`` process, on SQLite and on PostgreSQL.

- The server killed (SIGKILL) while 40 submits are in flight: every stored response is whole,
  each used link has exactly one response, and after a restart every respondent whose answers
  were not stored sends them through the same link.
- The server killed while a submit waits inside the database: nothing stored, link unused, and
  it then works.
- The same link sent from three browsers at once, for ten links together: one response each.
- PostgreSQL stopped and started in the middle of a wave: nothing lost, nothing twice.

Oracle throughout: the answers each respondent sent (test_load.stored / sent).
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from copro_scale.serve import store

from .server import open_load_wave, running_server, start_server
from .survey_client import CSRF, HTTPTransport, fill, follow
from .test_load import PAGES, _key, run_respondents, stored


def _count_responses(db_url: str) -> int:
    engine = store.engine_for(db_url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(store.Response)).scalar_one()
    engine.dispose()
    return n


def _whole(rows, sent) -> bool:
    """Every stored response is one of the sent ones, whole (multiset inclusion)."""
    pool = sorted(sent, key=_key)
    for row in rows:
        if row not in pool:
            return False
        pool.remove(row)
    return True


def _resume_and_send(base, token, answers):
    """A new browser opens the link, lands on the saved last page and sends it."""
    client = HTTPTransport(base, timeout=120)
    try:
        status, path, page = follow(client, "GET", "/s/" + token)
        if status != 200:
            return status, path
        assert path == "/survey/3", path
        data = {"csrf_token": CSRF.search(page).group(1), "action": "submit"}
        data.update({i: str(answers[i]) for i in PAGES[-1] if i in answers})
        status, location, _ = client("POST", path, data)
        return status, location
    finally:
        client.close()


def test_server_killed_mid_submit_stores_nothing_partial(db_url, tmp_path):
    links = open_load_wave(db_url, "kill", n_teams=2, psw=5, colleagues=15, folder=tmp_path)
    server = start_server(db_url, threads=32)
    try:
        # everyone saves their answers up to the last page, then all press "Send" at once
        sent, results, _ = run_respondents(server.base, links, submit=False)
        assert all(r == (200, "/saved") for r in results), results[:3]
        outcome: list = [None] * len(links)
        barrier = threading.Barrier(len(links) + 1)

        def send(i):
            client = HTTPTransport(server.base, timeout=30)
            status, path, page = follow(client, "GET", "/s/" + links[i][2])
            data = {"csrf_token": CSRF.search(page).group(1), "action": "submit"}
            data.update({k: str(sent[i][4][k]) for k in PAGES[-1] if k in sent[i][4]})
            barrier.wait()
            try:
                outcome[i] = client("POST", path, data)[:2]
            except Exception as exc:  # the server died under it
                outcome[i] = exc
            client.close()

        threads = [threading.Thread(target=send, args=(i,), daemon=True)
                   for i in range(len(links))]
        for t in threads:
            t.start()
        barrier.wait()
        deadline = time.monotonic() + 10
        while _count_responses(db_url) < 3 and time.monotonic() < deadline:
            time.sleep(0.002)
        server.kill()  # SIGKILL: in the middle of the other submits
        for t in threads:
            t.join(timeout=60)
    finally:
        server.stop()
    rows, used, drafts = stored(db_url, "kill")
    assert 3 <= len(rows) < len(links), "the kill did not land mid-wave; nothing was tested"
    assert _whole(rows, sent) and used == len(rows) and drafts == len(links) - len(rows)

    with running_server(db_url, threads=32) as server:
        for i, (_, _, token) in enumerate(links):
            if outcome[i] == (303, "/done"):
                continue
            status, where = _resume_and_send(server.base, token, sent[i][4])
            # stored before the kill (its reply lost): the link is spent; else it works now
            assert (status, where) in ((303, "/done"), (404, "/s/" + token))
    rows, used, drafts = stored(db_url, "kill")
    assert rows == sorted(sent, key=_key) and (used, drafts) == (len(links), 0)


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


def test_server_killed_while_a_submit_waits_in_the_database(opened_wave):
    token = opened_wave.tokens[("Ward A", "colleague")][0]
    answers = {"vdm1": 2, "iid4": 9}
    server = start_server(opened_wave.url, threads=8)
    try:
        client = HTTPTransport(server.base)
        fill(client, token, answers, role="manager", submit=False)
        status, path, page = follow(client, "GET", "/s/" + token)
        engine, lock = _hold_invitation_lock(opened_wave.url, store.hash_token(token))
        outcome = []
        t = threading.Thread(target=lambda: outcome.append(_try(client, path, page, answers)))
        t.start()
        time.sleep(1.0)  # the submit is now waiting on the lock, inside its request
        assert t.is_alive()
        server.kill()
        t.join(timeout=30)
        lock.rollback()
        lock.close()
        engine.dispose()
    finally:
        server.stop()
    assert isinstance(outcome[0], Exception)
    assert stored(opened_wave.url, opened_wave.label)[:2] == ([], 0)
    with running_server(opened_wave.url, threads=8) as server:
        assert _resume_and_send(server.base, token, answers) == (303, "/done")
    rows, used, _ = stored(opened_wave.url, opened_wave.label)
    assert [r[4] for r in rows] == [answers] and used == 1


def _try(client, path, page, answers):
    data = {"csrf_token": CSRF.search(page).group(1), "action": "submit"}
    data.update({i: str(answers[i]) for i in PAGES[-1] if i in answers})
    try:
        return client("POST", path, data)
    except Exception as exc:
        return exc


def test_the_same_link_sent_twice_at_once_stores_one_response(db_url, tmp_path):
    links = open_load_wave(db_url, "twice", n_teams=1, psw=2, colleagues=8, folder=tmp_path)
    copies = 3
    with running_server(db_url, threads=32) as server:
        sent, results, _ = run_respondents(server.base, links, submit=False)
        assert all(r == (200, "/saved") for r in results)
        prepared = []
        for i, (_, _, token) in enumerate(links):
            for _ in range(copies):  # three browsers on the same link, each on the last page
                client = HTTPTransport(server.base, timeout=60)
                status, path, page = follow(client, "GET", "/s/" + token)
                prepared.append((i, client, path, page))
        outcome = [None] * len(prepared)
        barrier = threading.Barrier(len(prepared))

        def send(j):
            i, client, path, page = prepared[j]
            barrier.wait()
            outcome[j] = _try(client, path, page, sent[i][4])[:2]
            client.close()

        threads = [threading.Thread(target=send, args=(j,)) for j in range(len(prepared))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    for i in range(len(links)):
        mine = [outcome[j] for j, p in enumerate(prepared) if p[0] == i]
        assert sorted(mine) == [(303, "/done")] + [(404, None)] * (copies - 1), mine
    rows, used, drafts = stored(db_url, "twice")
    assert rows == sorted(sent, key=_key) and (used, drafts) == (len(links), 0)


def test_a_database_restart_mid_wave_loses_nothing(db_url, tmp_path, request):
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has no server to restart (the server-kill tests cover its file)")
    pg = request.getfixturevalue("postgresql_server")
    links = open_load_wave(db_url, "restart", n_teams=2, psw=5, colleagues=15, folder=tmp_path)
    first, second = links[:20], links[20:]
    with running_server(db_url, threads=32) as server:
        sent1, results, _ = run_respondents(server.base, first, seed=1)
        assert all(r == (200, "/done") for r in results)
        sent2, results, _ = run_respondents(server.base, second, seed=2, submit=False)
        assert all(r == (200, "/saved") for r in results)
        pg.stop()
        try:
            down = HTTPTransport(server.base)
            status, _, page = follow(down, "GET", "/s/" + second[0][2])
            assert status == 500 and "Something went wrong" in page
        finally:
            pg.start()
        for i, (_, _, token) in enumerate(second):  # the rest come back after the restart
            assert _resume_and_send(server.base, token, sent2[i][4]) == (303, "/done")
        log = server.log_text()
    rows, used, drafts = stored(db_url, "restart")
    assert rows == sorted(sent1 + sent2, key=_key) and (used, drafts) == (40, 0)
    assert "Exception on survey.link [GET]" in log  # the outage was logged ...
    for _, _, token in links:
        assert token not in log  # ... without a token
    assert "/s/" not in log
