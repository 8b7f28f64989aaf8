"""The context of a team page: plain, already formatted values and chart geometry.

Built from :class:`~copro_scale.reports.data.ReportData` only, so it holds nothing the disclosure
plan withheld. A below-threshold team gets a context with no scores and no counts.

The page opens with what a manager acts on: the type (a mark, a name and the probability in
words), the three faces against the organisation, the lever, and the three statements answered
most and least favourably. The detail follows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..classify import OUTCOMES
from ..instrument import CONSTRUCTS, FACES, cell_name
from ..render import fmt, pct
from .charts import (TYPE_MARKS, heat_colour, interval_rows, keyed_shares, level_word,
                     share_bar, trend_chart)
from .content import CONSTRUCT_LABELS, FACE_ACTS, FACE_LABELS, FORMS_TEXT, LEVER_TEXT, SCORE_LABELS
from .data import ReportData
from .words import interval_text, likelihood, probability_text, rate_text

#: The item chart's wording per view: the combined view uses the colleague form's third-person
#: statements ("Peer support workers in this team ..."), the PSW view the PSW form's own.
VIEW_FORM = {"all": "colleague", "psw": "psw"}


def type_block(row: dict, settings: dict, texts: dict, previous: str | None = None,
               previous_wave: str = "") -> dict:
    """Words, mark and probabilities of a team's type."""
    t = row["type"]
    text = texts[t]
    probs = [dict(type=o, label=texts[o]["short"], p=pct(row[f"p_{o}"]), reported=(o == t))
             for o in OUTCOMES]
    nearest = row.get("nearest")
    p = row["probability"]
    was = None
    if previous:
        then, now = texts[previous]["short"].lower(), text["short"].lower()
        was = (f"Still {now}, as in {previous_wave}." if previous == t
               else f"Was {then} in {previous_wave}, now {now}.")
    return dict(
        type=t, title=text["title"], short=text["short"], summary=text["summary"],
        meaning=text["meaning"], process=text["process"], face=text["face"],
        mark=TYPE_MARKS[t], probability=probability_text(p), likelihood=likelihood(p),
        threshold=pct(settings["min_probability"]), probs=probs, actions=list(text["actions"]),
        nearest=texts[nearest]["title"] if nearest else "none",
        lever=CONSTRUCT_LABELS.get(row.get("lever"), "not available"),
        lever_text=LEVER_TEXT.get(row.get("lever"), ""), p_lever=pct(row.get("p_lever")),
        lever_likelihood=likelihood(row.get("p_lever")), was=was)


def score_rows(team_long: pd.DataFrame, org_long: pd.DataFrame, names) -> list[dict]:
    """Team mean, interval, organisation and difference per score, with chart geometry."""
    t = team_long.set_index("score")
    o = org_long.set_index("score")
    rows = []
    for s in names:
        r = t.loc[s]
        org = float(o.loc[s, "mean"]) if s in o.index else np.nan
        rows.append(dict(key=s, label=SCORE_LABELS[s], mean=float(r["mean"]), lo=float(r["lo"]),
                         hi=float(r["hi"]), org=org, f_mean=fmt(r["mean"]),
                         f_ci=interval_text(r["lo"], r["hi"]), f_org=fmt(org),
                         f_diff=fmt(float(r["mean"]) - org), word=level_word(r["mean"])))
    return interval_rows(rows)


def _statement(share: float, reverse: bool, favourable: bool) -> str:
    agree = (favourable != reverse)
    return f"{pct(share)} {'agree' if agree else 'disagree'}"


def item_view(dist: pd.DataFrame, inst, view: str) -> dict:
    """Item chart rows (statement in the view's wording, keyed shares, bar) and the top three
    strengths and concerns."""
    form = VIEW_FORM[view]
    it = dist.set_index("id").reindex(inst.item_ids).reset_index()
    reverse = pd.Series([i.reverse for i in inst.items])
    k = keyed_shares(it, reverse)
    rows = []
    for i, r in zip(inst.items, k.to_dict("records")):
        rows.append(dict(
            id=i.id, text=i.text(form), reverse=i.reverse, face=i.face,
            cell=f"{CONSTRUCT_LABELS[i.construct]}, {FACE_LABELS[i.face].lower()}",
            favourable=pct(r["favourable"]), neutral=pct(r["neutral"]),
            unfavourable=pct(r["unfavourable"]),
            bar=share_bar(r["unfavourable"], r["neutral"], r["favourable"]),
            net=np.nan_to_num(r["favourable"] - r["unfavourable"], nan=0.0),
            fav_raw=r["favourable"], unfav_raw=r["unfavourable"]))
    ranked = [j for j, r in enumerate(rows) if np.isfinite(r["fav_raw"])]  # withheld: not ranked
    order = sorted(ranked, key=lambda j: -rows[j]["net"])
    strengths = [rows[j] for j in order[:3]]
    concerns = [rows[j] for j in order[::-1] if rows[j] not in strengths][:3]
    groups = [dict(face=f, label=FACE_LABELS[f], rows=[r for r in rows if r["face"] == f])
              for f in FACES]
    return dict(
        view=view, groups=groups,
        strengths=[dict(text=r["text"], share=_statement(r["fav_raw"], r["reverse"], True),
                        reverse=r["reverse"]) for r in strengths],
        concerns=[dict(text=r["text"], share=_statement(r["unfav_raw"], r["reverse"], False),
                       reverse=r["reverse"]) for r in concerns])


def trends(history: pd.DataFrame, labels: list[str]) -> list[dict]:
    """One small trend chart per face across every wave (oldest first)."""
    out = []
    for f in FACES:
        h = history[history["score"] == f].set_index("wave")["mean"]
        values = [float(h[w]) if w in h.index else None for w in range(len(labels))]
        out.append(dict(label=FACE_LABELS[f], chart=trend_chart(values),
                        waves=[dict(wave=lab, value=fmt(v) if v is not None else "not reported")
                                for lab, v in zip(labels, values)]))
    return out


def heat_table(cell_vals: dict) -> list[dict]:
    """The 3 x 3 map as table rows: value, word and colours per cell."""
    rows = []
    for c in CONSTRUCTS:
        cells = []
        for f in FACES:
            v = cell_vals.get(cell_name(c, f), np.nan)
            fill, ink = heat_colour(v)
            cells.append(dict(value=fmt(v), word=level_word(v), fill=fill, ink=ink))
        rows.append(dict(label=CONSTRUCT_LABELS[c], cells=cells))
    return rows


def team_context(data: ReportData, team: str, slug: str, meta: dict) -> dict:
    """The context of one team page, from already-safe data."""
    plan, inst, settings = data.plan, data.instrument, data.settings
    base = dict(team=team, slug=slug, meta=meta, k=plan.min_responses, settings=settings,
                threshold=pct(settings["min_probability"]), marks=TYPE_MARKS)
    if not plan.is_visible(team):
        return dict(base, suppressed=True)
    trow = plan.teams.set_index("team").loc[team]
    types = data.types.set_index("team").loc[team].to_dict()
    tl = data.slice("team", team)
    waves = settings["waves"]
    kind = type_block(types, settings, data.texts, data.previous_types.get(team),
                      waves[-2] if len(waves) > 1 else "")
    split_visible = bool(trow["split_visible"])
    views = [item_view(data.slice("items", team), inst, "all")]
    if split_visible and len(data.slice("items_psw", team)):
        views.append(item_view(data.slice("items_psw", team), inst, "psw"))
    heads = data.headcounts.set_index("team")
    expected = None
    if team in heads.index:
        e = heads.loc[team, ["n_psw_expected", "n_colleague_expected"]]
        expected = None if e.isna().any() else int(e.sum())
    gaps = data.slice("gaps", team)
    split = [dict(label=SCORE_LABELS[r["score"]], psw=fmt(r["psw"]),
                  colleague=fmt(r["colleague"]), gap=fmt(r["gap"]),
                  ci=interval_text(r["lo"], r["hi"])) for r in gaps.to_dict("records")]
    change_rows = [dict(label=SCORE_LABELS[r["score"]], previous=fmt(r["previous"]),
                        current=fmt(r["current"]), delta=fmt(r["delta"]),
                        ci=interval_text(r["lo"], r["hi"]))
                   for r in data.slice("change", team).to_dict("records")]
    agreement = None
    if data.agreement is not None:
        agreement = dict(icc1=data.agreement["icc1"], icc2=data.agreement["icc2"],
                         **data.agreement["per_team"].get(team, dict(rwg="–", ad="–")))
    forms = types["forms"]
    return dict(
        base, suppressed=False,
        n=int(trow["n"]), n_psw=plan.form_counts(team)["psw"],
        n_colleague=plan.form_counts(team)["colleague"], view=plan.view_text(team),
        rate=rate_text(int(trow["n"]), expected),
        split_visible=split_visible, forms=forms, forms_text=FORMS_TEXT[forms], kind=kind,
        faces=score_rows(tl, data.org, FACES),
        constructs=score_rows(tl, data.org, CONSTRUCTS),
        face_acts=FACE_ACTS, heat_rows=heat_table(dict(zip(tl["score"], tl["mean"]))),
        face_labels=[FACE_LABELS[f] for f in FACES], views=views, top=views[0],
        split=split, agreement=agreement, change=change_rows,
        has_previous=settings["previous"],
        trends=trends(data.slice("history", team), waves) if settings["previous"] else [],
        previous_wave=waves[-2] if len(waves) > 1 else "")


