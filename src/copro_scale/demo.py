"""``copro demo``: every stage of the pipeline, on simulated data, into one folder.

Each stage is one call on the library, so the demo doubles as a worked example of the API.
"""

from __future__ import annotations

import json
from pathlib import Path

from .administer import export_instrument, write_exports
from .csvsafe import write_csv
from .instrument import load_instrument
from .outputs import write_folder
from .reports import render_reports
from .responses import read_responses
from .scoring import score
from .simulate import simulate, write_simulation
from .reports.validation_files import write_validation
from .validate import ValidationSettings, file_sha256, validate

#: One demo team answers too few times to be reported: it shows what "below threshold" looks like.
SMALL_TEAM_RESPONSES = 3


def run_demo(out: Path, *, seed: int = 2026, n_teams: int = 12, per_team: int = 10, echo=print) -> dict:
    """Run the demo pipeline into ``out`` (replaced whole) and return the paths written, by stage."""
    written, small, accounting = write_folder(
        out, "demo", lambda d: _stages(d, seed=seed, n_teams=n_teams, per_team=per_team))
    echo(f"copro demo: {n_teams} simulated teams x {per_team} respondents (seed {seed}); "
         f"'{small}' has only {SMALL_TEAM_RESPONSES} responses, so its report shows nothing.")
    echo(f"  {accounting}")
    for stage, path in written.items():
        echo(f"  {stage:<12} {path}")
    echo(f"Open {written['reports']} in a browser for the team reports, and "
         f"{written['validation']} for the instrument's validation.")
    return written


def _stages(out: Path, *, seed: int, n_teams: int, per_team: int) -> tuple[dict, str, str]:
    inst = load_instrument()
    written: dict[str, Path] = {}

    # 1. the instrument, as data and for every survey platform (plus the paper form)
    written["instrument"] = out / "instrument.json"
    written["instrument"].write_text(json.dumps(inst.to_dict(), indent=2, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    written["survey"] = out / "survey"
    write_exports(inst, written["survey"])

    # 2. simulated responses with a known truth; the last team keeps only a few responses
    sim = simulate(n_teams, per_team, seed=seed, instrument=inst)
    small = sim.truth["team"].iloc[-1]
    keep = (sim.responses["team"] != small) | (
        sim.responses.groupby("team").cumcount() < SMALL_TEAM_RESPONSES)
    written["responses"] = out / "responses.csv"
    written["truth"] = out / "truth.csv"
    write_csv(sim.responses[keep], written["responses"], float_format=None)
    write_csv(sim.truth, written["truth"])

    # 3. scoring: every row scored or excluded with a reason
    responses = read_responses(written["responses"], inst)
    written["scores"] = out / "scores.csv"
    written["exclusions"] = out / "exclusions.csv"
    scores = score(responses)
    write_csv(scores, written["scores"])
    write_csv(responses.exclusions, written["exclusions"])

    # 4. classification, privacy and the HTML team reports, from the scores in memory
    written["reports"] = render_reports(responses, scores, out / "reports", instrument=inst,
                                        seed=seed)["index"]

    # 5. a validation study needs more responses than one organisation's survey: 300 teams, so
    #    that both forms reach COSMIN's sample size for CFA and invariance can be tested
    study = out / "validation-study.csv"
    write_simulation(simulate(300, 10, seed=seed + 1, instrument=inst), study)
    result = validate(read_responses(study, inst), ValidationSettings(seed=seed))
    written["validation"] = write_validation(result, out / "validation", instrument=inst,
                                             input_hash=file_sha256(study))["html"]
    return written, small, responses.accounting()


def showcase_site(folder: Path, *, organisation: str = "Northshire NHS Trust",
                  study: tuple[int, int] = (24, 8), n_iter: int = 5) -> dict[str, Path]:
    """A small site that shows every kind of page, for the browser tests and the screenshots.

    Eight simulated teams whose types cover all five outcomes, one team below the threshold,
    one with enough PSWs for their own view, two earlier waves, a validation page (a study of
    ``study`` = (teams, respondents per team), ``n_iter`` resamples) and the paper form.

    Returns
    -------
    dict
        Page name -> file: ``overview``, ``suppressed``, ``psw-view``, one per type reached
        (``enhanced``, ...), ``validation``, ``paper-form``.
    """
    import pandas as pd

    r = simulate(8, 6, seed=1, mixed_share=0.3).responses
    small = simulate(1, 3, seed=4).responses.assign(team="Small Team")
    small["response_id"] = "S" + small["response_id"]
    psw = simulate(1, 12, seed=5, psw_share=0.5).responses.assign(team="Peer Team")
    psw["response_id"] = "P" + psw["response_id"]
    now = read_responses(pd.concat([r, small, psw], ignore_index=True))
    earlier = [score(read_responses(simulate(8, 6, seed=s, mixed_share=0.3).responses))
               for s in (2, 3)]
    paths = render_reports(now, score(now), folder / "reports", previous_scores=earlier,
                           previous_waves=["Spring 2025", "Autumn 2025"],
                           organisation=organisation, wave="Spring 2026", n_boot=200)
    pages = {"overview": paths["index"], "suppressed": paths["teams"]["Small Team"],
             "psw-view": paths["teams"]["Peer Team"]}
    for rec in json.loads(paths["summary_json"].read_text())["teams"]:
        if not rec["suppressed"]:
            pages.setdefault(rec["type"], paths["teams"][rec["team"]])
    sample = read_responses(simulate(*study, seed=3, psw_share=0.5).responses)
    pages["validation"] = write_validation(validate(sample, ValidationSettings(n_iter=n_iter)),
                                           folder / "validation", instrument=sample.instrument,
                                           input_hash="0" * 64)["html"]
    pages["paper-form"] = folder / "paper_form.html"
    pages["paper-form"].write_text(export_instrument(load_instrument(), "html"), encoding="utf-8")
    return pages
