"""Each team's co-production type, with a calibrated probability, and its lever for change.

The rule
--------
1. **Rows.** A respondent counts when at least one of their nine cell scores is present; ``n``,
   ``n_psw`` and ``n_colleague`` count those respondents, and a team with fewer than
   ``min_responses`` of them is ``suppressed`` (not classified). Rows are put in a fixed order
   (team, form, scores) first, so no result depends on the order of the input.
2. **Profile.** The posterior is over the team's nine *cell* means, a basis of full rank (the
   three face and the three construct scores are averages of the same nine cells, so the six
   are linearly dependent: faces and constructs have the same sum). Every respondent counts once.
   With ``weights="forms_equal"`` (default) the organisation's colleague-minus-PSW gap ``delta``
   (per cell) is taken out, so the profile estimates the view of the target form (``view``):
   with ``view="psw"`` (default) a colleague's cells move down by ``delta`` and a PSW's stay;
   with ``view="midpoint"`` a PSW's move up by ``delta/2`` and a colleague's down by
   ``delta/2``. ``delta`` is the organisation's pooled gap that the report may publish (rows the
   organisation figures pool), used only when the disclosure plan lets that gap be shown;
   otherwise ``delta = 0`` and the gap's size counts as uncertainty (``GAP_PRIOR_SD``). With
   ``weights="respondents"`` nothing is taken out (the plain mean). Each respondent's
   acquiescence ``a`` (:func:`copro_scale.score`'s ``acquiescence``, from the cells' positively
   worded and reverse-keyed items) is taken out of their cells first:
   ``cell - a * (positively worded - reverse-keyed) / items`` (``acquiescence=False``: not).
3. **Posterior.** ``mu | data ~ t_nu(m, T V)`` over the nine cells (flat prior): ``m`` is the
   team's adjusted mean, ``T`` the temperature (:data:`TEMPERATURE`, chosen on the package's
   simulator under the realistic nuisance profile), ``V = W o N + c c' s_g^2 +
   diag(c^2 se_delta^2)``, where

   - ``W`` is the within-team covariance of respondents' cell scores pooled over the
     organisation (within team and form), each pair of cells from the respondents with both
     (:func:`within_covariance`), so a missing answer leaves out only its own pairs; its
     correlations' negative eigenvalues (pairwise estimates can have them) are set to 0, the
     diagonal rescaled to 1, and the correlations shrunk by ``SHRINK`` towards the identity:
     positive definite by construction. ``nu`` is the smallest degrees of freedom of a pair;
   - ``N[i, j] = n_ij / (n_i n_j)`` (``n_i`` the team's respondents with cell ``i``, ``n_ij``
     with both) is a Gram matrix with a positive diagonal, so ``W o N`` is positive definite
     (Schur product theorem) whatever the pattern of missing cells;
   - ``c_i`` is the share of the team's cell-``i`` respondents whose scores were moved
     (colleagues for ``view="psw"``; ``(n_c - n_p) / 2n`` for ``"midpoint"``), ``s_g`` the SD by
     which a team's own gap differs from ``delta`` (:func:`team_gap_sd`, from the teams with
     both forms, never below ``GAP_SD_FLOOR``), ``se_delta`` the gap's standard error (Welch).

   A team with no respondent for some cell, or an organisation whose within-team spread cannot
   be estimated (a pair of cells that no two respondents of a team and form both have), is
   ``indeterminate`` with the reason in ``reason``; the other teams go on.
4. **Regions.** Each posterior draw's face profile (the mean of each face's three cells) has an
   outcome, its :mod:`~copro_scale.typology` region (a type, or ``mixed``).
5. **Probability.** ``p_T = P(face profile in region T | data)``, from ``n_draws`` seeded draws
   (the same standard draws for every team). The outcome with the largest probability is
   reported when it reaches ``min_probability`` (the instrument's, .80); otherwise the team is
   ``indeterminate``. Ties go to the outcome listed first in :data:`OUTCOMES`.
6. **Lever.** The construct (voice, experience, identity) with the lowest adjusted score, with
   ``p_lever`` the posterior probability that it is the lowest. Scores equal to 1e-9 are a tie,
   and a tie goes to the construct listed first (voice, then experience, then identity).

Calibration and recovery are measured in ``benchmarks/bench_calibration.py`` and
``benchmarks/bench_classify.py``; the tables are in docs/classification.md.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .aggregate import WEIGHTS, team_counts
from .instrument import (
    CELLS,
    CONSTRUCTS,
    FACES,
    TYPES,
    Instrument,
    cell_name,
    load_instrument,
)
from .privacy import check_threshold, plan_for
from .typology import OUTCOMES, Typology

#: Types a team can get besides the three of the paper.
OTHER_TYPES: tuple[str, ...] = ("mixed", "indeterminate", "suppressed")
#: Views the adjusted profile can estimate (``view``).
VIEWS: tuple[str, ...] = ("psw", "midpoint")
#: Smallest SD (scale points) of a team's own PSW-vs-colleague gap around the organisation's.
GAP_SD_FLOOR = 0.10
#: SD of a team's own gap when it cannot be estimated (fewer than ``GAP_MIN_TEAMS`` teams).
GAP_SD = 0.25
#: Teams with both forms needed to estimate the SD of the team gaps.
GAP_MIN_TEAMS = 10
#: SD of the organisation's gap when the disclosure plan withholds it (it is then not used).
GAP_PRIOR_SD = 0.35
#: Weight of the identity in the within-team correlations (Schafer & Strimmer's target D).
SHRINK = 0.05
#: Factor on the posterior covariance (temperature scaling, Guo et al. 2017, ICML), chosen on
#: the package's simulator under the realistic nuisance profile (benchmarks/choose_temperature.py).
TEMPERATURE = 0.80
#: Two construct scores closer than this are a tie for the lever.
TIE = 1e-9
CELL_COLS = [cell_name(c, f) for c, f in CELLS]
_COLS = [*FACES, *CONSTRUCTS]
_CHUNK = 2_000_000  # posterior values held at once (x 8 bytes)
# faces and constructs as averages of the nine cells (rows: score, columns: cell)
_FACE_OF = np.array([[1 / 3 if f == face else 0.0 for _, f in CELLS] for face in FACES])
_CONSTRUCT_OF = np.array([[1 / 3 if c == con else 0.0 for c, _ in CELLS] for con in CONSTRUCTS])

__all__ = ["OTHER_TYPES", "OUTCOMES", "VIEWS", "classify_teams", "organisation_gap",
           "team_gap_sd"]


def organisation_gap(scores: pd.DataFrame, min_responses: int | None = None,
                     columns: list[str] | None = None, *,
                     instrument: Instrument | None = None) -> pd.DataFrame | None:
    """The organisation's colleague-minus-PSW gap per score, or None when it may not be shown.

    It is the pooled gap over the rows the organisation figures pool
    (:meth:`copro_scale.privacy.DisclosurePlan.organisation_rows`), and only when the
    disclosure plan lets that pooled gap be published, so it adds nothing a reader of the report
    could not already compute.

    Returns
    -------
    DataFrame or None
        Index: score; columns ``gap`` (colleague minus PSW) and ``se`` (Welch).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"team": ["A"] * 10, "form": ["psw"] * 5 + ["colleague"] * 5,
    ...                   "voice": [2.0, 3, 2, 3, 2, 3, 4, 3, 4, 3]})
    >>> round(float(organisation_gap(s, 5, ["voice"]).loc["voice", "gap"]), 2)
    1.0
    """
    columns = columns or [c for c in _COLS if c in scores.columns]
    k = check_threshold(instrument, min_responses)
    return _gap_if_shown(scores, plan_for(scores, instrument, k), columns)


def _gap_if_shown(scores: pd.DataFrame, plan, columns: list[str]) -> pd.DataFrame | None:
    """The pooled gap over the plan's organisation rows, or None when the plan withholds it."""
    if not plan.pooled_gap:
        return None
    rows = plan.organisation_rows(scores)
    x = rows[columns].astype("float64")
    psw = x[rows["form"].to_numpy() == "psw"]
    col = x[rows["form"].to_numpy() == "colleague"]
    se = np.sqrt(psw.var(ddof=1) / psw.count() + col.var(ddof=1) / col.count())
    return pd.DataFrame({"gap": col.mean() - psw.mean(), "se": se})


def within_covariance(x: np.ndarray, group: np.ndarray, shrink: float = SHRINK):
    """Pooled within-group covariance of the columns of ``x``, each pair from the rows that have
    both, positive definite by construction; and its degrees of freedom.

    For columns ``i`` and ``j``, the rows with both values: each value's deviation from its
    group's mean over those rows, ``S_ij = sum dev_i dev_j / df_ij`` with ``df_ij`` = those rows
    minus their groups (the residual covariance of a one-way MANOVA of the two columns on the
    rows with both; ``S_ii`` from every row with column ``i``). A missing answer thus leaves out
    only the pairs it is part of, not the whole row. The correlations ``R = S_ij / sqrt(S_ii
    S_jj)`` so estimated can have negative eigenvalues; these are set to 0 and the matrix is
    rescaled to a unit diagonal (Rousseeuw & Molenberghs 1993; a no-op when ``R`` is positive
    semidefinite), then shrunk: ``R* = (1 - shrink) R + shrink I`` (Schafer & Strimmer 2005,
    target D), whose eigenvalues are all at least ``shrink``. ``W = D R* D``, ``D`` the SDs.

    Returns ``(W, df)`` with ``df`` the smallest ``df_ij``; ``W`` is None when some pair of
    columns has ``df_ij < 1`` or a variance is zero.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0], [5.0, 5.0], [np.nan, 1.0]])
    >>> W, df = within_covariance(x, np.array([0, 0, 0, 1, 1]), shrink=0.0)
    >>> W.round(3).tolist(), df
    ([[1.0, 1.5], [1.5, 4.222]], 2)
    """
    ok = ~np.isnan(x)
    g = pd.factorize(group)[0]
    k = x.shape[1]
    if len(x) == 0:
        return None, 0
    x0, o = np.where(ok, x, 0.0), ok.astype(float)
    groups = g.max() + 1
    count = np.empty((groups, k, k))  # rows of group g with both i and j
    total = np.empty((groups, k, k))  # their sum of column i
    for j in range(k):
        count[:, :, j] = np.column_stack([np.bincount(g, weights=o[:, i] * o[:, j],
                                                      minlength=groups) for i in range(k)])
        total[:, :, j] = np.column_stack([np.bincount(g, weights=x0[:, i] * o[:, j],
                                                      minlength=groups) for i in range(k)])
    df_ij = count.sum(axis=0) - (count > 0).sum(axis=0)
    df = int(df_ij.min())
    if df < 1:
        return None, df
    with np.errstate(invalid="ignore", divide="ignore"):
        between = np.where(count > 0, total * total.transpose(0, 2, 1) / count, 0.0)
    s = (x0.T @ x0 - between.sum(axis=0)) / df_ij
    sd = np.sqrt(np.diag(s))
    if not (sd > 0).all():
        return None, df
    e, u = np.linalg.eigh(s / np.outer(sd, sd))
    r = (u * np.maximum(e, 0.0)) @ u.T
    r = r / np.sqrt(np.outer(np.diag(r), np.diag(r)))
    r = (1 - shrink) * r + shrink * np.eye(k)
    return r * np.outer(sd, sd), df


def standard_t_draws(nu: float, n_draws: int, k: int, seed: int = 0) -> np.ndarray:
    """``n_draws`` seeded draws of a ``k``-variate standard t with ``nu`` df: ``z sqrt(nu / w)``,
    ``z ~ N(0, I)``, ``w ~ chi2(nu)``; ``m + L t`` with ``L L' = V`` is then ``t_nu(m, V)``.

    Examples
    --------
    >>> standard_t_draws(10, 4, 3).shape
    (4, 3)
    """
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_draws, k))
    return z * np.sqrt(nu / rng.chisquare(nu, size=n_draws))[:, None]


@dataclass
class _Spread:
    """The organisation-wide parts of the posterior (step 2-3 of the rule)."""

    delta: np.ndarray  # per cell, colleague minus PSW (0 when not used)
    se_delta: np.ndarray  # per cell
    gap_sd: float  # SD of a team's own gap around delta
    cov: np.ndarray | None  # within-team covariance W of the cells (None: cannot be estimated)
    nu: float


def _ordered_rows(scores: pd.DataFrame) -> pd.DataFrame:
    """Rows with at least one cell score, in a fixed order (team, form, cell scores)."""
    x = scores[CELL_COLS].to_numpy(dtype="float64", na_value=np.nan)
    used = scores.loc[~np.isnan(x).all(axis=1)]
    keys = [used[c].to_numpy(dtype="float64", na_value=np.inf) for c in reversed(CELL_COLS)]
    keys += [used["form"].astype(str).to_numpy(), used["team"].astype(str).to_numpy()]
    return used.iloc[np.lexsort(keys)]


def _keying_balance(inst: Instrument) -> np.ndarray:
    """Per cell, ``(positively worded - reverse-keyed) / items``: how much of a respondent's
    acquiescence reaches the cell score (a cell with as many of each kind is free of it)."""
    out = []
    for c, f in CELLS:
        rev = [it.reverse for it in inst.cell_items(c, f)]
        out.append((len(rev) - 2 * sum(rev)) / len(rev))
    return np.array(out)


def _take_out_acquiescence(rows: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """The rows with each respondent's acquiescence taken out of their cell scores (step 2)."""
    a = rows["acquiescence"].to_numpy(dtype="float64", na_value=np.nan)
    x = rows[CELL_COLS].to_numpy(dtype="float64", na_value=np.nan)
    out = rows.copy()
    out[CELL_COLS] = x - np.nan_to_num(a)[:, None] * _keying_balance(inst)[None, :]
    return out


def _row_shift(form_psw: np.ndarray, delta: np.ndarray, view: str) -> np.ndarray:
    """What each row's cells move by to estimate ``view`` (rows x cells)."""
    if view == "psw":
        return np.where(form_psw, 0.0, -1.0)[:, None] * delta[None, :]
    return np.where(form_psw, 0.5, -0.5)[:, None] * delta[None, :]


def _organisation_spread(rows: pd.DataFrame, cells: pd.DataFrame, plan, weights: str,
                         view: str, gap_sd: float | None) -> _Spread:
    """The gap taken out (from the published scores ``rows``), its uncertainty, and the
    within-team covariance (of ``cells``, the scores the posterior uses) (steps 2-3)."""
    k = len(CELL_COLS)
    delta, se_delta = np.zeros(k), np.zeros(k)
    if weights == "forms_equal":
        gap = _gap_if_shown(rows, plan, CELL_COLS)
        if gap is not None and np.isfinite(gap["gap"]).all():
            delta = gap["gap"].to_numpy("float64")
            se_delta = np.nan_to_num(gap["se"].to_numpy("float64"), nan=GAP_PRIOR_SD)
        else:  # the gap may not be shown, so it is not used: its size is all uncertainty
            se_delta = np.full(k, GAP_PRIOR_SD)
    team = rows["team"].astype(str).to_numpy()
    form_psw = rows["form"].to_numpy() == "psw"
    pos = pd.Index(team).isin(plan.organisation_teams)  # rows organisation figures pool
    x = cells[CELL_COLS].to_numpy(dtype="float64", na_value=np.nan)[pos]
    adj = x + _row_shift(form_psw[pos], delta, view)
    key = team[pos] + "\x00" + rows["form"].to_numpy()[pos].astype(str)
    cov, df = within_covariance(adj, pd.factorize(key)[0])
    if gap_sd is None:
        gap_sd = (GAP_SD if cov is None else
                  team_gap_sd(x, team[pos], form_psw[pos], _straightliners(rows)[pos]))
    return _Spread(delta, se_delta, float(gap_sd), cov, float(df))


def _straightliners(rows: pd.DataFrame) -> np.ndarray:
    """Rows flagged ``straightline`` by :func:`~copro_scale.score` (False when not flagged)."""
    if "straightline" not in rows:
        return np.zeros(len(rows), dtype=bool)
    return rows["straightline"].to_numpy(dtype=bool, na_value=False)


def team_gap_sd(x: np.ndarray, team: np.ndarray, form_psw: np.ndarray,
                straightline: np.ndarray | None = None) -> float:
    """SD of the teams' own colleague-minus-PSW gaps around their mean (method of moments).

    Each respondent's score is their mean cell score ``y`` (over the cells they have). A team
    with both forms has the observed gap ``d_t = ybar_colleague - ybar_psw``, whose variance is
    the true gaps' variance ``s_g^2`` plus the sampling part ``s_c^2 / n_c + s_p^2 / n_p``, with
    ``s_c^2`` and ``s_p^2`` the variance of ``y`` within team, pooled over the teams, for each
    form (``df = respondents - teams``; pooled over both forms when one form never has two
    respondents in a team):

        s_g^2 = var(d) - mean(s_c^2 / n_c + s_p^2 / n_p),

    the moment estimator of a one-way random-effects model (Searle, Casella & McCulloch 1992,
    ch. 3) with a sampling variance per form, as in Welch's test. The variances are taken from
    the same ``y`` as the gaps, every respondent with any cell, so the sampling part matches
    what the gaps carry: a respondent with missing cells ("don't know", skips) has a noisier
    ``y`` than one with all nine, and colleagues' "don't know" makes their ``y`` noisier than
    PSWs'. Respondents flagged ``straightline`` are left out of both
    parts: after the acquiescence correction they score 3 in every cell whatever their team
    (Meade & Craig 2012 screen such long strings out before analysis). The result is never
    below ``GAP_SD_FLOOR``, and ``GAP_SD`` when fewer than ``GAP_MIN_TEAMS`` teams have both
    forms or the within-group variance cannot be estimated.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> team = np.repeat(np.arange(40), 6).astype(str)
    >>> psw = np.tile([True, True, False, False, False, False], 40)
    >>> gap = np.repeat(rng.normal(0.3, 0.3, 40), 6)  # teams' own gaps: SD 0.3
    >>> x = (rng.normal(0, 0.5, (240, 9)) + np.where(psw, 0, gap)[:, None])
    >>> round(team_gap_sd(x, team, psw), 1)
    0.3
    """
    keep = np.ones(len(x), dtype=bool) if straightline is None else ~np.asarray(straightline)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row with no cell: mean of nothing
        y = np.nanmean(x[keep], axis=1)
    frame = pd.DataFrame({"team": np.asarray(team)[keep], "psw": np.asarray(form_psw)[keep],
                          "y": y}).dropna()
    groups = frame.groupby(["team", "psw"])["y"]
    g = groups.agg(["mean", "count"]).unstack("psw")
    if (True not in g["mean"].columns) or (False not in g["mean"].columns):
        return GAP_SD  # one form only: no team has both
    sq = (frame["y"] - groups.transform("mean")) ** 2
    s2 = {}
    for form in (True, False):  # within-team variance of y, pooled over the teams, per form
        on = frame["psw"].to_numpy() == form
        df = int(on.sum()) - int(frame.loc[on, "team"].nunique())
        s2[form] = float(sq[on].sum()) / df if df >= 1 else np.nan
    if np.isnan(s2[True]) and np.isnan(s2[False]):
        return GAP_SD
    if np.isnan(s2[True]) or np.isnan(s2[False]):  # one form never twice in a team: pool
        df = len(frame) - groups.ngroups
        s2[True] = s2[False] = float(sq.sum()) / df
    g = g.dropna()
    if len(g) < GAP_MIN_TEAMS:
        return GAP_SD
    d = (g[("mean", False)] - g[("mean", True)]).to_numpy()
    sampling = float(np.mean(s2[False] / g[("count", False)] + s2[True] / g[("count", True)]))
    excess = np.var(d, ddof=1) - sampling
    return max(GAP_SD_FLOOR, float(np.sqrt(max(excess, 0.0))))


@dataclass
class _Posterior:
    """Each shown team's posterior ``t_nu(m, V)`` over the nine cells (step 3)."""

    plain: np.ndarray  # teams x 6: plain means of the face and construct scores
    m: np.ndarray  # teams x 9: adjusted cell means
    V: np.ndarray  # teams x 9 x 9
    reason: np.ndarray  # teams: why the team cannot be typed ("" when it can)


def _team_posteriors(rows: pd.DataFrame, shown: np.ndarray, spread: _Spread, weights: str,
                     view: str, temperature: float = 1.0) -> _Posterior:
    team_str = rows["team"].astype(str).to_numpy()
    sel = pd.Index(team_str).isin(shown)  # hashed: np.isin on text is quadratic-slow
    sub = rows.loc[sel]
    code = pd.Index(shown).get_indexer(team_str[sel])
    T, K = len(shown), len(CELL_COLS)
    x = sub[CELL_COLS].to_numpy(dtype="float64", na_value=np.nan)
    psw = sub["form"].to_numpy() == "psw"
    adj = x + _row_shift(psw, spread.delta, view)
    ok = ~np.isnan(x)

    def per_team(values):  # team sums of each column, without a rows x columns x columns array
        return np.column_stack([np.bincount(code, weights=values[:, j], minlength=T)
                                for j in range(values.shape[1])])
    n_i = per_team(ok.astype(float))
    # respondents with both cells i and j: count each team's missingness patterns
    pattern, pat_code = np.unique(ok, axis=0, return_inverse=True)
    by_pattern = np.bincount(code * len(pattern) + pat_code.ravel(),
                             minlength=T * len(pattern)).reshape(T, len(pattern))
    n_ij = np.einsum("tp,pi,pj->tij", by_pattern, pattern.astype(float), pattern.astype(float))
    plain_x = sub[_COLS].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = per_team(np.nan_to_num(plain_x)) / per_team((~np.isnan(plain_x)).astype(float))
        m = per_team(np.where(ok, adj, 0.0)) / n_i
    reason = np.full(T, "", dtype=object)
    empty = n_i == 0
    for t in np.flatnonzero(empty.any(axis=1)):
        cells = ", ".join(CELL_COLS[j] for j in np.flatnonzero(empty[t]))
        reason[t] = f"no respondent has a score for {cells}"
    if spread.cov is None:
        reason[reason == ""] = ("the within-team spread cannot be estimated: for some pair of cells, "
                                "no team has two respondents on one form with both")
        return _Posterior(plain, m, np.full((T, K, K), np.nan), reason)
    with np.errstate(invalid="ignore", divide="ignore"):
        V = spread.cov[None] * n_ij / (n_i[:, :, None] * n_i[:, None, :])
    if weights == "forms_equal":
        moved = per_team((ok & (psw[:, None] if view == "midpoint" else ~psw[:, None]))
                         .astype(float))
        with np.errstate(invalid="ignore", divide="ignore"):
            c = moved / n_i if view == "psw" else (n_i - 2 * moved) / (2 * n_i)
        V = (V + spread.gap_sd**2 * c[:, :, None] * c[:, None, :]
             + c[:, :, None] ** 2 * np.diag(spread.se_delta**2)[None])
    return _Posterior(plain, m, temperature * V, reason)


def _outcome_probabilities(post: _Posterior, typology: Typology, nu: float, n_draws: int,
                           seed: int):
    """Posterior probability of each outcome and of each construct being lowest (steps 4-6)."""
    T, K = post.m.shape
    tally = np.full((T, len(OUTCOMES)), np.nan)
    lever = np.full((T, len(CONSTRUCTS)), np.nan)
    valid = np.flatnonzero(post.reason == "")
    if len(valid) == 0:
        return tally, lever
    z = standard_t_draws(nu, n_draws, K, seed)
    chunk = max(1, _CHUNK // (n_draws * K))
    for start in range(0, len(valid), chunk):
        idx = valid[start:start + chunk]
        L = np.linalg.cholesky(post.V[idx])  # positive definite by construction (see above)
        cells = post.m[idx, None, :] + np.einsum("tij,dj->tdi", L, z)  # teams x draws x cells
        code = typology.outcome(cells @ _FACE_OF.T)
        tally[idx] = (code[..., None] == np.arange(len(OUTCOMES))).mean(axis=1)
        low = _lowest(cells @ _CONSTRUCT_OF.T)
        lever[idx] = (low[..., None] == np.arange(len(CONSTRUCTS))).mean(axis=1)
    return tally, lever


def _lowest(scores: np.ndarray) -> np.ndarray:
    """Index of the lowest score on the last axis; ties (within TIE) go to the first."""
    low = np.nanmin(scores, axis=-1, keepdims=True)
    return np.argmax(scores <= low + TIE, axis=-1)


def classify_teams(scores: pd.DataFrame, instrument: Instrument | None = None, *,
                   min_responses: int | None = None, min_probability: float | None = None,
                   n_draws: int = 4000, seed: int = 0, weights: str = "forms_equal",
                   view: str = "psw", max_distance: float | None = None,
                   gap_sd: float | None = None, n_boot: int | None = None,
                   plan=None, acquiescence: bool = True,
                   temperature: float | None = None) -> pd.DataFrame:
    """Classify every team's co-production type with a posterior probability.

    ``plan`` is the run's :class:`~copro_scale.privacy.DisclosurePlan` (default:
    :func:`copro_scale.privacy.plan_for` the scores): which rows the pooled gap may use.

    Parameters
    ----------
    scores : DataFrame
        Per-response scores from :func:`copro_scale.score` (needs ``team``, ``form``, the nine
        cell scores, and the three face and three construct scores).
    instrument : Instrument, optional
        Source of the prototypes, ``min_probability`` and ``max_distance`` (default: packaged).
    min_responses : int, optional
        Teams with fewer respondents with scores are ``suppressed`` and not classified
        (default: the instrument's threshold; never below it).
    min_probability : float, optional
        Probability a type needs to be reported (default: the instrument's, .80).
    n_draws : int
        Posterior draws (Monte Carlo error of a probability p: ``sqrt(p (1-p) / n_draws)``).
    seed : int
        Seed of the draws; the result does not depend on the order of the rows.
    weights : {"forms_equal", "respondents"}
        ``"forms_equal"``: the organisation's gap is taken out so that the profile estimates
        ``view`` whatever the team's PSW/colleague mix, every respondent counted once;
        ``"respondents"``: the plain mean. See the module docstring.
    view : {"psw", "midpoint"}
        The view the adjusted profile estimates: the PSWs' (colleagues brought to the PSWs' level
        by the organisation gap) or the midpoint of the two forms' views.
    max_distance : float, optional
        Distance from every type's region beyond which the outcome is ``mixed`` (default: the
        instrument's).
    gap_sd : float, optional
        SD of a team's own gap around the organisation's (``"forms_equal"`` only; default:
        estimated from the teams with both forms, at least ``GAP_SD_FLOOR``).
    acquiescence : bool
        Take each respondent's acquiescence (the ``acquiescence`` column of
        :func:`~copro_scale.score`, when present) out of their cell scores before the posterior:
        ``cell - a * (positively worded - reverse-keyed) / items``. The plain face and
        construct columns and the organisation's gap ``delta`` are the published scores'.
    temperature : float, optional
        Factor on the posterior covariance ``V`` (default :data:`TEMPERATURE`, chosen on the
        package's simulator under the realistic nuisance profile by
        ``benchmarks/choose_temperature.py``); 1 is the sampling model as it stands.
    n_boot : int, optional
        Deprecated name of ``n_draws`` (the draws are posterior draws, not a bootstrap).

    Returns
    -------
    DataFrame
        One row per team, sorted by team, with these columns (names are stable):

        - ``team``; ``n_psw, n_colleague, n``: respondents with at least one cell score (the
          ones whose scores were used); ``n_responses``: rows of the team, used or not;
          ``suppressed``: ``n`` is below ``min_responses``;
        - the face and construct scores (plain means, every respondent once);
        - ``nearest`` and ``distance``: the type region nearest the adjusted profile;
        - ``p_neutralized, p_enhanced, p_tokenistic, p_mixed``;
        - ``type``: a type of :data:`~copro_scale.instrument.TYPES`, ``mixed``,
          ``indeterminate`` or ``suppressed``; ``probability`` (of ``type``, or the largest
          when ``indeterminate``);
        - ``reason``: why the team has no type (``suppressed`` or ``indeterminate``: not
          probable enough, a cell with no scores, a spread that cannot be estimated), ``""``
          when it has one;
        - ``lever`` and ``p_lever``; ``forms`` (whose view the type rests on:
          ``"psw+colleague"``, ``"colleague"`` - colleagues' view only - or ``"psw"``);
          ``weights``; ``<face>_adjusted`` (the profile the type rests on).

        Suppressed teams carry only their counts, ``type`` and ``reason``; an indeterminate
        team that cannot be typed at all has no probabilities.

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> from copro_scale import score, read_responses
    >>> sim = simulate(3, 12, seed=3)
    >>> out = classify_teams(score(read_responses(sim.responses)), n_draws=500, seed=1)
    >>> list(out.columns[:5])
    ['team', 'n_psw', 'n_colleague', 'n', 'n_responses']
    >>> out["type"].tolist() == sim.truth.sort_values("team")["type"].tolist()
    True
    """
    inst = instrument or load_instrument()
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}, not {weights!r}")
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, not {view!r}")
    if n_boot is not None:
        warnings.warn("n_boot is deprecated; use n_draws (posterior draws)", DeprecationWarning,
                      stacklevel=2)
        n_draws = n_boot
    n_draws = int(n_draws)
    if n_draws < 1:
        raise ValueError("n_draws must be at least 1")
    p_min = inst.min_probability if min_probability is None else float(min_probability)
    typology = Typology.from_instrument(inst, max_distance=max_distance)
    min_responses = check_threshold(inst, min_responses)

    # 1. rows and counts -------------------------------------------------------------------
    rows = _ordered_rows(scores)
    out = _empty_output(scores, rows, min_responses, weights)
    shown = out.loc[~out["suppressed"], "team"].to_numpy()
    if len(shown) == 0:
        return out
    # 2-3. the organisation's gap and spread, each team's posterior ------------------------
    if plan is None:  # the run's plan, from the one place that decides
        plan = plan_for(scores, inst, min_responses)
    cells = (_take_out_acquiescence(rows, inst) if acquiescence and "acquiescence" in rows
             else rows)
    spread = _organisation_spread(rows, cells, plan, weights, view, gap_sd)
    post = _team_posteriors(cells, shown, spread, weights, view,
                            TEMPERATURE if temperature is None else float(temperature))
    # 4-6. outcome and lever probabilities, decisions ---------------------------------------
    tally, lever = _outcome_probabilities(post, typology, spread.nu, n_draws, seed)
    _write_decisions(out, shown, post, tally, lever, typology, p_min)
    return out


def _empty_output(scores: pd.DataFrame, rows: pd.DataFrame, min_responses: int,
                  weights: str) -> pd.DataFrame:
    """The output frame: counts, suppression, and empty result columns."""
    every = team_counts(scores)
    out = every[["team"]].merge(team_counts(rows), on="team", how="left").fillna(0)
    for c in ("n_psw", "n_colleague", "n"):
        out[c] = out[c].astype("int64")
    out["n_responses"] = every["n"].to_numpy()
    out["suppressed"] = out["n"] < min_responses
    for c in _COLS:
        out[c] = np.nan
    out["nearest"], out["distance"] = None, np.nan
    for o in OUTCOMES:
        out[f"p_{o}"] = np.nan
    out["type"], out["probability"] = "suppressed", np.nan
    out["reason"] = np.where(out["suppressed"],
                             f"fewer than {min_responses} respondents with scores", "")
    out["lever"], out["p_lever"] = None, np.nan
    out["forms"] = np.where(out["n_psw"] > 0, "psw+colleague", "colleague")
    out.loc[out["n_colleague"] == 0, "forms"] = "psw"
    out["weights"] = weights
    for f in FACES:
        out[f"{f}_adjusted"] = np.nan
    return out


def _write_decisions(out: pd.DataFrame, shown, post: _Posterior, tally, lever,
                     typology: Typology, p_min: float) -> None:
    """Type, probability, reason, lever and the profile, for the shown teams (in place)."""
    T = len(shown)
    target = out.set_index("team").index.get_indexer(shown)
    valid = post.reason == ""
    faces_m = post.m @ _FACE_OF.T
    cons = post.m @ _CONSTRUCT_OF.T
    best = np.nan_to_num(tally, nan=-1).argmax(axis=1)
    pbest = np.where(valid, np.nan_to_num(tally, nan=-1).max(axis=1), np.nan)
    typed = valid & (pbest >= p_min)
    names = np.array(OUTCOMES, dtype=object)
    reason = post.reason.copy()
    weak = valid & ~typed
    reason[weak] = [f"not probable enough: the most probable outcome, {names[b]}, has "
                    f"probability {p:.2f}, below {p_min:.2f}" for b, p in zip(best[weak],
                                                                               pbest[weak])]
    dist = typology.distances(faces_m)
    has = np.isfinite(dist).all(axis=1)
    near = np.argmin(np.where(has[:, None], dist, 0), axis=1)
    c_ok = np.isfinite(cons).all(axis=1)
    low = _lowest(np.where(np.isnan(cons), np.inf, cons))
    for j, col in enumerate(_COLS):
        out.loc[target, col] = post.plain[:, j]
    for j, f in enumerate(FACES):
        out.loc[target, f"{f}_adjusted"] = faces_m[:, j]
    out.loc[target, "nearest"] = np.where(has, np.array(TYPES, dtype=object)[near], None)
    out.loc[target, "distance"] = np.where(has, dist[np.arange(T), near], np.nan)
    for k, o in enumerate(OUTCOMES):
        out.loc[target, f"p_{o}"] = tally[:, k]
    out.loc[target, "type"] = np.where(typed, names[best], "indeterminate")
    out.loc[target, "probability"] = pbest
    out.loc[target, "reason"] = reason
    out.loc[target, "lever"] = np.where(c_ok, np.array(CONSTRUCTS, dtype=object)[low], None)
    out.loc[target, "p_lever"] = np.where(c_ok & valid, lever[np.arange(T), low], np.nan)
