"""The context of a service line's or directorate's page (a team list's ``parent`` column).

A parent pools the respondents of every team beneath it, so a team below the threshold is seen
through it; :func:`copro_scale.privacy.parent_plan` decides whether it is shown. Its figures count
every respondent once.
"""

from __future__ import annotations

from ..instrument import CONSTRUCTS, FACES
from ..render import fmt, pct
from .charts import TYPE_MARKS
from .data import ReportData
from .team_page import score_rows


def parent_context(data: ReportData, parent: str, meta: dict, hrefs: dict, team_hrefs: dict,
                   overview_href: str) -> dict:
    """Page context of one parent; ``hrefs`` maps parent paths and ``team_hrefs`` team names to
    links from the parent page's folder."""
    plan, texts = data.plan, data.texts
    row = data.parents.set_index("parent").loc[parent]
    levels = parent.split(" > ")
    trail = [{"name": levels[i], "href": hrefs.get(" > ".join(levels[:i + 1]))}
             for i in range(len(levels) - 1)]
    base = {"service": row["name"], "parent": parent, "trail": trail, "meta": meta, "k": plan.min_responses,
                "overview_href": overview_href, "marks": TYPE_MARKS, "contents": [],
                "settings": data.settings}
    if not bool(row["visible"]):
        return dict(base, suppressed=True)
    figs = data.slice("parent_scores", parent)
    types = data.types.set_index("team")
    teams, hidden = [], []
    for t in row["teams"]:
        if plan.is_visible(t):
            r = types.loc[t]
            teams.append({"team": t, "href": team_hrefs[t], "short": texts[r["type"]]["short"],
                              "mark": TYPE_MARKS[r["type"]], "n": str(int(plan.teams.set_index("team")
                                                                     .loc[t, "n"])),
                              "colleagues_only": r["forms"] == "colleague"})
        else:
            hidden.append({"team": t, "href": team_hrefs[t]})
    subs = data.parents[data.parents["above"] == parent]
    mid = data.settings["mid"]
    shown = figs.dropna(subset=["mean"])
    if int(row["hidden"]):  # per-score counts would give its teams below k away, as its count would
        shown = shown.assign(n="–")
    return dict(
        base, suppressed=False, n=row["count"], n_teams=len(row["teams"]),
        faces=score_rows(shown, data.org, [f for f in FACES if f in set(shown["score"])], mid),
        constructs=score_rows(shown, data.org, [c for c in CONSTRUCTS if c in set(shown["score"])],
                              mid),
        withheld=[s for s in (*FACES, *CONSTRUCTS) if s not in set(shown["score"])],
        teams=teams, hidden=hidden, mid=fmt(mid), threshold=pct(data.settings["min_probability"]),
        subs=[{"name": r.name, "href": hrefs.get(r.parent), "visible": bool(r.visible)}
              for r in subs.itertuples()])
