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
from .reports.validation_files import write_validation
from .responses import read_responses
from .scoring import score
from .simulate import simulate, write_simulation
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


#: The showcase's team list: services (nested) and headcounts, one team with a low response rate.
SHOWCASE_TEAMS = """team,parent,n_psw_expected,n_colleague_expected
Acute Ward,Acute Services > Inpatient,2,8
Rehabilitation Unit,Acute Services > Inpatient,,
Crisis Resolution,Acute Services,,
Community North,Community Services,3,13
Community South,Community Services,,
Early Intervention,Community Services,,
Perinatal,Community Services,,
Small Team,Community Services,,
Home Treatment,Community Services,,
Recovery College,,,
Peer Team,,,
Liaison Team,,,
"""


def showcase_site(folder: Path, *, organisation: str = "Northshire NHS Trust",
                  study: tuple[int, int] = (24, 8), n_iter: int = 5) -> dict[str, Path]:
    """A small site that shows every kind of page, for the browser tests and the screenshots.

    Eight simulated teams whose types cover all five outcomes, two teams below the threshold
    (seen through their service), one with enough PSWs for their own view, one where no PSW
    answered, a team list with nested services and headcounts, two earlier waves, a
    conversation kit per team, a validation page (a study of ``study`` = (teams, respondents per
    team), ``n_iter`` resamples), a survey plan and the paper form.

    Returns
    -------
    dict
        Page name -> file: ``overview``, ``suppressed``, ``psw-view``, ``colleagues-only``, one
        per type reached (``enhanced``, ...), ``kit``, ``parent``, ``parent-nested``,
        ``validation``, ``plan``, ``paper-form``.
    """
    import pandas as pd

    from .plan import plan_page, plan_survey

    def team(n, seed, name, **kw):
        r = simulate(1, n, seed=seed, **kw).responses.assign(team=name)
        r["response_id"] = name[:2].upper() + r["response_id"].astype(str)
        return r

    r = simulate(8, 6, seed=1, mixed_share=0.3).responses
    extra = [team(3, 4, "Small Team"), team(2, 8, "Home Treatment"),
             team(12, 5, "Peer Team", psw_share=0.5), team(7, 6, "Liaison Team", n_psw=0)]
    teams = folder / "teams.csv"
    folder.mkdir(parents=True, exist_ok=True)
    teams.write_text(SHOWCASE_TEAMS, encoding="utf-8")
    now = read_responses(pd.concat([r, *extra], ignore_index=True), teams=teams)
    earlier = [score(read_responses(simulate(8, 6, seed=s, mixed_share=0.3).responses))
               for s in (2, 3)]
    paths = render_reports(now, score(now), folder / "reports", previous_scores=earlier,
                           previous_waves=["Spring 2025", "Autumn 2025"],
                           organisation=organisation, wave="Spring 2026", n_boot=200)
    pages = {"overview": paths["index"], "suppressed": paths["teams"]["Small Team"],
             "psw-view": paths["teams"]["Peer Team"],
             "colleagues-only": paths["teams"]["Liaison Team"]}
    for rec in json.loads(paths["summary_json"].read_text())["teams"]:
        if not rec["suppressed"] and rec["team"] != "Liaison Team":
            pages.setdefault(rec["type"], paths["teams"][rec["team"]])
    pages["kit"] = paths["kits"]["Community North"]
    pages["parent"] = paths["parents"]["Community Services"]
    pages["parent-nested"] = paths["parents"]["Acute Services > Inpatient"]
    sample = read_responses(simulate(*study, seed=3, psw_share=0.5).responses)
    pages["validation"] = write_validation(validate(sample, ValidationSettings(n_iter=n_iter)),
                                           folder / "validation", instrument=sample.instrument,
                                           input_hash="0" * 64)["html"]
    pages["plan"] = folder / "plan.html"
    pages["plan"].write_text(plan_page(plan_survey(6, (5, 8), (1, 2), reps=1)), encoding="utf-8")
    pages["paper-form"] = folder / "paper_form.html"
    pages["paper-form"].write_text(export_instrument(load_instrument(), "html"), encoding="utf-8")
    return pages
