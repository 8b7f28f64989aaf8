"""Screenshots of every kind of page at 1280 and 390 px, into docs/screenshots/.

Run: ``.venv/bin/python docs/make_screenshots.py`` (needs Debian's chromium: ``make browser``).
It builds a small site from simulated data (three waves, one team below the threshold), a
validation page and the paper form, then shoots the top of each page (the first screen) and the
whole page.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from copro_scale import load_instrument, read_responses, score
from copro_scale.administer import export_instrument
from copro_scale.reports import render_reports
from copro_scale.simulate import simulate

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
OUT = Path(__file__).resolve().parent / "screenshots"


def build_site(folder: Path) -> dict[str, Path]:
    """A demo organisation: 12 teams of 10 over three waves, the last team with 3 responses."""
    r = simulate(12, 10, seed=7).responses
    small = r["team"].iloc[-1]
    r = r[(r["team"] != small) | (r.groupby("team").cumcount() < 3)]
    now = read_responses(r)
    earlier = [score(read_responses(simulate(12, 10, seed=s).responses)) for s in (8, 9)]
    paths = render_reports(now, score(now), folder / "reports", previous_scores=earlier,
                           previous_waves=["Spring 2025", "Autumn 2025"],
                           organisation="Northshire NHS Foundation Trust", wave="Spring 2026",
                           n_boot=500)
    summary = {t: p for t, p in paths["teams"].items()}
    pages = {"overview": paths["index"], "team-suppressed": summary[small]}
    import json
    recs = json.loads(paths["summary_json"].read_text())["teams"]
    for rec in recs:
        key = f"team-{rec['type']}"
        if not rec["suppressed"] and key not in pages:
            pages[key] = summary[rec["team"]]
    paper = folder / "paper_form.html"
    paper.write_text(export_instrument(load_instrument(), "html"), encoding="utf-8")
    pages["paper-form"] = paper
    return pages


def shoot(pages: dict[str, Path], out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for width, height in ((1280, 900), (390, 844)):
                page = browser.new_page(viewport={"width": width, "height": height})
                for name, path in pages.items():
                    page.goto(path.as_uri())
                    for full in (False, True):
                        f = out / f"{name}-{width}{'-full' if full else ''}.png"
                        page.screenshot(path=str(f), full_page=full)
                        written.append(f)
                page.close()
        finally:
            browser.close()
    return written


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as d:
        pages = build_site(Path(d))
        if len(argv) > 1:
            pages["validation"] = Path(argv[1])
        for f in shoot(pages):
            print(f.relative_to(OUT.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
