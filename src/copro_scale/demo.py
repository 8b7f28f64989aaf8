"""``copro demo``: every stage of the pipeline, on simulated data, into one folder.

Each stage is one call on the library, so the demo doubles as a worked example of the API.
"""

from __future__ import annotations

import json
from pathlib import Path

from .administer import write_exports
from .csvsafe import write_csv
from .instrument import load_instrument
from .outputs import write_folder
from .reports import render_reports
from .responses import read_responses
from .scoring import score
from .simulate import simulate, write_simulation
from .validate import ValidationSettings, file_sha256, validate, write_validation

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
