"""Within-team agreement and reliability of team means: ICC(1), ICC(2), rwg(j), AD(j).

Our own code (numpy/pandas) reproducing Bliese's R package ``multilevel`` (``ICC1``,
``ICC2`` on a one-way ``aov``, ``rwg.j``, ``ad.m``): team members are nested in teams of
unequal sizes, which pingouin's ``intraclass_corr`` (raters crossed with targets) cannot
take. On balanced teams the two agree (tests/psychometrics/test_against_r.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from copro_scale.errors import CoproError
from copro_scale.psychometrics._common import check_items
from copro_scale.psychometrics._result import Result

__all__ = ["AgreementResult", "team_agreement"]


@dataclass(repr=False)
class AgreementResult(Result):
    icc1: float
    icc2: float
    icc: pd.DataFrame
    teams: pd.DataFrame
    n_categories: int
    null_variance: float
    n_obs: int
    n_teams: int
    _frame = "icc"


def _icc(values: np.ndarray, codes: np.ndarray, n_teams: int):
    # own code: pingouin's intraclass_corr needs every rater on every target (crossed, balanced)
    n = len(values)
    counts = np.bincount(codes, minlength=n_teams)
    means = np.bincount(codes, weights=values, minlength=n_teams) / counts
    grand = values.mean()
    ssb = np.sum(counts * (means - grand) ** 2)
    ssw = np.sum((values - means[codes]) ** 2)
    msb = ssb / (n_teams - 1)
    msw = ssw / (n - n_teams)
    k = n / n_teams  # multilevel: GSIZE = (df_within + df_between + 1) / (df_between + 1)
    icc1 = (msb - msw) / (msb + (k - 1) * msw)
    icc2 = (msb - msw) / msb
    return icc1, icc2, msb, msw


def team_agreement(scores, team, n_categories=5):
    r"""ICC(1), ICC(2) of team means and rwg(j), AD(j) within each team.

    Parameters
    ----------
    scores : pandas.DataFrame
        Item (or scale) columns, one row per team member.
    team : str or pandas.Series
        Name of the team column in ``scores``, or a Series of team ids aligned with it.
    n_categories : int
        Number of response categories A of the items (default 5); the uniform null
        variance is :math:`\sigma^2_{EU} = (A^2 - 1)/12` (2 for A = 5).

    Returns
    -------
    AgreementResult
        ``icc1`` and ``icc2`` of the scale score (the row mean of the item columns, or the
        single column), ``icc`` (DataFrame: icc1, icc2, ms_between, ms_within per column
        and for the scale mean), ``teams`` (DataFrame indexed by team: n, rwg_j, ad_j),
        ``null_variance``, ``n_obs`` and ``n_teams``.

    Notes
    -----
    One-way ANOVA with *J* teams and *N* members: :math:`ICC(1) = (MSB - MSW) / (MSB +
    (k-1) MSW)` with :math:`k = N/J`, the mean team size (the ``multilevel`` package's
    convention for unequal sizes); :math:`ICC(2) = (MSB - MSW)/MSB`.
    With *J* items and :math:`\bar s^2` the mean within-team item variance (N-1):
    :math:`r_{wg(j)} = J(1-\bar s^2/\sigma^2_{EU}) / [J(1-\bar s^2/\sigma^2_{EU}) + \bar
    s^2/\sigma^2_{EU}]`. As ``multilevel::rwg.j`` does, :math:`\bar s^2` is truncated at
    :math:`\sigma^2_{EU}`, so rwg(j) lies in [0, 1] (out-of-range values set to 0, as
    recommended by James, Demaree & Wolf, 1984, and LeBreton & Senter, 2008).
    :math:`AD_{(j)}` is the mean over items of the mean absolute deviation from the team's
    item mean (``multilevel::ad.m``, type "mean"). Teams with one member get NaN.
    Rows with a missing value in any item or in ``team`` are dropped (as multilevel).

    References
    ----------
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability. In
    Klein & Kozlowski (Eds.), Multilevel theory, research, and methods in organizations.
    James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. J. Applied Psychology, 69, 85-98.
    Burke, M. J., Finkelstein, L. M., & Dusig, M. S. (1999). On average deviation indices
    for estimating interrater agreement. Organizational Research Methods, 2, 49-68.

    Examples
    --------
    multilevel's ``lq2002`` leadership items (R: ``ICC1(aov(rowMeans(items) ~
    as.factor(COMPID)))`` = 0.0880):

    >>> import pandas as pd
    >>> from copro_scale.psychometrics import team_agreement
    >>> lq = pd.read_csv("tests/reference/lq2002.csv")
    >>> res = team_agreement(lq, "COMPID")
    >>> round(res.icc1, 4)
    0.088
    """
    if not isinstance(scores, pd.DataFrame):
        raise CoproError(f"scores must be a pandas DataFrame, got {type(scores).__name__}")
    if isinstance(team, str):
        if team not in scores.columns:
            raise CoproError(f"team column {team!r} is not in scores")
        ids = scores[team]
        items = scores.drop(columns=[team])
    elif isinstance(team, pd.Series):
        if len(team) != len(scores):
            raise CoproError("team must have one entry per row of scores")
        ids = pd.Series(team.to_numpy(), index=scores.index)
        items = scores
    else:
        raise CoproError("team must be a column name or a pandas Series")
    items = check_items(items, min_items=1, what="scores")
    if not isinstance(n_categories, (int, np.integer)) or n_categories < 2:
        raise CoproError(f"n_categories must be an integer >= 2, got {n_categories!r}")
    keep = items.notna().all(axis=1) & ids.notna()
    items, ids = items[keep], ids[keep]
    codes, uniques = pd.factorize(ids, sort=True)
    n_teams = len(uniques)
    if n_teams < 2:
        raise CoproError("team_agreement needs at least 2 teams")
    if len(items) <= n_teams:
        raise CoproError("team_agreement needs more members than teams")
    x = items.to_numpy(float)
    rows = {}
    cols = list(items.columns)
    for c, name in enumerate(cols):
        rows[str(name)] = _icc(x[:, c], codes, n_teams)
    scale = x.mean(axis=1)
    scale_icc = _icc(scale, codes, n_teams)
    if len(cols) > 1:
        rows["scale_mean"] = scale_icc
    icc = pd.DataFrame(rows, index=["icc1", "icc2", "ms_between", "ms_within"]).T
    ranvar = (n_categories**2 - 1) / 12
    j = x.shape[1]
    df = pd.DataFrame(x, columns=range(j))
    grp = df.groupby(codes)
    n_team = grp.size().to_numpy()
    var = grp.var(ddof=1).to_numpy()  # teams x items
    s = np.minimum(var.mean(axis=1), ranvar)  # NaN for one-member teams
    ratio = s / ranvar
    rwg = j * (1 - ratio) / (j * (1 - ratio) + ratio)
    dev = np.abs(x - grp.transform("mean").to_numpy())
    ad = pd.DataFrame(dev).groupby(codes).mean().to_numpy().mean(axis=1)
    single = n_team < 2
    rwg[single] = np.nan
    ad[single] = np.nan
    teams = pd.DataFrame({"n": n_team, "rwg_j": rwg, "ad_j": ad}, index=pd.Index(uniques, name="team"))
    return AgreementResult(
        icc1=float(scale_icc[0]),
        icc2=float(scale_icc[1]),
        icc=icc,
        teams=teams,
        n_categories=int(n_categories),
        null_variance=float(ranvar),
        n_obs=len(items),
        n_teams=int(n_teams),
    )
