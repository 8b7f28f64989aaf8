"""``copro demo``: every stage that exists, on simulated data, into one folder.

It grows as stages land; each stage is one function call on the library.
"""

from __future__ import annotations

import json
from pathlib import Path

from .instrument import load_instrument
from .simulate import simulate, write_simulation


def run_demo(out: Path, *, seed: int = 2026, n_teams: int = 12, per_team: int = 10, echo=print) -> dict:
    """Run the demo pipeline into ``out`` and return the paths written, by stage."""
    out.mkdir(parents=True, exist_ok=True)
    inst = load_instrument()
    written: dict[str, Path] = {}

    p = out / "instrument.json"
    p.write_text(json.dumps(inst.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written["instrument"] = p
    from .administer import write_exports  # the questionnaire for every survey platform + paper
    write_exports(inst, written.setdefault("survey", out / "survey"))

    sim = simulate(n_teams, per_team, seed=seed, instrument=inst)
    written["responses"] = out / "responses.csv"
    written["truth"] = out / "truth.csv"
    write_simulation(sim, written["responses"], written["truth"])
    from . import read_responses, score  # the scoring stage: scores and the exclusion log
    from .csvsafe import write_csv
    scored = read_responses(written["responses"], inst)
    write_csv(score(scored), written.setdefault("scores", out / "scores.csv"))
    write_csv(scored.exclusions, written.setdefault("exclusions", out / "exclusions.csv"))
    from .reports import run_report  # classification, privacy and the HTML team reports
    written["reports"] = run_report(written["responses"], out / "reports", seed=seed)["index"]

    # A validation study needs more responses than one organisation's survey: simulate 300
    # teams so that both forms reach COSMIN's sample size for CFA and invariance can be tested.
    from .validate import run_validation  # reliability, EFA/CFA, invariance, agreement
    study = out / "validation-study.csv"
    write_simulation(simulate(300, 10, seed=seed + 1, instrument=inst), study)
    written["validation"] = run_validation(study, out / "validation", seed=seed)["html"]

    echo(f"copro demo: {n_teams} simulated teams x {per_team} respondents (seed {seed})")
    for stage, path in written.items():
        echo(f"  {stage:<12} {path}")
    return written
