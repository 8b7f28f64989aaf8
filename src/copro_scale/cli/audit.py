"""``copro audit OUTPUT...``: search published outputs for anything about fewer than k people."""

from __future__ import annotations

import sys


def run(args) -> int:
    """Print each disclosure with its derivation; exit 1 when there is any."""
    from ..audit import audit
    from ..instrument import load_instrument

    res = audit(args.outputs, min_responses=args.min_responses,
                instrument=load_instrument(args.instrument), protection=args.protection)
    for d in res.disclosures:
        print(d)
    for s in res.skipped:
        print(f"copro: {s}", file=sys.stderr)
    print(f"copro audit: {len(res.outputs)} output(s) read, threshold {res.k}: "
          + (f"{len(res.disclosures)} disclosure(s)" if res.disclosures else "nothing about fewer "
             f"than {res.k} people is pinned down"), file=sys.stderr)
    return 1 if res.disclosures else 0


def register(sub) -> None:
    """Add ``audit``."""
    p = sub.add_parser("audit", help="search published outputs for figures about fewer than k people",
                       description="Read report folders, validation folders and --favourable "
                       "tables of one or more runs, write every figure as linear constraints on "
                       "the unknown answers and report each group of fewer than k respondents "
                       "whose answers, scores or count they pin down (exit 1 if any).")
    p.add_argument("outputs", nargs="+", metavar="OUTPUT",
                   help="report or validation folders, --favourable CSVs, or folders holding them")
    p.add_argument("--min-responses", type=int, default=None,
                   help="the threshold k to audit against (default: the highest a report states)")
    p.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    p.add_argument("--protection", type=float, default=1.0,
                   help="a group's mean known to within this many scale points is disclosed "
                   "(default 1: one answer category)")
    p.set_defaults(func=run)
