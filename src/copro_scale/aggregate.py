"""Team and organisation scores with 95% intervals, PSW vs colleague gaps and wave-to-wave change.

Everything here is a pure, vectorised function of the per-response score table that
:func:`copro_scale.score` returns (``response_id, team, role, form`` and the score columns).
Nothing here decides what may be shown: that is :mod:`copro_scale.privacy`.

Weighting (``weights``)
-----------------------
``"forms_equal"`` (default)
    A team's score is the mean of its PSW-form mean and its colleague-form mean when both forms
    have answers, otherwise the mean of the one form present. The two forms are two views of one
    situation; weighting them equally stops the colleague form, which carries most respondents,
    from drowning out the PSWs' own view.
``"respondents"``
    Every respondent counts once (the plain mean).

Intervals
---------
With forms weighted equally the standard error is ``sqrt(s2 * sum_f w_f**2 / n_f)``, where ``s2``
is the team's pooled within-form variance (``df = n - k`` for ``k`` forms present) and ``w_f =
1/k``; the interval is ``mean +- t(.975, df) * se``. With ``"respondents"`` it is the usual
``t`` interval of a mean. Intervals need ``df >= 1``; otherwise they are NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .instrument import CONSTRUCTS, FACES, FORMS

WEIGHTS = ("forms_equal", "respondents")
#: Pseudo-team name under which organisation figures are computed.
ORGANISATION = "\x00organisation"


def team_counts(scores: pd.DataFrame) -> pd.DataFrame:
    """Respondents per team and form: ``team, n_psw, n_colleague, n`` (sorted by team).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"team": ["A", "A", "B"], "form": ["psw", "colleague", "colleague"]})
    >>> team_counts(s).to_dict("records")[0]
    {'team': 'A', 'n_psw': 1, 'n_colleague': 1, 'n': 2}
    """
    tab = pd.crosstab(scores["team"], scores["form"]).reindex(columns=list(FORMS), fill_value=0)
    out = pd.DataFrame({
        "team": tab.index.astype(str),
        "n_psw": tab["psw"].to_numpy(dtype="int64"),
        "n_colleague": tab["colleague"].to_numpy(dtype="int64"),
    })
    out["n"] = out["n_psw"] + out["n_colleague"]
    return out.sort_values("team", kind="stable").reset_index(drop=True)


def _form_stats(scores: pd.DataFrame, columns: list[str]):
    """Per team x form: counts, means and sums of squares as arrays (team, form, column)."""
    x = scores[["team", "form", *columns]].copy()
    x[columns] = x[columns].astype("float64")
    g = x.groupby(["team", "form"], sort=True)[columns]
    cnt, mean, var0 = g.count(), g.mean(), g.var(ddof=0)
    teams = sorted(scores["team"].astype(str).unique())
    idx = pd.MultiIndex.from_product([teams, list(FORMS)], names=["team", "form"])
    shape = (len(teams), len(FORMS), len(columns))
    cnt = cnt.reindex(idx, fill_value=0).to_numpy("float64").reshape(shape)
    mean = mean.reindex(idx).to_numpy("float64").reshape(shape)
    ss = var0.reindex(idx).to_numpy("float64").reshape(shape) * cnt
    return teams, cnt, mean, np.nan_to_num(ss)


def team_scores(scores: pd.DataFrame, columns: list[str] | None = None, *,
                weights: str = "forms_equal", level: float = 0.95) -> pd.DataFrame:
    """Team means with ``level`` intervals, long format.

    Parameters
    ----------
    scores : DataFrame
        Per-response scores (``team``, ``form`` and the score columns).
    columns : list of str, optional
        Score columns to aggregate (default: faces, constructs and cells present in ``scores``).
    weights : {"forms_equal", "respondents"}
        See the module docstring.

    Returns
    -------
    DataFrame
        ``team, score, mean, se, df, lo, hi, n`` (``n`` = respondents with that score).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"team": ["A"] * 4, "form": ["psw", "psw", "colleague", "colleague"],
    ...                   "voice": [2.0, 3.0, 4.0, 5.0]})
    >>> r = team_scores(s, ["voice"]).iloc[0]
    >>> float(r["mean"]), int(r["n"])
    (3.5, 4)
    """
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}, not {weights!r}")
    if columns is None:
        want = [*FACES, *CONSTRUCTS, *[c for c in scores.columns if "." in str(c)]]
        columns = [c for c in want if c in scores.columns]
    teams, cnt, mean, ss = _form_stats(scores, columns)
    n = cnt.sum(axis=1)
    present = cnt > 0
    k = present.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if weights == "forms_equal":
            w = np.where(present, 1.0 / np.maximum(k, 1)[:, None, :], 0.0)
            m = np.where(present, mean, 0.0)
            est = np.where(k > 0, (w * m).sum(axis=1), np.nan)
            df = n - k
            s2 = ss.sum(axis=1) / df
            se = np.sqrt(s2 * np.where(present, w**2 / np.where(present, cnt, 1), 0).sum(axis=1))
        else:
            est = np.where(n > 0, (np.where(present, mean, 0) * cnt).sum(axis=1) / n, np.nan)
            # total SS = within-form SS + between-form SS
            between = (cnt * (np.where(present, mean, 0) - est[:, None, :]) ** 2).sum(axis=1)
            df = n - 1
            se = np.sqrt((ss.sum(axis=1) + between) / df / n)
        ok = df >= 1
        t = stats.t.ppf(0.5 + level / 2, np.where(ok, df, 1))
        lo = np.where(ok, est - t * se, np.nan)
        hi = np.where(ok, est + t * se, np.nan)
        se = np.where(ok, se, np.nan)
    out = pd.DataFrame({
        "team": np.repeat(np.array(teams, dtype=object), len(columns)),
        "score": np.tile(np.array(columns, dtype=object), len(teams)),
        "mean": est.ravel(), "se": se.ravel(), "df": df.ravel().astype("int64"),
        "lo": lo.ravel(), "hi": hi.ravel(), "n": n.ravel().astype("int64"),
    })
    return out


def organisation_scores(scores: pd.DataFrame, columns: list[str] | None = None, *,
                        weights: str = "forms_equal", level: float = 0.95) -> pd.DataFrame:
    """Organisation means with intervals over every row of ``scores`` (one pseudo-team).

    Pass only the rows that may be pooled (see :meth:`copro_scale.privacy.DisclosurePlan.
    organisation_rows`). The interval treats respondents as independent, so it ignores the
    clustering in teams and is narrower than a multilevel interval would be.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"team": ["A", "B"], "form": ["colleague"] * 2, "voice": [2.0, 4.0]})
    >>> float(organisation_scores(s, ["voice"])["mean"].iloc[0])
    3.0
    """
    pooled = scores.assign(team=ORGANISATION)
    return team_scores(pooled, columns, weights=weights, level=level).drop(columns="team")


def form_gaps(scores: pd.DataFrame, columns: list[str] | None = None, *,
              level: float = 0.95) -> pd.DataFrame:
    """PSW minus colleague mean per team and score, with a Welch interval.

    A negative gap means PSWs rate the situation less favourably than their colleagues do.

    Returns
    -------
    DataFrame
        ``team, score, psw, colleague, gap, lo, hi, n_psw, n_colleague``; the interval is NaN
        when a form has fewer than two answers.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"team": ["A"] * 4, "form": ["psw", "psw", "colleague", "colleague"],
    ...                   "voice": [2.0, 3.0, 4.0, 5.0]})
    >>> float(form_gaps(s, ["voice"])["gap"].iloc[0])
    -2.0
    """
    columns = columns or [c for c in FACES if c in scores.columns]
    teams, cnt, mean, ss = _form_stats(scores, columns)
    p, c = FORMS.index("psw"), FORMS.index("colleague")
    n1, n2 = cnt[:, p], cnt[:, c]
    with np.errstate(invalid="ignore", divide="ignore"):
        v1, v2 = ss[:, p] / (n1 - 1) / n1, ss[:, c] / (n2 - 1) / n2
        se = np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
        ok = (n1 >= 2) & (n2 >= 2) & np.isfinite(df)
        t = stats.t.ppf(0.5 + level / 2, np.where(ok, df, 1))
    gap = mean[:, p] - mean[:, c]
    return pd.DataFrame({
        "team": np.repeat(np.array(teams, dtype=object), len(columns)),
        "score": np.tile(np.array(columns, dtype=object), len(teams)),
        "psw": mean[:, p].ravel(), "colleague": mean[:, c].ravel(), "gap": gap.ravel(),
        "lo": np.where(ok, gap - t * se, np.nan).ravel(),
        "hi": np.where(ok, gap + t * se, np.nan).ravel(),
        "n_psw": n1.ravel().astype("int64"), "n_colleague": n2.ravel().astype("int64"),
    })


def change(current: pd.DataFrame, previous: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Change of each team's score since an earlier wave, with a normal-approximation interval.

    Both arguments are :func:`team_scores` tables; teams or scores present in only one wave are
    left out. ``se = sqrt(se_now**2 + se_then**2)`` treats the waves as independent samples.

    Examples
    --------
    >>> import pandas as pd
    >>> now = pd.DataFrame({"team": ["A"], "score": ["voice"], "mean": [3.5], "se": [0.1]})
    >>> then = pd.DataFrame({"team": ["A"], "score": ["voice"], "mean": [3.0], "se": [0.1]})
    >>> round(float(change(now, then)["delta"].iloc[0]), 2)
    0.5
    """
    m = current[["team", "score", "mean", "se"]].merge(
        previous[["team", "score", "mean", "se"]], on=["team", "score"], suffixes=("", "_prev"))
    z = stats.norm.ppf(0.5 + level / 2)
    se = np.sqrt(m["se"] ** 2 + m["se_prev"] ** 2)
    delta = m["mean"] - m["mean_prev"]
    return pd.DataFrame({"team": m["team"], "score": m["score"], "previous": m["mean_prev"],
                         "current": m["mean"], "delta": delta,
                         "lo": delta - z * se, "hi": delta + z * se})


def wide(long: pd.DataFrame, value: str = "mean") -> pd.DataFrame:
    """Pivot a long ``team, score`` table to one row per team, one column per score.

    Examples
    --------
    >>> import pandas as pd
    >>> w = wide(pd.DataFrame({"team": ["A", "A"], "score": ["x", "y"], "mean": [1.0, 2.0]}))
    >>> list(w.columns), float(w.loc["A", "y"])
    (['x', 'y'], 2.0)
    """
    out = long.pivot(index="team", columns="score", values=value)
    out.columns.name = None
    return out[list(dict.fromkeys(long["score"]))]
