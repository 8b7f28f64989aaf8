"""The survey in headless Debian Chromium against a real ``copro serve`` process, end to end.

A wave is opened with ``copro wave open`` and its links read from invitations.csv (Ward A: 2
PSW and 5 colleague links; Ward B: 1 and 3, below the threshold of 5). Chromium answers the
colleague form at 1280 px wide by clicking the labels and the PSW form at 390 px, one page by
keyboard alone, and runs axe-core on every page it sees (0 violations); the other links
are answered over HTTP by the test client. A used link is refused. The wave is closed and
``copro score`` and ``copro report`` read it from the database; their outputs equal those of
the same answers written as a canonical CSV and read from the file.

axe-core is injected from the npm package (``make axe``); the page's CSP is bypassed for that
injection only, in a context of its own; a second context keeps the CSP and checks that the
page's own stylesheet loads and that nothing is refused.
"""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path

import pytest

from copro_scale.cli import main as copro

from copro_scale.serve.invitations import token_of

from .conftest import TEAMS_CSV
from .conftest import OpenedWave as Wave
from .server import DONT_KNOW, ITEMS, SCALE, row_key, running_server, stored
from .survey_client import HTTPTransport, fill

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: run `make axe`"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    res = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{page.url} {v['id']} x{len(v['nodes'])}: {v['nodes'][0]['target']}"
            for v in res["violations"]]


def _check(page, width, found):
    """axe-core and the width check on the page shown."""
    found.extend(_axe(page))
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert page.locator("h1").count() == 1


def _browser_fill(browser, base, token, answers, role, months, width, keyboard, found):
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{base}/s/{token}")
        assert page.url.endswith("/survey/0")
        _check(page, width, found)
        if page.locator("input[name=role]").count():
            page.locator(f"label[for=role-{role}]").click()
        if months is not None:
            page.fill("#months_in_role", str(months))
        page.click("button[value=next]")
        for number in (1, 2, 3):
            assert page.url.endswith(f"/survey/{number}")
            _check(page, width, found)
            names = page.eval_on_selector_all("fieldset.item", "fs => fs.map(f => f.id)")
            if keyboard and number == 1:
                # the skip link first; then Tab into each radio group, Space picks the first
                # answer, arrows move on
                page.keyboard.press("Tab")
                assert page.evaluate("document.activeElement.className") == "skip"
                page.keyboard.press("Enter")
                for name in names:
                    page.keyboard.press("Tab")
                    if name not in answers:
                        continue
                    page.keyboard.press("Space")
                    codes = [int(v) for v in page.eval_on_selector_all(
                        f"input[name={name}]", "xs => xs.map(x => x.value)")]
                    for _ in range(codes.index(answers[name])):
                        page.keyboard.press("ArrowRight")
                    assert page.evaluate("document.activeElement.name") == name
                page.keyboard.press("Tab")  # to "Save and continue"
                assert page.evaluate("document.activeElement.value") == "next"
                page.keyboard.press("Enter")
                page.wait_for_url(f"**/survey/{number + 1}")
                continue
            for name in names:
                if name in answers:
                    page.locator(f"label[for={name}-{answers[name]}]").click()
            page.click("button[value=submit]" if number == 3 else "button[value=next]")
        assert page.url.endswith("/done")
        _check(page, width, found)
        assert "Thank you" in page.inner_text("h1")
        # the same link again: refused
        page.goto(f"{base}/s/{token}")
        assert "cannot be used" in page.inner_text("h1")
        _check(page, width, found)
    finally:
        context.close()


def _csp_holds(browser, base, token):
    """Without the bypass: the stylesheet applies and the browser refuses nothing."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text
            else None)
    try:
        page.goto(f"{base}/s/{token}")
        colour = page.evaluate("getComputedStyle(document.querySelector('.banner')).backgroundColor")
        assert colour == "rgb(29, 79, 145)"
        assert page.evaluate("document.scripts.length") == 0
        assert refused == []
    finally:
        context.close()


def _canonical_csv(path: Path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["response_id", "team", "role", "form", "months_in_role", *ITEMS])
        for n, (team, form, role, months, answers) in enumerate(rows):
            w.writerow([f"R{n:04d}", team, role, form, "" if months is None else months,
                        *[answers.get(i, "") for i in ITEMS]])


def _scores(path: Path):
    """``copro score`` output as sorted rows without the response id (ids differ by source)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return sorted(tuple((k, v) for k, v in r.items() if k != "response_id") for r in rows)


def _report(folder: Path) -> dict:
    """Every file of a report folder, with the input's hash (of the CSV file, or of the
    database wave's table) blanked: the one thing that names the source. The folder's marker
    file (which says when it was written) is left out."""
    digest = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["meta"]["input_hash"]
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8").replace(digest, "#")
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".copro-output"}


def _open_wave(db_url: str, folder: Path) -> Wave:
    """``copro wave open`` with the team list of the fixtures; the links from invitations.csv."""
    teams = folder / "teams.csv"
    teams.write_text(TEAMS_CSV, encoding="utf-8")
    links = folder / "invitations.csv"
    assert copro(["wave", "open", "2026-spring", "--db", db_url, "--teams", str(teams),
                  "--base-url", "https://survey.example.org", "-o", str(links)]) == 0
    wave = Wave(db_url, "2026-spring", teams)
    with open(links, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            wave.tokens.setdefault((row["team"], row["form"]), []).append(token_of(row["link"]))
    return wave


def test_the_survey_end_to_end_in_chromium(db_url, browser, tmp_path):
    if not db_url.startswith("sqlite"):
        pytest.skip("the pages are the same on both databases: Chromium runs once (SQLite); "
                    "PostgreSQL is driven over HTTP by the load and fault tests")
    opened_wave = _open_wave(db_url, tmp_path)
    rng = random.Random(24)
    # each form in Chromium, one at each width (one PSW page by keyboard alone); the rest over
    # HTTP: the pages of both forms are the same template, checked at both widths by axe-core
    in_browser = {("Ward A", "colleague", 0): (1280, False), ("Ward A", "psw", 1): (390, True)}
    plan = []  # (team, form, token, role, months, answers, (width, keyboard) or None)
    for (team, form), tokens in sorted(opened_wave.tokens.items()):
        for n, token in enumerate(tokens):
            codes = SCALE + ([DONT_KNOW] if form == "colleague" else [])
            answers = {i: rng.choice(codes) for i in ITEMS if rng.random() > 0.1}
            role = "psw" if form == "psw" else rng.choice(["clinical", "manager", "volunteer"])
            plan.append((team, form, token, role, rng.choice([None, 7, 30]), answers,
                         in_browser.get((team, form, n))))
    assert sum(p[6] is not None for p in plan) == 2
    found: list[str] = []
    with running_server(opened_wave.url, threads=8) as server:
        _csp_holds(browser, server.base, plan[0][2])
        for team, form, token, role, months, answers, browse in plan:
            if browse is not None:
                _browser_fill(browser, server.base, token, answers, role, months, *browse, found)
            else:
                client = HTTPTransport(server.base)
                assert fill(client, token, answers, role=role, months=months)[:2] == (200, "/done")
                client.close()
    assert found == []
    sent = [(t, f, r, m, a) for t, f, _, r, m, a, _ in plan]
    rows, used, drafts = stored(opened_wave.url, opened_wave.label)
    assert rows == sorted(sent, key=row_key) and used == len(plan)

    # close, then score and report from the database and from the same answers as a CSV
    assert copro(["wave", "close", opened_wave.label, "--db", opened_wave.url]) == 0
    canonical = tmp_path / "canonical.csv"
    _canonical_csv(canonical, sent)
    teams = ["--teams", str(opened_wave.teams_csv)]
    db = ["--db", opened_wave.url, "--wave", opened_wave.label]
    assert copro(["score", *db, "-o", str(tmp_path / "db.csv")]) == 0
    assert copro(["score", str(canonical), *teams, "-o", str(tmp_path / "csv.csv")]) == 0
    assert _scores(tmp_path / "db.csv") == _scores(tmp_path / "csv.csv")
    report = ["--seed", "3", "--n-draws", "200", "--wave", opened_wave.label]
    assert copro(["report", "--db", opened_wave.url, *report, "-o", str(tmp_path / "db")]) == 0
    assert copro(["report", str(canonical), *teams, *report, "-o", str(tmp_path / "csv")]) == 0
    from_db, from_csv = _report(tmp_path / "db"), _report(tmp_path / "csv")
    assert {"index.html", "summary.csv", "summary.json", "teams/ward-a.html",
            "teams/ward-b.html"} <= set(from_db)
    assert from_db == from_csv
    assert "fewer than 5" in from_db["teams/ward-b.html"]  # 4 responses: below the threshold
