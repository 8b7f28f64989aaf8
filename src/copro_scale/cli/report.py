"""``copro report``: classify each team and write the team pages, overview and summaries."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import CoproError
from .options import (
    add_input_options,
    add_ledger_options,
    add_threshold_option,
    earlier_inputs,
    read_input,
    record_publication,
    threshold,
)


def run(args) -> int:
    """Read and score this wave (and any earlier one) once, then classify and write."""
    from ..privacy import plan_for
    from ..reports import render_reports
    from ..scoring import score

    if args.n_boot is not None:
        print("copro report: --n-boot is deprecated; use --n-draws (posterior draws)",
              file=sys.stderr)
        args.n_draws = args.n_boot
    if args.n_draws < 1:
        raise CoproError("must be at least 1", field="--n-draws")
    k = threshold(args)
    now = read_input(args)
    earlier, labels = earlier_inputs(args, now.instrument)
    # before anything is written: refused where this wave's sets, or an earlier wave's "Then"
    # sets, would differ from a recorded run's on the same input by 1 to k-1 people
    for path, label, wave in zip(args.previous or [None] * len(earlier), labels, earlier):
        record_publication(args, wave, path=path, wave=label, parents=False)
    record_publication(args, now)
    earlier = [score(r) for r in earlier]
    scores = score(now)
    plan = plan_for(scores, now.instrument, k)  # once per run: every figure goes through it
    paths = render_reports(now, scores, Path(args.output), instrument=now.instrument,
                           previous_scores=earlier, previous_waves=labels,
                           organisation=args.organisation, wave=args.wave,
                           min_responses=k, seed=args.seed, n_boot=args.n_draws, plan=plan)
    print(f"wrote {paths['index']}, {len(paths['teams'])} team reports, "
          f"{paths['summary_csv'].name} and {paths['summary_json'].name}", file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add ``report``."""
    rp = sub.add_parser("report", help="classify each team and write the HTML team reports")
    add_input_options(rp)
    rp.add_argument("-o", "--output", required=True, help="folder for index.html, teams/, summary")
    add_threshold_option(rp)
    add_ledger_options(rp)
    rp.add_argument("--previous", action="append", metavar="EARLIER",
                    help="an earlier wave (give it once per wave, oldest first): the type each "
                         "team had, a trend per face and the change since the latest")
    rp.add_argument("--previous-wave", action="append", metavar="LABEL",
                    help="label of each --previous wave, in the same order (default: file name)")
    rp.add_argument("--organisation", help="organisation name shown on every page "
                                           "(default: 'Your organisation')")
    rp.add_argument("--seed", type=int, default=0, help="seed of the classification's posterior draws")
    rp.add_argument("--n-draws", type=int, default=2000,
                    help="posterior draws for the type probabilities (default 2000)")
    rp.add_argument("--n-boot", type=int, default=None, help="deprecated name of --n-draws")
    rp.set_defaults(func=run)
