"""Load: 200 respondents answer at once on loopback against a real ``copro serve`` process
(waitress, 32 threads), on SQLite and on PostgreSQL; no response is lost or duplicated.

Each respondent is a thread with its own keep-alive connection and cookies; all start together
behind a barrier and walk every page (the link, "About you", then posting the three sections,
the last with "Send"): 7 requests each. The oracle is the answers each thread sent: the stored
responses must be exactly that multiset.
"""

from __future__ import annotations

import pytest

from .server import live, open_load_wave, row_key, run_respondents, stored  # noqa: F401

N = 200

# 200 threads on both databases take ~20 s of the 2-minute budget: run by `make test-all`.
pytestmark = pytest.mark.slow


def test_200_concurrent_respondents_lose_and_duplicate_nothing(live):  # noqa: F811
    links = open_load_wave(live.url, "load", n_teams=10, psw=5, colleagues=15, folder=live.folder)
    assert len(links) == N
    sent, results, seconds = run_respondents(live.base, links)
    failed = [r for r in results if r != (200, "/done")]
    assert failed == [], f"{len(failed)} of {N} failed, e.g. {failed[:3]}"
    rows, used, drafts = stored(live.url, "load")
    assert rows == sorted(sent, key=row_key)  # every response once, exactly as sent
    assert (used, drafts) == (N, 0)
    log = live.server.log_text()
    for _, _, token in links:
        assert token not in log
    print(f"{N} respondents in {seconds:.1f} s: {N / seconds:.0f} submissions/s")
