"""Each team's co-production type, with a calibrated probability, and its lever for change.

The rule
--------
1. **Profile.** Every respondent counts once (``1/n`` of the team figure, never more: the privacy
   rule that no one carries more than ``1/threshold``). With ``weights="forms_equal"`` (default)
   the organisation's average PSW-vs-colleague gap ``delta`` (colleague minus PSW, per score) is
   taken out first: a PSW's scores move up by ``delta/2`` and a colleague's down by ``delta/2``.
   The team's mean then estimates the midpoint of the two forms' views - the profile with the
   forms weighted equally - whatever the team's PSW/colleague mix, without weighting anyone up.
   ``delta`` is exactly the organisation's pooled gap that the report may publish (pooled
   colleague mean minus pooled PSW mean over the rows the organisation figures pool), and it is
   used only when the disclosure plan lets that gap be shown; otherwise ``delta = 0``. With
   ``weights="respondents"`` nothing is taken out (the plain mean).
2. **Posterior.** The team's true profile ``mu`` (faces and constructs) has the posterior
   ``mu | data ~ t_nu(m, V)`` (flat prior): ``m`` is the team's mean, ``V[i, j] = W[i, j] *
   n_ij / (n_i * n_j)`` with ``W`` the within-team covariance of respondents' scores pooled over
   the organisation (within team and form, so it holds person spread and item noise, but not the
   form gap), ``n_i`` the team's respondents with score ``i``, ``n_ij`` with both, and ``nu`` the
   degrees of freedom of ``W``. A single PSW's answers are therefore one noisy draw, not known
   exactly. Under ``"forms_equal"`` ``V`` also carries ``c^2 (s_g^2 J + diag(se_delta^2))`` with
   ``c = (n_colleague - n_psw) / (2 n)``: the team's own gap may differ from ``delta`` by
   ``s_g = gap_sd`` (0.25 by default, a shift common to all scores), and ``delta`` has its own
   standard error. A team with no PSW response (``c = 1/2``) is typed from its colleagues with
   that extra uncertainty and flagged by ``forms == "colleague"``.
3. **Regions.** The outcome of a profile is its :mod:`~copro_scale.typology` region: the type
   whose extended region (its prototype and everything beyond it, away from the other types) is
   nearest, or ``mixed`` when none is within the instrument's ``max_distance``.
4. **Probability.** ``p_T = P(mu in region T | data)``, from ``n_draws`` seeded draws of the
   posterior (the same draws for every team, so a team's result does not depend on row order).
   The outcome with the largest probability is reported when it reaches ``min_probability``
   (the instrument's, .80); otherwise the team is ``indeterminate``. A team with fewer than
   ``min_responses`` respondents is ``suppressed`` and not classified at all.
5. **Lever.** The construct (voice, experience, identity) with the lowest adjusted score ``m``, with
   ``p_lever`` = the posterior probability that it is the lowest.

Calibration and recovery are measured in ``benchmarks/bench_classify.py`` and
docs/classification.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .aggregate import WEIGHTS, team_counts
from .errors import CoproError
from .instrument import CONSTRUCTS, FACES, TYPES, Instrument, load_instrument
from .privacy import check_threshold, plan_for
from .typology import OUTCOMES, Typology

#: Types a team can get besides the three of the paper.
OTHER_TYPES: tuple[str, ...] = ("mixed", "indeterminate", "suppressed")
#: SD (scale points) by which a team's own PSW-vs-colleague gap may differ from the organisation's.
GAP_SD = 0.25
_COLS = [*FACES, *CONSTRUCTS]
_CHUNK = 2_000_000  # posterior values held at once (x 8 bytes)

__all__ = ["OUTCOMES", "OTHER_TYPES", "classify_teams", "organisation_gap"]


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
    return _pooled_gap(scores, plan_for(scores, instrument, k), columns)


def _pooled_gap(scores: pd.DataFrame, plan, columns: list[str]) -> pd.DataFrame | None:
    if not plan.pooled_gap:
        return None
    rows = plan.organisation_rows(scores)
    x = rows[columns].astype("float64")
    psw = x[rows["form"].to_numpy() == "psw"]
    col = x[rows["form"].to_numpy() == "colleague"]
    se = np.sqrt(psw.var(ddof=1) / psw.count() + col.var(ddof=1) / col.count())
    return pd.DataFrame({"gap": col.mean() - psw.mean(), "se": se})


def _within_covariance(x: np.ndarray, group: np.ndarray):
    """Pooled within-group covariance of the columns of ``x`` (NaN = missing), and its df.

    Deviations are taken from each group's mean of the column; a pair of columns uses the rows
    where both are present, with ``df = pairs - groups``.
    """
    ok = ~np.isnan(x)
    g = group.max() + 1
    n_g = np.column_stack([np.bincount(group, weights=c, minlength=g) for c in ok.T.astype(float)])
    s_g = np.column_stack([np.bincount(group, weights=c, minlength=g)
                           for c in np.where(ok, x, 0.0).T])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_g = s_g / n_g
    dev = np.where(ok, x - mean_g[group], 0.0)
    okf = ok.astype(float)
    pairs = okf.T @ okf
    n_groups = (n_g > 0).sum(axis=0)
    df = pairs - np.minimum.outer(n_groups, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (dev.T @ dev) / df
    return cov, df


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


def classify_teams(scores: pd.DataFrame, instrument: Instrument | None = None, *,
                   min_responses: int | None = None, min_probability: float | None = None,
                   n_draws: int = 4000, seed: int = 0, weights: str = "forms_equal",
                   max_distance: float | None = None, gap_sd: float = GAP_SD,
                   n_boot: int | None = None, plan=None) -> pd.DataFrame:
    """Classify every team's co-production type with a posterior probability.

    ``plan`` is the run's :class:`~copro_scale.privacy.DisclosurePlan` (default:
    :func:`copro_scale.privacy.plan_for` the scores): which rows the pooled gap may use.

    Parameters
    ----------
    scores : DataFrame
        Per-response scores from :func:`copro_scale.score` (needs ``team``, ``form``, the three
        face and the three construct columns).
    instrument : Instrument, optional
        Source of the prototypes, ``min_probability`` and ``max_distance`` (default: packaged).
    min_responses : int, optional
        Teams with fewer respondents are ``suppressed`` and not classified (default: the
        instrument's threshold; never below it).
    min_probability : float, optional
        Probability a type needs to be reported (default: the instrument's, .80).
    n_draws : int
        Posterior draws (Monte Carlo error of a probability p: ``sqrt(p (1-p) / n_draws)``).
    seed : int
        Seed of the draws; the result does not depend on the order of the rows.
    weights : {"forms_equal", "respondents"}
        ``"forms_equal"``: the profile estimates the midpoint of the PSW and colleague views,
        with the organisation's gap taken out and every respondent counted once;
        ``"respondents"``: the plain mean. See the module docstring.
    max_distance : float, optional
        Distance from every type's region beyond which the outcome is ``mixed`` (default: the
        instrument's).
    gap_sd : float
        SD of a team's own gap around the organisation's (``"forms_equal"`` only).
    n_boot : int, optional
        Former name of ``n_draws`` (the bootstrap it named is gone); used when given.

    Returns
    -------
    DataFrame
        One row per team: ``team, n_psw, n_colleague, n, suppressed``; the face and construct
        scores (plain means, every respondent once); ``nearest`` and ``distance`` (type region
        nearest the estimated profile, and its distance); ``p_neutralized, p_enhanced,
        p_tokenistic, p_mixed``; ``type``; ``probability`` (of ``type``, or the largest when
        ``indeterminate``); ``lever`` and ``p_lever``; ``forms`` (whose view the type rests on:
        ``"psw+colleague"``, ``"colleague"`` or ``"psw"``); ``weights``; and the profile the
        type rests on, ``<face>_adjusted`` (the organisation gap taken out). Suppressed teams
        carry only their counts and ``type``.

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> from copro_scale import score, read_responses
    >>> sim = simulate(3, 12, seed=3)
    >>> out = classify_teams(score(read_responses(sim.responses)), n_draws=500, seed=1)
    >>> list(out.columns[:5])
    ['team', 'n_psw', 'n_colleague', 'n', 'suppressed']
    >>> out["type"].tolist() == sim.truth.sort_values("team")["type"].tolist()
    True
    """
    inst = instrument or load_instrument()
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}, not {weights!r}")
    n_draws = int(n_boot if n_boot is not None else n_draws)
    if n_draws < 1:
        raise ValueError("n_draws must be at least 1")
    p_min = inst.min_probability if min_probability is None else float(min_probability)
    typology = Typology.from_instrument(inst, max_distance=max_distance)

    counts = team_counts(scores)
    min_responses = check_threshold(inst, min_responses)
    counts["suppressed"] = counts["n"] < min_responses
    shown = counts.loc[~counts["suppressed"], "team"].to_numpy()
    out = counts.copy()
    for c in _COLS:
        out[c] = np.nan
    out["nearest"], out["distance"] = None, np.nan
    for o in OUTCOMES:
        out[f"p_{o}"] = np.nan
    out["type"], out["probability"] = "suppressed", np.nan
    out["lever"], out["p_lever"] = None, np.nan
    out["forms"] = np.where(out["n_psw"] > 0, "psw+colleague", "colleague")
    out.loc[out["n_colleague"] == 0, "forms"] = "psw"
    out["weights"] = weights
    for f in FACES:
        out[f"{f}_adjusted"] = np.nan
    if len(shown) == 0:
        return out

    # 1. the organisation's gap and within-team spread, from the rows it may pool -------------
    if plan is None:  # the run's plan, from the one place that decides
        plan = plan_for(scores, inst, min_responses)
    delta, se_delta = np.zeros(len(_COLS)), np.zeros(len(_COLS))
    if weights == "forms_equal":
        gap = _pooled_gap(scores, plan, _COLS)
        if gap is not None:
            delta = gap["gap"].to_numpy("float64")
            se_delta = gap["se"].to_numpy("float64")
        else:  # the gap may not be shown, so it is not used: its size is all uncertainty
            se_delta = np.full(len(_COLS), gap_sd)
    form_psw = scores["form"].to_numpy() == "psw"
    x_all = scores[_COLS].to_numpy(dtype="float64", na_value=np.nan)
    shift = np.where(form_psw, 0.5, -0.5)[:, None] * delta[None, :]
    adj_all = x_all + shift
    team_str = scores["team"].astype(str).to_numpy()
    pos = pd.Index(team_str).isin(plan.organisation_teams)  # rows organisation figures pool
    key = team_str[pos] + "\x00" + scores["form"].to_numpy()[pos]
    w_cov, w_df = _within_covariance(adj_all[pos], pd.factorize(key)[0])
    nu = float(np.nanmin(w_df))
    if not np.isfinite(nu) or nu < 1 or not np.isfinite(w_cov).all():
        raise CoproError("the within-team spread of the scores cannot be estimated: no team "
                         "has two respondents on one form with every score")

    # 2. each shown team's mean and posterior covariance -------------------------------------
    sel = pd.Index(team_str).isin(shown)  # hashed: np.isin on text is quadratic-slow
    team_code = pd.Index(shown).get_indexer(team_str[sel])
    x, adj = x_all[sel], adj_all[sel]
    ok = ~np.isnan(x)
    T, K = len(shown), len(_COLS)

    def per_team(values):  # team sums of each column, without a rows x columns x columns array
        return np.column_stack([np.bincount(team_code, weights=values[:, j], minlength=T)
                                for j in range(values.shape[1])])
    n_i = per_team(ok.astype(float))
    # respondents with both scores i and j: count each team's missingness patterns (2^K at most)
    pattern = ok.astype(np.int64) @ (1 << np.arange(K))
    bits = ((np.arange(2**K)[:, None] >> np.arange(K)) & 1).astype(float)  # pattern x column
    by_pattern = np.bincount(team_code * 2**K + pattern, minlength=T * 2**K).reshape(T, 2**K)
    n_ij = np.einsum("tp,pi,pj->tij", by_pattern, bits, bits)
    sums = per_team(np.nan_to_num(x))
    sums_adj = per_team(np.nan_to_num(adj))
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = sums / n_i
        m = sums_adj / n_i
        V = w_cov[None] * n_ij / (n_i[:, :, None] * n_i[:, None, :])
    if weights == "forms_equal":
        n_p = counts.set_index("team").loc[shown, "n_psw"].to_numpy(float)
        n_c = counts.set_index("team").loc[shown, "n_colleague"].to_numpy(float)
        c = (n_c - n_p) / (2 * (n_p + n_c))
        V = V + (c**2)[:, None, None] * (gap_sd**2 + np.diag(se_delta**2))[None]

    # 3. posterior draws: multivariate t, the same standard draws for every team ---------------
    z = standard_t_draws(nu, n_draws, len(_COLS), seed)
    valid = np.isfinite(m).all(axis=1) & np.isfinite(V).all(axis=(1, 2))
    tally = np.zeros((T, len(OUTCOMES)))
    lever_tally = np.zeros((T, len(CONSTRUCTS)))
    nf = len(FACES)
    chunk = max(1, _CHUNK // (n_draws * len(_COLS)))
    for start in range(0, T, chunk):
        idx = np.flatnonzero(valid[start:start + chunk]) + start
        if len(idx) == 0:
            continue
        L = np.linalg.cholesky(V[idx] + 1e-12 * np.eye(len(_COLS)))
        draws = m[idx, None, :] + np.einsum("tij,dj->tdi", L, z)  # teams x draws x cols
        code = typology.outcome(draws[..., :nf])
        tally[idx] = (code[..., None] == np.arange(len(OUTCOMES))).mean(axis=1)
        low = np.argmin(draws[..., nf:], axis=-1)
        lever_tally[idx] = (low[..., None] == np.arange(len(CONSTRUCTS))).mean(axis=1)

    # 4. decisions at the estimate, written into the output ----------------------------------
    target = out.set_index("team").index.get_indexer(shown)
    faces_m = m[:, :nf]
    dist = typology.distances(faces_m)
    has = np.isfinite(dist).all(axis=1)
    best = tally.argmax(axis=1)
    pbest = np.where(valid, tally.max(axis=1), np.nan)
    reported = np.where(valid & (pbest >= p_min), np.array(OUTCOMES, dtype=object)[best],
                        "indeterminate")
    cons = m[:, nf:]  # the lever, like the type, rests on the adjusted profile
    c_ok = np.isfinite(cons).all(axis=1)
    low = np.argmin(np.where(np.isnan(cons), np.inf, cons), axis=1)
    for j, col in enumerate(_COLS):
        out.loc[target, col] = plain[:, j]
    for j, f in enumerate(FACES):
        out.loc[target, f"{f}_adjusted"] = faces_m[:, j]
    near = np.argmin(np.where(has[:, None], dist, 0), axis=1)
    out.loc[target, "nearest"] = np.where(has, np.array(TYPES, dtype=object)[near], None)
    out.loc[target, "distance"] = np.where(has, dist[np.arange(T), near], np.nan)
    for k, o in enumerate(OUTCOMES):
        out.loc[target, f"p_{o}"] = np.where(valid, tally[:, k], np.nan)
    out.loc[target, "type"] = reported
    out.loc[target, "probability"] = pbest
    out.loc[target, "lever"] = np.where(c_ok, np.array(CONSTRUCTS, dtype=object)[low], None)
    out.loc[target, "p_lever"] = np.where(c_ok & valid, lever_tally[np.arange(T), low], np.nan)
    return out
