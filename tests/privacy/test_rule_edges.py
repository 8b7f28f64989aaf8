"""The rules' edges the mutation run over privacy.py found unguarded (docs/testing.md).

Every expected value is written by hand from the rule in the module's docstring, with the
arithmetic in a comment; none is computed by the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from copro_scale.instrument import load_instrument
from copro_scale.privacy import disclosure_plan, parent_plan

INST = load_instrument()
K = INST.min_responses
BIG = 3 * K


def plan(rows, k=K):
    return disclosure_plan(pd.DataFrame(rows, columns=["team", "n_psw", "n_colleague"]), k)


def test_parent_shown_once_the_failing_service_inside_it_is_withheld():
    # P > C: A (visible) and H1 (3 below k): C's remainder is 3, so C is withheld.
    # P: C's teams, B (visible) and H2 (2). With C shown P's remainder would be 5 - 3 = 2, but
    # C is withheld, so P minus its visible teams A and B is H1 + H2 = 5 >= k: P is shown.
    p = plan([("A", BIG, BIG), ("B", BIG, BIG), ("H1", 0, 3), ("H2", 0, 2)])
    par = parent_plan(p, {"A": "P > C", "H1": "P > C", "B": "P", "H2": "P"}).set_index("parent")
    assert par["visible"].to_dict() == {"P": True, "P > C": False}
    assert par.loc["P", "count"] == 4 * BIG + 5        # 5 = 3 + 2 pins neither small team
    assert par.loc["P > C", "count"] == f"at least {2 * BIG}"


def test_parent_count_exact_once_the_pinning_count_inside_it_is_not():
    # X > Y > Z. Z holds small teams of 2 and 3 (total 5 pins neither): exact.
    # Y adds two of K - 1: with Z exact, Y minus Z gives 2(K - 1) = two K - 1s (pinned), so Y's
    # count reads "at least". X adds five of 1: with Y exact, X minus Y would give 5 = five 1s
    # (pinned); with Y not exact, X minus Z gives 2(K - 1) + 5, which neither 1 nor K - 1 per
    # team accounts for: X's count is exact.
    ones = {f"O{i}": "X" for i in range(5)}
    small = [("Z1", 0, 2), ("Z2", 0, 3), ("Y1", 0, K - 1), ("Y2", 0, K - 1)]
    p = plan([("A", BIG, BIG), ("B", BIG, BIG), ("C", BIG, BIG), *small,
              *[(t, 0, 1) for t in ones]])
    parents = {"A": "X > Y > Z", "Z1": "X > Y > Z", "Z2": "X > Y > Z", "B": "X > Y",
               "Y1": "X > Y", "Y2": "X > Y", "C": "X"} | ones
    par = parent_plan(p, parents).set_index("parent")
    assert par["visible"].all() and par.loc["X > Y > Z", "above"] == "X > Y"
    assert par["count"].to_dict() == {"X": 6 * BIG + 5 + 2 * (K - 1) + 5,
                                      "X > Y": f"at least {4 * BIG}",
                                      "X > Y > Z": 2 * BIG + 5}


def test_published_validation_keeps_counts_whole_and_a_doc_without_forms():
    from copro_scale.privacy import published_validation

    assert published_validation({"n": 40}) == {"n": 40}      # nothing per form to round
    assert published_validation({"forms": {"psw": {}}}) == {"forms": {"psw": {}}}
    doc = {"forms": {"psw": {"reliability": [
        {"item_stats": {"columns": ["n", "mean"], "data": [[12, 3.14159]]}}]}}}
    row = published_validation(doc)["forms"]["psw"]["reliability"][0]["item_stats"]["data"][0]
    assert type(row[0]) is int and row == [12, 3.14]          # "12", not "12.0", in the JSON


def test_isolated_groups_ignore_empty_atoms_and_see_atoms_of_k_as_large():
    from copro_scale.privacy import isolated_groups

    # organisation minus team = atoms 1 and 2; atom 1 is empty, so the group is atom 2 alone
    assert isolated_groups([[1, 1, 1], [1, 0, 0]], [20, 0, 2], K) == [[2]]
    # f1 - f2 = atom 0 - atom 1 (one person each): atom 2 holds K, and only it may cancel out
    assert isolated_groups([[1, 0, 1], [0, 1, 1]], [1, 1, K], K) == [[0, 1]]


def test_rref_pivot_at_the_tolerance():
    from copro_scale.privacy import _rref

    assert [r.tolist() for r in _rref(np.array([[1e-9, 0.0]]))] == [[1.0, 0.0]]  # |p| = tol: kept
    assert _rref(np.array([[5e-10, 0.0]])) == []                                # below: zero


def _answers(teams: dict) -> pd.DataFrame:
    """Responses answering every item with a fixed pattern, ``teams`` mapping team -> (psw, colleague)."""
    rows = [(t, f) for t, (p, c) in teams.items() for f in ["psw"] * p + ["colleague"] * c]
    resp = pd.DataFrame(rows, columns=["team", "form"])
    x = pd.DataFrame(np.tile(np.arange(36) % 5 + 1, (len(resp), 1)), columns=INST.item_ids,
                     dtype="float64")
    return pd.concat([resp, x], axis=1)


def test_validation_items_read_rows_missing_from_the_analysed_rows_as_not_analysed():
    from copro_scale.privacy import validation_items

    teams = {"A": (BIG, BIG), "B": (BIG, BIG)}  # both split, every item answered
    resp = _answers(teams)
    p = plan([(t, *n) for t, n in teams.items()])
    full = pd.Series(True, index=resp.index)
    assert validation_items(resp, full, p, INST) == {"psw": set(), "colleague": set()}
    # one colleague of B not analysed (absent from ``rows``): B's share minus B's PSW share minus
    # (the colleague statistics minus A's share minus A's PSW share) is that one person
    last = resp.index[-1]
    assert resp.loc[last, ["team", "form"]].tolist() == ["B", "colleague"]
    items = set(INST.item_ids)
    assert validation_items(resp, full.drop(last), p, INST) == {"psw": items, "colleague": items}


def test_careless_flags_missing_for_a_row_read_as_not_careless():
    p = plan([("A", BIG, BIG)])
    frame = pd.DataFrame({"team": ["A"] * 2 * BIG, "form": ["psw"] * BIG + ["colleague"] * BIG})
    careless = pd.Series(True, index=range(K))  # flags given for K PSWs only
    assert int(p.validation_rows(frame, careless).sum()) == 2 * BIG - K


def test_threshold_error_names_the_setting():
    import pytest

    from copro_scale.errors import CoproError
    from copro_scale.privacy import check_threshold

    with pytest.raises(CoproError, match="field 'min_responses'"):
        check_threshold(None, K - 1)


def test_complete_rows_keep_the_frame_index():
    from copro_scale.privacy import complete_rows

    resp = _answers({"A": (1, 1)}).set_axis([7, 9])
    assert complete_rows(resp, INST).index.tolist() == [7, 9]


def test_shares_shown_of_no_rows_is_boolean():
    p = plan([("A", BIG, BIG)])
    got = p.shares_shown(pd.DataFrame({"team": [], "psw": [], "colleague": []}))
    assert got.dtype == bool and got.empty


def test_parent_count_exact_unless_the_organisation_minus_it_pins_teams_outside():
    # X: A and small teams of 2 and K - 2 (exact total K pins neither). Outside every service:
    # two teams of K - 1. The organisation's exact count minus X's and A's would be 2(K - 1):
    # two K - 1s, pinned; so X's count reads "at least" (the organisation's own count is exact:
    # 2 + K - 2 + 2(K - 1) = 3K - 2 over four teams pins none).
    p = plan([("A", BIG, BIG), ("X1", 0, 2), ("X2", 0, K - 2), ("E1", 0, K - 1), ("E2", 0, K - 1)])
    assert p.organisation_count_shown
    par = parent_plan(p, {"A": "X", "X1": "X", "X2": "X"}).set_index("parent")
    assert bool(par.loc["X", "visible"]) and par.loc["X", "count"] == f"at least {2 * BIG}"


def test_parent_withheld_when_withholding_the_one_inside_leaves_it_a_few():
    # P > C: A and H1 (3): withheld. P adds H2 (1): with C withheld P minus A is 4 < K: withheld.
    p = plan([("A", BIG, BIG), ("H1", 0, 3), ("H2", 0, 1)])
    par = parent_plan(p, {"A": "P > C", "H1": "P > C", "H2": "P"}).set_index("parent")
    assert par["visible"].to_dict() == {"P": False, "P > C": False}


def test_parent_edges_by_hand():
    # exactly K respondents, none hidden: shown; a remainder of one: withheld
    # (I and J, in no service, keep the organisation's remainder at 2K - 2 or more)
    p = plan([("A", K, 0), ("B", BIG, BIG), ("H", 0, 1), ("I", 0, K - 1), ("J", 0, K - 1)])
    par = parent_plan(p, {"A": "S", "B": "T", "H": "T"}).set_index("parent")
    assert bool(par.loc["S", "visible"]) and par.loc["S", "n"] == K
    assert not bool(par.loc["T", "visible"])                  # T minus B = H, one person
    # a team without a parent (None or NaN) or not in the plan is left out, the rest kept
    par = parent_plan(p, {"B": np.nan, "A": None, "Z": "S", "H": "T > V", "I": "T"}
                      ).set_index("parent")
    assert par.index.tolist() == ["T", "T > V"] and par.loc["T > V", "above"] == "T"
    empty = parent_plan(p, {})
    assert list(empty.columns) == ["parent", "name", "depth", "above", "teams", "n", "hidden",
                                   "visible", "count"]
    assert empty["visible"].dtype == bool and empty["count"].dtype == object


def _cell(construct="voice", face="decision_making") -> set:
    return {it.id for it in INST.cell_items(construct, face)}


@pytest.mark.parametrize("edge,withheld", [(-1, True), (0, False)])
def test_validation_items_of_a_few_respondents_missing_a_whole_cell(edge, withheld):
    # A and B split (BIG, BIG); K + edge PSWs of A skip the whole voice x decision cell. The
    # report's per-form face and construct figures rest on the respondents with every cell;
    # the validation's item statistics on every answerer. So, for each of the other 8 cells,
    # sum(n x mean) of its items minus 4 x (complete PSWs) x its cell's part of the face figures
    # is those K + edge PSWs' answers: at K - 1 the 32 items they answered are withheld, at K
    # nothing is. The cell they skipped holds none of their answers: never withheld for it.
    from copro_scale.privacy import validation_items

    teams = {"A": (BIG, BIG), "B": (BIG, BIG)}
    resp = _answers(teams)
    resp.loc[: K + edge - 1, sorted(_cell())] = np.nan      # the first K + edge rows: A's PSWs
    assert (resp.loc[: K + edge - 1, "form"] == "psw").all()
    p = plan([(t, *n) for t, n in teams.items()])
    out = validation_items(resp, pd.Series(True, index=resp.index), p, INST)
    others = set(INST.item_ids) - _cell()
    assert out == {"psw": others if withheld else set(), "colleague": set()}


def test_validation_items_of_one_split_team_withhold_nothing():
    # one team, split (BIG, BIG): its share, its PSW share and the two forms' statistics are
    # sets of BIG, 2 BIG, BIG and BIG people; their differences are BIG or none
    from copro_scale.privacy import validation_items

    resp = _answers({"A": (BIG, BIG)})
    out = validation_items(resp, pd.Series(True, index=resp.index), plan([("A", BIG, BIG)]), INST)
    assert out == {"psw": set(), "colleague": set()}


def test_validation_items_leave_out_a_share_the_report_withholds():
    # A and B split (BIG, BIG). Of A's colleagues only 3 answer vdm1, and those 3 are not
    # analysed (absent from ``rows``; the cell keeps 3 of 4 items for the other BIG - 3 >= K).
    # Every item but vdm1: A's share - A's PSW share - (colleague statistics - B's share + B's
    # PSW share) = those 3 colleagues: withheld on both forms. vdm1: A's share rests on BIG PSW
    # and 3 colleague answers, which the report withholds (a split team's form with 1 to k-1
    # answers), so no published figure holds the 3: nothing is withheld for it.
    from copro_scale.privacy import validation_items

    teams = {"A": (BIG, BIG), "B": (BIG, BIG)}
    resp = _answers(teams)
    a_col = resp.index[(resp["team"] == "A") & (resp["form"] == "colleague")]
    resp.loc[a_col[3:], "vdm1"] = np.nan
    rows = pd.Series(True, index=resp.index).drop(a_col[:3])
    out = validation_items(resp, rows, plan([(t, *n) for t, n in teams.items()]), INST)
    others = set(INST.item_ids) - {"vdm1"}
    assert out == {"psw": others, "colleague": others}


def test_validation_items_check_the_colleagues_of_an_item_withheld_for_psws():
    # A and B split (BIG, BIG); one colleague of B not analysed; one PSW of A answers one item
    # of the voice x decision cell (1 < K partial: that cell withheld for PSWs first). The
    # colleague statistics still give the unanalysed colleague: B's share - B's PSW share -
    # (colleague statistics - A's share + A's PSW share) = that one person, for every item.
    from copro_scale.privacy import validation_items

    teams = {"A": (BIG, BIG), "B": (BIG, BIG)}
    resp = _answers(teams)
    resp.loc[0, sorted(_cell() - {"vdm1"})] = np.nan
    assert resp.loc[0, "team"] == "A" and resp.loc[0, "form"] == "psw"
    rows = pd.Series(True, index=resp.index).drop(resp.index[-1])
    out = validation_items(resp, rows, plan([(t, *n) for t, n in teams.items()]), INST)
    items = set(INST.item_ids)
    assert out == {"psw": items, "colleague": items}


def test_validation_items_leave_a_withheld_form_out_of_the_other_forms_check():
    # A split (BIG, BIG); one PSW not analysed (N). A's PSW share - the PSW statistics = N:
    # every item withheld for PSWs. Without the PSW statistics, A's share - A's PSW share - the
    # colleague statistics = 0: nothing isolates N, so the colleague statistics are shown.
    from copro_scale.privacy import validation_items

    resp = _answers({"A": (BIG, BIG)})
    rows = pd.Series(True, index=resp.index).drop(resp.index[0])
    out = validation_items(resp, rows, plan([("A", BIG, BIG)]), INST)
    assert out == {"psw": set(INST.item_ids), "colleague": set()}


@pytest.mark.parametrize("lone,withheld", [(1, True), (0, False)])
def test_validation_items_count_a_split_teams_psw_share(lone, withheld):
    # A split (BIG, BIG), its PSW share on its page; B not split, ``lone`` PSWs and BIG
    # colleagues. PSW statistics - A's PSW share = B's PSWs: one person (every item withheld,
    # on both forms: B's share - (colleague statistics - A's share + A's PSW share) gives the
    # same person), or nobody. Without A's PSW share, PSW + colleague statistics = A's share +
    # B's share and nothing would be isolated.
    from copro_scale.privacy import validation_items

    teams = {"A": (BIG, BIG), "B": (lone, BIG)}
    resp = _answers(teams)
    out = validation_items(resp, pd.Series(True, index=resp.index),
                           plan([(t, *n) for t, n in teams.items()]), INST)
    items = set(INST.item_ids) if withheld else set()
    assert out == {"psw": items, "colleague": items}


def test_parent_the_organisation_step_withholds_the_top_service_hiding_most():
    # S1: B and small H1, H2 (3 + 3 = 6 hidden); S2: small H3, H4 (2 + 3 = 5); outside every
    # service: A and H5 (1). Each service's own remainder reaches K, but the organisation's
    # hidden 12 minus the two shown services' 11 is H5 alone. The service hiding most (S1) is
    # withheld first; the organisation's remainder is then 12 - 5 = 7 >= K, so S2 stays.
    p = plan([("A", BIG, BIG), ("B", BIG, BIG), ("H1", 0, 3), ("H2", 0, 3), ("H3", 0, 2),
              ("H4", 0, 3), ("H5", 0, 1)])
    par = parent_plan(p, {"B": "S1", "H1": "S1", "H2": "S1", "H3": "S2", "H4": "S2"}
                      ).set_index("parent")
    assert par["visible"].to_dict() == {"S1": False, "S2": True}
    # S2's exact 5 over two teams pins neither; the organisation minus S2 leaves 3 + 3 + 1 = 7
    # over three teams (not 3 x 1, not 3 x 4): exact
    assert par["count"].to_dict() == {"S1": f"at least {2 * BIG}", "S2": 5}


def test_parent_exact_counts_give_way_outermost_first():
    # X > Y. Y: A and small Y1, Y2 (2 + 3 = 5 over two teams: exact). X adds X1, X2 (2 + 3:
    # exact beside Y). Outside: E1, E2 of K - 1 each. With X exact, the organisation minus X
    # and the visible teams is 2(K - 1) over two teams: pinned. X (outermost) gives way; the
    # organisation minus Y is then 2 + 3 + 2(K - 1) = 13 over four teams: Y stays exact.
    p = plan([("A", BIG, BIG), ("B", BIG, BIG), ("Y1", 0, 2), ("Y2", 0, 3), ("X1", 0, 2),
              ("X2", 0, 3), ("E1", 0, K - 1), ("E2", 0, K - 1)])
    assert p.organisation_count_shown          # 18 over six teams pins none
    par = parent_plan(p, {"A": "X > Y", "Y1": "X > Y", "Y2": "X > Y", "B": "X", "X1": "X",
                          "X2": "X"}).set_index("parent")
    assert par["visible"].all()
    assert par["count"].to_dict() == {"X": f"at least {4 * BIG}", "X > Y": 2 * BIG + 5}


def test_plan_for_reads_complete_rows_with_the_runs_instrument():
    from dataclasses import replace

    from copro_scale.privacy import plan_for

    # the run's instrument names its items "x" + the packaged ids; one of A's K PSWs leaves
    # the voice x decision cell blank: K - 1 PSWs with every cell, so A is not split
    inst = replace(INST, items=tuple(replace(it, id="x" + it.id) for it in INST.items))
    resp = _answers({"A": (K, K)}).rename(columns={i: "x" + i for i in INST.item_ids})
    resp.loc[0, ["x" + i for i in sorted(_cell())]] = np.nan
    assert resp.loc[0, "form"] == "psw"
    assert plan_for(resp, inst).weights("A") == "respondents"


def test_isolated_groups_support_at_the_tolerance():
    from copro_scale.privacy import isolated_groups

    # one figure over atom 0 (one person) and 1e-9 of atom 1 (K - 1): the echelon row's entry of
    # 1e-9 is zero, so the figure is about atom 0 alone
    assert isolated_groups([[1.0, 1e-9]], [1, K - 1], K) == [[0]]
