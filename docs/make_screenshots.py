"""Screenshots of every kind of page at 1280 and 390 px, into docs/screenshots/.

Run: ``.venv/bin/python docs/make_screenshots.py [--full]`` (needs Debian's chromium:
``make browser``). ``--full`` adds whole-page shots (large; not committed).
It builds a small site from simulated data (three waves, one team below the threshold), a
validation page and the paper form, then shoots the first screen of each page at both widths.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pandas as pd
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
    """A demo organisation whose teams cover every type, one team below the threshold, one team
    with enough PSWs for their own view, and two earlier waves (as tests/reports/test_browser.py)."""
    r = simulate(8, 6, seed=1, mixed_share=0.3).responses
    small = simulate(1, 3, seed=4).responses.assign(team="Small Team")
    small["response_id"] = "S" + small["response_id"]
    psw = simulate(1, 12, seed=5, psw_share=0.5).responses.assign(team="Peer Team")
    psw["response_id"] = "P" + psw["response_id"]
    now = read_responses(pd.concat([r, small, psw], ignore_index=True))
    earlier = [score(read_responses(simulate(8, 6, seed=s, mixed_share=0.3).responses))
               for s in (2, 3)]
    paths = render_reports(now, score(now), folder / "reports", previous_scores=earlier,
                           previous_waves=["Spring 2025", "Autumn 2025"],
                           organisation="Northshire NHS Foundation Trust", wave="Spring 2026",
                           n_boot=200)
    pages = {"overview": paths["index"], "team-suppressed": paths["teams"]["Small Team"],
             "team-psw-view": paths["teams"]["Peer Team"]}
    for rec in json.loads(paths["summary_json"].read_text())["teams"]:
        if not rec["suppressed"]:
            pages.setdefault(f"team-{rec['type']}", paths["teams"][rec["team"]])
    from copro_scale.validate import ValidationSettings, validate, write_validation

    study = read_responses(simulate(60, 10, seed=3, psw_share=0.5).responses)
    pages["validation"] = write_validation(validate(study, ValidationSettings(n_iter=20)),
                                           folder / "validation", instrument=study.instrument,
                                           input_hash="0" * 64)["html"]
    paper = folder / "paper_form.html"
    paper.write_text(export_instrument(load_instrument(), "html"), encoding="utf-8")
    pages["paper-form"] = paper
    return pages


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
