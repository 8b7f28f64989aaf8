"""The pages in headless Debian Chromium: first screen, print, phone width and axe-core.

One browser for the module. axe-core comes from npm (``make axe``, locked in
axe/package-lock.json) and is injected from the local file; nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from copro_scale.demo import showcase_site

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "axe" / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: run `make axe`"),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = (1280, 390)
TYPES = ("enhanced", "neutralized", "tokenistic", "mixed", "indeterminate")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Eight teams whose types cover all five outcomes, one team below the threshold, one team
    with enough PSWs for their own view, and two earlier waves (copro_scale.demo)."""
    return showcase_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _page(browser, width, requests=None, **kw):
    page = browser.new_page(viewport={"width": width, "height": 800}, **kw)

    def block(route, request):
        if request.url.startswith("file://"):
            route.continue_()
        else:  # recorded and refused: the page must not ask for anything
            (requests if requests is not None else []).append(request.url)
            route.abort()
    page.route("**/*", block)
    return page


def test_site_covers_every_type(site):
    assert {"overview", "suppressed", "psw-view", "paper-form", "validation", *TYPES} <= set(site)


def test_first_screen_of_a_team_page(site, browser):
    """At 1280 x 800 the first screen holds the type, its probability in words, the faces
    against the organisation, the lever and the start of the strengths and concerns."""
    page = _page(browser, 1280)
    try:
        for kind in TYPES:
            page.goto(site[kind].as_uri())
            for sel in ("#team-type", "#faces-chart", "#lever"):
                box = page.locator(sel).bounding_box()
                assert box and box["y"] + box["height"] <= 800, (kind, sel, box)
            for sel in ("#strengths h3", "#concerns h3"):
                assert page.locator(sel).bounding_box()["y"] < 800, (kind, sel)
            verdict = page.locator("#team-type").inner_text()
            assert page.locator("#team-type svg path").count() == 1
            assert re.search(r"almost certain|very likely|likely|more likely than not|"
                             r"No type is likely enough", verdict, re.I), verdict
            for sel in ("#strengths", "#concerns"):  # up to three statements, or "None: ..."
                n = page.locator(f"{sel} li").count()
                assert 1 <= n <= 3 or "None:" in page.locator(sel).inner_text(), (kind, sel)
            assert page.locator("#faces-chart .irow").count() == 3
    finally:
        page.close()


def _pdf_pages(page) -> int:
    pdf = page.pdf(format="A4", print_background=True)
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_print_page_counts(site, browser):
    page = _page(browser, 1280)
    try:
        for kind in (*TYPES, "psw-view", "suppressed"):
            page.goto(site[kind].as_uri())
            n = _pdf_pages(page)
            assert 1 <= n <= 4, (kind, n)
        page.goto(site["overview"].as_uri())
        assert 1 <= _pdf_pages(page) <= 4
        page.goto(site["validation"].as_uri())
        assert 1 <= _pdf_pages(page) <= 12
    finally:
        page.close()


def test_no_overflow_and_readable_chart_text_at_390(site, browser):
    requests = []
    page = _page(browser, 390, requests)
    try:
        for name, path in site.items():
            page.goto(path.as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
            smallest = page.evaluate("""() => Math.min(600, ...[...document.querySelectorAll(
                'figure *, .ichart *, table *, .trends *')].filter(e => e.childNodes.length &&
                [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
            assert smallest >= 12, (name, smallest)
    finally:
        page.close()
    assert requests == []


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_core_finds_no_violations(site, browser, width):
    page = _page(browser, width, bypass_csp=True)  # the pages' CSP would refuse axe's script
    try:
        found = {}
        for name, path in site.items():
            page.goto(path.as_uri())
            page.add_script_tag(path=str(AXE))
            res = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            bad = [f"{v['id']} x{len(v['nodes'])}: {v['nodes'][0]['target']}"
                   for v in res["violations"]]
            if bad:
                found[name] = bad
        assert found == {}
    finally:
        page.close()
