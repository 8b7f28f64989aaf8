"""The context of the organisation overview, from already-safe :class:`ReportData`."""

from __future__ import annotations

import numpy as np

from ..instrument import CONSTRUCTS, FACES, TYPES
from ..render import fmt, pct
from .charts import heatmap_chart
from .content import CONSTRUCT_LABELS, FACE_LABELS, SCORE_LABELS
from .data import ReportData
from .team_page import probability_text


def overview_context(data: ReportData, slugs: dict[str, str], meta: dict) -> dict:
    """The context of the organisation overview, from already-safe data."""
    plan = data.plan
    types = data.types.set_index("team")
    rows = []
    for t in plan.teams.to_dict("records"):
        team = t["team"]
        if not t["visible"]:
            rows.append(dict(team=team, href=f"teams/{slugs[team]}.html", suppressed=True,
                             n=plan.count_text(t["n"]), type="below threshold"))
            continue
        r = types.loc[team]
        shown = dict(zip(data.slice("team", team)["score"], data.slice("team", team)["mean"]))
        counts = plan.form_counts(team)
        rows.append(dict(team=team, href=f"teams/{slugs[team]}.html", suppressed=False,
                         n=str(int(t["n"])), n_psw=counts["psw"],
                         n_colleague=counts["colleague"], type=r["type"],
                         probability=probability_text(r["probability"]),
                         faces=[fmt(shown.get(f)) for f in FACES],
                         lever=CONSTRUCT_LABELS.get(r["lever"], "–")))
    visible = plan.visible_teams
    heat = heatmap_chart({f"{t}|{f}": float(data.slice("team", t).set_index("score")["mean"].get(f, np.nan))
                          for t in visible for f in FACES},
                         visible, list(FACES), {t: t for t in visible}, FACE_LABELS,
                         links={t: f"teams/{slugs[t]}.html" for t in visible},
                         label_w=220, cell_w=165, cell_h=26)
    counts = [dict(type=o, label=o.capitalize(), n=int((plan.teams["visible"] &
              plan.teams["team"].map(types["type"]).eq(o)).sum()))
              for o in (*TYPES, "mixed", "indeterminate")]
    counts.append(dict(type="suppressed", label="Below threshold",
                       n=int((~plan.teams["visible"]).sum())))
    org = data.org.set_index("score")
    org_rows = [dict(label=SCORE_LABELS[s], mean=fmt(org.loc[s, "mean"]),
                     ci=f"{fmt(org.loc[s, 'lo'])} to {fmt(org.loc[s, 'hi'])}")
                for s in (*FACES, *CONSTRUCTS) if s in org.index]
    n_org = int(plan.teams.set_index("team").loc[list(plan.organisation_teams), "n"].sum())
    gap = [dict(label=SCORE_LABELS[r["score"]], psw=fmt(r["psw"]),
                colleague=fmt(r["colleague"]), gap=fmt(r["gap"]),
                ci=f"{fmt(r['lo'])} to {fmt(r['hi'])}", n_psw=int(r["n_psw"]),
                n_colleague=int(r["n_colleague"]))
           for r in data.pooled_gap.to_dict("records")]
    chg = [dict(team=r["team"], href=f"teams/{slugs[r['team']]}.html",
                score=FACE_LABELS.get(r["score"], CONSTRUCT_LABELS.get(r["score"])),
                previous=fmt(r["previous"]), current=fmt(r["current"]), delta=fmt(r["delta"]),
                ci=f"{fmt(r['lo'])} to {fmt(r['hi'])}")
           for r in data.change[data.change["score"].isin(FACES)].to_dict("records")]
    return dict(meta=meta, k=plan.min_responses, rows=rows, heat=heat, counts=counts,
                org=org_rows, n_org=n_org, n_teams=len(plan.teams), notes=list(plan.notes),
                gap=gap, gap_shown=plan.pooled_gap, change=chg,
                has_previous=data.settings.get("previous", False),
                settings=data.settings, face_labels=[FACE_LABELS[f] for f in FACES],
                type_meta=data.texts, threshold=pct(data.settings["min_probability"]), colspan=len(FACES) + 3)


