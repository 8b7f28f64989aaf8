"""Simulated responses with a known truth, for demos, tests and benchmarks.

The model (all parameters are arguments of :func:`simulate`; defaults in brackets)
--------------------------------------------------------------------------------
1. **Teams and types.** Each of ``n_teams`` teams gets a true type, drawn in equal shares from
   neutralized, enhanced and tokenistic (plus ``mixed`` with probability ``mixed_share`` [0]),
   shuffled by the seed. A type's profile is its face prototype from the instrument (a face score
   on the 1-5 scale, shared by the three cells of that face). A mixed team gets
   ``MIXED_PROFILE``, which lies more than the instrument's ``max_distance`` from every prototype.
2. **Team effect.** Each team's latent cell mean is its type profile plus a team deviation
   ``u ~ N(0, tau^2)`` per cell, where ``tau^2 = icc1 / (1 - icc1) * sigma^2``. So ``icc1``
   [0.15] is the ICC(1) of the latent cell score *among teams of the same type*: the share of
   within-type variance that lies between teams. Differences between types add to that, so a raw
   ICC(1) over teams of mixed types is higher; observed cell scores carry item noise too, which
   lowers it (about .12 within type with the defaults).
3. **Respondents.** Each team has ``per_team`` respondents, ``n_psw`` [``max(1, round(psw_share
   * per_team))``, psw_share 0.25] of them PSWs (PSW form), the rest colleagues (colleague form) with roles
   drawn as clinical .5, manager .2, non-professional .2, volunteer .1. A respondent's latent
   cell score is the team's cell mean plus ``e ~ N(0, sigma^2)`` [sigma 0.7], correlated
   ``rho_cells`` [0.5] across a respondent's nine cells (a general impression), plus the
   **colleague optimism**: colleagues see things ``form_bias`` [0.3] scale points more
   favourably than PSWs, whose view is the team profile (the profile a team's type is about).
4. **Items (ordinal-threshold model).** Each item's response is the respondent's latent score for
   the item's cell plus ``N(0, item_sd^2)`` [0.6], cut at the thresholds 1.5, 2.5, 3.5, 4.5 into
   categories 1-5 (high = favourable). A reverse-keyed item records ``6 - category``, as a
   respondent answering a negatively worded statement would.
5. **Missingness and careless responding.** Each answer is blank at random with probability
   ``missing_rate`` [0.03] (MCAR; on the colleague form this stands for "don't know" as well). A
   share ``straightline_rate`` [0.02] of respondents answer every item with one code (3, 4 or 5),
   ignoring the keying, and skip nothing.

6. **Nuisances** (``nuisance``, :mod:`copro_scale.nuisance`): response styles (acquiescence,
   extreme responding), careless respondents, answer-dependent skips, colleagues' "don't know",
   unequal loadings and thresholds, a face-level spread of teams around their prototype, teams
   halfway between two types (truth ``between``), colleague optimism that varies by team, and a
   spread of team sizes. ``"clean"`` (the default of this function) adds none of them; the
   command line's default is ``"realistic"``. They draw from their own random stream, so the
   clean data of a seed do not change.

Output is the canonical wide table: ``response_id, team, role, form, months_in_role`` and one
column per item id holding 1-5 or blank (pandas ``Int8``). :func:`expected_cell_mean` gives the
model's expected observed cell score, which the tests use to check recovery.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from .instrument import CELLS, FACES, Instrument, TYPES, cell_name, load_instrument
from .nuisance import Nuisance

#: Face profile of a "mixed" team: enhanced decision-making with tokenistic ideology.
MIXED_PROFILE = {"decision_making": 4.2, "non_decision_making": 2.0, "ideological": 1.8}
COLLEAGUE_ROLES = ("clinical", "manager", "nonprofessional", "volunteer")
COLLEAGUE_ROLE_P = (0.5, 0.2, 0.2, 0.1)
THRESHOLDS = np.array([1.5, 2.5, 3.5, 4.5])
TEAM_NAMES = (
    "Acute Ward", "Community North", "Community South", "Crisis Resolution",
    "Early Intervention", "Recovery College", "Rehabilitation Unit", "Perinatal",
    "Eating Disorders", "Older Adults", "Psychosis Service", "Home Treatment",
    "Liaison Psychiatry", "Forensic Outreach", "Assertive Outreach", "Personality Disorder",
)


@dataclass(frozen=True)
class Simulation:
    """What :func:`simulate` returns: the responses and the truth behind them."""

    responses: pd.DataFrame
    truth: pd.DataFrame
    latent: pd.DataFrame  # respondent x cell latent scores (before items), for model checks
    params: dict


def team_names(n: int) -> list[str]:
    """Readable, unique team names: 'Acute Ward', ..., then 'Acute Ward 2', ..."""
    out = []
    for i in range(n):
        base = TEAM_NAMES[i % len(TEAM_NAMES)]
        k = i // len(TEAM_NAMES)
        out.append(base if k == 0 else f"{base} {k + 1}")
    return out


def simulate(
    n_teams: int = 12,
    per_team: int = 10,
    *,
    seed: int = 0,
    instrument: Instrument | None = None,
    nuisance: "str | Path | Nuisance | None" = "clean",
    icc1: float = 0.15,
    sigma: float = 0.7,
    rho_cells: float = 0.5,
    item_sd: float = 0.6,
    form_bias: float | None = None,
    psw_share: float = 0.25,
    missing_rate: float | None = None,
    straightline_rate: float | None = None,
    mixed_share: float = 0.0,
    types: list[str] | None = None,
    n_psw: int | None = None,
    sizes=None,
    prototypes: dict | None = None,
    faces=None,
) -> Simulation:
    """Simulate a survey of ``n_teams`` teams with ``per_team`` respondents each.

    Deterministic for a given ``seed``. See the module docstring for the model.

    Parameters
    ----------
    nuisance : str, path or Nuisance
        The nuisance model (:mod:`copro_scale.nuisance`): ``"clean"`` (default: the core model
        only), ``"realistic"``, ``"harsh"``, or a YAML file.
    form_bias, missing_rate, straightline_rate : float, optional
        Override the nuisance model's colleague optimism (a fixed gap), blank answers and
        straight-lining.
    types : list of str, optional
        The true type of each team, overriding the seeded draw.
    n_psw : int, optional
        PSWs per team (0 to ``per_team``), overriding ``psw_share``.
    sizes : list of (int, int), optional
        ``(PSWs, colleagues)`` responding in each team, overriding ``per_team``, ``n_psw`` and
        the nuisance model's spread of team sizes.
    prototypes : dict, optional
        ``{type: {face: value}}`` profiles to simulate from instead of the instrument's (for
        example a prototype shifted on one face, to test a classifier that keeps the
        instrument's); types left out keep the instrument's profile.
    faces : array-like, optional
        Each team's face profile (``n_teams x 3``, faces in :data:`FACES` order), overriding its
        type's profile; the truth's ``type`` column then only labels the team.

    Examples
    --------
    >>> sim = simulate(n_teams=3, per_team=8, seed=1)
    >>> sim.responses.shape
    (24, 41)
    >>> sorted(sim.truth["type"])
    ['enhanced', 'neutralized', 'tokenistic']
    """
    from .nuisance import load_nuisance

    if n_teams < 1 or per_team < 1:
        raise ValueError("n_teams and per_team must be at least 1")
    if not 0 <= icc1 < 1:
        raise ValueError("icc1 must be in [0, 1)")
    if n_psw is not None and not 0 <= n_psw <= per_team:
        raise ValueError("n_psw must be from 0 to per_team")
    if sizes is not None and len(sizes) != n_teams:
        raise ValueError("sizes must give (PSWs, colleagues) for each team")
    nz = load_nuisance(nuisance)
    missing_rate = nz.missing if missing_rate is None else missing_rate
    straightline_rate = nz.straightline_share if straightline_rate is None else straightline_rate
    inst = instrument or load_instrument()
    rng = np.random.default_rng(seed)
    rn = np.random.default_rng([seed, 7])  # the nuisances' own stream: clean data stay as they were

    # 1. team types and profiles ------------------------------------------------------------
    if types is None:
        kinds = list(TYPES)
        types = [kinds[i % 3] for i in range(n_teams)]
        rng.shuffle(types)
        if mixed_share > 0:
            mixed = rng.random(n_teams) < mixed_share
            types = ["mixed" if m else t for t, m in zip(types, mixed)]
    elif len(types) != n_teams:
        raise ValueError("types must name one type per team")
    types = list(types)
    profiles = {**{t: dict(p) for t, p in inst.prototypes.items()}, "mixed": MIXED_PROFILE}
    for t, p in (prototypes or {}).items():
        profiles[t] = {**profiles[t], **p}
    face_idx = np.array([FACES.index(f) for _, f in CELLS])
    team_face = np.array([[profiles[t][f] for f in FACES] for t in types])  # teams x 3
    between = np.full(n_teams, "", dtype=object)
    if nz.between_share > 0 and faces is None:
        halfway = np.flatnonzero(rn.random(n_teams) < nz.between_share)
        for i in halfway:
            a, b = sorted(rn.choice(len(TYPES), size=2, replace=False))
            team_face[i] = [(profiles[TYPES[a]][f] + profiles[TYPES[b]][f]) / 2 for f in FACES]
            types[i], between[i] = "between", f"{TYPES[a]}/{TYPES[b]}"
    if faces is not None:
        team_face = np.asarray(faces, dtype=float).reshape(n_teams, len(FACES))
    if nz.face_sd > 0:
        team_face = team_face + rn.normal(0, nz.face_sd, size=team_face.shape)
    tau = np.sqrt(icc1 / (1 - icc1)) * sigma
    team_cell = team_face[:, face_idx] + rng.normal(0, tau, size=(n_teams, len(CELLS)))

    # 2. respondents ----------------------------------------------------------------------------
    if sizes is None and nz.size_cv == 0 and nz.no_psw_share == 0:
        if n_psw is None:
            n_psw = max(1, int(round(psw_share * per_team))) if per_team > 1 else 1
        team_psw = np.full(n_teams, n_psw)
        team_n = np.full(n_teams, per_team)
    elif sizes is not None:
        team_psw = np.array([int(p) for p, _ in sizes])
        team_n = team_psw + np.array([int(c) for _, c in sizes])
    else:
        k = 1 / nz.size_cv**2 if nz.size_cv > 0 else None
        team_n = (np.maximum(1, np.rint(rn.gamma(k, per_team / k, size=n_teams))).astype(int)
                  if k else np.full(n_teams, per_team))
        share = psw_share if n_psw is None else n_psw / per_team
        team_psw = np.clip(np.rint(share * team_n), 1, team_n).astype(int)
        team_psw[rn.random(n_teams) < nz.no_psw_share] = 0
    n = int(team_n.sum())
    team_of = np.repeat(np.arange(n_teams), team_n)
    first = np.concatenate([[0], np.cumsum(team_n)[:-1]])
    is_psw = (np.arange(n) - first[team_of]) < team_psw[team_of]
    cov = sigma**2 * (rho_cells * np.ones((9, 9)) + (1 - rho_cells) * np.eye(9))
    e = rng.multivariate_normal(np.zeros(9), cov, size=n, method="cholesky")
    if form_bias is None:
        lo, hi = nz.colleague_optimism
        optimism = rn.uniform(lo, hi, size=n_teams) if hi > lo else np.full(n_teams, lo)
        form_bias = (lo + hi) / 2
    else:
        optimism = np.full(n_teams, form_bias)
    bias = np.where(is_psw, 0.0, optimism[team_of])[:, None]
    latent = team_cell[team_of] + e + bias  # n x 9

    # 3. items ------------------------------------------------------------------------------------
    cell_of_item = np.array([CELLS.index((it.construct, it.face)) for it in inst.items])
    rev = np.array([it.reverse for it in inst.items])
    n_items = len(inst.items)
    noise = rng.normal(0, item_sd, size=(n, n_items))
    lo, hi = nz.loadings
    if hi > lo or lo != 0.7:  # an item's noise for its loading (item_sd stands for .70)
        lam = rn.uniform(lo, hi, size=n_items)
        noise = noise * np.sqrt((1 - lam**2) / lam**2) / np.sqrt((1 - 0.49) / 0.49)
    ystar = latent[:, cell_of_item] + noise
    if nz.extreme_share > 0:
        extreme = rn.random(n) < nz.extreme_share
        ystar[extreme] = 3 + 2 * (ystar[extreme] - 3)
    if nz.acquiescence_sd > 0 or nz.acquiescence_mean != 0:
        agree = rn.normal(nz.acquiescence_mean, nz.acquiescence_sd, size=n)[:, None]
        ystar = ystar + np.where(rev, -agree, agree)  # agreement raises raw answers
    thresholds = np.broadcast_to(THRESHOLDS, (n_items, len(THRESHOLDS)))
    if nz.threshold_shift > 0 or nz.threshold_jitter > 0:
        thresholds = np.sort(thresholds + rn.normal(0, nz.threshold_shift, size=(n_items, 1))
                             + rn.normal(0, nz.threshold_jitter, size=thresholds.shape), axis=1)
    cat = 1 + (ystar[:, :, None] > thresholds[None]).sum(axis=2)
    codes = np.where(rev, 6 - cat, cat).astype(float)

    straight = rng.random(n) < straightline_rate
    codes[straight] = rng.choice([3, 4, 5], size=straight.sum())[:, None]
    missing = (rng.random(codes.shape) < missing_rate) & ~straight[:, None]
    careless = np.zeros(n, dtype=bool)
    if nz.careless_share > 0:
        careless = (rn.random(n) < nz.careless_share) & ~straight
        codes[careless] = rn.integers(1, 6, size=(careless.sum(), n_items))
    if nz.skip_low > 0:  # blanks that depend on the answer: the least favourable ones
        missing |= (cat <= 2) & (rn.random(codes.shape) < nz.skip_low) & ~straight[:, None]
    if nz.dont_know > 0:
        missing |= (~is_psw[:, None]) & (rn.random(codes.shape) < nz.dont_know)
    codes[missing] = np.nan

    roles = np.where(
        is_psw, "psw", rng.choice(COLLEAGUE_ROLES, size=n, p=COLLEAGUE_ROLE_P)
    )
    names = team_names(n_teams)
    order = rng.permutation(n)  # rows arrive in submission order, not grouped by team
    resp = pd.DataFrame(
        {
            "response_id": [f"R{seed % 1000:03d}{i:07d}" for i in range(n)],
            "team": np.array(names, dtype=object)[team_of[order]],
            "role": roles[order],
            "form": np.where(is_psw[order], "psw", "colleague"),
            "months_in_role": rng.integers(1, 97, size=n).astype("int64"),
        }
    )
    item_df = pd.DataFrame(codes[order], columns=inst.item_ids).astype("Int8")
    resp = pd.concat([resp, item_df], axis=1)

    truth = pd.DataFrame(
        {
            "team": names,
            "type": types,
            "between": between,
            "n_psw": team_psw,
            "n_colleague": team_n - team_psw,
            "optimism": optimism,
            **{f: team_face[:, j] for j, f in enumerate(FACES)},
        }
    )
    latent_df = pd.DataFrame(latent[order], columns=[cell_name(c, f) for c, f in CELLS])
    latent_df.insert(0, "team", resp["team"])
    latent_df.insert(1, "form", resp["form"])
    params = dict(
        seed=seed, n_teams=n_teams, per_team=per_team, icc1=icc1, sigma=sigma,
        rho_cells=rho_cells, item_sd=item_sd, form_bias=form_bias, psw_share=psw_share,
        missing_rate=missing_rate, straightline_rate=straightline_rate, mixed_share=mixed_share,
        n_psw=n_psw, prototypes=prototypes, nuisance=nz.as_dict(),
    )
    return Simulation(resp, truth, latent_df, params)


def expected_cell_mean(face_value: float, *, form: str, icc1=0.15, sigma=0.7, item_sd=0.6,
                       form_bias=0.3) -> float:
    """Expected observed item score (1-5, favourable keying) for a cell under the model.

    Integrates the ordinal thresholds over the latent spread (team, respondent and item
    variance); what a large sample of non-straight-lining respondents recovers.
    """
    tau2 = icc1 / (1 - icc1) * sigma**2
    sd = np.sqrt(tau2 + sigma**2 + item_sd**2)
    mu = face_value + (form_bias if form == "colleague" else 0.0)
    return float(1 + norm.cdf((mu - THRESHOLDS) / sd).sum())


def write_simulation(sim: Simulation, path: str | Path, truth_path: str | Path | None = None) -> None:
    """Write the canonical CSV (blank for missing) and, optionally, the truth CSV (formula-safe)."""
    from .csvsafe import write_csv

    write_csv(sim.responses, path, float_format=None)
    if truth_path is not None:
        write_csv(sim.truth, truth_path, float_format="%.4f")
