"""``copro report``: classify each team and write the team pages, overview and summaries."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import CoproError
from ..privacy import plan_for
from ..scoring import score
from .options import add_input_options, add_threshold_option, read_input, threshold


def run(args) -> int:
    """Read and score this wave (and any earlier one) once, then classify and write."""
    from ..reports import render_reports

    if args.n_boot < 1:
        raise CoproError("must be at least 1", field="--n-boot")
    k = threshold(args)
    previous = args.previous or []
    labels = args.previous_wave or []
    if len(labels) > len(previous):
        raise CoproError("given more often than --previous", field="--previous-wave")
    now = read_input(args)
    earlier = [score(_earlier_wave(args, p, now.instrument)) for p in previous]
    labels = [*labels, *(Path(p).stem for p in previous[len(labels):])]
    scores = score(now)
    plan = plan_for(scores, now.instrument, k)  # once per run: every figure goes through it
    paths = render_reports(now, scores, Path(args.output), instrument=now.instrument,
                           previous_scores=earlier, previous_waves=labels,
                           organisation=args.organisation, wave=args.wave,
                           min_responses=k, seed=args.seed, n_boot=args.n_boot, plan=plan)
    print(f"wrote {paths['index']}, {len(paths['teams'])} team reports, "
          f"{paths['summary_csv'].name} and {paths['summary_json'].name}", file=sys.stderr)
    return 0


def _earlier_wave(args, path, instrument):
    """An earlier wave read with this run's options, refused where the team list regroups it.

    Its report pooled its teams as the file reads; re-pooled under a team list that moves
    someone into another team, the "Then" figures differ from the ones that report published
    by those people, and the difference gives their answers (docs/privacy.md, waves).
    """
    wave = read_input(args, path, instrument=instrument)
    if args.teams is None:
        return wave
    alone = read_input(args, path, instrument=instrument, teams=None)
    listed = wave.data["team"].astype(str).value_counts()
    plain = alone.data["team"].astype(str).value_counts()
    moved = [f"'{t}' ({n} under --teams, {int(plain.get(t, 0))} as the file reads alone)"
             for t, n in listed.items() if int(plain.get(t, 0)) != int(n)]
    if moved:
        raise CoproError(
            f"{path}: the team list regroups this earlier wave: " + ", ".join(sorted(moved))
            + "; its figures would differ from the ones reported for that wave by the people "
            "moved. Report every wave with the same team list (or give --previous only waves "
            "whose teams it leaves as they are)", field="--previous")
    return wave


def register(sub) -> None:
    """Add ``report``."""
    rp = sub.add_parser("report", help="classify each team and write the HTML team reports")
    add_input_options(rp)
    rp.add_argument("-o", "--output", required=True, help="folder for index.html, teams/, summary")
    add_threshold_option(rp)
    rp.add_argument("--previous", action="append", metavar="EARLIER",
                    help="an earlier wave (give it once per wave, oldest first): the type each "
                         "team had, a trend per face and the change since the latest")
    rp.add_argument("--previous-wave", action="append", metavar="LABEL",
                    help="label of each --previous wave, in the same order (default: file name)")
    rp.add_argument("--organisation", help="organisation name shown on every page "
                                           "(default: 'Your organisation')")
    rp.add_argument("--wave", help="label of this wave or survey period shown on every page "
                                   "(default: 'Survey of <this month>')")
    rp.add_argument("--seed", type=int, default=0, help="seed of the classification's posterior draws")
    rp.add_argument("--n-boot", type=int, default=2000, help="posterior draws for the type probabilities (default 2000)")
    rp.set_defaults(func=run)
