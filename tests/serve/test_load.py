"""Load: 200 respondents answer at once on loopback against a real ``copro serve`` process
(waitress, 32 threads), on SQLite and on PostgreSQL; no response is lost or duplicated.

Each respondent is a thread with its own keep-alive connection and cookies; all start together
behind a barrier and walk every page (the link, "About you", then posting the three sections,
the last with "Send"): 7 requests each.
The oracle is the answers each thread sent: the stored responses must be exactly that multiset.
"""

from __future__ import annotations

import random
import threading
import time

from sqlalchemy import func, select

from copro_scale.serve import store

from .server import open_load_wave, running_server
from .survey_client import HTTPTransport, fill
from .test_app import DONT_KNOW, ITEMS, RAW, SCALE

N = 200
#: The item ids of each section page (the YAML's constructs in order).
PAGES = [[it["id"] for it in RAW["items"] if it["construct"] == c]
         for c in ("voice", "experience", "identity")]


def answers_for(rng: random.Random, form: str) -> dict:
    """Random answers, about one in ten skipped; unique with near certainty (36 items)."""
    codes = SCALE + ([DONT_KNOW] if form == "colleague" else [])
    return {i: rng.choice(codes) for i in ITEMS if rng.random() > 0.1}


def run_respondents(base: str, links, seed: int = 1, barrier: threading.Barrier | None = None,
                    submit: bool = True):
    """Answer every link at once, one thread each; returns (sent, results, seconds).

    ``sent[i]`` is (team, form, role, months, answers) of link ``i``; ``results[i]`` its last
    (status, path) or the exception it ended with.
    """
    rng = random.Random(seed)
    sent = []
    for team, form, _ in links:
        role = "psw" if form == "psw" else rng.choice(["clinical", "manager", "volunteer"])
        sent.append((team, form, role, rng.choice([None, 3, 40]), answers_for(rng, form)))
    results: list = [None] * len(links)
    barrier = barrier or threading.Barrier(len(links) + 1)

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


def stored(db_url: str, label: str):
    """The wave's responses as (team, form, role, months, answers), sorted; used links; drafts."""
    engine = store.engine_for(db_url)
    with store.session_factory(engine)() as s:
        wave = store.wave_by_label(s, label)
        rows = [(r.team, r.form, r.role, r.months_in_role, dict(r.answers))
                for r in store.wave_responses(s, wave)]
        used = s.execute(select(func.count()).select_from(store.Invitation).where(
            store.Invitation.wave_id == wave.id, store.Invitation.used.is_(True))).scalar_one()
        drafts = s.execute(select(func.count()).select_from(store.Draft)).scalar_one()
    engine.dispose()
    return sorted(rows, key=_key), used, drafts


def _key(row):
    return (row[0], row[1], row[2], str(row[3]), sorted(row[4].items()))


def test_200_concurrent_respondents_lose_and_duplicate_nothing(db_url, tmp_path):
    links = open_load_wave(db_url, "load", n_teams=10, psw=5, colleagues=15, folder=tmp_path)
    assert len(links) == N
    with running_server(db_url, threads=32) as server:
        sent, results, seconds = run_respondents(server.base, links)
        log = server.log_text()
    failed = [r for r in results if r != (200, "/done")]
    assert failed == [], f"{len(failed)} of {N} failed, e.g. {failed[:3]}"
    rows, used, drafts = stored(db_url, "load")
    assert rows == sorted(sent, key=_key)  # every response once, exactly as sent
    assert (used, drafts) == (N, 0)
    for _, _, token in links:
        assert token not in log
    print(f"{N} respondents in {seconds:.1f} s: {N / seconds:.0f} submissions/s")
