"""``copro validate``: the instrument's psychometric battery, per form, as JSON and HTML."""

from __future__ import annotations

import sys
from pathlib import Path

from .options import (
    add_input_options,
    add_ledger_options,
    add_threshold_option,
    input_digest,
    read_input,
    record_publication,
    threshold,
)


def run(args) -> int:
    """Read, run the battery in memory, write validation.json and validation.html."""
    from ..reports.validation_files import write_validation
    from ..validate import ValidationSettings, validate

    chosen = {"estimator": args.estimator} if args.estimator else {}  # checked by the settings
    settings = ValidationSettings(min_responses=threshold(args), seed=args.seed, **chosen)
    responses = read_input(args)
    digest = input_digest(args, responses)
    record_publication(args, responses, digest)  # refused where sets would differ
    result = validate(responses, settings)
    paths = write_validation(result, Path(args.output), instrument=responses.instrument,
                             input_hash=digest)
    for path in paths.values():
        print(f"wrote {path}", file=sys.stderr)
    from ..reports.validation_page import headline

    print("\n".join(headline(result.to_dict(), responses.instrument)))
    return 0


def register(sub) -> None:
    """Add ``validate``."""
    v = sub.add_parser("validate", help="reliability, factor structure, invariance and agreement")
    add_input_options(v)
    v.add_argument("-o", "--output", required=True, help="folder for validation.json and .html")
    add_threshold_option(v)
    add_ledger_options(v)
    v.add_argument("--seed", type=int, default=0, help="seed for parallel analysis")
    v.add_argument("--estimator", metavar="{WLSMV,MLR,ML}",
                   help="CFA and invariance: WLSMV (ordered items, pairwise deletion; default), "
                   "MLR (full-information ML) or ML (complete responses only)")
    v.set_defaults(func=run)
