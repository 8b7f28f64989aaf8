"""The context of the organisation overview, from already-safe :class:`ReportData`.

It opens with the counts by type, the organisation's face profile and every team ordered by
need, as a table whose face cells are coloured (an accessible heat map: a real table, each cell
with its number and a word). Change since the last wave lists the biggest movers first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..instrument import CONSTRUCTS, FACES
from ..render import fmt, pct
from .certainty import flag
from .charts import TYPE_MARKS, heat_colour, interval_rows, level_word
from .content import FACE_LABELS, SCORE_LABELS
from .data import ReportData
from .team_page import change_rows, parent_of, trends
from .words import FLAG_TEXT, interval_text, likelihood, probability_text, rate_text

#: Teams in the overview: the types that most need action first (then the lowest face mean).
NEED_ORDER = ("tokenistic", "neutralized", "mixed", "indeterminate", "enhanced")


def _expected(heads: pd.DataFrame) -> dict[str, int]:
    """Team -> expected headcount, for teams whose list gives both forms' headcounts."""
    if heads.empty:
        return {}
    e = heads.set_index("team")[["n_psw_expected", "n_colleague_expected"]]
    e = e[e.notna().all(axis=1)]
    return {str(t): int(v) for t, v in e.sum(axis=1).items()}


def face_cells(fig: dict) -> list[dict]:
    """Heat-map cells of the three faces (value, word, colours, label) from score -> mean."""
    cells = []
    for f in FACES:
        v = fig.get(f, np.nan)
        fill, ink = heat_colour(v)
        cells.append({"value": fmt(v), "word": level_word(v), "fill": fill, "ink": ink,
                      "label": FACE_LABELS[f]})
    return cells


def _mean_face(fig: dict) -> float:
    """Mean of the shown face scores (infinite when none is shown: such a team sorts last)."""
    v = np.array([fig.get(f, np.nan) for f in FACES], dtype=float)
    return float(v[np.isfinite(v)].mean()) if np.isfinite(v).any() else np.inf


def team_rows(data: ReportData, slugs: dict[str, str],
              parent_hrefs: dict | None = None) -> list[dict]:
    """Every team, ordered by need; below-threshold teams next, with no figures (and the shown
    parent their answers count in, if any); last the listed teams with no responses, by name
    only."""
    parent_hrefs = parent_hrefs or {}
    plan, texts = data.plan, data.texts
    types = data.types.set_index("team")
    expected = _expected(data.headcounts)
    shown, hidden = [], []
    for t in plan.teams.to_dict("records"):
        team = t["team"]
        href = f"teams/{slugs[team]}.html"
        if not t["visible"]:
            via = parent_of(data, team)
            if via is not None:
                via["href"] = parent_hrefs.get(via["parent"])
            hidden.append({"team": team, "href": href, "suppressed": True, "n": plan.count_text(t["n"]),
                               "mark": TYPE_MARKS["suppressed"], "via": via})
            continue
        r = types.loc[team]
        part = data.slice("team", team)
        fig = dict(zip(part["score"], part["mean"].astype(float)))  # the plan's figures
        cells = face_cells(fig)
        prev, _, last = data.previous_type(team)
        shown.append({
            "team": team, "href": href, "suppressed": False, "n": str(int(t["n"])),
            "rate": rate_text(int(t["n"]), expected.get(team)), "type": r["type"],
            "short": texts[r["type"]]["short"], "mark": TYPE_MARKS[r["type"]],
            "colleagues_only": r["forms"] == "colleague",
            "probability": probability_text(r["probability"]),
            "likelihood": likelihood(r["probability"]), "cells": cells,
            "lever": SCORE_LABELS.get(r["lever"], "–"),
            "was": texts[prev]["short"] if prev and last else None,
            "_key": (NEED_ORDER.index(r["type"]), _mean_face(fig))})
    shown.sort(key=lambda d: d.pop("_key"))
    silent = [{"team": t, "suppressed": True, "no_responses": True}
              for t in data.teams_without_responses]  # listed, nobody answered: nothing more
    return shown + hidden + silent


def movers(data: ReportData, slugs: dict[str, str]) -> list[dict]:
    """One row per team reported in both waves: its face changes, flagged where the interval
    excludes 0 and the size reaches the minimal important difference. Teams with a flagged change
    come first (largest flagged change first), then the rest by how far their clearest change
    is from 0 in standard errors."""
    ch = data.change[data.change["score"].isin(FACES)].copy()
    if ch.empty:
        return []
    mid = data.settings["mid"]
    ch["flag"] = [flag(d, lo, hi, mid) for d, lo, hi in zip(ch["delta"], ch["lo"], ch["hi"])]
    ch["z"] = ch["delta"].abs() / ((ch["hi"] - ch["lo"]) / (2 * 1.959964))
    types = data.types.set_index("team")["type"]
    keys = {}
    for team, part in ch.groupby("team", sort=False):
        flagged = part[part["flag"] != ""]
        keys[team] = (0, -float(flagged["delta"].abs().max())) if len(flagged) else \
            (1, -float(part["z"].max()))
    out = []
    for team in sorted(keys, key=lambda t: (keys[t], str(t))):
        part = ch[ch["team"] == team].set_index("score")
        prev, _, last = data.previous_type(str(team))
        now = types.get(team)
        out.append({"team": team, "href": f"teams/{slugs[team]}.html",
                        "was": data.texts[prev]["short"] if prev and last else "not reported",
                        "now": data.texts[now]["short"] if now in data.texts else "–",
                        "flagged": keys[team][0] == 0,
                        "deltas": [{"label": FACE_LABELS[f], "value": fmt(part.loc[f, "delta"]),
                                     "ci": interval_text(part.loc[f, "lo"], part.loc[f, "hi"]),
                                     "flag": part.loc[f, "flag"],
                                     "flag_text": FLAG_TEXT[part.loc[f, "flag"]]}
                                for f in FACES if f in part.index]})
    return out


def organisation_change(data: ReportData) -> list[dict]:
    """The organisation's change per face since the last wave: normal interval from both waves'
    standard errors (each with its design effect), flagged as a team's change is."""
    h = data.org_history
    last = h["wave"].max() if len(h) else 0
    if last < 1:
        return []
    now = h[h["wave"] == last].set_index("score")
    then = h[h["wave"] == last - 1].set_index("score")
    change_table = pd.DataFrame([
        {"score": f, "previous": then.loc[f, "mean"], "current": now.loc[f, "mean"],
         "delta": now.loc[f, "mean"] - then.loc[f, "mean"],
         "lo": now.loc[f, "mean"] - then.loc[f, "mean"]
         - 1.959964 * np.hypot(now.loc[f, "se"], then.loc[f, "se"]),
         "hi": now.loc[f, "mean"] - then.loc[f, "mean"]
         + 1.959964 * np.hypot(now.loc[f, "se"], then.loc[f, "se"])}
        for f in FACES if f in now.index and f in then.index])
    return change_rows(change_table, data.settings["mid"]) if len(change_table) else []


def parent_rows(data: ReportData, hrefs: dict[str, str]) -> list[dict]:
    """One row per service line or directorate, outermost first; withheld ones without figures."""
    out = []
    for r in data.parents.sort_values("parent", kind="stable").itertuples():
        fig = data.slice("parent_scores", r.parent)
        cells = face_cells(dict(zip(fig["score"], fig["mean"].astype(float))))
        visible_teams = [t for t in r.teams if data.plan.is_visible(t)]
        out.append({"parent": r.parent, "name": r.name, "depth": r.depth, "above": r.above,
                        "href": hrefs.get(r.parent), "visible": bool(r.visible),
                        "n": str(r.count) if r.visible else "–",  # the plan's count (rule 1)
                        "n_teams": len(r.teams), "n_shown": len(visible_teams), "cells": cells})
    return out


def overview_context(data: ReportData, slugs: dict[str, str], meta: dict,
                     parent_hrefs: dict | None = None) -> dict:
    """The context of the organisation overview, from already-safe data."""
    plan, texts = data.plan, data.texts
    parent_hrefs = parent_hrefs or {}
    rows = team_rows(data, slugs, parent_hrefs)
    visible = [r for r in rows if not r["suppressed"]]
    counts = [{"type": o, "label": texts[o]["short"], "mark": TYPE_MARKS[o], "summary": texts[o]["summary"],
                   "n": sum(r["type"] == o for r in visible)} for o in NEED_ORDER]
    for c in counts:
        c["unit"] = "team" if c["n"] == 1 else "teams"
    counts.append({"type": "suppressed", "label": "Below threshold", "mark": TYPE_MARKS["suppressed"],
                       "summary": f"Fewer than {plan.min_responses} responses: nothing shown.",
                       "n": int((~plan.teams["visible"]).sum())})
    counts[-1]["unit"] = "team" if counts[-1]["n"] == 1 else "teams"
    org = data.org.set_index("score")
    org_rows = [{"key": s, "label": SCORE_LABELS[s], "mean": float(org.loc[s, "mean"]),
                     "lo": float(org.loc[s, "lo"]), "hi": float(org.loc[s, "hi"]), "org": None,
                     "f_mean": fmt(org.loc[s, "mean"]), "f_org": "", "word": level_word(org.loc[s, "mean"]),
                     "f_ci": interval_text(org.loc[s, "lo"], org.loc[s, "hi"])}
                for s in (*FACES, *CONSTRUCTS) if s in org.index]
    org_teams = list(plan.organisation_teams)
    n_org = plan.organisation_count() if org_teams else 0  # exact, or "at least" (rule 8)
    expected = _expected(data.headcounts)
    org_rate = (rate_text(n_org, sum(expected[t] for t in org_teams))
                if org_teams and isinstance(n_org, int)
                and all(t in expected for t in org_teams) else None)
    gap = [{"label": SCORE_LABELS[r["score"]], "psw": fmt(r["psw"]), "colleague": fmt(r["colleague"]),
                "gap": fmt(r["gap"]), "ci": interval_text(r["lo"], r["hi"])}
           for r in data.pooled_gap.to_dict("records")]
    waves = data.settings["waves"]
    has_previous = data.settings["previous"]
    contents = [("types-h", "Teams by type"), ("profile-h", "The organisation's profile"),
                *([("parents-h", "Services and directorates")] if len(data.parents) else []),
                ("teams-h", "Teams, most in need first"),
                *([("change-h", "Change since the last wave")] if has_previous else []),
                ("organisation-h", "Organisation scores"), ("gap-h", "PSWs' and colleagues' views"),
                ("method-h", "Method notes")]
    return {"meta": meta, "k": plan.min_responses, "rows": rows, "counts": counts, "n_visible": len(visible),
                "contents": [{"id": i, "label": label} for i, label in contents],
                "parents": parent_rows(data, parent_hrefs), "mid": fmt(data.settings["mid"]),
                "org_weights": plan.organisation_weights,
                "org_trends": trends(data.org_history.assign(team="organisation"), waves)
                if has_previous else [],
                "org_change": organisation_change(data) if has_previous else [],
                "icc1": ", ".join(f"{SCORE_LABELS[r['score']]} {fmt(r['icc1'])}"
                               for r in data.org.to_dict("records") if r["score"] in FACES)
                if len(data.org) else "",
                "org": interval_rows(org_rows), "n_org": n_org, "org_rate": org_rate,
                "n_teams": len(plan.teams), "notes": list(plan.notes), "gap": gap, "movers": movers(data, slugs),
                "has_previous": data.settings["previous"], "previous_wave": waves[-2] if len(waves) > 1
                else "", "settings": data.settings, "face_labels": [FACE_LABELS[f] for f in FACES],
                "reliability": data.reliability, "marks": TYPE_MARKS,
                "threshold": pct(data.settings["min_probability"])}
