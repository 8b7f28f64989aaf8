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
    out = p.withhold_shares(fav, answered, {"voice.decision_making": ["vdm1", "vdm2"]})
    assert bool(out[["vdm1", "voice.decision_making"]].notna().all(axis=None)) is ok
    assert out["vdm2"].notna().all()
