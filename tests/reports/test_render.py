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
    for sid in ("summary", "team-type", "faces-chart", "lever", "strengths", "concerns",
                "actions", "heatmap", "scores", "waves", "items", "type", "responses",
                "agreement", "method"):
        assert f'id="{sid}"' in html, sid
    assert html.count("<table") >= 5
    assert "Input data hash" in html and "v1.0.0" in html and "r<sub>wg(j)</sub>" in html
    assert "Cronbach" in pages["index"].read_text()  # organisation-level: on the overview


def test_overview_opens_with_types_profile_and_teams_by_need(pages):
    html = pages["index"].read_text()
    ids = [html.index(f'id="{i}"') for i in ("types", "profile", "teams", "change")]
    assert ids == sorted(ids)
    assert 'id="team-table"' in html and 'id="movers"' in html
    assert all(f'href="teams/{s}.html"' in html for s in team_slugs(list(pages["teams"])).values())
    # the heat map is a table of links, not an image that holds links (axe: nested-interactive)
    assert 'role="img"' not in html


def test_text_slips_are_gone(pages):
    for p in [pages["index"], *pages["teams"].values()]:
        html = p.read_text()
        assert "Theory: Theory:" not in html and "lever below" not in html
        assert not re.search(r"−0\.00\b", html)


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


# -- content: statement text, keying, strengths and concerns -------------------------------------
def test_item_chart_uses_statement_text_and_keys_reverse_items(inst):
    import pandas as pd

    from copro_scale.reports.team_page import item_view

    ids = inst.item_ids
    dist = pd.DataFrame({"id": ids, "disagree": 0.2, "neutral": 0.2, "agree": 0.6})
    rev = inst.item("vnd4")
    assert rev.reverse
    dist.loc[dist["id"] == "vnd4", ["disagree", "neutral", "agree"]] = [0.0, 0.23, 0.77]
    dist.loc[dist["id"] == "vdm1", ["disagree", "neutral", "agree"]] = [0.0, 0.05, 0.95]
    v = item_view(dist, inst, "all")
    rows = {r["id"]: r for g in v["groups"] for r in g["rows"]}
    assert rows["vnd4"]["text"] == rev.text("colleague")
    assert rows["vnd4"]["unfavourable"] == "77%" and rows["vnd4"]["favourable"] == "0%"
    assert rows["vdm1"]["favourable"] == "95%"
    assert v["strengths"][0]["text"] == inst.item("vdm1").text("colleague")
    assert v["concerns"][0]["text"] == rev.text("colleague")
    assert v["concerns"][0]["share"] == "77% agree" and v["concerns"][0]["reverse"]
    assert len(v["strengths"]) == len(v["concerns"]) == 3
    psw = item_view(dist, inst, "psw")
    assert psw["strengths"][0]["text"] == inst.item("vdm1").text("psw")


def test_mixed_type_is_not_told_to_collect_more_responses(inst):
    from copro_scale.reports.content import type_text

    t = type_text(inst)
    assert not any("Collect more responses" in a for a in t["mixed"]["actions"])
    assert any("Collect more responses" in a for a in t["indeterminate"]["actions"])
    assert t["enhanced"]["process"] == inst.processes["enhanced"]  # from the instrument
    assert len({v["shape"] for v in t.values()}) == len(t)  # one shape per type


# -- waves, context, rates -------------------------------------------------------------------
@pytest.fixture(scope="module")
def waves_site(tmp_path_factory):
    import pandas as pd

    from copro_scale import read_responses, score
    from copro_scale.reports import render_reports

    teams = pd.DataFrame({"team": ["Acute Ward", "Community North"],
                          "n_psw_expected": [3, 2], "n_colleague_expected": [12, 10]})
    teams = teams.astype({"n_psw_expected": "Int64", "n_colleague_expected": "Int64"})
    r = simulate(4, 10, seed=3).responses
    now = read_responses(r)
    import dataclasses

    now = dataclasses.replace(now, team_list=teams)
    earlier = [score(read_responses(simulate(4, 10, seed=s).responses)) for s in (4, 5, 6)]
    out = tmp_path_factory.mktemp("waves")
    paths = render_reports(now, score(now), out, previous_scores=earlier,
                           previous_waves=["2023", "2024", "2025"], organisation="Trust X",
                           wave="Spring 2026", n_boot=100)
    return paths


def test_context_on_every_page(waves_site):
    for p in [waves_site["index"], *waves_site["teams"].values()]:
        html = p.read_text()
        assert "Trust X" in html and "Spring 2026" in html


def test_previous_type_is_stated_and_trends_span_every_wave(waves_site):
    html = waves_site["teams"]["Community North"].read_text()
    assert re.search(r"(Was \w+ in 2025, now \w+|Still \w+, as in 2025)\.", html)
    waves = re.findall(r"<li>(2023|2024|2025|Spring 2026): ", html)
    assert waves == ["2023", "2024", "2025", "Spring 2026"] * 3


def test_teams_ordered_by_need(waves_site):
    import json

    from copro_scale.reports.overview_page import NEED_ORDER

    recs = json.loads(waves_site["summary_json"].read_text())["teams"]
    html = waves_site["index"].read_text()
    table = html[html.index('id="team-table"'):html.index("</table>", html.index('id="team-table"'))]
    shown = [r for r in recs if not r["suppressed"]]
    order = sorted(shown, key=lambda r: (NEED_ORDER.index(r["type"]),
                                         sum(r["faces"].values()) / 3))
    pos = [table.index(f">{r['team']}</a>") for r in order]
    assert pos == sorted(pos)


def test_response_rates_from_the_team_list(waves_site):
    html = waves_site["teams"]["Acute Ward"].read_text()
    import json

    n = {t["team"]: t for t in json.loads(waves_site["summary_json"].read_text())["teams"]}
    if n["Acute Ward"]["suppressed"]:
        pytest.skip("team below threshold in this simulation")
    total = n["Acute Ward"]["n"]["total"]
    assert f"{total} of 15 (" in html
    assert f"{total} of 15 (" in waves_site["index"].read_text()
    assert " of 12 (" not in waves_site["teams"]["Community South"].read_text()


def test_psw_view_only_where_the_split_may_be_shown(tmp_path, report):
    import pandas as pd

    r = simulate(2, 8, seed=2).responses  # about 2 PSWs a team: no PSW view
    psw = simulate(1, 12, seed=5, psw_share=0.5).responses.assign(team="Peer Team")
    psw["response_id"] = "P" + psw["response_id"]
    paths = report(pd.concat([r, psw], ignore_index=True), tmp_path, n_boot=50)
    assert 'id="items-psw"' in paths["teams"]["Peer Team"].read_text()
    for team in r["team"].unique():
        assert 'id="items-psw"' not in paths["teams"][team].read_text()


def test_cli_report_takes_several_earlier_waves_and_the_context(tmp_path):
    from copro_scale.cli import main
    from copro_scale.simulate import write_simulation

    files = []
    for seed in (1, 2, 3):
        f = tmp_path / f"wave{seed}.csv"
        write_simulation(simulate(3, 8, seed=seed), f)
        files.append(str(f))
    assert main(["report", files[2], "-o", str(tmp_path / "out"), "--n-draws", "30",
                 "--previous", files[0], "--previous", files[1], "--previous-wave", "Spring",
                 "--organisation", "Northshire", "--wave", "Autumn"]) == 0
    html = next((tmp_path / "out" / "teams").glob("*.html")).read_text()
    assert "Northshire" in html and "Autumn" in html
    assert "<li>Spring: " in html and "<li>wave2: " in html and "<li>Autumn: " in html


def test_no_statement_is_called_a_strength_when_most_answers_are_unfavourable(inst):
    import pandas as pd

    from copro_scale.reports.team_page import item_view

    bad = pd.DataFrame({"id": inst.item_ids, "disagree": 0.7, "neutral": 0.2, "agree": 0.1})
    bad.loc[bad["id"].isin(inst.reverse_ids), ["disagree", "agree"]] = [0.1, 0.7]
    v = item_view(bad, inst, "all")
    assert v["strengths"] == [] and len(v["concerns"]) == 3


def test_team_with_no_response_scoring_every_cell_gets_a_page_saying_why(tmp_path, report):
    """Harsh nuisance, 2 teams of 4 planned, seed 1: Acute Ward reaches the threshold, but none of
    its responses has all nine cells scored, so its score figures (which rest on those) are
    withheld, each row saying why, and the run goes on."""
    from copro_scale import read_responses, score

    raw = simulate(2, 4, seed=1, nuisance="harsh").responses
    s = score(read_responses(raw))
    cells = [c for c in s.columns if "." in str(c)]
    ward = s[s["team"].astype(str) == "Acute Ward"]
    assert len(cells) == 9 and len(ward) >= 5 and not ward[cells].notna().all(axis=1).any()
    paths = report(raw, tmp_path, n_boot=50)
    html = paths["teams"]["Acute Ward"].read_text()
    rows = re.findall(r'<tr><th scope="row">([^<]+).*?data-label="n">(\d+)</td>'
                      r'<td class="num" data-label="Team">([^<]*)<span class="muted">([^<]*)</span>',
                      html)
    assert [r[0].strip() for r in rows] == ["Decision-making", "Non-decision-making", "Ideological",
                                             "Voice", "Experience", "Identity"]
    assert all(r[1] == "0" and r[2].strip() == "–" and r[3] == "not shown*" for r in rows)
    assert "* Not shown: fewer than 5 of the team&#39;s responses have every cell scored" in html
