"""Every disclosure rule at k - 1 and at k, with the expected outcome written by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from copro_scale.instrument import load_instrument
from copro_scale.privacy import disclosure_plan, isolated_groups, may_show, validation_items

INST = load_instrument()
K = INST.min_responses
BIG = 3 * K  # a team far from every edge


def plan(rows, k=K):
    return disclosure_plan(pd.DataFrame(rows, columns=["team", "n_psw", "n_colleague"]), k)


@pytest.mark.parametrize("k", [K, K + 2])
@pytest.mark.parametrize("edge,shown", [(-1, False), (0, True)])
def test_rule1_threshold(k, edge, shown):
    p = plan([("A", 0, k + edge), ("B", BIG, BIG)], k)
    assert p.is_visible("A") is shown
    assert (p.count_text(k + edge) == f"fewer than {k}") is (not shown)


@pytest.mark.parametrize("edge,pooled", [(-1, False), (0, True)])
def test_rule2_remainder_at_the_promise(edge, pooled):
    hidden = K + edge  # two teams below K holding K - 1 or K between them
    p = plan([("A", BIG, BIG), ("H1", 0, 1), ("H2", 0, hidden - 1)])
    assert ("H1" in p.organisation_teams) is pooled and p.remainder_left_out is (not pooled)


@pytest.mark.parametrize("k", [K, K + 2])
@pytest.mark.parametrize("edge,split", [(-1, False), (0, True)])
def test_rules3_4_split_and_weights(k, edge, split):
    p = plan([("A", k + edge, BIG), ("B", BIG, k + edge), ("C", BIG, BIG)], k)
    for t in ("A", "B"):
        assert bool(p.teams.set_index("team").loc[t, "split_visible"]) is split
        assert p.weights(t) == ("forms_equal" if split else "respondents")
        counts = p.form_counts(t)
        assert (counts["psw"].isdigit() and counts["colleague"].isdigit()) is split


@pytest.mark.parametrize("edge,ok", [(-1, False), (0, True)])
def test_rule5_per_form_pools(edge, ok):
    # PSWs not covered by a split team: K - 1 or K
    p = plan([("A", BIG, BIG), ("B", K + edge, BIG - K)])
    assert p.pooled_gap is ok and (p.organisation_weights == "forms_equal") is ok
    assert (p.per_form_note == "") is ok


@pytest.mark.parametrize("edge,dropped", [(-1, False), (0, True)])
def test_rule6_careless(edge, dropped):
    p = plan([("A", BIG, BIG)])
    frame = pd.DataFrame({"team": ["A"] * 2 * BIG, "form": ["psw"] * BIG + ["colleague"] * BIG})
    careless = pd.Series([i < K + edge for i in range(2 * BIG)])
    rows = p.validation_rows(frame, careless)
    assert int(rows.sum()) == 2 * BIG - (K + edge if dropped else 0)


@pytest.mark.parametrize("edge,ok", [(-1, False), (0, True)])
def test_rule7_enough_and_remainder(edge, ok):
    p = plan([("A", BIG, BIG)])
    assert p.enough(K + edge) is ok
    assert p.remainder_ok(100, 100 - (K + edge)) is ok
    assert p.remainder_ok(100, 100) and not p.remainder_ok(K - 1, 0)
    table = pd.DataFrame({"n": [K + edge], "mean": [3.0]})
    assert bool(np.isnan(p.withhold_few(table, ["mean"])["mean"].iloc[0])) is (not ok)


@pytest.mark.parametrize("edge,ok", [(-1, False), (0, True)])
def test_rule8_set_differences(edge, ok):
    team = set(range(20))
    assert may_show(set(range(20 + K + edge)), [team], K) is ok       # parent minus team
    assert may_show(set(range(K + edge)), [], K) is ok                 # the set itself
    # organisation minus a team = an atom of K + edge people
    assert (isolated_groups([[1, 1, 1], [1, 1, 0]], [20, 20, K + edge], K) == []) is ok


def test_rule8_raised_threshold_hides_the_count():
    p = plan([("A", BIG, BIG), ("B", 0, K)], K + 1)  # B pooled at the promise, hidden at K + 1
    assert not p.organisation_count_shown and str(p.organisation_count()).startswith("at least")
    assert p.organisation_form_count(BIG) == "withheld"  # the two forms would add up to it
    p = plan([("A", BIG, BIG), ("B", 0, K + 1)], K + 1)
    assert p.organisation_count_shown and p.organisation_count() == 2 * BIG + K + 1
    assert p.organisation_form_count(BIG) == BIG


def test_both_forms_below_k_show_no_split_count():
    p = plan([("A", K - 1, K - 1)])
    assert p.form_counts("A") == {"psw": "not shown", "colleague": "not shown"}


@pytest.mark.parametrize("edge,withheld", [(-1, True), (0, False)])
def test_rule8_partial_cells(edge, withheld):
    ids = INST.item_ids
    n = 4 * K
    x = pd.DataFrame(np.tile(np.arange(36) % 5 + 1, (2 * n, 1)), columns=ids, dtype="float64")
    resp = pd.DataFrame({"team": ["A"] * n + ["B"] * n,
                         "form": (["psw"] * (n // 2) + ["colleague"] * (n // 2)) * 2})
    resp = pd.concat([resp, x], axis=1)
    resp.loc[: K + edge - 1, "vdm1"] = np.nan  # K - 1 or K PSWs skip one voice x decision item
    p = plan([("A", n // 2, n // 2), ("B", n // 2, n // 2)])
    out = validation_items(resp, pd.Series(True, index=resp.index), p, INST)
    cell = {it.id for it in INST.cell_items("voice", "decision_making")}
    assert (cell <= out["psw"]) is withheld
    assert not out["colleague"]


@pytest.mark.parametrize("edge,ok", [(-1, False), (0, True)])
def test_rule5_validation_rows_follow_the_per_form_pools(edge, ok):
    p = plan([("A", BIG, BIG), ("B", K + edge, BIG - K)])
    n = 2 * BIG + BIG
    frame = pd.DataFrame({"team": ["A"] * 2 * BIG + ["B"] * BIG,
                          "form": ["psw"] * BIG + ["colleague"] * BIG
                          + ["psw"] * (K + edge) + ["colleague"] * (BIG - K - edge)})
    assert len(frame) == n
    assert bool(p.validation_rows(frame).any()) is ok


def test_a_hidden_team_has_no_view_and_a_both_small_team_no_split():
    p = plan([("A", 1, 2), ("B", K - 1, K - 1)])
    assert p.view_text("A") == f"Fewer than {K} people answered, so nothing is shown."
    assert "the split is not shown" in p.view_text("B")


@pytest.mark.parametrize("edge,ok", [(-1, False), (0, True)])
def test_rule8_split_team_share_needs_each_form_none_or_k(edge, ok):
    p = plan([("A", BIG, BIG), ("B", K - 1, BIG)])  # A split, B not
    assert p.share_shown("A", K + edge, BIG) is ok and p.share_shown("A", BIG, K + edge) is ok
    assert p.share_shown("A", 0, K + edge) is ok      # one form silent: the other's k answers
    assert p.share_shown("B", 1, K + edge - 1) is ok  # not split: only the total counts
    fav = pd.DataFrame({"team": ["A"], "vdm1": [50.0], "voice.decision_making": [40.0],
                        "vdm2": [30.0]})
    answered = pd.DataFrame({"vdm1": [K + edge, BIG], "vdm2": [BIG, BIG]},
                            index=pd.MultiIndex.from_tuples([("A", "psw"), ("A", "colleague")]))
    out = p.withhold_shares(fav, answered, {"voice.decision_making": ["vdm1", "vdm2"],
                                            "not.in.table": ["vdm1"]})
    assert bool(out.at[0, "vdm1"] == 50.0) is ok and bool(out.at[0, "voice.decision_making"] == 40.0) is ok
    assert out.at[0, "vdm2"] == 30.0 and "not.in.table" not in out.columns
    # a team without a colleague row answered nothing there; a team with no rows, nothing
    fav2 = pd.DataFrame({"team": ["A", "B"], "vdm1": [50.0, 60.0]}, index=[3, 4])
    only_psw = answered.loc[[("A", "psw")]].assign(vdm1=BIG)
    out = p.withhold_shares(fav2, only_psw[["vdm1"]], {})
    assert out.loc[3, "vdm1"] == 50.0 and np.isnan(out.loc[4, "vdm1"])
    a = pd.DataFrame({"team": ["A", "A"], "psw": [K + edge, 0], "colleague": [BIG, BIG]},
                     index=[5, 6])
    got = p.shares_shown(a)
    assert got.index.tolist() == [5, 6] and got.tolist() == [ok, True] and got.dtype == bool


# ---- edges the mutation run found unguarded (docs/privacy.md, "Mutation run") ----

def test_rule5_pooled_form_reaches_k():
    for edge, ok in ((-1, False), (0, True)):
        assert plan([("A", K + edge, BIG)]).pooled_gap is ok  # all the PSWs in one split team


@pytest.mark.parametrize("edge,ok", [(-1, False), (0, True)])
def test_rule5_uncovered_remainder_at_k(edge, ok):
    # B: K + edge PSWs, not split; C: K colleagues, not split; H: one colleague below k
    p = plan([("A", BIG, BIG), ("B", K + edge, 0), ("C", 0, K), ("H", 0, 1)])
    assert p.pooled_gap is ok


@pytest.mark.parametrize("edge,shown", [(-1, False), (0, True)])
def test_rule8_organisation_count_hidden_part_at_k(edge, shown):
    k = 2 * K  # B and C pooled at the promise, hidden at 2K: K + (K + edge) of them
    p = plan([("A", BIG, BIG), ("B", 0, K), ("C", 0, K + edge)], k)
    assert p.organisation_count_shown is shown


def test_rule2_nothing_left_out_without_hidden_teams():
    p = plan([("A", BIG, BIG)])
    assert p.remainder_left_out is False and p.notes == () and p.per_form_note == ""
    assert list(p.teams.columns) == ["team", "n_psw", "n_colleague", "n", "visible",
                                     "split_visible", "weights"]


def test_notes_say_what_was_done():
    p = plan([("A", BIG, BIG), ("B", 0, K), ("H", 0, 1), ("P", 1, 0)], K + 1)
    assert p.notes[0] == (
        f"2 team(s) with fewer than {K} respondents hold fewer than {K} between them; they are "
        "left out of the organisation figures and counts so that no one's answers can be "
        "worked out by subtraction.")
    assert p.notes[1] == (
        f"The organisation figures include the respondents of 1 team(s) below the reporting "
        f"threshold of {K + 1} (at least {K} people in every group that could be taken away); "
        "those teams' own scores are not shown.")
    assert p.per_form_note == p.notes[2] == (
        "Organisation figures for one form (the PSW vs colleague comparison, and the "
        "validation's per-form statistics) are withheld: one of the two groups (or the part of "
        f"it not already shown by team) has fewer than {K + 1} respondents. The organisation's "
        "figures count every response once.")


def test_plan_reads_team_names_as_text_and_its_own_promise():
    from dataclasses import replace

    p = disclosure_plan(pd.DataFrame({"team": [1, 2], "n_psw": [BIG, 0], "n_colleague": [BIG, 1]},
                                     index=[7, 9]))
    assert p.is_visible("1") and not p.is_visible("2") and p.organisation_teams == ("1",)
    strict = replace(INST, min_responses=K + 2)
    p = disclosure_plan(pd.DataFrame({"team": ["A", "B"], "n_psw": [BIG, 0],
                                      "n_colleague": [BIG, K + 1]}), instrument=strict)
    assert p.min_responses == p.promise == K + 2 and p.remainder_left_out  # B: K + 1 < K + 2


def test_threshold_is_a_whole_number():
    from copro_scale.errors import CoproError
    from copro_scale.privacy import check_threshold

    for bad in (K + 0.5, True):
        with pytest.raises(CoproError):
            check_threshold(None, bad)
    assert check_threshold(None, K + 1) == K + 1


@pytest.mark.parametrize("edge", [-1, 0])
def test_counts_as_text_at_k(edge):
    p = plan([("A", K + edge, BIG), ("B", BIG, BIG)])
    assert p.count_text(K + edge) == (f"fewer than {K}" if edge else str(K))
    assert p.weights("no such team") == "respondents"
    expect = ({"psw": f"fewer than {K}", "colleague": f"at least {K + edge + BIG - K + 1}"}
              if edge else {"psw": str(K), "colleague": str(BIG)})
    assert p.form_counts("A") == expect


def test_plan_may_show_uses_its_threshold():
    p = plan([("A", BIG, BIG)], K + 1)
    assert not p.may_show(set(range(K))) and p.may_show(set(range(K + 1)))
    assert not p.may_show(set(range(30)), [set(range(30 - K))])


def test_may_show_every_kind_of_difference():
    s = set(range(20))
    assert not may_show(s, [set(range(10, 20)) | {100, 101}], K)  # T - S holds 2
    halves = [set(range(8)), set(range(8, 16))]
    assert not may_show(s, halves, K)            # S minus the sets inside it holds 4
    assert not may_show(s, [*halves, s], K)
    assert not may_show(set(range(8)), [s, set(range(8, 17))], K)  # parent minus S and U holds 3
    assert may_show(set(range(8)), [s, set(range(8, 20))], K)      # ... or nobody


def test_isolated_groups_edges():
    assert isolated_groups([[1, 1], [1, 0]], [20, 1], K) == [[1]]        # one person
    # organisation minus team = atoms 1 and 2, K - 1 or K people between them
    assert isolated_groups([[1, 1, 1], [1, 0, 0]], [20, 2, K - 3], K) == [[1, 2]]
    assert isolated_groups([[1, 1, 1], [1, 0, 0]], [20, 2, K - 2], K) == []
    assert isolated_groups([[1, 1]], [2, 2], K) == [[0, 1]]               # no atom reaches k


def test_rref_by_hand():
    from copro_scale.privacy import _rref

    def rows(m):
        return [r.tolist() for r in _rref(np.array(m, dtype=float))]

    assert rows([[2, 4], [1, 3]]) == [[1, 0], [0, 1]]
    assert rows([[0, 0], [0, 1], [1, 0]]) == [[1, 0], [0, 1]]
    assert rows([[0, 1], [0, 2]]) == [[0, 1]]
    assert rows([[1, 2, 3]]) == [[1, 2, 3]]
    assert rows([[1, 1, 0], [0, 2, 4], [1, 3, 4]]) == [[1, 0, -2], [0, 1, 2]]


def test_published_validation_rounds_item_statistics_only():
    from copro_scale.privacy import published_validation

    doc = {"forms": {"psw": {"reliability": [
        {"item_stats": {"columns": ["n", "mean", "sd"], "data": [[12, 3.14159, None]]},
         "alpha": 0.81234}]}}}
    out = published_validation(doc)
    assert out["forms"]["psw"]["reliability"][0]["item_stats"]["data"] == [[12, 3.14, None]]
    assert doc["forms"]["psw"]["reliability"][0]["item_stats"]["data"] == [[12, 3.14159, None]]
    assert out["forms"]["psw"]["reliability"][0]["alpha"] == 0.81234


def test_complete_cells_keeps_whole_rows():
    p = plan([("A", BIG, BIG)])
    s = pd.DataFrame({"team": ["A"] * 3, "a": [1.0, np.nan, 2.0], "b": [1.0, 1.0, np.nan]})
    assert p.complete_cells(s, ["a", "b", "zz"]).index.tolist() == [0]
    assert p.complete_cells(s, ["zz"]).index.tolist() == [0, 1, 2]


@pytest.mark.parametrize("edge,shown", [(-1, False), (0, True)])
def test_parent_at_k(edge, shown):
    from copro_scale.privacy import parent_plan

    # a parent of a visible team and small teams holding K + edge between them
    p = plan([("A", BIG, BIG), ("B", 0, 2), ("C", 0, K + edge - 2), ("D", BIG, BIG)])
    par = parent_plan(p, {"A": "Acute", "B": "Acute", "C": "Acute", "D": "Community > East"})
    got = par.set_index("parent")
    assert bool(got.loc["Acute", "visible"]) is shown
    assert got.loc["Acute", "n"] == 2 * BIG + K + edge and got.loc["Acute", "hidden"] == K + edge
    assert got.loc["Community > East", ["name", "depth", "above"]].tolist() == ["East", 1, "Community"]
    assert got.loc["Community", "teams"] == ("D",) and bool(got.loc["Community", "visible"])
    assert list(par.columns) == ["parent", "name", "depth", "above", "teams", "n", "hidden", "visible",
                                 "count"]
    # a parent's exact count minus its visible teams' gives its small teams' total (rule 1)
    assert got.loc["Community", "count"] == 2 * BIG
    if shown:  # 2 and K - 2 below k: their exact total K pins neither
        assert got.loc["Acute", "count"] == 2 * BIG + K
    two = parent_plan(plan([("A", BIG, BIG), ("B", 0, K - 1), ("C", 0, K - 1)]),
                      {"A": "Acute", "B": "Acute", "C": "Acute"}).set_index("parent")
    assert bool(two.loc["Acute", "visible"]) and two.loc["Acute", "count"] == f"at least {2 * BIG}"


def _answers(teams: dict, skip: dict | None = None) -> pd.DataFrame:
    """Responses answering every item (a fixed pattern); ``skip`` maps (team, form) to how many
    of them leave ``vdm1`` blank."""
    rows = [(t, f) for t, (p, c) in teams.items() for f in ["psw"] * p + ["colleague"] * c]
    resp = pd.DataFrame(rows, columns=["team", "form"])
    x = pd.DataFrame(np.tile(np.arange(36) % 5 + 1, (len(resp), 1)), columns=INST.item_ids,
                     dtype="float64")
    resp = pd.concat([resp, x], axis=1)
    for (t, f), n in (skip or {}).items():
        idx = resp.index[(resp["team"] == t) & (resp["form"] == f)][:n]
        resp.loc[idx, "vdm1"] = np.nan
    return resp


@pytest.mark.parametrize("edge,withheld", [(-1, True), (0, False)])
def test_rule8_validation_item_where_a_split_teams_psws_answered_k_minus_1(edge, withheld):
    # A split (BIG, BIG); all but K + edge of its PSWs skip vdm1 (the cell still has 3 of 4)
    teams = {"A": (BIG, BIG), "B": (BIG, BIG)}
    resp = _answers(teams, {("A", "psw"): BIG - K - edge})
    p = plan([(t, *n) for t, n in teams.items()])
    out = validation_items(resp, pd.Series(True, index=resp.index), p, INST)
    assert ("vdm1" in out["psw"]) is withheld and ("vdm1" in out["colleague"]) is withheld
    assert out["psw"] <= {"vdm1"} and out["colleague"] <= {"vdm1"}


@pytest.mark.parametrize("edge,withheld", [(-1, True), (0, False)])
def test_rule8_validation_item_minus_a_psw_only_team(edge, withheld):
    # A: PSWs only; B: K + edge PSWs and BIG colleagues. PSW form minus A's share = B's PSWs.
    teams = {"A": (BIG, 0), "B": (K + edge, BIG)}
    resp = _answers(teams)
    p = plan([(t, *n) for t, n in teams.items()])
    out = validation_items(resp, pd.Series(True, index=resp.index), p, INST)
    items = set(INST.item_ids)
    assert (out["psw"] == items) is withheld and (out["colleague"] == items) is withheld
    if not withheld:
        assert out == {"psw": set(), "colleague": set()}


def test_complete_rows_by_hand():
    from copro_scale.privacy import complete_rows

    resp = _answers({"A": (2, 1)})
    cell = [it.id for it in INST.cell_items("voice", "decision_making")]  # 4 items: 2 needed
    resp.loc[0, cell[:2]] = np.nan        # half answered: scored
    resp.loc[1, cell[:3]] = np.nan        # one of four: not scored
    assert complete_rows(resp, INST).tolist() == [True, False, True]
    cells = pd.DataFrame({c: [1.0, np.nan] for c in INST.cells})
    assert complete_rows(cells, INST).tolist() == [True, False]
    assert complete_rows(pd.DataFrame({"team": ["A"]}), INST) is None


def test_plan_for_counts_complete_respondents_per_form():
    from dataclasses import replace

    from copro_scale.privacy import plan_for

    teams = {"A": (K, K), "B": (0, BIG)}
    resp = _answers(teams)
    assert plan_for(resp).weights("A") == "forms_equal"
    cell = [it.id for it in INST.cell_items("identity", "ideological")]
    for form, first in (("colleague", K), ("psw", 0)):
        r = resp.copy()
        r.loc[first, cell] = np.nan               # one of A's K on this form has no cell
        p = plan_for(r)
        assert p.weights("A") == "respondents" and p.form_counts("A") == {
            "psw": str(K), "colleague": str(K)}
        assert p.teams["n"].tolist() == [2 * K, BIG]
    strict = replace(INST, min_responses=K + 1)
    assert plan_for(resp, strict).promise == K + 1
    assert plan_for(resp[["team", "form"]]).weights("A") == "forms_equal"


def test_isolated_groups_with_a_big_atom_in_every_figure():
    assert isolated_groups([[1, 1]], [20, 2], K) == []   # the small atom never stands alone


@pytest.mark.parametrize("edge,shown", [(-1, True), (0, False)])
def test_rule1_organisation_count_does_not_pin_small_teams(edge, shown):
    # two teams below k, pooled (K - 1 + K - 2 + edge >= K): at edge 0 each must hold K - 1
    p = plan([("A", BIG, BIG), ("B", 0, K - 1), ("C", 0, K - 1 + edge)])
    assert p.organisation_teams == ("A", "B", "C")
    assert p.organisation_count_shown is shown
    assert (p.organisation_count() == 2 * BIG + 2 * K - 2 + edge) is shown


def test_view_text_says_whose_view_in_every_case():
    c = pd.DataFrame({"team": ["H", "S", "C", "P", "B", "O", "W"],
                      "n_psw": [1, K, 0, K, K - 1, 1, K], "n_colleague": [1, K + 1, K, 0, K - 1, K, K],
                      "n_psw_complete": [1, K, 0, K, K - 1, 1, K],
                      "n_colleague_complete": [1, K + 1, K, 0, K - 1, K, K - 1]})
    p = disclosure_plan(c)
    n = 2 * K - 2
    assert p.view_text("H") == f"Fewer than {K} people answered, so nothing is shown."
    assert p.view_text("S") == (
        f"These figures rest on {2 * K + 1} responses: {K} from peer support workers and {K + 1} "
        "from colleagues. Each form counts half, so the PSWs' own view weighs as much as their "
        "colleagues'.")
    assert p.view_text("C") == (
        f"These figures rest on {K} responses, all from colleagues: no peer support worker "
        "answered, so they say how colleagues see the PSWs' position, not how PSWs see it.")
    assert p.view_text("P") == (
        f"These figures rest on {K} responses, all from peer support workers: no colleague answered.")
    assert p.view_text("B") == (
        f"These figures rest on {n} responses from peer support workers and colleagues, fewer "
        f"than {K} on each form, so every response counts once (1/{n} each) and the split is not "
        "shown.")
    assert p.view_text("O") == (
        f"These figures rest on {K + 1} responses: fewer than {K} from peer support workers and "
        f"at least 2 from colleagues. With fewer than {K} on one form, every response counts "
        f"once (1/{K + 1} each), so no one's answers weigh more than the threshold allows.")
    assert p.view_text("W") == (
        f"These figures rest on {2 * K} responses: {K} from peer support workers and {K} from "
        f"colleagues, but fewer than {K} on one form answered every part, so every response "
        "counts once and the split is not shown.")


@pytest.mark.parametrize("edge,shown", [(-1, False), (0, True)])
def test_parent_beside_the_organisation_at_k(edge, shown):
    from copro_scale.privacy import parent_plan

    # X: A and small B, C (6 between them); E1, E2: small teams in no service, K - 1 + edge
    p = plan([("A", BIG, BIG), ("B", 0, 3), ("C", 0, 3), ("E1", 0, 2), ("E2", 0, K - 2 + edge)])
    par = parent_plan(p, {"A": "X", "B": "X", "C": "X"}).set_index("parent")
    assert bool(par.loc["X", "visible"]) is shown  # organisation minus X's and A's: E1 + E2


def test_parent_minus_its_shown_sub_parent():
    from copro_scale.privacy import parent_plan

    p = plan([("A", BIG, BIG), ("B", 0, 3), ("C", 0, 3), ("D", 0, 2), ("F", BIG, BIG),
              ("G1", 0, 3), ("G2", 0, 3)])  # G1, G2: small, in no service
    par = parent_plan(p, {"A": "X", "B": "X > S", "C": "X > S", "D": "X", "F": "Y"})
    vis = dict(zip(par["parent"], par["visible"]))
    assert vis == {"X": False, "X > S": True, "Y": True}  # X minus S and A = D's 2
    assert par.set_index("parent").loc["X > S", "above"] == "X"


def test_rule5_one_uncovered_respondent():
    assert not plan([("A", BIG, BIG), ("B", 1, BIG)]).pooled_gap


def test_rule8_one_respondent_answering_part_of_a_cell():
    teams = {"A": (BIG, BIG), "B": (BIG, BIG)}
    resp = _answers(teams)
    cell = [it.id for it in INST.cell_items("voice", "decision_making")]
    resp.loc[0, cell[1:]] = np.nan  # one PSW answers one of the cell's four items
    out = validation_items(resp, pd.Series(True, index=resp.index), plan(
        [(t, *n) for t, n in teams.items()]), INST)
    assert set(cell) <= out["psw"] and not out["colleague"]


def test_rule8_one_pooled_answerer_no_share_covers():
    # H1 (one person) and H2 (K - 1) are below k and pooled; H2 all skip vdm1
    teams = {"A": (BIG, BIG), "H1": (0, 1), "H2": (0, K - 1)}
    resp = _answers(teams, {("H2", "colleague"): K - 1})
    out = validation_items(resp, pd.Series(True, index=resp.index), plan(
        [(t, *n) for t, n in teams.items()]), INST)
    assert "vdm1" in out["colleague"] and "vdm1" in out["psw"]
