"""Team reports: build a safe context from scores and classification, render it to HTML, CSV, JSON.

The flow is one way: per-response scores -> :mod:`~copro_scale.aggregate` (team and organisation
scores, gaps, change) and :mod:`~copro_scale.classify` (types) -> :mod:`~copro_scale.privacy`
(what may be shown) -> a context of plain, already formatted values and chart geometry -> the
Jinja2 templates ``report_team.html`` and ``report_index.html`` (autoescape on, no arithmetic,
inline CSS and SVG, no JavaScript).

Every chart is computed here as coordinates and drawn by the macros in ``report_charts.html``;
each chart comes with a table of its numbers.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .aggregate import change, form_gaps, organisation_scores, team_counts, team_scores
from .classify import OUTCOMES, classify_teams
from .csvsafe import write_csv
from .errors import CoproError
from .instrument import CONSTRUCTS, FACES, TYPES, Instrument, cell_name, load_instrument
from .privacy import DisclosurePlan, check_threshold, disclosure_plan
from .render import fmt, pct, render_template
from .scoring import keyed_matrix

FACE_LABELS = {
    "decision_making": "Decision-making",
    "non_decision_making": "Non-decision-making",
    "ideological": "Ideological",
}
FACE_ACTS = {
    "decision_making": "resources: who can use expertise and standing in decisions",
    "non_decision_making": "structure: who is in the room, which language is allowed, when",
    "ideological": "collective expectations of the 'ideal' compliant service-user",
}
CONSTRUCT_LABELS = {"voice": "Voice", "experience": "Experience", "identity": "Identity"}
LEVER_TEXT = {
    "voice": "whether peer support workers can speak, challenge and be heard",
    "experience": "whether lived experience counts as a resource rather than a weakness",
    "identity": "whether peer support workers are positioned as staff and colleagues",
}

TYPE_TEXT = {
    "neutralized": dict(
        title="Neutralized co-production",
        process="inverting professionalism",
        face="non-decision-making power (structure)",
        summary="Peer support workers take part, but others still decide where, when and how. "
                "The power imbalance is unchanged.",
        meaning="In the study behind this survey, peer support workers in this position used "
                "plain, non-professional 'recovery' language and relatable lived experience, "
                "and were content not to act as professionals. Their involvement was still "
                "shaped by structure: others decided who is in the room, which language is "
                "allowed and when they take part. Things may improve at the edges, but control "
                "stays where it was.",
        actions=[
            "Involve peer support workers in the meetings where care and service decisions are "
            "made, not only in tasks set for them afterwards.",
            "Let them present and speak in their own words: do not reword their language or "
            "'hold their hand' in presentations.",
            "Give them the same staff resources as colleagues: access to notes, the office, "
            "team meetings and training.",
            "Agree with them a route from a non-professional contribution to recognised "
            "expertise; the study saw workers move that way as trust grew.",
        ]),
    "enhanced": dict(
        title="Enhanced co-production",
        process="embedding expertise",
        face="ideological power, challenged without threat",
        summary="Lived experience is treated as expertise, and peer support workers challenge "
                "decisions as trusted colleagues. The power imbalance is being redressed.",
        meaning="In the study behind this survey, peer support workers who embedded expertise "
                "used an expert voice that challenges ('are they over-medicated?'), offered lived "
                "experience as a qualification, and were treated like other staff. They changed "
                "what colleagues expected of a 'service-user representative' without "
                "threatening professionals, and that let them shape decisions and structures "
                "too.",
        actions=[
            "Protect what works: keep peer support workers' standing place in decision "
            "meetings and their equal access to staff resources.",
            "Write their expertise into role descriptions and supervision, so it does not "
            "depend on particular people.",
            "Watch the gap between the PSW and colleague views: if peer support workers see "
            "less than colleagues, ask them what is missing.",
            "Share how the team got here with teams whose co-production is neutralized or "
            "tokenistic.",
        ]),
    "tokenistic": dict(
        title="Tokenistic co-production",
        process="perpetuating rejection",
        face="decision-making and ideological power together",
        summary="Peer support workers are present but powerless: their voice is discounted and "
                "their lived experience is undervalued or used against them. A new, worse "
                "imbalance.",
        meaning="In the study behind this survey, when peer support workers were seen as "
                "challenging professionals in a threatening way, others used decision-making "
                "power to restrict their resources (no access to notes, not allowed in the "
                "office), and comments that read speaking up as illness ('maybe you're not well "
                "enough to do this job') silenced them. Their involvement became tokenistic.",
        actions=[
            "Make it a priority: agree as a team that lived experience is never used to silence "
            "someone and that challenge is not read as illness.",
            "Restore staff resources now: access to notes, the office, team meetings and "
            "training, as for any colleague.",
            "Give peer support workers supervision and a safe route to raise concerns outside "
            "the line that restricts them.",
            "Build trust step by step and measure again at the next wave: the study saw workers "
            "move from rejected to non-professional to expert as acceptance grew.",
        ]),
    "mixed": dict(
        title="Mixed: unlike any of the three types",
        process="no single process",
        face="more than one face of power",
        summary="The team's profile is far from all three types described in the study.",
        meaning="The study notes that a team can mix forms of co-production, and that peer "
                "support workers may move between them over time. This team's face scores do "
                "not resemble any one of them closely, so no type is given.",
        actions=[]),
    "indeterminate": dict(
        title="Indeterminate: no type is probable enough",
        process="not clear from these answers",
        face="not clear from these answers",
        summary="The answers do not point clearly enough to one type.",
        meaning="No type reached the probability needed to report it. This often means few "
                "responses, answers that differ a lot within the team, or a profile between two "
                "types. The nearest type is shown for orientation only.",
        actions=[]),
}
GENERAL_ACTIONS = [
    "Talk the results through with peer support workers and colleagues together: which of the "
    "three descriptions fits which situations in this team.",
    "Start with the lever below and the lowest cells of the heat map.",
    "Collect more responses, or wait for the next wave, before acting on a type.",
]

# PuOr-like anchors from 1 (constrained, orange) to 5 (favourable, purple).
_ANCHORS = np.array([[179, 88, 6], [241, 163, 64], [247, 247, 247], [153, 142, 195],
                     [84, 39, 136]], dtype=float)
DISAGREE, NEUTRAL, AGREE = "#b35806", "#d9d9d9", "#542788"


# -- colour ------------------------------------------------------------------------------------
def _luminance(rgb: np.ndarray) -> float:
    c = rgb / 255.0
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours.

    Examples
    --------
    >>> round(contrast_ratio("#000000", "#ffffff"), 1)
    21.0
    """
    la, lb = (_luminance(np.array([int(h[i:i + 2], 16) for i in (1, 3, 5)], float)) for h in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def heat_colour(value: float) -> tuple[str, str]:
    """Fill for a 1-5 score and the text colour (black or white) with the higher contrast.

    Examples
    --------
    >>> heat_colour(3.0)
    ('#f7f7f7', '#000000')
    """
    if value is None or not np.isfinite(value):
        return "#ffffff", "#000000"
    x = float(np.clip(value, 1, 5)) - 1
    i = min(int(x), 3)
    rgb = _ANCHORS[i] + (x - i) * (_ANCHORS[i + 1] - _ANCHORS[i])
    fill = "#" + "".join(f"{int(round(v)):02x}" for v in rgb)
    text = max(("#000000", "#ffffff"), key=lambda t: contrast_ratio(fill, t))
    return fill, text


def level_word(value: float) -> str:
    """A word for a 1-5 score so that colour is never the only signal.

    Examples
    --------
    >>> level_word(2.0), level_word(3.0), level_word(4.2)
    ('constrained', 'in between', 'favourable')
    """
    if value is None or not np.isfinite(value):
        return "no data"
    return "constrained" if value < 2.5 else ("favourable" if value > 3.5 else "in between")


# -- names ---------------------------------------------------------------------------------------
def team_slugs(teams: list[str]) -> dict[str, str]:
    """Unique, file-safe slugs for team names (lower case, ``a-z0-9-``).

    Examples
    --------
    >>> team_slugs(["Acute Ward", "acute ward", "<script>alert(1)</script>"])
    {'Acute Ward': 'acute-ward', 'acute ward': 'acute-ward-2', '<script>alert(1)</script>': 'script-alert-1-script'}
    """
    out, used = {}, set()
    for t in teams:
        base = re.sub(r"[^a-z0-9]+", "-", str(t).lower()).strip("-")[:60] or "team"
        slug, k = base, 1
        while slug in used:
            k += 1
            slug = f"{base}-{k}"
        used.add(slug)
        out[t] = slug
    return out


def data_hash(data: pd.DataFrame) -> str:
    """SHA-256 (first 16 hex digits) of a table's values, independent of its file format.

    Examples
    --------
    >>> import pandas as pd
    >>> len(data_hash(pd.DataFrame({"a": [1, 2]})))
    16
    """
    h = pd.util.hash_pandas_object(data, index=False).to_numpy()
    cols = "\x1f".join(map(str, data.columns)).encode()
    return hashlib.sha256(cols + h.tobytes()).hexdigest()[:16]


# -- charts (geometry only; drawn by report_charts.html) --------------------------------------
def heatmap_chart(values: dict[str, float], rows: list[str], cols: list[str],
                  row_labels: dict, col_labels: dict, *, links: dict | None = None,
                  label_w: int = 150, cell_w: int = 165, cell_h: int = 44) -> dict:
    """Geometry of a heat map: ``values`` keyed ``"row|col"`` on the 1-5 scale.

    Examples
    --------
    >>> c = heatmap_chart({"a|x": 2.0}, ["a"], ["x"], {"a": "A"}, {"x": "X"})
    >>> c["cells"][0]["word"], c["width"]
    ('constrained', 315)
    """
    header = 36
    cells = []
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            v = values.get(f"{r}|{c}", np.nan)
            fill, text = heat_colour(v)
            cells.append(dict(x=label_w + j * cell_w, y=header + i * cell_h, w=cell_w - 2,
                              h=cell_h - 2, cx=label_w + j * cell_w + cell_w // 2,
                              cy=header + i * cell_h + cell_h // 2, fill=fill, text=text,
                              value=fmt(v), word=level_word(v),
                              title=f"{row_labels[r]}, {col_labels[c]}: {fmt(v)} ({level_word(v)})"))
    return dict(
        width=label_w + len(cols) * cell_w, height=header + len(rows) * cell_h,
        cells=cells,
        row_labels=[dict(x=label_w - 8, y=header + i * cell_h + cell_h // 2, text=row_labels[r],
                         href=(links or {}).get(r)) for i, r in enumerate(rows)],
        col_labels=[dict(x=label_w + j * cell_w + cell_w // 2, y=header - 12, text=col_labels[c])
                    for j, c in enumerate(cols)])


def interval_chart(rows: list[dict], *, label_w: int = 170, width: int = 620,
                   row_h: int = 30) -> dict:
    """Geometry of a dot-and-interval chart on the 1-5 scale, with an organisation marker.

    ``rows`` hold ``label, mean, lo, hi`` and optionally ``org``.

    Examples
    --------
    >>> c = interval_chart([{"label": "Voice", "mean": 3.0, "lo": 2.5, "hi": 3.5, "org": 4.0}])
    >>> c["rows"][0]["cx"] == (c["x0"] + c["x1"]) / 2
    True
    """
    x0, x1, top = label_w + 10, width - 20, 30

    def sx(v):
        if v is None or not np.isfinite(v):
            return None
        return round(float(x0 + (np.clip(v, 1, 5) - 1) / 4 * (x1 - x0)), 1)
    out = []
    for i, r in enumerate(rows):
        y = top + i * row_h + row_h // 2
        org = r.get("org")
        out.append(dict(label=r["label"], y=y, ty=y + 4, cx=sx(r["mean"]), lo=sx(r["lo"]),
                        hi=sx(r["hi"]), ox=sx(org) if org is not None else None,
                        op=None if org is None or not np.isfinite(org) else
                        f"M{sx(org)},{y - 7} l6,7 l-6,7 l-6,-7 z"))
    ticks = [dict(x=sx(v), label=str(v)) for v in (1, 2, 3, 4, 5)]
    return dict(width=width, height=top + len(rows) * row_h + 10, x0=x0, x1=x1, lx=label_w,
                rows=out, ticks=ticks, axis_y=top - 6, bottom=top + len(rows) * row_h)


def diverging_chart(items: pd.DataFrame, *, label_w: int = 70, width: int = 620,
                    row_h: int = 22) -> dict:
    """Geometry of item-level diverging bars: disagree left of centre, agree right.

    ``items`` has ``id, disagree, neutral, agree`` shares (0-1); the neutral share straddles the
    centre line.

    Examples
    --------
    >>> import pandas as pd
    >>> c = diverging_chart(pd.DataFrame({"id": ["a"], "disagree": [.2], "neutral": [.2],
    ...                                   "agree": [.6]}))
    >>> b = c["rows"][0]
    >>> b["ax"] == c["centre"] + b["nw"] / 2
    True
    """
    top = 28
    centre = label_w + (width - label_w) / 2
    half = (width - label_w - 50) / 2
    d = (np.nan_to_num(items["disagree"].to_numpy(float)) * half).tolist()
    n = (np.nan_to_num(items["neutral"].to_numpy(float)) * half).tolist()
    a = (np.nan_to_num(items["agree"].to_numpy(float)) * half).tolist()
    ys = (top + np.arange(len(items)) * row_h).tolist()
    rows = [dict(id=i, y=float(y), ty=float(y + row_h / 2 + 4), h=row_h - 4,
                 dx=round(centre - nw / 2 - dw, 1), dw=round(dw, 1),
                 nx=round(centre - nw / 2, 1), nw=round(nw, 1), ax=round(centre + nw / 2, 1),
                 aw=round(aw, 1), dlx=round(centre - nw / 2 - dw - 4, 1),
                 alx=round(centre + nw / 2 + aw + 4, 1), dp=pct(dp), ap=pct(ap))
            for i, y, dw, nw, aw, dp, ap in zip(items["id"], ys, d, n, a, items["disagree"],
                                                items["agree"])]
    return dict(width=width, height=int(top + len(items) * row_h + 8), centre=round(centre, 1),
                rows=rows, lx=label_w - 6, bottom=int(top + len(items) * row_h))


# -- data for the pages --------------------------------------------------------------------------
def item_distribution(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Share of disagree (1-2), neutral (3) and agree (4-5) answers per team and item.

    Raw answers, as respondents gave them (before reverse keying).

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> d = item_distribution(simulate(2, 6, seed=1).responses, load_instrument())
    >>> bool(((d["disagree"] + d["neutral"] + d["agree"]).round(6) == 1).all())
    True
    """
    ids = instrument.item_ids
    long = responses[["team", *ids]].melt(id_vars="team", var_name="id", value_name="code")
    long = long.dropna(subset=["code"])
    cat = np.select([long["code"].astype(int) <= 2, long["code"].astype(int) == 3],
                    ["disagree", "neutral"], "agree")
    tab = pd.crosstab([long["team"].astype(str), long["id"]], cat)
    tab = tab.reindex(columns=["disagree", "neutral", "agree"], fill_value=0)
    n = tab.sum(axis=1)
    out = tab.div(n, axis=0).reset_index()
    out["n"] = n.to_numpy()
    out.columns.name = None
    return out


def sample_reliability(responses: pd.DataFrame, instrument: Instrument) -> list[dict]:
    """Cronbach's alpha of each construct and face in this sample (items reverse keyed).

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> r = sample_reliability(simulate(6, 10, seed=1).responses, load_instrument())
    >>> [x["scale"] for x in r][:3]
    ['Voice', 'Experience', 'Identity']
    """
    from .psychometrics.reliability import ALPHA_MIN, reliability

    x = pd.DataFrame(keyed_matrix(responses, instrument), columns=instrument.item_ids)
    groups = [(CONSTRUCT_LABELS[c], [it.id for it in instrument.items if it.construct == c])
              for c in CONSTRUCTS]
    groups += [(FACE_LABELS[f], [it.id for it in instrument.items if it.face == f]) for f in FACES]
    out = []
    for label, ids in groups:
        res = reliability(x[ids])
        a = float(res.alpha)
        out.append(dict(scale=label, k=len(ids), alpha=fmt(a),
                        verdict=("meets " if a >= ALPHA_MIN else "below ") + f"{ALPHA_MIN:.2f}".lstrip("0")))
    return out


def team_agreement_table(scores: pd.DataFrame, cells: list[str]) -> dict | None:
    """rwg(j) and AD(j) per team and ICC(1), ICC(2), over the nine cell scores.

    Uses :func:`copro_scale.psychometrics.team_agreement` on the cell scores (already reverse
    keyed, 1-5) of the rows given, so rows missing a whole cell are left out. Returns None
    (shown as "not computed") when fewer than two teams or no complete rows are available.

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> from copro_scale import score, read_responses
    >>> s = score(read_responses(simulate(3, 8, seed=1).responses))
    >>> sorted(team_agreement_table(s, load_instrument().cells)["per_team"])[:1]
    ['Acute Ward']
    """
    from .psychometrics import team_agreement

    x = scores[["team", *cells]].dropna()
    if x["team"].nunique() < 2:
        return None
    res = team_agreement(x.assign(team=x["team"].astype(str)), "team")
    per_team = {str(t): dict(rwg=fmt(r["rwg_j"]), ad=fmt(r["ad_j"]), n=int(r["n"]))
                for t, r in res.teams.iterrows()}
    return dict(icc1=fmt(res.icc1), icc2=fmt(res.icc2), per_team=per_team)


@dataclass(frozen=True)
class ReportData:
    """Everything computed for one run, before privacy is applied to build page contexts."""

    instrument: Instrument
    plan: DisclosurePlan
    types: pd.DataFrame
    team: pd.DataFrame          # long team scores (visible teams only)
    org: pd.DataFrame           # long organisation scores
    gaps: pd.DataFrame          # per-team form gaps (split-visible teams only)
    pooled_gap: pd.DataFrame    # organisation form gap (empty when withheld)
    change: pd.DataFrame        # per-team change (teams visible in both waves)
    items: pd.DataFrame         # item distributions (visible teams only)
    reliability: list
    agreement: dict | None
    settings: dict

    @cached_property
    def by_team(self) -> dict[str, dict[str, pd.DataFrame]]:
        """Per-team slices of the long tables, split once (not filtered per page)."""
        out: dict[str, dict[str, pd.DataFrame]] = {}
        for name in ("team", "gaps", "change", "items"):
            frame = getattr(self, name)
            for team, part in frame.groupby(frame["team"].astype(str), sort=False):
                out.setdefault(team, {})[name] = part
        return out

    def slice(self, name: str, team: str) -> pd.DataFrame:
        """Rows of table ``name`` for ``team`` (empty when none)."""
        frame = self.by_team.get(team, {}).get(name)
        return getattr(self, name).iloc[:0] if frame is None else frame


def build_report_data(responses: pd.DataFrame, scores: pd.DataFrame, *,
                      instrument: Instrument | None = None, min_responses: int | None = None,
                      previous: pd.DataFrame | None = None, seed: int = 0, n_boot: int = 2000,
                      min_probability: float | None = None,
                      weights: str = "forms_equal") -> ReportData:
    """Aggregate, classify and apply the privacy plan; only shown figures survive.

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> from copro_scale import score, read_responses
    >>> r = read_responses(simulate(4, 6, seed=2).responses)
    >>> d = build_report_data(r.data, score(r), n_boot=100)
    >>> sorted(d.plan.visible_teams) == sorted(d.types["team"])
    True
    """
    inst = instrument or load_instrument()
    counts = team_counts(scores)
    plan = disclosure_plan(counts, min_responses, instrument=inst)
    min_responses = plan.min_responses
    types = classify_teams(scores, inst, min_responses=min_responses, n_boot=n_boot, seed=seed,
                           min_probability=min_probability, weights=weights)
    cols = [*FACES, *CONSTRUCTS, *inst.cells]
    visible_scores = scores[scores["team"].astype(str).isin(plan.visible_teams)]
    org_rows = plan.organisation_rows(scores)
    chg = pd.DataFrame(columns=["team", "score", "previous", "current", "delta", "lo", "hi"])
    if previous is not None:
        prev_plan = disclosure_plan(team_counts(previous), min_responses, instrument=inst)
        prev = team_scores(previous[previous["team"].astype(str).isin(prev_plan.visible_teams)],
                           [*FACES, *CONSTRUCTS], weights=weights)
        now = team_scores(visible_scores, [*FACES, *CONSTRUCTS], weights=weights)
        chg = plan.only_visible(change(now, prev))
    pooled = pd.DataFrame()
    if plan.pooled_gap and len(org_rows):
        pooled = form_gaps(org_rows.assign(team="organisation"), [*FACES, *CONSTRUCTS])
    return ReportData(
        instrument=inst, plan=plan, types=types,
        team=team_scores(visible_scores, cols, weights=weights) if len(visible_scores) else
        pd.DataFrame(columns=["team", "score", "mean", "se", "df", "lo", "hi", "n"]),
        org=organisation_scores(org_rows, cols, weights=weights),
        gaps=plan.only_split_visible(form_gaps(visible_scores, [*FACES, *CONSTRUCTS]))
        if len(visible_scores) else pd.DataFrame(columns=["team"]),
        pooled_gap=pooled, change=chg,
        items=plan.only_visible(item_distribution(responses, inst)),
        reliability=sample_reliability(plan.organisation_rows(responses), inst)
        if len(org_rows) >= 3 else [],
        agreement=team_agreement_table(visible_scores, list(inst.cells)),
        settings=dict(min_responses=plan.min_responses, seed=seed, n_boot=n_boot,
                      min_probability=inst.min_probability if min_probability is None
                      else float(min_probability), max_distance=inst.max_distance,
                      weights=weights, previous=previous is not None))


FORMS_TEXT = {"psw+colleague": "the PSW form and the colleague form",
              "colleague": "the colleague form only", "psw": "the PSW form only"}


def probability_text(p: float) -> str:
    """A bootstrap probability for readers: never a flat "100%" from a finite resample.

    Examples
    --------
    >>> probability_text(1.0), probability_text(0.8123)
    ('over 99%', '81%')
    """
    return "over 99%" if p is not None and np.isfinite(p) and p >= 0.995 else pct(p)


def _type_block(row: dict, settings: dict) -> dict:
    t = row["type"]
    text = TYPE_TEXT[t]
    probs = [dict(type=o, label=o.capitalize(), p=pct(row[f"p_{o}"]),
                  reported=(o == t)) for o in OUTCOMES]
    actions = list(text["actions"]) or GENERAL_ACTIONS
    nearest = row.get("nearest")
    return dict(
        type=t, title=text["title"], summary=text["summary"], meaning=text["meaning"],
        process=text["process"], face=text["face"],
        probability=probability_text(row["probability"]),
        threshold=pct(settings["min_probability"]), probs=probs, actions=actions,
        nearest=TYPE_TEXT[nearest]["title"] if nearest else "none",
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
    split = [dict(label={**FACE_LABELS, **CONSTRUCT_LABELS}[r["score"]], psw=fmt(r["psw"]),
                  colleague=fmt(r["colleague"]), gap=fmt(r["gap"]),
                  ci=f"{fmt(r['lo'])} to {fmt(r['hi'])}") for r in gaps.to_dict("records")]
    change_rows = [dict(label={**FACE_LABELS, **CONSTRUCT_LABELS}[r["score"]],
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
        n_psw=int(trow["n_psw"]), n_colleague=int(trow["n_colleague"]), n=int(trow["n"]),
        split_visible=bool(trow["split_visible"]), forms=forms, forms_text=FORMS_TEXT[forms],
        kind=_type_block(types, data.settings),
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
        rows.append(dict(team=team, href=f"teams/{slugs[team]}.html", suppressed=False,
                         n=str(int(t["n"])), n_psw=str(int(t["n_psw"])),
                         n_colleague=str(int(t["n_colleague"])), type=r["type"],
                         probability=probability_text(r["probability"]),
                         faces=[fmt(r[f]) for f in FACES],
                         lever=CONSTRUCT_LABELS.get(r["lever"], "–")))
    visible = plan.visible_teams
    vis_types = types.loc[visible] if visible else types.iloc[:0]
    heat = heatmap_chart({f"{t}|{f}": float(vis_types.loc[t, f]) for t in visible for f in FACES},
                         visible, list(FACES), {t: t for t in visible}, FACE_LABELS,
                         links={t: f"teams/{slugs[t]}.html" for t in visible},
                         label_w=220, cell_w=165, cell_h=26)
    counts = [dict(type=o, label=o.capitalize(), n=int((plan.teams["visible"] &
              plan.teams["team"].map(types["type"]).eq(o)).sum()))
              for o in (*TYPES, "mixed", "indeterminate")]
    counts.append(dict(type="suppressed", label="Below threshold",
                       n=int((~plan.teams["visible"]).sum())))
    org = data.org.set_index("score")
    org_rows = [dict(label={**FACE_LABELS, **CONSTRUCT_LABELS}[s], mean=fmt(org.loc[s, "mean"]),
                     ci=f"{fmt(org.loc[s, 'lo'])} to {fmt(org.loc[s, 'hi'])}")
                for s in (*FACES, *CONSTRUCTS) if s in org.index]
    n_org = int(plan.teams.set_index("team").loc[list(plan.organisation_teams), "n"].sum())
    gap = [dict(label={**FACE_LABELS, **CONSTRUCT_LABELS}[r["score"]], psw=fmt(r["psw"]),
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
                type_meta=TYPE_TEXT, threshold=pct(data.settings["min_probability"]), colspan=len(FACES) + 3)


def summary_records(data: ReportData) -> list[dict]:
    """One record per team for summary.json; below-threshold teams carry no counts or scores.

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> from copro_scale import score, read_responses
    >>> r = read_responses(simulate(3, 4, seed=2).responses)
    >>> summary_records(build_report_data(r.data, score(r), n_boot=50))[0]
    {'team': 'Acute Ward', 'suppressed': True, 'type': 'suppressed'}
    """
    types = data.types.set_index("team")
    out = []
    for t in data.plan.teams.to_dict("records"):
        if not t["visible"]:
            out.append(dict(team=t["team"], suppressed=True, type="suppressed"))
            continue
        r = types.loc[t["team"]]
        nan = lambda v: None if v is None or not np.isfinite(v) else round(float(v), 4)  # noqa: E731
        out.append(dict(
            team=t["team"],
            n=dict(psw=int(t["n_psw"]), colleague=int(t["n_colleague"]), total=int(t["n"])),
            suppressed=False,
            faces={f: nan(r[f]) for f in FACES},
            constructs={c: nan(r[c]) for c in CONSTRUCTS},
            type=r["type"],
            probability=nan(r["probability"]),
            probabilities={o: nan(r[f"p_{o}"]) for o in OUTCOMES},
            nearest=r["nearest"], lever=r["lever"], forms=r["forms"]))
    return out


def summary_frame(records: list[dict]) -> pd.DataFrame:
    """summary.csv: the records flattened; empty (NaN) where a team is below threshold.

    Examples
    --------
    >>> bool(summary_frame([{"team": "A", "suppressed": True, "type": "suppressed"}])["n"].isna()[0])
    True
    """
    cols = ["team", "suppressed", "n_psw", "n_colleague", "n", *FACES, *CONSTRUCTS, "type",
            "probability", *[f"p_{o}" for o in OUTCOMES], "lever"]
    flat = pd.json_normalize(records, sep=".")
    ren = {"n.psw": "n_psw", "n.colleague": "n_colleague", "n.total": "n",
           **{f"faces.{f}": f for f in FACES}, **{f"constructs.{c}": c for c in CONSTRUCTS},
           **{f"probabilities.{o}": f"p_{o}" for o in OUTCOMES}}
    flat = flat.rename(columns=ren).reindex(columns=cols)
    for c in ("n_psw", "n_colleague", "n"):
        flat[c] = flat[c].astype("Int64")
    return flat


def _as_frames(responses, scores):
    data = getattr(responses, "data", responses)
    if scores is None:
        from . import score  # the scoring stage

        scores = score(responses)
    return data, scores


def render_reports(responses, out: str | Path, *, scores: pd.DataFrame | None = None,
                   instrument: Instrument | None = None, min_responses: int | None = None,
                   previous=None, previous_scores: pd.DataFrame | None = None, seed: int = 0,
                   n_boot: int = 2000, min_probability: float | None = None,
                   weights: str = "forms_equal") -> dict[str, Path]:
    """Write the organisation overview, one page per team, summary.csv and summary.json.

    Parameters
    ----------
    responses : Responses or DataFrame
        What :func:`copro_scale.read_responses` returns (or its canonical ``data`` table).
    out : path
        Output folder; ``teams/`` is created inside it.
    scores : DataFrame, optional
        Per-response scores (default: ``copro_scale.score(responses)``).
    previous, previous_scores : optional
        An earlier wave (responses, or its scores) for the change since then.
    min_responses : int, optional
        The reporting threshold ``k`` (default: the instrument's, never below it); see
        :mod:`copro_scale.privacy`.
    seed, n_boot, min_probability, weights
        Passed to :func:`copro_scale.classify_teams`.

    Returns
    -------
    dict
        ``index``, ``summary_csv``, ``summary_json`` and ``teams`` (a dict team -> path).

    Examples
    --------
    >>> import tempfile
    >>> from copro_scale.simulate import simulate
    >>> from copro_scale import read_responses
    >>> paths = render_reports(read_responses(simulate(3, 8, seed=1).responses),
    ...                        tempfile.mkdtemp(), n_boot=100)
    >>> sorted(paths)
    ['index', 'summary_csv', 'summary_json', 'teams']
    """
    inst = instrument or getattr(responses, "instrument", None) or load_instrument()
    data_df, scores = _as_frames(responses, scores)
    prev = None
    if previous is not None or previous_scores is not None:
        prev = _as_frames(previous, previous_scores)[1]
    rd = build_report_data(data_df, scores, instrument=inst, min_responses=min_responses,
                           previous=prev, seed=seed, n_boot=n_boot,
                           min_probability=min_probability, weights=weights)
    meta = dict(instrument=f"{inst.title} ({inst.name}) v{inst.version}",
                citation=inst.citation, package=f"copro-scale {__version__}",
                input_hash=data_hash(data_df))

    out = Path(out)
    (out / "teams").mkdir(parents=True, exist_ok=True)
    slugs = team_slugs(rd.plan.teams["team"].tolist())
    written: dict = {"teams": {}}
    for team, slug in slugs.items():
        ctx = team_context(rd, team, slug, meta)
        p = out / "teams" / f"{slug}.html"
        p.write_text(render_template("report_team.html", **ctx), encoding="utf-8")
        written["teams"][team] = p
    written["index"] = out / "index.html"
    written["index"].write_text(
        render_template("report_index.html", **overview_context(rd, slugs, meta)),
        encoding="utf-8")
    records = summary_records(rd)
    written["summary_json"] = out / "summary.json"
    written["summary_json"].write_text(json.dumps(dict(
        meta={**meta, **{k: v for k, v in rd.settings.items() if k != "previous"},
              "notes": list(rd.plan.notes)},
        teams=records), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written["summary_csv"] = out / "summary.csv"
    write_csv(summary_frame(records), written["summary_csv"])  # formula-safe
    return written


def run_report(input, out: str | Path, *, previous=None, instrument=None, fmt: str = "auto",
               mapping=None, seed: int = 0, min_responses: int | None = None, n_boot: int = 2000,
               min_probability: float | None = None) -> dict[str, Path]:
    """``copro report``: read a responses file (and an earlier wave), score it, write reports.

    ``input`` and ``previous`` are anything :func:`copro_scale.read_responses` reads.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from copro_scale.simulate import simulate, write_simulation
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_simulation(simulate(3, 6, seed=1), d / "r.csv")
    >>> run_report(d / "r.csv", d / "out", n_boot=50)["index"].name
    'index.html'
    """
    if int(n_boot) < 1:
        raise CoproError("must be at least 1", field="--n-boot")
    from . import read_responses, score  # the reading and scoring stages

    inst = load_instrument(instrument) if isinstance(instrument, (str, Path)) else instrument
    check_threshold(inst, min_responses, field="--min-responses")  # before the input is read
    now = read_responses(input, inst, format=fmt, mapping=mapping)
    then = read_responses(previous, now.instrument, format=fmt, mapping=mapping) \
        if previous is not None else None
    return render_reports(now, out, scores=score(now), instrument=now.instrument,
                          previous_scores=score(then) if then is not None else None,
                          min_responses=min_responses, seed=seed, n_boot=n_boot,
                          min_probability=min_probability)
