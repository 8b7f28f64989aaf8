"""Reports that tell the truth at a glance: the right history, honest certainty, statements with
their n and "Don't know" share, organisation intervals with clustering, flags that need both an
interval excluding 0 and a minimal important difference, services (a team list's ``parent``)
and the team conversation kit.

Oracles are computed here by hand (numpy one-way ANOVA, counts of the input table), never by the
code under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from copro_scale import load_instrument, read_responses, score
from copro_scale.reports import render_reports
from copro_scale.simulate import simulate

ROOT = Path(__file__).resolve().parents[2]


def _text(html: str) -> str:
    """The visible words of an HTML fragment, one space between them."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


def _section(html: str, ident: str) -> str:
    start = html.index(f'id="{ident}"')
    return html[start:html.index("</section>", start)]


def _team(n: int, seed: int, name: str, **kw) -> pd.DataFrame:
    r = simulate(1, n, seed=seed, **kw).responses.assign(team=name)
    r["response_id"] = f"{name[:3]}{seed}-" + r["response_id"].astype(str)
    return r


def _teams_csv(tmp_path, text: str) -> Path:
    p = tmp_path / "teams.csv"
    p.write_text(text)
    return p


# -- 1. the right history -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def history_site(tmp_path_factory):
    """Team 'Gap Team' is reported in Spring (8 answers), below the threshold in Autumn (3)
    and reported now."""
    base = simulate(3, 8, seed=21).responses
    spring = pd.concat([base, _team(8, 31, "Gap Team")], ignore_index=True)
    autumn = pd.concat([simulate(3, 8, seed=22).responses, _team(3, 32, "Gap Team")],
                       ignore_index=True)
    now = read_responses(pd.concat([simulate(3, 8, seed=23).responses, _team(8, 33, "Gap Team")],
                                   ignore_index=True))
    earlier = [score(read_responses(w)) for w in (spring, autumn)]
    out = tmp_path_factory.mktemp("history")
    paths = render_reports(now, score(now), out, previous_scores=earlier,
                           previous_waves=["Spring 2025", "Autumn 2025"], wave="Spring 2026",
                           n_boot=100)
    spring_paths = render_reports(read_responses(spring), earlier[0], out.parent / "spring",
                                  n_boot=100)
    spring_type = {t["team"]: t["type"] for t in json.loads(
        spring_paths["summary_json"].read_text())["teams"]}["Gap Team"]
    return paths, spring_type


def test_history_names_the_wave_a_type_came_from(history_site):
    paths, spring_type = history_site
    page = _text(paths["teams"]["Gap Team"].read_text())
    assert "in Autumn 2025, now" not in page  # it was not reported in Autumn
    assert f"Not reported in Autumn 2025; was {spring_type} in Spring 2025" in page
    assert "This team was not reported in Autumn 2025" in page


def test_overview_column_of_the_last_wave_holds_only_that_wave(history_site):
    paths, _ = history_site
    html = paths["index"].read_text()
    row = re.search(r'<tr><th scope="row"><a href="teams/gap-team.html">.*?</tr>', html, re.S)
    cell = re.search(r'data-label="Autumn 2025">(.*?)</td>', row.group(0)).group(1)
    assert cell == "not reported"


# -- 2. no PSW answered ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def colleague_only(tmp_path_factory):
    r = pd.concat([simulate(3, 8, seed=41).responses, _team(9, 42, "No PSW Team", n_psw=0)],
                  ignore_index=True)
    now = read_responses(r)
    return render_reports(now, score(now), tmp_path_factory.mktemp("nopsw"), n_boot=100)


def test_no_psw_answer_is_colleagues_view_on_the_first_screen(colleague_only):
    html = colleague_only["teams"]["No PSW Team"].read_text()
    verdict = _text(html[html.index('id="team-type"'):html.index('id="faces-chart"')])
    assert "colleagues' view only" in verdict
    assert not re.search(r"almost certain|very likely", verdict, re.I)


def test_no_psw_answer_is_marked_in_the_overview(colleague_only):
    html = colleague_only["index"].read_text()
    row = re.search(r'<a href="teams/no-psw-team.html">.*?</tr>', html, re.S).group(0)
    assert "colleagues' view only" in _text(row)
    assert not re.search(r"almost certain|very likely", _text(row), re.I)


# -- 4. the PSWs' own concern, one weighting rule, n and "Don't know" -----------------------------
@pytest.fixture(scope="module")
def concern_site(tmp_path_factory, inst):
    """A team of 6 PSWs and 20 colleagues, everyone neutral, except on statement ``vdm1``:
    every PSW disagrees (unfavourable), 10 colleagues agree; 4 colleagues answer "Don't know"
    to ``vdm2``."""
    team = _team(26, 51, "Peer Heavy", n_psw=6)
    ids = inst.item_ids
    team[ids] = 3
    psw = team["form"] == "psw"
    team.loc[psw, "vdm1"] = 1
    col = team.index[~psw]
    team.loc[col[:10], "vdm1"] = 4
    team.loc[col[:4], "vdm2"] = inst.dont_know.code
    r = pd.concat([simulate(3, 8, seed=52).responses, team], ignore_index=True)
    now = read_responses(r)
    paths = render_reports(now, score(now), tmp_path_factory.mktemp("concern"), n_boot=100)
    return paths, team


def test_psw_concern_reaches_the_first_screen(concern_site, inst):
    paths, _ = concern_site
    summary = _text(_section(paths["teams"]["Peer Heavy"].read_text(), "summary"))
    concerns = summary[summary.index("Top three concerns"):]
    vdm1 = next(i for i in inst.items if i.id == "vdm1")
    # forms weighted equally: unfavourable (100% + 0%) / 2 = 50% against favourable 25%
    assert vdm1.text("colleague") in concerns
    assert "50% disagree" in concerns
    assert "Peer support workers' own top concern" in summary and vdm1.text("psw") in summary


def test_every_statement_shows_its_n_and_dont_know_share(concern_site, inst):
    paths, team = concern_site
    html = paths["teams"]["Peer Heavy"].read_text()
    table = html[html.index('<table class="stack items'):]
    table = table[:table.index("</table>")]
    vdm2 = next(i for i in inst.items if i.id == "vdm2")
    row = re.search(re.escape(vdm2.text("colleague")) + r".*?</tr>", table, re.S).group(0)
    n = int((team["vdm2"] != inst.dont_know.code).sum())  # 22 answered, 4 of 26 "Don't know"
    assert re.search(rf'data-label="n">{n}<', row)
    assert f'data-label="Don\'t know">{round(100 * 4 / 26)}%<' in row.replace("&#39;", "'")
    assert "two forms weighted equally as in the scores" in table


# -- 5. certainty: assumptions, response rate, the lever ------------------------------------------
def test_certainty_carries_its_assumptions_and_the_response_rate(tmp_path):
    r = pd.concat([simulate(3, 8, seed=61).responses, _team(6, 62, "Low Rate", n_psw=1)],
                  ignore_index=True)
    teams = _teams_csv(tmp_path, "team,n_psw_expected,n_colleague_expected\n"
                       "Low Rate,2,14\nAcute Ward,,\nCommunity North,,\nCommunity South,,\n")
    now = read_responses(r, teams=teams)
    paths = render_reports(now, score(now), tmp_path / "out", n_boot=100)
    verdict = _text(_section(paths["teams"]["Low Rate"].read_text(), "summary"))
    verdict = verdict[:verdict.index("The three faces of power")]
    assert "6 of 16 answered (38%)" in verdict and "provisional" in verdict
    assert "assumes that the typology fits" in verdict
    assert "does not allow for anyone who did not answer" in verdict
    assert "draws from the posterior" not in verdict


def test_an_unclear_lever_is_not_headlined(tmp_path, sim12, inst):
    from copro_scale.reports import build_report_data

    now = read_responses(sim12.responses)
    paths = render_reports(now, score(now), tmp_path, n_boot=200)
    types = build_report_data(now.data, score(now), n_boot=200).types
    unclear = types[types["p_lever"] < inst.min_probability]["team"].tolist()
    clear = types[types["p_lever"] >= inst.min_probability]["team"].tolist()
    assert unclear and clear
    for team in unclear:
        lever = _section(paths["teams"][team].read_text(), "summary")
        lever = lever[lever.index('id="lever"'):]
        assert "<strong>Lever for change:</strong>" not in lever
        assert "no construct stands out clearly" in lever
    lever = _section(paths["teams"][clear[0]].read_text(), "summary")
    assert "<strong>Lever for change:</strong>" in lever


# -- 6. organisation figures: weights said, clustering in the interval ---------------------------
def _icc1(values: np.ndarray, teams: np.ndarray) -> tuple[float, float]:
    """ICC(1) by one-way ANOVA and Kish's mean cluster size, by hand."""
    labels, codes = np.unique(teams, return_inverse=True)
    g, n = len(labels), len(values)
    sizes = np.bincount(codes)
    means = np.bincount(codes, weights=values) / sizes
    msb = (sizes * (means - values.mean()) ** 2).sum() / (g - 1)
    msw = ((values - means[codes]) ** 2).sum() / (n - g)
    icc = (msb - msw) / (msb + (n / g - 1) * msw)
    return icc, (sizes ** 2).sum() / sizes.sum()


def test_organisation_intervals_carry_the_design_effect(sim12):
    from copro_scale.aggregate import organisation_scores
    from copro_scale.privacy import plan_for
    from copro_scale.reports.data import organisation_figures

    now = read_responses(sim12.responses)
    s = score(now)
    plan = plan_for(s)
    naive = organisation_scores(plan.organisation_rows(s), ["ideological"],
                                weights=plan.organisation_weights).iloc[0]
    # the figures before rounding to the published 2 decimals
    org = organisation_figures(s, plan, ["ideological"]).set_index("score").loc["ideological"]
    rows = plan.organisation_rows(s).dropna(subset=["ideological"])
    icc, m = _icc1(rows["ideological"].to_numpy(float), rows["team"].astype(str).to_numpy())
    assert icc > 0.05
    ratio = (org["hi"] - org["lo"]) / (naive["hi"] - naive["lo"])
    assert ratio == pytest.approx(np.sqrt(1 + (m - 1) * icc), rel=1e-9)


def test_organisation_label_says_how_forms_are_weighted(sim12, tmp_path):
    now = read_responses(sim12.responses)
    html = render_reports(now, score(now), tmp_path, n_boot=50)["index"].read_text()
    caption = _text(html[html.index('id="org-faces"'):html.index("</figcaption>")])
    assert re.search(r"\d+ respondents, (the PSW form's and the colleague form's means weighted "
                     r"equally|every respondent counted once)", caption)
    assert "clustered in teams" in caption


# -- 7. trends with noise, flags, organisation trend ---------------------------------------------
@pytest.fixture(scope="module")
def three_waves(tmp_path_factory):
    # seeds where ranking by raw change and by flag, then |change| / se, disagree
    waves = [score(read_responses(simulate(6, 10, seed=s).responses)) for s in (127, 128)]
    now = read_responses(simulate(6, 10, seed=129).responses)
    from copro_scale.reports import build_report_data

    data = build_report_data(now.data, score(now), previous=waves, n_boot=50,
                             previous_waves=["W1", "W2"], wave="W3")
    paths = render_reports(now, score(now), tmp_path_factory.mktemp("waves"),
                           previous_scores=waves, previous_waves=["W1", "W2"], wave="W3",
                           n_boot=50)
    return data, paths


def test_movers_put_clear_changes_first(three_waves):
    from copro_scale.reports.overview_page import movers

    data, _ = three_waves
    ch = data.change[data.change["score"].isin(["decision_making", "non_decision_making",
                                                "ideological"])]
    clear = ((ch["delta"].abs() >= 0.3) & ((ch["lo"] > 0) | (ch["hi"] < 0)))
    flagged = set(ch.loc[clear, "team"])
    order = [m["team"] for m in movers(data, {t: t for t in data.plan.teams["team"]})]
    assert flagged and len(flagged) < len(order)  # the data has both kinds
    assert set(order[:len(flagged)]) == flagged
    # the rest by |change| / se, largest first
    z = (ch["delta"].abs() / ((ch["hi"] - ch["lo"]) / (2 * 1.959964))).groupby(ch["team"]).max()
    rest = order[len(flagged):]
    assert list(z[rest]) == sorted(z[rest], reverse=True)


def test_flags_need_an_interval_excluding_zero_and_the_mid(three_waves):
    data, paths = three_waves
    seen = {True: 0, False: 0}
    for team, page in paths["teams"].items():
        html = page.read_text()
        if 'id="change-table"' not in html:
            continue
        table = html[html.index('id="change-table"'):html.index("</table>",
                                                                 html.index('id="change-table"'))]
        for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", table):
            delta = float(re.search(r'data-label="Change">([−\d.]+)', row).group(1)
                          .replace("−", "-"))
            lo, hi = (float(x.replace("−", "-")) for x in
                      re.search(r'data-label="95% interval">([−\d.]+) to ([−\d.]+)<', row).groups())
            flagged = 'class="flag' in row
            seen[flagged] += 1
            if abs(delta) < 0.3 - 0.005 or (lo < 0 < hi):
                assert not flagged, row
            if abs(delta) > 0.3 + 0.005 and (lo > 0.005 or hi < -0.005):
                assert flagged, row
    assert seen[True] and seen[False]  # both kinds were on the pages


def test_trends_carry_intervals_and_the_organisation_has_one(three_waves):
    _, paths = three_waves
    page = next(p for p in paths["teams"].values() if "Change over time" in p.read_text())
    html = page.read_text()
    waves = _section(html, "waves")
    assert re.search(r"<li>W1: [\d.]+ <span class=\"muted\">\([\d.]+ to [\d.]+\)</span></li>",
                     waves)
    assert waves.count("<line x1=") > waves.count("<line x1=\"0\"")  # interval bars
    index = paths["index"].read_text()
    assert 'id="org-trends"' in index
    org = index[index.index('id="org-trends"'):]
    assert re.findall(r"<li>(W1|W2|W3): [\d.]+", org)[:3] == ["W1", "W2", "W3"]
    assert 'id="org-change"' in index  # the organisation's change, with its interval


# -- 8. the validation page -----------------------------------------------------------------------
def test_validation_page_items_column_and_headline(tmp_path):
    from copro_scale.reports.validation_files import write_validation
    from copro_scale.validate import ValidationSettings, validate

    r = pd.concat([simulate(20, 8, seed=81, psw_share=0.5).responses,
                   _team(3, 82, "Tiny Team")], ignore_index=True)
    res = validate(read_responses(r), ValidationSettings(n_iter=3))
    html = write_validation(res, tmp_path / "v", instrument=load_instrument(),
                            input_hash="0" * 64)["html"].read_text()
    assert "built-in method" not in html
    items = re.findall(r'data-label="Items">(\d+)<', html)
    assert items and all(int(x) > 0 for x in items)
    headline = _text(_section(html, "headline"))
    assert "0 excluded" not in headline
    assert "from below-threshold teams left out" in headline


# -- 9. docs and method notes ---------------------------------------------------------------------
def test_docs_describe_what_the_code_does():
    doc = (ROOT / "docs" / "reports.md").read_text()
    for stale in ("bootstrap", "nearest prototype", "Nearest prototype", "[--n-boot", "n_boot",
                  "resampl", "pooled within-form variance on `n - k`"):
        assert stale not in doc, stale
    assert "--n-draws" in doc and "design effect" in doc and "minimal important difference" in doc


def test_method_note_says_how_this_team_is_weighted(colleague_only):
    html = colleague_only["teams"]["Acute Ward"].read_text()
    note = _text(_section(html, "method"))
    assert "pooled within-form variance" not in note
    assert "Every response counts once" in note


# -- services (parent) and the kit -----------------------------------------------------------------
def _services(tmp, smalls, team_list):
    r = pd.concat([simulate(4, 7, seed=91).responses,
                   *[_team(n, 92 + i, name) for i, (name, n) in enumerate(smalls)]],
                  ignore_index=True)
    now = read_responses(r, teams=_teams_csv(tmp, team_list))
    return render_reports(now, score(now), tmp / "out", n_boot=50), now


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    return _services(tmp_path_factory.mktemp("services"),
                     [("Small A", 3), ("Small B", 2), ("Small C", 3), ("Small D", 2)],
                     "team,parent\nAcute Ward,Community > East\nCommunity North,Community > East\n"
                     "Small A,Community > East\nSmall B,Community > East\n"
                     "Community South,Community\nSmall C,Hospital\nSmall D,Hospital\n"
                     "Crisis Resolution,Hospital\n")


def test_small_teams_are_seen_through_their_service(services):
    paths, now = services
    east = paths["parents"]["Community > East"].read_text()
    n_east = int(now.data["team"].isin(["Acute Ward", "Community North", "Small A",
                                        "Small B"]).sum())
    assert f"{n_east} responses from 4 teams" in _text(east)
    assert "counted in" in _text(paths["index"].read_text())
    assert 'href="../parents/community-east.html"' in paths["teams"]["Small A"].read_text()
    assert "Withheld" not in _text(paths["parents"]["Hospital"].read_text())


def test_a_service_that_would_reveal_a_small_team_is_withheld(tmp_path):
    # Hospital = Crisis Resolution + Small C (4): minus the shown team, 4 people remain. And were
    # Community shown, the organisation minus it and the shown teams would be Small C alone.
    paths, _ = _services(tmp_path, [("Small A", 3), ("Small B", 2), ("Small C", 4)],
                         "team,parent\nAcute Ward,Community\nCommunity North,Community\n"
                         "Small A,Community\nSmall B,Community\nCommunity South,Community\n"
                         "Small C,Hospital\nCrisis Resolution,Hospital\n")
    for parent in ("Hospital", "Community"):
        page = _text(paths["parents"][parent].read_text())
        assert "Withheld" in page and "responses from" not in page, parent
    index = paths["index"].read_text()
    rows = index[index.index('id="parent-table"'):index.index("</table>", index.index('id="parent-table"'))]
    assert 'class="heat"' not in rows
    recs = {r["parent"]: r for r in json.loads(paths["summary_json"].read_text())["parents"]}
    assert recs["Hospital"] == {"parent": "Hospital", "teams": ["Small C", "Crisis Resolution"],
                                "withheld": True}


def test_kit_has_type_strength_concern_questions_actions_and_support(services):
    paths, _ = services
    kit = _text(paths["kits"]["Acute Ward"].read_text())
    for part in ("Where the team is:", "Top strength", "Top concern", "Questions to talk through",
                 "What we agreed", "By when", "A1", "Support for peer support workers"):
        assert part in kit, part
    assert "Samaritans" in kit


def test_every_team_page_signposts_support(services):
    paths, _ = services
    for page in paths["teams"].values():
        assert 'id="support"' in page.read_text()


def test_no_sum_or_difference_of_shown_sets_isolates_a_small_group():
    """Random organisations and random nested service trees (numpy's generator, not copro's
    simulator): no combination of up to four shown sets (organisation, visible teams, shown
    services) with coefficients +-1 leaves a group of 1 to k-1 respondents, checked by brute force
    over the teams as atoms."""
    from itertools import combinations, product

    from copro_scale.privacy import disclosure_plan, parent_plan

    rng = np.random.default_rng(2026)
    k, found_hidden_shown = 5, 0
    for _ in range(150):
        n_teams = int(rng.integers(3, 9))
        names = [f"T{i}" for i in range(n_teams)]
        sizes = rng.choice([1, 2, 3, 4, 6, 8, 12], size=n_teams)
        psw = np.minimum(sizes, rng.integers(0, 4, size=n_teams))
        counts = pd.DataFrame({"team": names, "n_psw": psw, "n_colleague": sizes - psw})
        plan = disclosure_plan(counts, k)
        tops = [f"S{j}" for j in range(int(rng.integers(1, 4)))]
        paths = {}
        for t in names:
            if rng.random() < 0.85:
                top = str(rng.choice(tops))
                paths[t] = top + (" > sub" if rng.random() < 0.4 else "")
        parents = parent_plan(plan, paths)
        atoms = dict(zip(names, sizes))
        sets = [frozenset(plan.organisation_teams), *[frozenset([t]) for t in plan.visible_teams],
                *[frozenset(r.teams) for r in parents.itertuples() if r.visible]]
        found_hidden_shown += sum(bool(set(r.teams) - set(plan.visible_teams))
                                  for r in parents.itertuples() if r.visible)
        vecs = [np.array([t in s for t in names], dtype=int) for s in set(sets) if s]
        for m in range(1, min(4, len(vecs)) + 1):
            for idx in combinations(range(len(vecs)), m):
                for signs in product((1, -1), repeat=m):
                    v = sum(sg * vecs[i] for sg, i in zip(signs, idx))
                    if set(np.unique(v)) <= {0, 1} and v.any():
                        n = int(sum(atoms[t] for t, x in zip(names, v) if x))
                        assert not 0 < n < k, (counts, paths, idx, signs)
    assert found_hidden_shown > 20  # services did show small teams' answers
