"""The context of a team page: plain, already formatted values and chart geometry.

Built from :class:`~copro_scale.reports.data.ReportData` only, so it holds nothing the disclosure
plan withheld. A below-threshold team gets a context with no scores and no counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..classify import OUTCOMES
from ..instrument import CONSTRUCTS, FACES, cell_name
from ..render import fmt, pct
from .charts import diverging_chart, heatmap_chart, interval_chart, level_word
from .content import CONSTRUCT_LABELS, FACE_ACTS, FACE_LABELS, FORMS_TEXT, LEVER_TEXT, SCORE_LABELS
from .data import ReportData


def probability_text(p: float) -> str:
    """A probability for readers: never a flat "100%" from a finite number of draws.

    Examples
    --------
    >>> probability_text(1.0), probability_text(0.8123)
    ('over 99%', '81%')
    """
    return "over 99%" if p is not None and np.isfinite(p) and p >= 0.995 else pct(p)


def _type_block(row: dict, settings: dict, texts: dict) -> dict:
    t = row["type"]
    text = texts[t]
    probs = [dict(type=o, label=o.capitalize(), p=pct(row[f"p_{o}"]),
                  reported=(o == t)) for o in OUTCOMES]
    actions = list(text["actions"])
    nearest = row.get("nearest")
    return dict(
        type=t, title=text["title"], summary=text["summary"], meaning=text["meaning"],
        process=text["process"], face=text["face"],
        probability=probability_text(row["probability"]),
        threshold=pct(settings["min_probability"]), probs=probs, actions=actions,
        nearest=texts[nearest]["title"] if nearest else "none",
        distance=fmt(row.get("distance")),
        lever=CONSTRUCT_LABELS.get(row.get("lever"), "not available"),
        lever_text=LEVER_TEXT.get(row.get("lever"), ""), p_lever=pct(row.get("p_lever")))


def _score_rows(team_long: pd.DataFrame, org_long: pd.DataFrame, names: list[str],
                labels: dict) -> list[dict]:
    t = team_long.set_index("score")
    o = org_long.set_index("score")
    rows = []
    for s in names:
        r = t.loc[s]
        org = float(o.loc[s, "mean"]) if s in o.index else np.nan
        rows.append(dict(label=labels[s], mean=float(r["mean"]), lo=float(r["lo"]),
                         hi=float(r["hi"]), org=org, f_mean=fmt(r["mean"]),
                         f_ci=f"{fmt(r['lo'])} to {fmt(r['hi'])}", f_org=fmt(org),
                         f_diff=fmt(float(r["mean"]) - org)))
    return rows


def team_context(data: ReportData, team: str, slug: str, meta: dict) -> dict:
    """The context of one team page, from already-safe data.

    A below-threshold team gets a context with no scores and no counts.
    """
    plan, inst = data.plan, data.instrument
    base = dict(team=team, slug=slug, meta=meta, k=plan.min_responses,
                settings=data.settings, threshold=pct(data.settings["min_probability"]))
    if not plan.is_visible(team):
        return dict(base, suppressed=True)
    trow = plan.teams.set_index("team").loc[team]
    types = data.types.set_index("team").loc[team].to_dict()
    tl = data.slice("team", team)
    cell_vals = dict(zip(tl["score"], tl["mean"]))
    heat = heatmap_chart({f"{c}|{f}": cell_vals.get(cell_name(c, f), np.nan)
                          for c in CONSTRUCTS for f in FACES},
                         list(CONSTRUCTS), list(FACES), CONSTRUCT_LABELS, FACE_LABELS)
    face_rows = [dict(r, acts=FACE_ACTS[f])
                 for r, f in zip(_score_rows(tl, data.org, list(FACES), FACE_LABELS), FACES)]
    cons_rows = _score_rows(tl, data.org, list(CONSTRUCTS), CONSTRUCT_LABELS)
    it = data.slice("items", team).set_index("id").reindex(inst.item_ids)
    it = it.reset_index()
    item_rows = [dict(id=i.id, text=i.text("colleague"), reverse=i.reverse,
                      cell=f"{CONSTRUCT_LABELS[i.construct]} / {FACE_LABELS[i.face]}",
                      disagree=pct(d), neutral=pct(n), agree=pct(a))
                 for i, d, n, a in zip(inst.items, it["disagree"], it["neutral"], it["agree"])]
    gaps = data.slice("gaps", team)
    split = [dict(label=SCORE_LABELS[r["score"]], psw=fmt(r["psw"]),
                  colleague=fmt(r["colleague"]), gap=fmt(r["gap"]),
                  ci=f"{fmt(r['lo'])} to {fmt(r['hi'])}") for r in gaps.to_dict("records")]
    change_rows = [dict(label=SCORE_LABELS[r["score"]],
                        previous=fmt(r["previous"]), current=fmt(r["current"]),
                        delta=fmt(r["delta"]), ci=f"{fmt(r['lo'])} to {fmt(r['hi'])}")
                   for r in data.slice("change", team).to_dict("records")]
    agreement = None
    if data.agreement is not None:
        agreement = dict(icc1=data.agreement["icc1"], icc2=data.agreement["icc2"],
                         **data.agreement["per_team"].get(team, dict(rwg="–", ad="–")))
    forms = types["forms"]
    return dict(
        base, suppressed=False,
        n_psw=plan.form_counts(team)["psw"], n_colleague=plan.form_counts(team)["colleague"],
        n=int(trow["n"]), view=plan.view_text(team),
        split_visible=bool(trow["split_visible"]), forms=forms, forms_text=FORMS_TEXT[forms],
        kind=_type_block(types, data.settings, data.texts),
        heat=heat, heat_rows=[dict(construct=CONSTRUCT_LABELS[c],
                                   cells=[dict(value=fmt(cell_vals.get(cell_name(c, f))),
                                               word=level_word(cell_vals.get(cell_name(c, f))))
                                          for f in FACES]) for c in CONSTRUCTS],
        faces=face_rows, constructs=cons_rows,
        face_chart=interval_chart(face_rows), construct_chart=interval_chart(cons_rows),
        items=item_rows, item_chart=diverging_chart(it.assign(id=inst.item_ids)),
        split=split, agreement=agreement, reliability=data.reliability,
        face_labels=FACE_LABELS, change=change_rows,
        has_previous=data.settings.get("previous", False))


