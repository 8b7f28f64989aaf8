"""A split team's statement share when one form answered 1 to k-1 times (rule 8).

Found by ``copro audit`` on generated organisation 130 (``benchmarks/audit_organisations.py``):
a team of 5 PSWs and 9 colleagues, one PSW skipped ``ind2``. The PSW view was withheld (4
answers), but the share over all 13 answers and ``--favourable`` were shown; with the exact
colleague count the page gives, 13 - 9 pinned the PSW answerers at 4 and the team's answers
bounded their mean to one category. The oracle counts answers in the raw table by hand.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
import pytest

from copro_scale import read_responses
from copro_scale.cli import main
from copro_scale.privacy import plan_for
from copro_scale.reports.data import item_distribution, statement_shares

from .orgs import INST, organisation

K = INST.min_responses


def _exposed(data: pd.DataFrame, plan) -> set[tuple[str, str]]:
    """(team, item) where a split team's one form answered 1 to k-1 times (counted by hand)."""
    out = set()
    split = set(plan.teams.loc[plan.teams["split_visible"], "team"])
    for (team, form), part in data.groupby(["team", "form"]):
        if team not in split:
            continue
        for item in INST.item_ids:
            v = pd.to_numeric(part[item], errors="coerce")
            answered = int(((v >= 1) & (v <= 5)).sum())
            if 0 < answered < K:
                out.add((str(team), item))
    return out


@pytest.fixture(scope="module")
def org130():
    data = organisation(130)
    return data, plan_for(data)


def test_the_generated_case_is_there(org130):
    data, plan = org130
    assert ("Team 09", "ind2") in _exposed(data, plan)


def test_report_withholds_the_share_over_every_answer(org130):
    data, plan = org130
    resp = read_responses(data).data
    shares = statement_shares(item_distribution(resp, INST), plan).set_index(["team", "id"])
    for key in _exposed(data, plan):
        assert np.isnan(shares.loc[key, "agree"]), key


def test_favourable_withholds_the_item_and_its_cell(org130, tmp_path):
    data, plan = org130
    path = tmp_path / "r.csv"
    data.to_csv(path, index=False)
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["score", str(path), "-o", str(tmp_path / "s.csv"),
                     "--favourable", str(tmp_path / "f.csv")]) == 0
    fav = pd.read_csv(tmp_path / "f.csv").set_index("team")
    for team, item in _exposed(data, plan):
        it = next(i for i in INST.items if i.id == item)
        assert np.isnan(fav.loc[team, item]) and np.isnan(fav.loc[team, f"{it.construct}.{it.face}"])
