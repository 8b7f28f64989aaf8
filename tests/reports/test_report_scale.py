"""The report's figures on many teams and rows: per-team work once a team, memory in line with the
answers read (no table of rows x items, no scan of every team per statement)."""

import tracemalloc

import pandas as pd

from copro_scale.instrument import load_instrument
from copro_scale.privacy import DisclosurePlan, disclosure_plan
from copro_scale.reports.data import item_distribution, statement_shares
from copro_scale.simulate import simulate


def test_statement_shares_asks_the_plan_a_team_weights_once_per_team(monkeypatch):
    """Two teams, three statements each: the plan is asked each team's weights once (2 calls),
    not once per team and statement (6)."""
    rows = [(t, f, i) for t in ("A", "B") for f in ("psw", "colleague") for i in ("x1", "x2", "x3")]
    dist = pd.DataFrame(rows, columns=["team", "form", "id"]).assign(
        disagree=1, neutral=2, agree=3, none=0)
    plan = disclosure_plan(pd.DataFrame({"team": ["A", "B"], "n_psw": [6, 6],
                                         "n_colleague": [6, 6]}))
    asked = []
    weights = DisclosurePlan.weights

    def spy(self, team):
        asked.append(team)
        return weights(self, team)

    monkeypatch.setattr(DisclosurePlan, "weights", spy)
    statement_shares(dist, plan, "forms_equal")
    assert sorted(asked) == ["A", "B"]


def test_item_distribution_holds_no_long_table_of_every_answer():
    """20,000 responses x 36 items (3.1 MB as read): counting them peaks below 4 x the table
    (a long table of every answer with its team and form, 720,000 rows, took 94 MB)."""
    inst = load_instrument()
    responses = simulate(40, 500, seed=1).responses
    size = responses.memory_usage(deep=True).sum()
    tracemalloc.start()
    try:
        d = item_distribution(responses, inst)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * size, (peak, size)
    counts = d[["disagree", "neutral", "agree", "none"]].sum(axis=1)
    assert int(counts.sum()) == len(responses) * len(inst.item_ids)  # every answer counted once
