"""Team and organisation scores, intervals, gaps and change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from copro_scale.aggregate import (change, form_gaps, organisation_scores, team_counts,
                                   team_scores, wide)


def _frame(seed=0):
    rng = np.random.default_rng(seed)
    n = 40
    return pd.DataFrame({
        "team": np.repeat(["A", "B"], n // 2),
        "form": np.tile(["psw"] * 4 + ["colleague"] * 16, 2),
        "voice": rng.normal(3, 0.8, n),
    })


def test_respondent_weighting_matches_the_t_interval():
    s = _frame()
    got = team_scores(s, ["voice"], weights="respondents").set_index("team").loc["A"]
    x = s.loc[s["team"] == "A", "voice"]
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert got["mean"] == pytest.approx(x.mean())
    assert (got["lo"], got["hi"]) == pytest.approx((lo, hi))


def test_forms_equal_is_the_mean_of_form_means_with_pooled_variance():
    s = _frame(1)
    got = team_scores(s, ["voice"]).set_index("team").loc["B"]
    b = s[s["team"] == "B"]
    p, c = b.loc[b["form"] == "psw", "voice"], b.loc[b["form"] == "colleague", "voice"]
    assert got["mean"] == pytest.approx((p.mean() + c.mean()) / 2)
    s2 = (((p - p.mean()) ** 2).sum() + ((c - c.mean()) ** 2).sum()) / (len(b) - 2)
    se = np.sqrt(s2 / 4 * (1 / len(p) + 1 / len(c)))
    assert got["se"] == pytest.approx(se)
    assert got["hi"] - got["mean"] == pytest.approx(stats.t.ppf(0.975, len(b) - 2) * se)


def test_one_form_only_and_too_few_for_an_interval():
    s = pd.DataFrame({"team": ["A", "A", "B"], "form": ["colleague", "colleague", "psw"],
                      "voice": [2.0, 4.0, 5.0]})
    t = team_scores(s, ["voice"]).set_index("team")
    assert t.loc["A", "mean"] == 3.0 and np.isfinite(t.loc["A", "hi"])
    assert t.loc["B", "mean"] == 5.0 and np.isnan(t.loc["B", "lo"])


def test_missing_scores_are_left_out_not_zero():
    s = pd.DataFrame({"team": ["A"] * 3, "form": ["colleague"] * 3, "voice": [2.0, np.nan, 4.0]})
    r = team_scores(s, ["voice"]).iloc[0]
    assert r["mean"] == 3.0 and r["n"] == 2


def test_organisation_pools_every_row():
    s = _frame()
    org = organisation_scores(s, ["voice"], weights="respondents").iloc[0]
    assert org["mean"] == pytest.approx(s["voice"].mean())
    assert org["n"] == len(s)


def test_gap_is_psw_minus_colleague_with_welch_interval():
    s = _frame(2)
    g = form_gaps(s, ["voice"]).set_index("team").loc["A"]
    a = s[s["team"] == "A"]
    p, c = a.loc[a["form"] == "psw", "voice"], a.loc[a["form"] == "colleague", "voice"]
    assert g["gap"] == pytest.approx(p.mean() - c.mean())
    res = stats.ttest_ind(p, c, equal_var=False)
    lo, hi = res.confidence_interval(0.95)
    assert (g["lo"], g["hi"]) == pytest.approx((lo, hi))


def test_change_between_waves():
    now = team_scores(_frame(3), ["voice"])
    then = team_scores(_frame(4), ["voice"])
    d = change(now, then).set_index("team")
    assert d.loc["A", "delta"] == pytest.approx(wide(now).loc["A", "voice"]
                                                - wide(then).loc["A", "voice"])
    assert d.loc["A", "lo"] < d.loc["A", "delta"] < d.loc["A", "hi"]


def test_counts_by_form():
    c = team_counts(_frame()).set_index("team")
    assert c.loc["A"].to_dict() == {"n_psw": 4, "n_colleague": 16, "n": 20}
