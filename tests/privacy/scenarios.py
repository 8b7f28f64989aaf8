"""The disclosure scenarios of docs/privacy.md as input files, on organisations copro did not write.

The base organisation comes from ``tests/reports/independent_sim.py`` (a generator written apart
from :mod:`copro_scale.simulate`), with no random gaps, so that each scenario's gap is the only
one. Each function writes a canonical CSV and returns its path.

- ``lone_dont_know``: a visible team of 5 ("Lone Team") with 1 PSW and 4 colleagues who answer
  "Don't know" (9) to every ideological item; the PSW answers 1 (keyed) everywhere.
- ``skipper``: one PSW of "Team 02" skips item ``vdm1``.
- ``dont_know_cell``: one colleague of "Team 03" answers "Don't know" to the whole
  identity x ideological cell.
- ``five_psws``: "Five Team", 5 PSWs and 5 colleagues (split at 5, not at 6).
- ``missing_cell``: the base with one PSW of "Team 01" who skips the whole voice x decision
  cell (and answers everything else).
- ``waves``: wave 1 where one PSW typed "Psychosis Svc" for "Psychosis Service" (8 others),
  wave 2 of the same teams, and a team list that maps the alias.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from copro_scale.instrument import load_instrument

from ..reports.independent_sim import independent_survey

INST = load_instrument()
IDS = INST.item_ids
IDEOLOGICAL = [it.id for it in INST.items if it.face == "ideological"]
CELL_IID = [it.id for it in INST.items if it.construct == "identity" and it.face == "ideological"]


def _extreme(row: dict) -> dict:
    """Answers whose keyed value is 1 on every item."""
    for it in INST.items:
        row[it.id] = 5 if it.reverse else 1
    return row


def base(seed: int = 0, n_teams: int = 8) -> pd.DataFrame:
    """Independent organisation: ``n_teams`` teams of 10 (3 PSWs), no gaps, no "Don't know"."""
    r, _ = independent_survey(n_teams, 10, 3, seed=seed, missing=0.0, dont_know=0.0)
    return r


def organisation(seed: int = 0) -> pd.DataFrame:
    """The base with every single-wave scenario in it (lone team, skipper, DK cell, five PSWs)."""
    r = base(seed)
    extra, _ = independent_survey(2, 10, 5, seed=seed + 100, missing=0.0, dont_know=0.0)
    rows = [_extreme(r.iloc[0].to_dict() | dict(response_id="L0", team="Lone Team", role="psw",
                                                 form="psw"))]
    lone = extra[(extra["team"] == "Team 02") & (extra["form"] == "colleague")]
    for i in range(4):
        c = lone.iloc[i].to_dict() | dict(response_id=f"L{i + 1}", team="Lone Team")
        for item in IDEOLOGICAL:
            c[item] = 9
        rows.append(c)
    five = extra[extra["team"] == "Team 01"]
    rows += [c | dict(response_id=f"F{i}", team="Five Team")
             for i, c in enumerate(five.to_dict("records"))]
    out = pd.concat([r, pd.DataFrame(rows)], ignore_index=True)
    skip = out.index[(out["team"] == "Team 02") & (out["form"] == "psw")][0]
    out.loc[skip, "vdm1"] = pd.NA
    dk = out.index[(out["team"] == "Team 03") & (out["form"] == "colleague")][0]
    out.loc[dk, CELL_IID] = 9
    out[IDS] = out[IDS].astype("Int8")
    return out


def missing_cell(seed: int = 0) -> pd.DataFrame:
    """The base with one PSW of "Team 01" who leaves the voice x decision cell blank."""
    out = base(seed)
    who = out.index[(out["team"] == "Team 01") & (out["form"] == "psw")][0]
    out.loc[who, [it.id for it in INST.cell_items("voice", "decision_making")]] = pd.NA
    out[IDS] = out[IDS].astype("Int8")
    return out


def write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def waves(folder: Path, seed: int = 0) -> dict[str, Path]:
    """wave1.csv, wave2.csv and teams.csv of the two-wave scenario."""
    out = {}
    for w in (1, 2):
        r = base(seed + w, n_teams=6)
        r = r.replace({"team": {"Team 01": "Psychosis Service"}})
        if w == 1:  # 8 in the team, plus a lone PSW who typed the name differently
            team = r.index[r["team"] == "Psychosis Service"]
            r = r.drop(index=team[-2:])
            lone = _extreme(r.iloc[0].to_dict() | dict(response_id="P0", team="Psychosis Svc",
                                                       role="psw", form="psw"))
            r = pd.concat([r, pd.DataFrame([lone])], ignore_index=True)
            r[IDS] = r[IDS].astype("Int8")
        out[f"wave{w}"] = write(r, folder / f"wave{w}.csv")
    names = sorted(set(pd.read_csv(out["wave2"])["team"]))
    teams = pd.DataFrame({"team": names,
                          "aliases": ["Psychosis Svc" if t == "Psychosis Service" else ""
                                      for t in names]})
    teams.to_csv(folder / "teams.csv", index=False)
    out["teams"] = folder / "teams.csv"
    return out
