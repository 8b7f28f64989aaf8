"""A survey generator written apart from copro_scale.simulate and copro_scale.nuisance.

It shares only the instrument file (items, keying, prototypes) with the package. Its model is a
different one on purpose:

- **Items: a graded response model** (Samejima): ``P(answer >= k) = logistic(a_j (theta - b_jk))``
  with the item's discrimination ``a_j`` and thresholds ``b_jk`` (the scale's 1.5, 2.5, 3.5, 4.5,
  shifted per item and unequally spaced), where ``theta`` is the respondent's favourable view of
  the item's cell on the 1-5 metric. A reverse-keyed item is answered on the agreement scale and
  recorded as ``6 - category``: an acquiescent respondent's ``theta`` moves *up* on positively
  worded items and *down* on negatively worded ones.
- **Respondents**: team cell means (face profile + face and cell deviations), a person's general
  impression and face-specific view (not one correlation across cells), colleague optimism drawn
  per team (PSWs report the team's profile), acquiescence, extreme responding (discrimination
  doubled), careless respondents (uniform answers) and straight-liners (one code).
- **Missing answers**: at random; "don't know" from colleagues, more often on the
  non-decision-making face (what happens outside meetings is least visible to them); skips whose
  probability falls with the answer (a logistic in the category).
- **Teams**: headcounts of PSWs and colleagues (given, or drawn), each person responding with a
  team-specific response rate; a share of teams halfway between two prototypes (truth
  ``between``); the others' truth is the type whose prototype generated them.

Returns canonical responses (codes 1-5, blank) and the truth; nothing here is tuned to the
classifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from copro_scale.instrument import FACES, TYPES, load_instrument

CONSTRUCTS_ = ("voice", "experience", "identity")


@dataclass(frozen=True)
class Condition:
    """Nuisance sizes of one condition (names are this generator's own)."""

    optimism: tuple[float, float] = (0.0, 0.0)
    acquiescence: tuple[float, float] = (0.0, 0.0)  # mean, SD (scale points)
    extreme: float = 0.0
    careless: float = 0.0
    straight: float = 0.0
    skip: float = 0.0  # skip probability of a category-1 answer; halves per category up
    dont_know: float = 0.0  # colleagues; x1.5 on non-decision-making
    blank: float = 0.02
    discrimination: tuple[float, float] = (1.7, 1.7)
    threshold_sd: float = 0.0
    face_sd: float = 0.15
    between: float = 0.0
    response_rate: tuple[float, float] = (1.0, 1.0)


CONDITIONS = {
    "clean": Condition(),
    "optimism": Condition(optimism=(0.1, 0.6)),
    "acquiescence": Condition(acquiescence=(0.1, 0.25)),
    "extreme": Condition(extreme=0.10),
    "careless": Condition(careless=0.05, straight=0.02),
    "skips": Condition(skip=0.25),
    "dont know": Condition(dont_know=0.3),
    "items": Condition(discrimination=(1.0, 2.8), threshold_sd=0.25),
    "between": Condition(between=0.15),
    "realistic": Condition(optimism=(0.1, 0.6), acquiescence=(0.1, 0.25), extreme=0.10,
                           careless=0.05, straight=0.02, skip=0.15, dont_know=0.10,
                           discrimination=(1.0, 2.8), threshold_sd=0.2, face_sd=0.2,
                           between=0.10, response_rate=(0.35, 0.8)),
    "harsh": Condition(optimism=(0.0, 1.0), acquiescence=(0.25, 0.4), extreme=0.25,
                       careless=0.12, straight=0.05, skip=0.4, dont_know=0.3,
                       discrimination=(0.8, 3.0), threshold_sd=0.4, face_sd=0.3, between=0.2,
                       response_rate=(0.25, 0.9)),
}


def generate(headcounts, cond: Condition, seed: int = 0):
    """Responses and truth for teams with the given ``(psw, colleague)`` headcounts."""
    inst = load_instrument()
    rng = np.random.default_rng(90_000 + seed)
    items = inst.items
    face_of = np.array([FACES.index(it.face) for it in items])
    cell_of = np.array([CONSTRUCTS_.index(it.construct) * 3 + FACES.index(it.face)
                        for it in items])
    rev = np.array([it.reverse for it in items])
    J = len(items)
    a = rng.uniform(*cond.discrimination, size=J)
    b = (np.array([1.5, 2.5, 3.5, 4.5]) + rng.normal(0, cond.threshold_sd, size=(J, 1))
         + rng.normal(0, cond.threshold_sd / 2, size=(J, 4)))
    b = np.sort(b, axis=1)
    proto = np.array([[inst.prototypes[t][f] for f in FACES] for t in TYPES])
    rows, truth = [], []
    for t, (h_psw, h_col) in enumerate(headcounts):
        if rng.random() < cond.between:
            i, j = rng.choice(3, size=2, replace=False)
            face, kind = (proto[i] + proto[j]) / 2, "between"
        else:
            k = rng.integers(3)
            face, kind = proto[k].copy(), TYPES[k]
        face = face + rng.normal(0, cond.face_sd, size=3)
        cell_mean = face[np.arange(9) % 3] + rng.normal(0, 0.12, size=9)
        lift = rng.uniform(*cond.optimism)
        rate = rng.uniform(*cond.response_rate)
        n_p = rng.binomial(h_psw, rate) if rate < 1 else h_psw
        n_c = rng.binomial(h_col, rate) if rate < 1 else h_col
        name = f"Unit {t + 1:03d}"
        truth.append(dict(team=name, type=kind, psw=n_p, colleague=n_c, **dict(zip(FACES, face))))
        for r in range(n_p + n_c):
            psw = r < n_p
            theta = (cell_mean + rng.normal(0, 0.45) + rng.normal(0, 0.3, 3)[np.arange(9) % 3]
                     + rng.normal(0, 0.3, 9) + (0.0 if psw else lift))[cell_of]
            acq = rng.normal(*cond.acquiescence) if cond.acquiescence[1] > 0 else 0.0
            agree_theta = np.where(rev, 6 - theta, theta) + acq  # on the agreement scale
            slope = a * (2.0 if rng.random() < cond.extreme else 1.0)
            bb = np.where(rev[:, None], 6 - b[:, ::-1], b)
            p_ge = 1 / (1 + np.exp(-slope[:, None] * (agree_theta[:, None] - bb)))
            cat = 1 + (rng.random(J)[:, None] < p_ge).sum(axis=1)  # one uniform per item
            u = rng.random()
            if u < cond.careless:
                cat = rng.integers(1, 6, size=J)
            elif u < cond.careless + cond.straight:
                cat = np.full(J, rng.choice([3, 4, 5]))
            raw = cat.astype(float)
            fav = np.where(rev, 6 - raw, raw)
            gone = rng.random(J) < cond.blank
            gone |= rng.random(J) < cond.skip * 0.5 ** (fav - 1)
            if not psw:
                gone |= rng.random(J) < cond.dont_know * np.where(face_of == 1, 1.5, 0.75)
            raw[gone] = np.nan
            rows.append([f"U{seed:03d}{t:03d}{r:03d}", name, "psw" if psw else "clinical",
                         "psw" if psw else "colleague", int(rng.integers(1, 120)), *raw])
    cols = ["response_id", "team", "role", "form", "months_in_role", *inst.item_ids]
    resp = pd.DataFrame(rows, columns=cols)
    resp[inst.item_ids] = resp[inst.item_ids].astype("Int8")
    return resp, pd.DataFrame(truth)


def headcounts(n_teams: int, rng_seed: int = 0, mean_staff: float = 14.0):
    """Team headcounts as in mental-health services: 1-3 PSWs, colleagues ~ negative binomial."""
    rng = np.random.default_rng(rng_seed)
    psw = rng.choice([1, 2, 3], size=n_teams, p=[0.5, 0.35, 0.15])
    col = 2 + rng.negative_binomial(4, 4 / (4 + mean_staff - 2), size=n_teams)
    return list(zip(psw.tolist(), col.tolist()))
