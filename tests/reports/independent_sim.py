"""A survey generator written apart from :mod:`copro_scale.simulate`, to check the classifier on
data the package did not write.

It differs from the package's simulator on purpose:

- team profiles vary per *face* (SD ``team_sd``), not per cell, plus a smaller cell deviation;
- respondents carry a general impression, a face-specific view and an acquiescence that pushes
  raw agreement up on every item (so down on the favourable score of reverse-keyed items);
- the response is the latent score plus item noise, *rounded* and clipped to 1-5 (no thresholds);
- **colleague optimism**: each team's colleagues rate ``U(gap_low, gap_high)`` points more
  favourably than its PSWs, who see the truth (the gap is not split around the profile);
- answers go missing at random, and colleagues answer "don't know" (code 9) at random.

The truth of a team is the type whose prototype generated it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from copro_scale.instrument import FACES, TYPES, load_instrument


def independent_survey(n_teams: int = 60, per_team: int = 8, n_psw: int = 2, *, seed: int = 0,
                       gap_low: float = 0.10, gap_high: float = 0.25, team_sd: float = 0.25,
                       item_sd: float = 0.7, missing: float = 0.04, dont_know: float = 0.04):
    """Canonical responses and the truth (``team, type``) of an independently simulated survey."""
    inst = load_instrument()
    rng = np.random.default_rng(10_000 + seed)
    types = np.array([TYPES[i % 3] for i in range(n_teams)])
    rng.shuffle(types)
    proto = np.array([[inst.prototypes[t][f] for f in FACES] for t in types])
    team_face = proto + rng.normal(0, team_sd, size=proto.shape)
    face_of = np.array([FACES.index(it.face) for it in inst.items])
    cell_of = np.array([[c, f] for c in ("voice", "experience", "identity") for f in FACES])
    cell_idx = np.array([next(i for i, (c, f) in enumerate(cell_of) if c == it.construct
                              and f == it.face) for it in inst.items])
    rev = np.array([it.reverse for it in inst.items])
    optimism = rng.uniform(gap_low, gap_high, size=n_teams)
    rows = []
    for t in range(n_teams):
        cell_dev = rng.normal(0, 0.15, size=9)
        for r in range(per_team):
            psw = r < n_psw
            general = rng.normal(0, 0.45)
            face_view = rng.normal(0, 0.30, size=3)
            cell_res = rng.normal(0, 0.35, size=9)
            acq = rng.normal(0, 0.2)
            latent = (team_face[t, face_of] + cell_dev[cell_idx] + general + face_view[face_of]
                      + cell_res[cell_idx] + (0.0 if psw else optimism[t]))
            fav = np.clip(np.rint(latent + rng.normal(0, item_sd, size=latent.shape)), 1, 5)
            raw = np.where(rev, 6 - fav, fav)
            raw = np.clip(raw + np.rint(acq * rng.random(raw.shape)), 1, 5)  # acquiescence
            raw = raw.astype(float)
            raw[rng.random(raw.shape) < missing] = np.nan
            if not psw:
                raw[rng.random(raw.shape) < dont_know] = 9
            rows.append([f"X{seed:02d}{t:03d}{r:02d}", f"Team {t + 1:02d}",
                         "psw" if psw else rng.choice(["clinical", "manager", "volunteer"]),
                         "psw" if psw else "colleague", int(rng.integers(1, 60)), *raw])
    cols = ["response_id", "team", "role", "form", "months_in_role", *inst.item_ids]
    resp = pd.DataFrame(rows, columns=cols)
    resp[inst.item_ids] = resp[inst.item_ids].astype("Int8")
    truth = pd.DataFrame({"team": [f"Team {t + 1:02d}" for t in range(n_teams)], "type": types})
    return resp, truth
