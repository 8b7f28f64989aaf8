"""Screenshots of every kind of page at 1280 and 390 px, into docs/screenshots/.

Run: ``.venv/bin/python docs/make_screenshots.py [--full]`` (needs Debian's chromium:
``make browser``). ``--full`` adds whole-page shots (large; not committed).
It builds the showcase site of :func:`copro_scale.demo.showcase_site` (three waves, services
from a team list, two teams below the threshold, a colleagues'-view-only team, a conversation
kit), a validation page, the survey plan and the paper form, then shoots the first screen of each
page at both widths.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from copro_scale.demo import showcase_site

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
OUT = Path(__file__).resolve().parent / "screenshots"


def build_site(folder: Path) -> dict[str, Path]:
    """The demonstration site of :func:`copro_scale.demo.showcase_site` (what the browser tests
    open), with a larger validation study; team pages named ``team-<kind>``."""
    pages = showcase_site(folder, organisation="Northshire NHS Foundation Trust", study=(60, 10),
                          n_iter=20)
    team = {"suppressed", "psw-view", "colleagues-only", "enhanced", "neutralized", "tokenistic",
            "mixed", "indeterminate"}
    return {(f"team-{k}" if k in team else k): v for k, v in pages.items()}


def shoot(pages: dict[str, Path], out: Path = OUT, full: bool = False) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for width, height in ((1280, 900), (390, 844)):
                page = browser.new_page(viewport={"width": width, "height": height})
                for name, path in pages.items():
                    page.goto(path.as_uri())
                    for whole in (False, True) if full else (False,):
                        f = out / f"{name}-{width}{'-full' if whole else ''}.png"
                        page.screenshot(path=str(f), full_page=whole)
                        written.append(f)
                page.close()
        finally:
            browser.close()
    return written


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as d:
        pages = build_site(Path(d))
        for f in shoot(pages, full="--full" in argv):
            print(f.relative_to(OUT.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
