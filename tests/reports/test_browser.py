"""Team report and overview in headless Debian Chromium: visible, no overflow, no network."""

from __future__ import annotations

import os

import pytest

from copro_scale.simulate import simulate

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed"),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, report):
    r = simulate(5, 10, seed=12).responses
    out = tmp_path_factory.mktemp("site")
    return out, report(r, out, n_boot=200)


def test_pages_render_visible_without_overflow_or_network(site):
    sync_api = pytest.importorskip("playwright.sync_api")
    out, paths = site
    team_page = next(iter(paths["teams"].values()))
    requests = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for width in (1280, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})

                def block(route, request):
                    if request.url.startswith("file://"):
                        route.continue_()
                    else:  # recorded and refused: the page must not ask for anything
                        requests.append(request.url)
                        route.abort()

                page.route("**/*", block)
                page.goto(team_page.as_uri())
                assert page.locator("#team-type").is_visible()
                assert page.locator("#heatmap svg").is_visible()
                assert page.locator("#heatmap table").is_visible()
                assert page.locator("#scores table").first.is_visible()
                assert page.locator("#items table").is_visible()
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(out / f"team-{width}.png"), full_page=True)

                page.goto(paths["index"].as_uri())
                assert page.locator("#team-table").is_visible()
                assert page.locator("#heatmap svg").is_visible()
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(out / f"index-{width}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    assert requests == []
    assert (out / "team-390.png").stat().st_size > 0
