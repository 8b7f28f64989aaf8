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


TEAM_PAGES = (*TYPES, "psw-view", "suppressed", "colleagues-only")
#: A4 less the pages' 10 mm side margins, in CSS px (96 per inch): the width print lays out in.
PRINT_WIDTH = round((210 - 20) / 25.4 * 96)
CM = 96 / 2.54


def test_site_covers_every_type(site):
    assert {"overview", "suppressed", "psw-view", "colleagues-only", "paper-form", "validation",
            "plan", "kit", "parent", "parent-nested", *TYPES} <= set(site)


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
        counts = {}
        for kind in (*TEAM_PAGES, "overview", "parent", "parent-nested", "kit", "validation"):
            page.goto(site[kind].as_uri())
            counts[kind] = _pdf_pages(page)
        limits = {"kit": 2, "validation": 12}
        assert all(1 <= n <= limits.get(k, 4) for k, n in counts.items()), counts
    finally:
        page.close()


def test_printed_faces_chart_is_wide_and_readable(site, browser):
    """In print (A4 width) the faces chart spans at least 8 cm, its scale at least 4 cm, and the
    five tick labels stand apart."""
    page = _page(browser, PRINT_WIDTH)
    page.emulate_media(media="print")
    try:
        for kind in (*TYPES, "colleagues-only", "parent"):
            page.goto(site[kind].as_uri())
            chart = "#faces-chart" if kind != "parent" else "#parent-faces"
            assert page.locator(chart).bounding_box()["width"] >= 8 * CM, kind
            track = page.locator(f"{chart} .track").first.bounding_box()
            assert track["width"] >= 4 * CM, (kind, track)
            ticks = [page.locator(f"{chart} .ticks span").nth(i).bounding_box() for i in range(5)]
            gaps = [b["x"] - (a["x"] + a["width"]) for a, b in zip(ticks, ticks[1:])]
            assert min(gaps) >= 0.5 * CM, (kind, gaps)
            ci = page.locator(f"{chart} .ci").first.bounding_box()
            assert ci["width"] >= 2 and ci["height"] >= 2, (kind, ci)
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_no_overflow_and_readable_chart_text(site, browser, width):
    requests = []
    page = _page(browser, width, requests)
    try:
        for name, path in site.items():
            page.goto(path.as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            if width > 390:
                continue
            smallest = page.evaluate("""() => Math.min(600, ...[...document.querySelectorAll(
                'figure *, .ichart *, table *, .trends *')].filter(e => e.childNodes.length &&
                [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
            assert smallest >= 12, (name, smallest)
    finally:
        page.close()
    assert requests == []


def test_captions_take_the_width_of_a_phone(site, browser):
    page = _page(browser, 390)
    try:
        narrow = {}
        for name, path in site.items():
            page.goto(path.as_uri())
            widths = page.evaluate("""() => [...document.querySelectorAll('caption')]
                .map(c => c.getBoundingClientRect().width).filter(w => w > 1)""")  # 1 px: sr-only
            if widths and min(widths) < 300:
                narrow[name] = min(widths)
        assert narrow == {}
    finally:
        page.close()


def test_skip_link_contents_and_support(site, browser):
    page = _page(browser, 1280)
    try:
        for name, path in site.items():
            if name in ("paper-form", "plan"):
                continue
            page.goto(path.as_uri())
            page.keyboard.press("Tab")
            first = page.evaluate("() => [document.activeElement.className, "
                                  "document.activeElement.getAttribute('href')]")
            assert first == ["skip", "#content"], name
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "content", name
            long = page.evaluate("document.documentElement.scrollHeight") > 3 * 800
            if long:
                links = page.locator("nav.contents a")
                assert links.count() >= 4, name
                for i in range(links.count()):
                    target = links.nth(i).get_attribute("href")
                    assert page.locator(target).count() == 1, (name, target)
            if name in (*TEAM_PAGES, "kit"):
                support = page.locator("#support").inner_text()
                assert "peer support" in support.lower() and "Samaritans" in support, name
    finally:
        page.close()


# at 390 px in `make test-all` (10 s): the phone layout is checked by the overflow and caption
# tests, and axe-core runs at 390 px on the survey pages in tests/serve
@pytest.mark.parametrize("width", [1280, pytest.param(390, marks=pytest.mark.slow)])
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
