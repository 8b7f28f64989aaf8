"""How sure a reader may be: clustering of respondents in teams, and which differences to flag.

A difference (a team against the organisation, a score now against the last wave) is *flagged*
only when its 95% interval excludes 0 **and** its size reaches the minimal important difference
:data:`MINIMAL_IMPORTANT_DIFFERENCE`. Organisation intervals carry the clustering of respondents
in teams through a design effect from ICC(1) (:func:`design_effect`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The smallest difference of a 1-5 score worth acting on (scale points). A convention after
#: Norman, Sloan & Wyrwich's (2003) half a standard deviation: it lies between half the
#: within-team SD and half the total SD of respondents' face scores (docs/reports.md).
MINIMAL_IMPORTANT_DIFFERENCE = 0.3


def design_effect(values: pd.Series, teams: pd.Series) -> tuple[float, float]:
    r"""Kish's design effect of a mean over respondents clustered in teams, and its ICC(1).

    .. math::

        \mathrm{deff} = 1 + (\bar m^{*} - 1)\,\max(\mathrm{ICC}(1), 0), \qquad
        \bar m^{*} = \frac{\sum_j m_j^2}{\sum_j m_j}

    where :math:`m_j` is team :math:`j`'s number of answers and ICC(1) is the one-way ANOVA
    intraclass correlation :math:`(MSB - MSW) / (MSB + (k - 1) MSW)` with :math:`k = n / J`,
    as :func:`copro_scale.psychometrics.team_agreement` computes it (Bliese 2000). A mean over
    all respondents then has variance ``deff`` times the variance it would have were the
    respondents independent: multiply its standard error by ``sqrt(deff)``.

    Parameters
    ----------
    values : Series
        One score per respondent (NaN = not answered; left out).
    teams : Series
        Each respondent's team, aligned with ``values``.

    Returns
    -------
    (float, float)
        ``deff`` (1 when fewer than two teams or no spread) and ICC(1) (NaN then).

    References
    ----------
    Kish, L. (1965). *Survey sampling*. Wiley, section 5.4.
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability. In Klein &
    Kozlowski (Eds.), *Multilevel theory, research, and methods in organizations*, 349-381.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series([1.0, 2, 3, 4, 4, 5, 5, 6])
    >>> t = pd.Series(["a"] * 4 + ["b"] * 4)
    >>> deff, icc1 = design_effect(v, t)
    >>> round(icc1, 4), round(deff, 4)
    (0.7083, 3.125)
    """
    from ..psychometrics import team_agreement

    ok = values.notna().to_numpy()
    x = pd.DataFrame({"v": values.to_numpy(float)[ok], "team": teams.astype(str).to_numpy()[ok]})
    sizes = x["team"].value_counts()
    if len(sizes) < 2 or len(x) <= len(sizes) or x["v"].std() == 0:
        return 1.0, float("nan")
    icc1 = float(team_agreement(x, "team").icc1)
    m_star = float((sizes ** 2).sum() / sizes.sum())
    return 1.0 + (m_star - 1.0) * max(icc1, 0.0), icc1


def flag(delta, lo, hi, mid: float = MINIMAL_IMPORTANT_DIFFERENCE) -> str:
    """``"higher"``, ``"lower"`` or ``""``: flagged only when the interval ``lo``-``hi`` excludes
    0 and ``|delta|`` reaches ``mid``.

    Examples
    --------
    >>> flag(0.5, 0.1, 0.9), flag(-0.5, -0.9, -0.1), flag(0.5, -0.1, 1.1), flag(0.2, 0.1, 0.3)
    ('higher', 'lower', '', '')
    """
    vals = np.array([delta, lo, hi], dtype=float)
    if not np.isfinite(vals).all() or abs(vals[0]) < mid - 1e-12:
        return ""
    if vals[1] > 0:
        return "higher"
    if vals[2] < 0:
        return "lower"
    return ""
