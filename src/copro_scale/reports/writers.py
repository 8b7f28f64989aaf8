"""Writers: the HTML pages, summary.csv and summary.json of one run, and the library entry point.

The library entry is object based: :func:`render_reports` takes the responses and scores that
earlier stages produced (the CLI and the demo read and score); it never reads an input file.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from slugify import slugify

from .. import __version__
from ..classify import OUTCOMES
from ..csvsafe import write_csv
from ..instrument import CONSTRUCTS, FACES, Instrument
from ..outputs import write_folder
from ..privacy import MEAN_DECIMALS, PRECISION, DisclosurePlan
from ..render import render_template
from ..responses import Responses
from .data import ReportData, build_report_data, data_hash
from .overview_page import overview_context
from .team_page import team_context

#: What summary.csv, summary.json and the overview say of a listed team with no responses.
NO_RESPONSES = "no responses"

#: Shown when no ``--organisation`` is given.
DEFAULT_ORGANISATION = "Your organisation"

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
    plan = data.plan
    out = []
    for t in plan.teams.to_dict("records"):
        if not t["visible"]:
            out.append({"team": t["team"], "suppressed": True, "type": "suppressed"})
            continue
        r = types.loc[t["team"]]
        shown = dict(zip(data.slice("team", t["team"])["score"], data.slice("team", t["team"])["mean"]))
        counts = plan.form_counts(t["team"])
        exact = bool(t["split_visible"])
        out.append({
            "team": t["team"],
            "n": {"psw": int(t["n_psw"]) if exact else counts["psw"],
                   "colleague": int(t["n_colleague"]) if exact else counts["colleague"],
                   "total": int(t["n"])},
            "suppressed": False, "view": plan.view_text(t["team"]), "weights": plan.weights(t["team"]),
            "faces": {f: _num(shown.get(f)) for f in FACES},
            "constructs": {c: _num(shown.get(c)) for c in CONSTRUCTS},
            "type": r["type"],
            "probability": _num(r["probability"]),
            "probabilities": {o: _num(r[f"p_{o}"]) for o in OUTCOMES},
            "nearest": r["nearest"], "lever": r["lever"], "forms": r["forms"]})
    return out


def _num(v):
    """A published figure at the plan's precision (docs/privacy.md)."""
    return None if v is None or not np.isfinite(v) else round(float(v), MEAN_DECIMALS)


def organisation_record(data: ReportData) -> dict:
    """The organisation's figures for summary.json, as the overview shows them."""
    plan = data.plan
    org = dict(zip(data.org["score"], data.org["mean"]))
    rec = {"teams": list(plan.organisation_teams), "n": plan.organisation_count(),
           "weights": plan.organisation_weights, "remainder_left_out": plan.remainder_left_out,
           "faces": {f: _num(org.get(f)) for f in FACES},
           "constructs": {c: _num(org.get(c)) for c in CONSTRUCTS}, "psw_vs_colleague": None}
    gap = data.pooled_gap
    if len(gap):
        g = gap.set_index("score")
        names = [s for s in (*FACES, *CONSTRUCTS) if s in g.index]
        rec["psw_vs_colleague"] = {
            "n_psw": plan.organisation_form_count(g["n_psw"].max()),
            "n_colleague": plan.organisation_form_count(g["n_colleague"].max()),
            "psw": {s: _num(g.loc[s, "psw"]) for s in names},
            "colleague": {s: _num(g.loc[s, "colleague"]) for s in names}}
    return rec


def parent_records(data: ReportData) -> list[dict]:
    """One record per service or directorate for summary.json; a withheld one carries its name
    and teams only (its count would give its below-threshold teams' total away)."""
    out = []
    for r in data.parents.to_dict("records"):
        rec = {"parent": r["parent"], "teams": list(r["teams"]), "withheld": not r["visible"]}
        if r["visible"]:
            shown = dict(zip(data.slice("parent_scores", r["parent"])["score"],
                             data.slice("parent_scores", r["parent"])["mean"]))
            rec.update(n=r["count"], weights="respondents",
                       faces={f: _num(shown.get(f)) for f in FACES},
                       constructs={c: _num(shown.get(c)) for c in CONSTRUCTS})
        out.append(rec)
    return out


def summary_frame(records: list[dict], silent: list[str] = ()) -> pd.DataFrame:
    """summary.csv: the records flattened; empty (NaN) where a team is below threshold. The
    teams in ``silent`` (listed, with no responses) follow, each with ``status`` "no responses"
    and every other column empty.

    Examples
    --------
    >>> bool(summary_frame([{"team": "A", "suppressed": True, "type": "suppressed"}])["n"].isna()[0])
    True
    >>> summary_frame([], ["B"])[["team", "status", "type"]].values.tolist()
    [['B', 'no responses', nan]]
    """
    cols = ["team", "suppressed", "n_psw", "n_colleague", "n", *FACES, *CONSTRUCTS, "type",
            "probability", *[f"p_{o}" for o in OUTCOMES], "lever"]
    if silent:  # listed teams with no responses: a row each, "no responses" and nothing else
        records = [*records, *({"team": t, "status": NO_RESPONSES} for t in silent)]
        cols.append("status")
    flat = pd.json_normalize(records, sep=".")
    ren = {"n.psw": "n_psw", "n.colleague": "n_colleague", "n.total": "n",
           **{f"faces.{f}": f for f in FACES}, **{f"constructs.{c}": c for c in CONSTRUCTS},
           **{f"probabilities.{o}": f"p_{o}" for o in OUTCOMES}}
    flat = flat.rename(columns=ren).reindex(columns=cols)
    flat["n"] = flat["n"].astype("Int64")
    for c in ("n_psw", "n_colleague"):  # a number, or "fewer than k" / "at least m" (rule 3)
        flat[c] = flat[c].map(lambda v: v if isinstance(v, str) or pd.isna(v) else str(int(v)))
    return flat


def team_slugs(teams: list[str]) -> dict[str, str]:
    """Unique, file-safe slugs for team names (lower case ``a-z0-9-``, at most 60 characters).

    Examples
    --------
    >>> team_slugs(["Acute Ward", "acute ward", "<script>alert(1)</script>", "Équipe 1"])
    {'Acute Ward': 'acute-ward', 'acute ward': 'acute-ward-2', '<script>alert(1)</script>': 'script-alert-1-script', 'Équipe 1': 'equipe-1'}
    """
    out, used = {}, set()
    for t in teams:
        base = slugify(str(t), max_length=60, word_boundary=False) or "team"
        slug, k = base, 1
        while slug in used:
            k += 1
            slug = f"{base}-{k}"
        used.add(slug)
        out[t] = slug
    return out


def render_reports(responses: Responses, scores: pd.DataFrame, out: str | Path, *,
                   instrument: Instrument | None = None, min_responses: int | None = None,
                   previous_scores=None, previous_waves: list[str] | None = None,
                   organisation: str | None = None, wave: str | None = None,
                   seed: int = 0, n_boot: int = 2000, min_probability: float | None = None,
                   weights: str = "forms_equal", plan: DisclosurePlan | None = None) -> dict[str, Path]:
    """Write the organisation overview, one page per team, summary.csv and summary.json.

    Parameters
    ----------
    responses : Responses
        What :func:`copro_scale.read_responses` returned (item answers for the item charts).
    scores : DataFrame
        What :func:`copro_scale.score` returned for ``responses``.
    out : path
        Output folder, replaced whole when every file is written
        (:func:`copro_scale.outputs.write_folder`); ``teams/`` is created inside it.
    plan : DisclosurePlan, optional
        The run's disclosure plan (default: computed from ``scores``).
    instrument : Instrument, optional
        Default: the one the responses were read with.
    previous_scores : DataFrame or list of DataFrame, optional
        Scores of earlier waves, oldest first: the type each team had, a trend per face and
        the change since the latest.
    previous_waves : list of str, optional
        Labels of the earlier waves (default "Wave 1", "Wave 2", ...).
    organisation, wave : str, optional
        Shown on every page (default "Your organisation" and "Survey of <month year>" of the
        day the report is made).
    min_responses : int, optional
        The reporting threshold ``k`` (default: the instrument's, never below it); see
        :mod:`copro_scale.privacy`.
    seed, n_boot, min_probability, weights
        Passed to :func:`copro_scale.classify_teams`.

    Returns
    -------
    dict
        ``index``, ``summary_csv``, ``summary_json``, ``teams`` (a dict team -> path),
        ``kits`` (team -> its conversation kit, visible teams) and ``parents`` (parent path ->
        page, with a team list's ``parent`` column).

    Examples
    --------
    >>> import tempfile
    >>> from copro_scale.simulate import simulate
    >>> from copro_scale import read_responses, score
    >>> r = read_responses(simulate(3, 8, seed=1).responses)
    >>> paths = render_reports(r, score(r), tempfile.mkdtemp(), n_boot=100)
    >>> sorted(paths)
    ['index', 'kits', 'parents', 'summary_csv', 'summary_json', 'teams']
    """
    if not isinstance(responses, Responses):
        raise TypeError("render_reports takes the Responses that read_responses returned")
    inst = instrument or responses.instrument
    today = date.today()
    organisation = (organisation or "").strip() or DEFAULT_ORGANISATION
    wave = (wave or "").strip() or f"Survey of {today:%B %Y}"
    rd = build_report_data(responses.data, scores, instrument=inst, min_responses=min_responses,
                           previous=previous_scores, seed=seed, n_boot=n_boot,
                           min_probability=min_probability, weights=weights,
                           team_list=responses.team_list, organisation=organisation, wave=wave,
                           previous_waves=previous_waves, plan=plan)
    meta = {"instrument": f"{inst.title} ({inst.name}) v{inst.version}",
                "citation": inst.citation, "package": f"copro-scale {__version__}",
                "input_hash": data_hash(responses.data), "organisation": organisation, "wave": wave,
                "date": f"{today:%d %B %Y}".lstrip("0")}
    return write_folder(out, "report", lambda folder: _write(rd, meta, folder))


def _write(rd: ReportData, meta: dict, out: Path) -> dict:
    from .content import CONSTRUCT_LABELS
    from .kit_page import kit_context
    from .parent_page import parent_context

    (out / "teams").mkdir()
    slugs = team_slugs(rd.plan.teams["team"].tolist())
    parent_slugs = team_slugs(rd.parents["parent"].tolist()) if len(rd.parents) else {}
    written: dict = {"teams": {}, "kits": {}, "parents": {}}
    if parent_slugs:
        (out / "parents").mkdir()
    if rd.plan.visible_teams:
        (out / "kits").mkdir()
    up = {p: f"../parents/{s}.html" for p, s in parent_slugs.items()}
    levers = {v: k for k, v in CONSTRUCT_LABELS.items()}
    for team, slug in slugs.items():
        links = dict(up, kit=f"../kits/{slug}.html" if rd.plan.is_visible(team) else None)
        ctx = team_context(rd, team, slug, meta, links)
        p = out / "teams" / f"{slug}.html"
        p.write_text(render_template("report_team.html", **ctx), encoding="utf-8")
        written["teams"][team] = p
        if not ctx["suppressed"]:
            k = out / "kits" / f"{slug}.html"
            k.write_text(render_template("report_kit.html", **kit_context(ctx, levers)),
                         encoding="utf-8")
            written["kits"][team] = k
    for parent, slug in parent_slugs.items():
        ctx = parent_context(rd, parent, meta, {p: f"{s}.html" for p, s in parent_slugs.items()},
                             {t: f"../teams/{s}.html" for t, s in slugs.items()}, "../index.html")
        p = out / "parents" / f"{slug}.html"
        p.write_text(render_template("report_parent.html", **ctx), encoding="utf-8")
        written["parents"][parent] = p
    written["index"] = out / "index.html"
    written["index"].write_text(
        render_template("report_index.html", **overview_context(
            rd, slugs, meta, {p: f"parents/{s}.html" for p, s in parent_slugs.items()})),
        encoding="utf-8")
    records = summary_records(rd)
    written["summary_json"] = out / "summary.json"
    written["summary_json"].write_text(json.dumps({
        "meta": {**meta, **{k: v for k, v in rd.settings.items() if k != "previous"},
              "notes": list(rd.plan.notes), "precision": PRECISION},
        "organisation": organisation_record(rd), "parents": parent_records(rd), "teams": records,
        "no_responses": rd.teams_without_responses},
        indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written["summary_csv"] = out / "summary.csv"
    write_csv(summary_frame(records, rd.teams_without_responses), written["summary_csv"])  # formula-safe
    return written
