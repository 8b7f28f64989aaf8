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
from .certainty import flag
from .charts import (
    TYPE_MARKS,
    heat_colour,
    interval_rows,
    keyed_shares,
    level_word,
    share_bar,
    trend_chart,
)
from .content import (
    CONSTRUCT_LABELS,
    FACE_ACTS,
    FACE_LABELS,
    FORMS_TEXT,
    LEVER_TEXT,
    SCORE_LABELS,
    support_text,
)
from .data import ReportData, withheld_agreement
from .words import (
    FLAG_TEXT,
    certainty_text,
    interval_text,
    likelihood,
    probability_text,
    rate_text,
    response_rate,
)

#: The item chart's wording per view: the combined view uses the colleague form's third-person
#: statements ("Peer support workers in this team ..."), the PSW view the PSW form's own.
VIEW_FORM = {"all": "colleague", "psw": "psw"}


def type_block(row: dict, settings: dict, texts: dict, previous: tuple = (None, None, False),
               rate: dict | None = None) -> dict:
    """Words, mark and probabilities of a team's type, with the assumptions the probability rests
    on, the response rate, and whose view it is (no PSW answer: "colleagues' view only").

    ``previous`` is :meth:`ReportData.previous_type`: (type, wave label, whether that wave is the
    one just before this); ``rate`` is :func:`~copro_scale.reports.words.response_rate`.
    """
    t = row["type"]
    text = texts[t]
    probs = [{"type": o, "label": texts[o]["short"], "p": pct(row[f"p_{o}"]), "reported": (o == t)}
             for o in OUTCOMES]
    nearest = row.get("nearest")
    p = row["probability"]
    colleagues_only = row.get("forms") == "colleague"
    was = None
    then_type, then_wave, last = previous
    if then_type:
        then, now = texts[then_type]["short"].lower(), text["short"].lower()
        if not last:
            was = f"Not reported in {settings['waves'][-2]}; was {then} in {then_wave}, now {now}."
        elif then_type == t:
            was = f"Still {now}, as in {then_wave}."
        else:
            was = f"Was {then} in {then_wave}, now {now}."
    p_lever = row.get("p_lever")
    lever_clear = p_lever is not None and np.isfinite(p_lever) and \
        p_lever >= settings["min_probability"]
    return {
        "type": t, "title": text["title"], "short": text["short"], "summary": text["summary"],
        "meaning": text["meaning"], "process": text["process"], "face": text["face"],
        "mark": TYPE_MARKS[t], "probability": probability_text(p), "likelihood": likelihood(p),
        "certainty": certainty_text(p, t, colleagues_only, rate),
        "colleagues_only": colleagues_only,
        "threshold": pct(settings["min_probability"]), "probs": probs, "actions": list(text["actions"]),
        "nearest": texts[nearest]["title"] if nearest else "none",
        "lever": CONSTRUCT_LABELS.get(row.get("lever"), "not available"),
        "lever_text": LEVER_TEXT.get(row.get("lever"), ""), "p_lever": pct(p_lever),
        "lever_likelihood": likelihood(p_lever), "lever_clear": lever_clear, "was": was,
        "reason": str(row["reason"]) if isinstance(row.get("reason"), str) and row["reason"] else ""}


def score_rows(team_long: pd.DataFrame, org_long: pd.DataFrame, names, mid: float,
               k: int | None = None) -> list[dict]:
    """Team mean, interval, organisation and the difference with its interval and flag.

    The difference's standard error is ``sqrt(se_team^2 + se_org^2)`` (the organisation's with
    its design effect), which ignores that the team is part of the organisation and so errs wide.
    A score the team has no figure for (withheld, or no response with every cell scored) gets a
    row with no values, ``n`` 0 when absent, and ``missing``: why, in a sentence for the page
    (:func:`missing_text`, ``k`` the threshold); "" on the rows with a value.
    """
    t = team_long.set_index("score")
    o = org_long.set_index("score")
    rows = []
    for s in names:
        r = t.loc[s] if s in t.index else pd.Series({"mean": np.nan, "se": np.nan, "lo": np.nan,
                                                     "hi": np.nan, "n": 0})
        org = float(o.loc[s, "mean"]) if s in o.index else np.nan
        se_o = float(o.loc[s, "se"]) if s in o.index else np.nan
        diff = float(r["mean"]) - org
        se = float(np.hypot(float(r["se"]), se_o))
        lo, hi = diff - 1.96 * se, diff + 1.96 * se
        mark = flag(diff, lo, hi, mid)
        rows.append({"key": s, "label": SCORE_LABELS[s], "mean": float(r["mean"]), "lo": float(r["lo"]),
                         "hi": float(r["hi"]), "org": org, "f_mean": fmt(r["mean"]),
                         "f_ci": interval_text(r["lo"], r["hi"]), "f_org": fmt(org),
                         "f_diff": fmt(diff), "f_diff_ci": interval_text(lo, hi), "flag": mark,
                         "flag_text": FLAG_TEXT[mark], "word": level_word(r["mean"]),
                         "n": r["n"] if isinstance(r["n"], str) else int(r["n"]),
                         "missing": "" if np.isfinite(float(r["mean"])) else missing_text(k)})
    return interval_rows(rows)


def missing_text(k: int | None) -> str:
    """Why a team score is not shown: fewer than ``k`` of its responses have every cell scored.

    Examples
    --------
    >>> missing_text(5)[:52]
    "Not shown: fewer than 5 of the team's responses have"
    """
    few = f"fewer than {k}" if k else "too few"
    return (f"Not shown: {few} of the team's responses have every cell scored (enough "
            "statements answered in each of the nine), and the scores rest on those only.")


def _statement(share: float, reverse: bool, favourable: bool) -> str:
    agree = (favourable != reverse)
    return f"{pct(share)} {'agree' if agree else 'disagree'}"


def item_view(dist: pd.DataFrame, inst, view: str) -> dict:
    """Item chart rows (statement in the view's wording, keyed shares, bar, n and the "Don't
    know" share) and the top three strengths and concerns."""
    form = VIEW_FORM[view]
    it = dist.set_index("id").reindex(inst.item_ids).reset_index()
    reverse = pd.Series([i.reverse for i in inst.items])
    k = keyed_shares(it, reverse)
    rows = []
    for i, r in zip(inst.items, k.to_dict("records")):
        n = r.get("n")
        rows.append({
            "id": i.id, "text": i.text(form), "reverse": i.reverse, "face": i.face,
            "cell": f"{CONSTRUCT_LABELS[i.construct]}, {FACE_LABELS[i.face].lower()}",
            "favourable": pct(r["favourable"]), "neutral": pct(r["neutral"]),
            "unfavourable": pct(r["unfavourable"]),
            "n": "–" if n is None or pd.isna(n) else str(int(n)),
            "dont_know": pct(r.get("dont_know")),
            "bar": share_bar(r["unfavourable"], r["neutral"], r["favourable"]),
            "net": np.nan_to_num(r["favourable"] - r["unfavourable"], nan=0.0),
            "fav_raw": r["favourable"], "unfav_raw": r["unfavourable"]})
    ranked = [j for j, r in enumerate(rows) if np.isfinite(r["fav_raw"])]  # withheld: not ranked
    order = sorted(ranked, key=lambda j: -rows[j]["net"])
    # a strength has more favourable than unfavourable answers, a concern the reverse
    strengths = [rows[j] for j in order if rows[j]["net"] > 0][:3]
    concerns = [rows[j] for j in order[::-1] if rows[j]["net"] < 0][:3]
    groups = [{"face": f, "label": FACE_LABELS[f], "rows": [r for r in rows if r["face"] == f]}
              for f in FACES]
    equal = bool(dist["equal"].any()) if "equal" in dist.columns and len(dist) else False
    return {
        "view": view, "groups": groups, "equal": equal,
        "strengths": [{"text": r["text"], "share": _statement(r["fav_raw"], r["reverse"], True),
                        "reverse": r["reverse"], "n": r["n"], "dont_know": r["dont_know"]}
                   for r in strengths],
        "concerns": [{"text": r["text"], "share": _statement(r["unfav_raw"], r["reverse"], False),
                       "reverse": r["reverse"], "n": r["n"], "dont_know": r["dont_know"]}
                  for r in concerns]}


def trends(history: pd.DataFrame, labels: list[str], names=FACES) -> list[dict]:
    """One small trend chart per score across every wave (oldest first), with 95% intervals."""
    out = []
    for f in names:
        h = history[history["score"] == f].set_index("wave")
        values, los, his = [], [], []
        for w in range(len(labels)):
            ok = w in h.index and np.isfinite(float(h.loc[w, "mean"]))
            values.append(float(h.loc[w, "mean"]) if ok else None)
            los.append(float(h.loc[w, "lo"]) if ok else None)
            his.append(float(h.loc[w, "hi"]) if ok else None)
        out.append({"label": SCORE_LABELS[f], "chart": trend_chart(values, los, his),
                        "waves": [{"wave": lab, "value": fmt(v) if v is not None else "not reported",
                                    "ci": interval_text(lo, hi) if v is not None else ""}
                               for lab, v, lo, hi in zip(labels, values, los, his)]})
    return out


def heat_table(cell_vals: dict) -> list[dict]:
    """The 3 x 3 map as table rows: value, word and colours per cell."""
    rows = []
    for c in CONSTRUCTS:
        cells = []
        for f in FACES:
            v = cell_vals.get(cell_name(c, f), np.nan)
            fill, ink = heat_colour(v)
            cells.append({"value": fmt(v), "word": level_word(v), "fill": fill, "ink": ink})
        rows.append({"label": CONSTRUCT_LABELS[c], "cells": cells})
    return rows


def change_rows(change: pd.DataFrame, mid: float) -> list[dict]:
    """Now minus the last wave per score, with the interval and the flag."""
    out = []
    for r in change.to_dict("records"):
        mark = flag(r["delta"], r["lo"], r["hi"], mid)
        out.append({"label": SCORE_LABELS[r["score"]], "previous": fmt(r["previous"]),
                        "current": fmt(r["current"]), "delta": fmt(r["delta"]),
                        "ci": interval_text(r["lo"], r["hi"]), "flag": mark, "flag_text": FLAG_TEXT[mark]})
    return out


def method_weights(weights: str, k: int) -> str:
    """How this team's figures weight its respondents, for the method notes.

    Examples
    --------
    >>> method_weights("respondents", 5)[:26]
    'Every response counts once'
    """
    if weights == "forms_equal":
        return ("The team's scores and statement shares are the mean of the PSW form's and the "
                "colleague form's (both forms have at least " + str(k) + " responses); a "
                "statement that one form answered fewer than " + str(k) + " times counts every "
                "answer once. Intervals are 95% t intervals from the pooled within-form variance.")
    return ("Every response counts once (fewer than " + str(k) + " on one form), in the scores "
            "and in the statement shares alike, so no one's answers carry more than 1/" + str(k)
            + " of the team's figures. Intervals are 95% t intervals of a mean of the team's "
            "responses.")


def parent_of(data: ReportData, team: str) -> dict | None:
    """The innermost shown parent (service line or directorate) a team's answers count in."""
    heads = data.headcounts.set_index("team")
    if team not in heads.index or not isinstance(heads.loc[team, "parent"], str):
        return None
    shown = data.parents[data.parents["visible"]]
    path = heads.loc[team, "parent"]
    for r in shown.sort_values("depth", ascending=False).itertuples():
        if path == r.parent or path.startswith(r.parent + " > "):
            return {"name": r.name, "parent": r.parent}
    return {"name": path.split(" > ")[-1], "parent": None}


def team_context(data: ReportData, team: str, slug: str, meta: dict,
                 links: dict | None = None) -> dict:
    """The context of one team page, from already-safe data. ``links`` holds the hrefs of the
    parent pages (parent path -> href, from the team page's folder) and of this team's kit."""
    links = links or {}
    plan, inst, settings = data.plan, data.instrument, data.settings
    base = {"team": team, "slug": slug, "meta": meta, "k": plan.min_responses, "settings": settings,
                "threshold": pct(settings["min_probability"]), "marks": TYPE_MARKS,
                "support": support_text(), "contents": []}
    parent = parent_of(data, team)
    if parent is not None:
        parent["href"] = links.get(parent["parent"])
    if not plan.is_visible(team):
        return dict(base, suppressed=True, parent=parent)
    trow = plan.teams.set_index("team").loc[team]
    types = data.types.set_index("team").loc[team].to_dict()
    tl = data.slice("team", team)
    waves = settings["waves"]
    heads = data.headcounts.set_index("team")
    expected = None
    if team in heads.index:
        e = heads.loc[team, ["n_psw_expected", "n_colleague_expected"]]
        expected = None if e.isna().any() else int(e.sum())
    rate = response_rate(int(trow["n"]), expected)
    kind = type_block(types, settings, data.texts, data.previous_type(team), rate)
    split_visible = bool(trow["split_visible"])
    views = [item_view(data.slice("items", team), inst, "all")]
    if split_visible and len(data.slice("items_psw", team)):
        views.append(item_view(data.slice("items_psw", team), inst, "psw"))
    gaps = data.slice("gaps", team)
    split = [{"label": SCORE_LABELS[r["score"]], "psw": fmt(r["psw"]),
                  "colleague": fmt(r["colleague"]), "gap": fmt(r["gap"]),
                  "ci": interval_text(r["lo"], r["hi"])} for r in gaps.to_dict("records")]
    agreement = None
    if data.agreement is not None:
        agreement = dict(icc1=data.agreement["icc1"], icc2=data.agreement["icc2"],
                         **data.agreement["per_team"].get(team, withheld_agreement()))
    forms = types["forms"]
    mid = settings["mid"]
    faces = score_rows(tl, data.org, FACES, mid, plan.min_responses)
    constructs = score_rows(tl, data.org, CONSTRUCTS, mid, plan.min_responses)
    has_previous = settings["previous"]
    contents = [("summary-h", "Summary"), ("actions-h", "What to do next"),
                ("heatmap-h", "Where power acts"), ("scores-h", "Scores against the organisation"),
                *([("waves-h", "Change over time")] if has_previous else []),
                ("items-h", "Statement by statement"), ("support-h", "Support for peer support workers"),
                ("method-h", "Method notes")]
    return dict(
        base, suppressed=False, parent=parent, kit_href=links.get("kit"),
        contents=[{"id": i, "label": label} for i, label in contents],
        n=int(trow["n"]), n_psw=plan.form_counts(team)["psw"],
        n_colleague=plan.form_counts(team)["colleague"], view=plan.view_text(team),
        rate=rate_text(int(trow["n"]), expected),
        split_visible=split_visible, forms=forms, forms_text=FORMS_TEXT[forms], kind=kind,
        faces=faces, constructs=constructs,
        scores_missing=next((r["missing"] for r in [*faces, *constructs] if r["missing"]), ""),
        face_acts=FACE_ACTS, heat_rows=heat_table(dict(zip(tl["score"], tl["mean"]))),
        face_labels=[FACE_LABELS[f] for f in FACES], views=views, top=views[0],
        psw_top=views[1] if len(views) > 1 else None,
        split=split, agreement=agreement,
        change=change_rows(data.slice("change", team), mid),
        has_previous=has_previous, mid=fmt(mid),
        method_weights=method_weights(plan.weights(team), plan.min_responses),
        trends=trends(data.slice("history", team), waves) if has_previous else [],
        previous_wave=waves[-2] if len(waves) > 1 else "")
