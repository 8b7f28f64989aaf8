"""Each team's co-production type, with its bootstrap probability, and its lever for change.

The rule (Chauhan, Croft & Spyridonidis 2022, as distilled in the construct map)
-------------------------------------------------------------------------------
1. A team's face profile is its ``decision_making``, ``non_decision_making`` and ``ideological``
   scores, with the two forms weighted equally (see :mod:`copro_scale.aggregate`).
2. Its *nearest prototype* is the type whose face profile in the instrument file is nearest in
   Euclidean distance. When even the nearest lies further than the instrument's
   ``max_distance``, the outcome is ``mixed``: far from every type, never forced into one.
3. Uncertainty: respondents are resampled with replacement *within each form of the team*
   (stratified, so every resample keeps the team's PSW/colleague make-up), ``n_boot`` times,
   for all teams at once with numpy. A type's probability is the share of resamples whose
   outcome is that type.
4. A type (or ``mixed``) is reported only when its probability reaches ``min_probability``
   (the instrument's, .80 by default); otherwise the team is ``indeterminate``. A team with fewer
   than ``min_responses`` respondents is ``suppressed`` and not classified at all.
5. The lever for change is the construct (voice, experience, identity) with the lowest score:
   the most constrained one, with the share of resamples in which it is lowest.

A form with one respondent contributes no resampling variance, so a team with a single PSW is
judged with that PSW's answers held fixed; the probability is then somewhat optimistic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .aggregate import WEIGHTS, team_counts, team_scores, wide
from .instrument import CONSTRUCTS, FACES, TYPES, Instrument, load_instrument
from .privacy import check_threshold

OUTCOMES: tuple[str, ...] = (*TYPES, "mixed")
#: Types a team can get besides the three of the paper.
OTHER_TYPES: tuple[str, ...] = ("mixed", "indeterminate", "suppressed")
_CHUNK_CELLS = 4_000_000  # bootstrap values held at once (x 8 bytes)


def _stratified_means(x: np.ndarray, strat_start: np.ndarray, strat_size: np.ndarray,
                      row_stratum: np.ndarray, n_boot: int, rng: np.random.Generator):
    """Yield chunks of bootstrap stratum means, shape (b, strata, columns).

    Rows of ``x`` are sorted by stratum. Each resample draws, for every row, a random row of the
    same stratum, so a stratum of size m gets m draws with replacement.
    """
    n, k = x.shape
    valid = ~np.isnan(x)
    x0 = np.where(valid, x, 0.0)
    chunk = max(1, _CHUNK_CELLS // max(1, n * k))
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        u = rng.random((b, n))
        idx = strat_start[row_stratum] + (u * strat_size[row_stratum]).astype(np.int64)
        sums = np.add.reduceat(x0[idx], strat_start, axis=1)
        cnts = np.add.reduceat(valid[idx], strat_start, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            yield sums / np.where(cnts > 0, cnts, np.nan)
        done += b


def classify_teams(scores: pd.DataFrame, instrument: Instrument | None = None, *,
                   min_responses: int | None = None, min_probability: float | None = None,
                   n_boot: int = 2000, seed: int = 0, weights: str = "forms_equal",
                   max_distance: float | None = None) -> pd.DataFrame:
    """Classify every team's co-production type with a seeded, stratified bootstrap.

    Parameters
    ----------
    scores : DataFrame
        Per-response scores from :func:`copro_scale.score` (needs ``response_id``, ``team``,
        ``form``, the three face and the three construct columns).
    instrument : Instrument, optional
        Source of the prototypes, ``min_probability`` and ``max_distance`` (default: packaged).
    min_responses : int, optional
        Teams with fewer respondents are ``suppressed`` and not classified (default: the
        instrument's threshold; never below it).
    min_probability : float, optional
        Probability a type needs to be reported (default: the instrument's, .80).
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of the resampling; the result does not depend on the order of the rows.
    weights : {"forms_equal", "respondents"}
        How the two forms combine into the team profile.
    max_distance : float, optional
        Distance beyond which the outcome is ``mixed`` (default: the instrument's).

    Returns
    -------
    DataFrame
        One row per team: ``team, n_psw, n_colleague, n, suppressed``, the face and construct
        scores, ``nearest`` and ``distance`` (of the point estimate), ``p_neutralized,
        p_enhanced, p_tokenistic, p_mixed``, ``type``, ``probability`` (of ``type``, or the
        largest when ``indeterminate``), ``lever`` and ``p_lever``, ``forms`` (the forms that
        count) and ``weights``. Suppressed teams carry only their counts and ``type``.

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> from copro_scale import score, read_responses
    >>> sim = simulate(3, 12, seed=3)
    >>> out = classify_teams(score(read_responses(sim.responses)), n_boot=200, seed=1)
    >>> list(out.columns[:5])
    ['team', 'n_psw', 'n_colleague', 'n', 'suppressed']
    >>> set(out["type"]) <= {"neutralized", "enhanced", "tokenistic", "mixed", "indeterminate"}
    True
    """
    inst = instrument or load_instrument()
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}, not {weights!r}")
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1")
    p_min = inst.min_probability if min_probability is None else float(min_probability)
    d_max = inst.max_distance if max_distance is None else float(max_distance)
    cols = [*FACES, *CONSTRUCTS]

    counts = team_counts(scores)
    counts["suppressed"] = counts["n"] < check_threshold(inst, min_responses)
    shown = counts.loc[~counts["suppressed"], "team"]
    rows = scores[scores["team"].astype(str).isin(shown)]
    keys = ["team", "form"] + (["response_id"] if "response_id" in rows.columns else [])
    rows = rows.assign(team=rows["team"].astype(str)).sort_values(keys, kind="stable")

    out = counts.copy()
    for c in cols:
        out[c] = np.nan
    out["nearest"], out["distance"] = None, np.nan
    for o in OUTCOMES:
        out[f"p_{o}"] = np.nan
    out["type"], out["probability"] = "suppressed", np.nan
    out["lever"], out["p_lever"] = None, np.nan
    out["forms"] = np.where(out["n_psw"] > 0, "psw+colleague", "colleague")
    out.loc[out["n_colleague"] == 0, "forms"] = "psw"
    out["weights"] = weights
    if rows.empty:
        return out

    proto = np.array([[inst.prototypes[t][f] for f in FACES] for t in TYPES])  # types x faces
    point = wide(team_scores(rows, cols, weights=weights)).reindex(shown.to_numpy())

    # strata: team x form (forms_equal) or team (respondents)
    team_codes, teams = pd.factorize(rows["team"], sort=True)
    form_code = (rows["form"].to_numpy() == "psw").astype(np.int64)
    strata_key = team_codes * 2 + form_code if weights == "forms_equal" else team_codes
    row_stratum = np.unique(strata_key, return_inverse=True)[1].ravel()
    sizes = np.bincount(row_stratum)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    stratum_team = team_codes[starts]
    team_start = np.flatnonzero(np.r_[True, stratum_team[1:] != stratum_team[:-1]])

    x = rows[cols].to_numpy(dtype="float64", na_value=np.nan)
    n_teams = len(teams)
    tally = np.zeros((n_teams, len(OUTCOMES)), dtype=np.int64)
    lever_tally = np.zeros((n_teams, len(CONSTRUCTS)), dtype=np.int64)
    rng = np.random.default_rng(seed)
    for means in _stratified_means(x, starts, sizes, row_stratum, n_boot, rng):
        ok = ~np.isnan(means)
        s = np.add.reduceat(np.where(ok, means, 0.0), team_start, axis=1)
        c = np.add.reduceat(ok, team_start, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            prof = s / np.where(c > 0, c, np.nan)  # b x teams x cols
        faces, constructs = prof[..., :3], prof[..., 3:]
        d = np.sqrt(((faces[:, :, None, :] - proto[None, None]) ** 2).sum(axis=-1))
        valid = ~np.isnan(d).any(axis=-1)
        nearest = np.argmin(np.where(np.isnan(d), np.inf, d), axis=-1)
        outcome = np.where(d.min(axis=-1, initial=np.inf) > d_max, len(TYPES), nearest)
        onehot = (outcome[..., None] == np.arange(len(OUTCOMES))) & valid[..., None]
        tally += onehot.sum(axis=0)
        cvalid = ~np.isnan(constructs).any(axis=-1)
        low = np.argmin(np.where(np.isnan(constructs), np.inf, constructs), axis=-1)
        lever_tally += ((low[..., None] == np.arange(len(CONSTRUCTS))) & cvalid[..., None]).sum(0)

    prob = tally / n_boot
    order = pd.Index(teams)
    target = out.set_index("team").index.get_indexer(order)
    pf = point[list(FACES)].to_numpy("float64")
    pd_ = np.sqrt(((pf[:, None, :] - proto[None]) ** 2).sum(axis=-1))
    has = ~np.isnan(pd_).any(axis=1)
    best = prob.argmax(axis=1)
    pbest = prob.max(axis=1)
    reported = np.where(pbest >= p_min, np.array(OUTCOMES, dtype=object)[best], "indeterminate")
    pc = point[list(CONSTRUCTS)].to_numpy("float64")
    lever = np.array(CONSTRUCTS, dtype=object)[np.argmin(np.where(np.isnan(pc), np.inf, pc), 1)]
    c_ok = ~np.isnan(pc).any(axis=1)

    for c in cols:
        out.loc[target, c] = point[c].to_numpy("float64")
    out.loc[target, "nearest"] = np.where(has, np.array(TYPES, dtype=object)[np.nanargmin(
        np.where(has[:, None], pd_, 0), axis=1)], None)
    out.loc[target, "distance"] = np.where(has, np.nanmin(np.where(has[:, None], pd_, np.inf), 1),
                                           np.nan)
    for k, o in enumerate(OUTCOMES):
        out.loc[target, f"p_{o}"] = prob[:, k]
    out.loc[target, "type"] = reported
    out.loc[target, "probability"] = pbest
    out.loc[target, "lever"] = np.where(c_ok, lever, None)
    out.loc[target, "p_lever"] = np.where(
        c_ok, lever_tally[np.arange(n_teams), np.argmin(np.where(np.isnan(pc), np.inf, pc), 1)]
        / n_boot, np.nan)
    return out
