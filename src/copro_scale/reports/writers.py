"""Writers: the HTML pages, summary.csv and summary.json of one run, and the library entry point.

The library entry is object based: :func:`render_reports` takes the responses and scores that
earlier stages produced (the CLI and the demo read and score); it never reads an input file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from slugify import slugify

from .. import __version__
from ..classify import OUTCOMES
from ..csvsafe import write_csv
from ..instrument import CONSTRUCTS, FACES, Instrument
from ..render import render_template
from ..responses import Responses
from .data import ReportData, build_report_data, data_hash
from .overview_page import overview_context
from .team_page import team_context


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
                   previous_scores: pd.DataFrame | None = None, seed: int = 0,
                   n_boot: int = 2000, min_probability: float | None = None,
                   weights: str = "forms_equal") -> dict[str, Path]:
    """Write the organisation overview, one page per team, summary.csv and summary.json.

    Parameters
    ----------
    responses : Responses
        What :func:`copro_scale.read_responses` returned (item answers for the item charts).
    scores : DataFrame
        What :func:`copro_scale.score` returned for ``responses``.
    out : path
        Output folder; ``teams/`` is created inside it.
    instrument : Instrument, optional
        Default: the one the responses were read with.
    previous_scores : DataFrame, optional
        Scores of an earlier wave, for the change since then.
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
    >>> from copro_scale import read_responses, score
    >>> r = read_responses(simulate(3, 8, seed=1).responses)
    >>> paths = render_reports(r, score(r), tempfile.mkdtemp(), n_boot=100)
    >>> sorted(paths)
    ['index', 'summary_csv', 'summary_json', 'teams']
    """
    if not isinstance(responses, Responses):
        raise TypeError("render_reports takes the Responses that read_responses returned")
    inst = instrument or responses.instrument
    rd = build_report_data(responses.data, scores, instrument=inst, min_responses=min_responses,
                           previous=previous_scores, seed=seed, n_boot=n_boot,
                           min_probability=min_probability, weights=weights)
    meta = dict(instrument=f"{inst.title} ({inst.name}) v{inst.version}",
                citation=inst.citation, package=f"copro-scale {__version__}",
                input_hash=data_hash(responses.data))

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
