"""The organisation's per-form counts where its count is withheld (rule 8).

Found by ``copro audit`` on generated organisation 196 (``benchmarks/audit_organisations.py``)
at ``--min-responses 6``: a team of 5 is pooled at the promise and hidden at 6, so the
organisation's count reads "at least" its visible teams' total; ``summary.json`` still gave the
PSW and colleague counts of the organisation figures, which add up to it wherever nobody has a
missing cell. The oracle is the summary's own arithmetic.
"""

from __future__ import annotations

from copro_scale import read_responses, score
from copro_scale.reports.data import build_report_data
from copro_scale.reports.writers import organisation_record

from .orgs import INST, organisation

K = INST.min_responses


def test_form_counts_do_not_add_up_to_a_withheld_count():
    r = read_responses(organisation(196))
    data = build_report_data(r.data, score(r), n_boot=20, min_responses=K + 1)
    org = organisation_record(data)
    assert not isinstance(org["n"], int)  # the case: the count is withheld at K + 1
    gap = org["psw_vs_colleague"] or {}
    assert not any(isinstance(gap.get(f"n_{f}"), int) for f in ("psw", "colleague")), gap


def test_a_form_with_fewer_than_k_complete_respondents_is_not_shown_apart():
    """Generated organisation 4: Team 07 has 5 PSWs and 5 colleagues, one colleague with a whole
    cell unknown, so the colleague-only figures rested on 4 people (and the team minus its PSW
    figure on the same 4). Counted by hand from the cell scores."""
    from copro_scale.privacy import plan_for
    from copro_scale.scoring import keyed_items

    r = read_responses(organisation(4))
    s = score(r)
    whole = s[list(INST.cells)].notna().all(axis=1)
    per = s[whole].groupby(["team", "form"]).size().unstack(fill_value=0)
    assert per.loc["Team 07", "colleague"] == K - 1 and per.loc["Team 07", "psw"] >= K
    data = build_report_data(r.data, s, n_boot=20)
    assert "Team 07" not in set(data.gaps["team"])
    assert data.plan.weights("Team 07") == "respondents"
    # the validation plans from items, --favourable from the raw table: the same decisions
    for other in (plan_for(keyed_items(r), INST), plan_for(r.data, INST)):
        assert other.teams.equals(data.plan.teams) and other.pooled_gap == data.plan.pooled_gap


def test_a_service_and_the_organisation_do_not_differ_by_a_few():
    """Service P holds visible team A (figures weighted by respondent) and small teams B and C (6 people: shown, as the counts
    allow); D (2) and E (3) are small teams in no service. E's three have no voice score, so the
    organisation's voice figure minus P's is about D's two people. Hand arithmetic on the
    unrounded figures is the oracle."""
    from copro_scale.privacy import disclosure_plan, parent_plan
    from copro_scale.reports.data import organisation_figures, parent_figures, plan_weighted_scores

    big = 3 * K
    sizes = {"A": (K - 1, big), "B": (0, 3), "C": (0, 3), "D": (0, 2), "E": (0, 3)}
    rows = [(t, f) for t, (p, c) in sizes.items() for f in ["psw"] * p + ["colleague"] * c]
    rng = __import__("numpy").random.default_rng(7)
    s = __import__("pandas").DataFrame(rows, columns=["team", "form"])
    s["voice"] = rng.uniform(1, 5, len(s)).round(2)
    s.loc[s["team"] == "E", "voice"] = float("nan")
    counts = __import__("pandas").DataFrame(
        [(t, p, c) for t, (p, c) in sizes.items()], columns=["team", "n_psw", "n_colleague"])
    plan = disclosure_plan(counts)
    parents = parent_plan(plan, {"A": "P", "B": "P", "C": "P"})
    assert bool(parents.set_index("parent").loc["P", "visible"])
    team = plan_weighted_scores(s[s["team"] == "A"], ["voice"], plan)
    org = organisation_figures(s, plan, ["voice"], team=team)
    fig = parent_figures(s, plan, parents, team, ["voice"], org)
    org_v, p_v = org.set_index("score").loc["voice"], fig.set_index("score").loc["voice"]
    d_sum = s.loc[s["team"] == "D", "voice"].sum()
    if org_v.notna()["mean"] and p_v.notna()["mean"]:  # the attack works: it must not be shown
        got = org_v["mean"] * org_v["n"] - p_v["mean"] * p_v["n"]
        assert abs(got - d_sum) > 1e-6, "the organisation minus service P gave D's two people"


def test_overview_does_not_print_a_withheld_organisation_count():
    """Organisation 196 at K + 1: the overview printed the exact count (and, with a team list,
    a response rate "n of m") where summary.json reads "at least"."""
    import pandas as pd

    from copro_scale.reports.overview_page import overview_context

    raw = organisation(196)
    r = read_responses(raw)
    heads = pd.DataFrame({"team": sorted(raw["team"].unique())}).assign(
        n_psw_expected=10, n_colleague_expected=10)
    data = build_report_data(r.data, score(r), n_boot=20, min_responses=K + 1, team_list=heads)
    exact = int(data.plan.teams.set_index("team").loc[list(data.plan.organisation_teams), "n"].sum())
    ctx = overview_context(data, {t: t for t in data.plan.teams["team"]}, {})
    assert str(ctx["n_org"]) != str(exact) and str(ctx["n_org"]).startswith("at least")
    assert ctx["org_rate"] is None


def test_organisation_count_does_not_pin_two_small_teams():
    """Generated organisation 38 (found by copro audit once it read the per-form counts as
    complete respondents): two teams of 4 below the threshold of 5, pooled; the organisation's
    exact count minus the visible teams' was 8, so each held exactly 4. Counted by hand."""
    raw = organisation(38)
    sizes = raw.groupby("team").size()
    small = sizes[sizes < K]
    r = read_responses(raw)
    data = build_report_data(r.data, score(r), n_boot=20)
    org = organisation_record(data)
    hidden = [t for t in org["teams"] if t in small.index]
    assert len(hidden) == 2 and all(small[t] == K - 1 for t in hidden)
    assert not isinstance(org["n"], int)
