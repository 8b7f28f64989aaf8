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
   **form bias**: colleagues see things ``form_bias`` [0.3] scale points more favourably than
   PSWs, split evenly around the team profile (PSW -0.15, colleague +0.15), so the mean of the two
   forms' scores is unbiased for the team profile.
4. **Items (ordinal-threshold model).** Each item's response is the respondent's latent score for
   the item's cell plus ``N(0, item_sd^2)`` [0.6], cut at the thresholds 1.5, 2.5, 3.5, 4.5 into
   categories 1-5 (high = favourable). A reverse-keyed item records ``6 - category``, as a
   respondent answering a negatively worded statement would.
5. **Missingness and careless responding.** Each answer is blank at random with probability
   ``missing_rate`` [0.03] (MCAR; on the colleague form this stands for "don't know" as well). A
   share ``straightline_rate`` [0.02] of respondents answer every item with one code (3, 4 or 5),
   ignoring the keying, and skip nothing.

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
CANONICAL_META = ("response_id", "team", "role", "form", "months_in_role")


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
    icc1: float = 0.15,
    sigma: float = 0.7,
    rho_cells: float = 0.5,
    item_sd: float = 0.6,
    form_bias: float = 0.3,
    psw_share: float = 0.25,
    missing_rate: float = 0.03,
    straightline_rate: float = 0.02,
    mixed_share: float = 0.0,
    types: list[str] | None = None,
    n_psw: int | None = None,
    prototypes: dict | None = None,
    faces=None,
) -> Simulation:
    """Simulate a survey of ``n_teams`` teams with ``per_team`` respondents each.

    Deterministic for a given ``seed``. See the module docstring for the model.

    Parameters
    ----------
    types : list of str, optional
        The true type of each team, overriding the seeded draw.
    n_psw : int, optional
        PSWs per team (0 to ``per_team``), overriding ``psw_share``.
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
    if n_teams < 1 or per_team < 1:
        raise ValueError("n_teams and per_team must be at least 1")
    if not 0 <= icc1 < 1:
        raise ValueError("icc1 must be in [0, 1)")
    if n_psw is not None and not 0 <= n_psw <= per_team:
        raise ValueError("n_psw must be from 0 to per_team")
    inst = instrument or load_instrument()
    rng = np.random.default_rng(seed)

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
    profiles = {**{t: dict(p) for t, p in inst.prototypes.items()}, "mixed": MIXED_PROFILE}
    for t, p in (prototypes or {}).items():
        profiles[t] = {**profiles[t], **p}
    face_idx = np.array([FACES.index(f) for _, f in CELLS])
    team_face = np.array([[profiles[t][f] for f in FACES] for t in types])  # teams x 3
    if faces is not None:
        team_face = np.asarray(faces, dtype=float).reshape(n_teams, len(FACES))
    tau = np.sqrt(icc1 / (1 - icc1)) * sigma
    team_cell = team_face[:, face_idx] + rng.normal(0, tau, size=(n_teams, len(CELLS)))

    # 2. respondents ----------------------------------------------------------------------------
    if n_psw is None:
        n_psw = max(1, int(round(psw_share * per_team))) if per_team > 1 else 1
    n = n_teams * per_team
    team_of = np.repeat(np.arange(n_teams), per_team)
    is_psw = np.tile(np.arange(per_team) < n_psw, n_teams)
    cov = sigma**2 * (rho_cells * np.ones((9, 9)) + (1 - rho_cells) * np.eye(9))
    e = rng.multivariate_normal(np.zeros(9), cov, size=n, method="cholesky")
    bias = np.where(is_psw, -form_bias / 2, form_bias / 2)[:, None]
    latent = team_cell[team_of] + e + bias  # n x 9

    # 3. items ------------------------------------------------------------------------------------
    cell_of_item = np.array([CELLS.index((it.construct, it.face)) for it in inst.items])
    ystar = latent[:, cell_of_item] + rng.normal(0, item_sd, size=(n, len(inst.items)))
    cat = 1 + (ystar[:, :, None] > THRESHOLDS).sum(axis=2)
    rev = np.array([it.reverse for it in inst.items])
    codes = np.where(rev, 6 - cat, cat).astype(float)

    straight = rng.random(n) < straightline_rate
    codes[straight] = rng.choice([3, 4, 5], size=straight.sum())[:, None]
    missing = (rng.random(codes.shape) < missing_rate) & ~straight[:, None]
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
            "n_psw": n_psw,
            "n_colleague": per_team - n_psw,
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
        n_psw=n_psw, prototypes=prototypes,
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
    mu = face_value + (form_bias / 2 if form == "colleague" else -form_bias / 2)
    return float(1 + norm.cdf((mu - THRESHOLDS) / sd).sum())


def write_simulation(sim: Simulation, path: str | Path, truth_path: str | Path | None = None) -> None:
    """Write the canonical CSV (blank for missing) and, optionally, the truth CSV (formula-safe)."""
    from .csvsafe import write_csv

    write_csv(sim.responses, path, float_format=None)
    if truth_path is not None:
        write_csv(sim.truth, truth_path, float_format="%.4f")
