"""The HTML pages: escaping, self-containment, sections, accessibility basics."""

from __future__ import annotations

import re

import numpy as np
import pytest

from copro_scale.reports import (contrast_ratio, heat_colour, level_word,
                                 team_slugs)
from copro_scale.simulate import simulate

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def pages(tmp_path_factory, scorer, report):
    r = simulate(6, 10, seed=8).responses
    r.loc[r["team"] == "Crisis Resolution", "team"] = EVIL
    r.loc[r["team"] == "Acute Ward", "team"] = "Ward \"A\" & <b>B</b>"
    prev = simulate(6, 10, seed=9).responses
    prev.loc[prev["team"] == "Crisis Resolution", "team"] = EVIL
    out = tmp_path_factory.mktemp("html")
    paths = report(r, out, previous_scores=scorer(prev), n_boot=200)
    return paths


def test_team_named_script_is_inert(pages):
    evil_page = pages["teams"][EVIL]
    assert evil_page.name == "script-alert-1-script.html"
    for p in [pages["index"], *pages["teams"].values()]:
        html = p.read_text()
        assert "<script" not in html.lower()
        assert "<b>B</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in evil_page.read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["index"].read_text()


def test_self_contained_no_javascript_no_network(pages):
    for p in [pages["index"], *pages["teams"].values()]:
        html = p.read_text()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
        assert not re.search(r"<(script|link|iframe|img|object)\b", html, re.I)
        assert not re.search(r"\son[a-z]+\s*=", html)
        assert "@import" not in html and "url(" not in html
        assert "@page" in html and "size: A4" in html


def test_team_page_has_every_section(pages):
    html = pages["teams"]["Community North"].read_text()
    for sid in ("responses", "type", "heatmap", "scores", "items", "agreement", "actions",
                "method"):
        assert f'id="{sid}"' in html
    assert html.count("<svg") == 4 and html.count('role="img"') == 4
    assert html.count("<table") >= 6
    assert "Cronbach" in html and "Input data hash" in html and "v1.0.0" in html
    assert "r<sub>wg(j)</sub>" in html


def test_overview_has_counts_heatmap_gap_and_change(pages):
    html = pages["index"].read_text()
    assert 'id="team-table"' in html and "<svg" in html
    assert "Change since the previous wave" in html and "Then" in html
    assert all(f'href="teams/{s}.html"' in html for s in team_slugs(list(pages["teams"])).values())


def test_heat_colours_meet_contrast_and_carry_a_word():
    for v in np.linspace(1, 5, 81):
        fill, text = heat_colour(v)
        assert contrast_ratio(fill, text) >= 4.5, (v, fill, text)
    assert {level_word(1.2), level_word(3.0), level_word(4.8)} == {
        "constrained", "in between", "favourable"}


def test_slugs_are_unique_and_safe():
    s = team_slugs(["A/B", "a b", "", "../../etc"])
    assert len(set(s.values())) == 4
    assert all(re.fullmatch(r"[a-z0-9-]+", v) for v in s.values())


def test_cli_rejects_a_threshold_below_one(tmp_path, capsys):
    from copro_scale.cli import main

    assert main(["report", str(tmp_path / "x.csv"), "-o", str(tmp_path), "--min-responses",
                 "0"]) == 2
    err = capsys.readouterr().err
    assert "min-responses" in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_csv_does_not_carry_formulas(tmp_path, report):
    import pandas as pd

    r = simulate(2, 6, seed=3).responses
    r.loc[r["team"] == "Acute Ward", "team"] = "=HYPERLINK(\"x\")"
    paths = report(r, tmp_path, n_boot=50)
    teams = pd.read_csv(paths["summary_csv"])["team"]
    assert not teams.str.startswith("=").any() and teams.str.startswith("'=").any()


@pytest.mark.parametrize("n_teams, per_team, expect_visible", [(1, 3, 0), (3, 4, 0), (1, 8, 1)])
def test_small_organisations_render(tmp_path, report, n_teams, per_team, expect_visible):
    import json

    r = simulate(n_teams, per_team, seed=1).responses
    paths = report(r, tmp_path, n_boot=50)
    teams = json.loads(paths["summary_json"].read_text())["teams"]
    assert sum(not t["suppressed"] for t in teams) == expect_visible
    html = paths["index"].read_text()
    if expect_visible == 0:
        assert "No team reaches the reporting threshold" in html


def test_team_with_colleague_form_only(tmp_path, report):
    r = simulate(3, 8, seed=2).responses
    r = r[~((r["team"] == "Acute Ward") & (r["form"] == "psw"))]
    paths = report(r, tmp_path, n_boot=50)
    assert "the colleague form only" in paths["teams"]["Acute Ward"].read_text()
