"""``copro demo``: every stage on simulated data, into one folder."""

from __future__ import annotations

from pathlib import Path


def run(args) -> int:
    """Run the demo pipeline."""
    from ..demo import run_demo

    run_demo(Path(args.output), seed=args.seed)
    return 0


def register(sub) -> None:
    """Add ``demo``."""
    d = sub.add_parser("demo", help="run every stage on simulated data into ./copro-demo/")
    d.add_argument("-o", "--output", default="copro-demo")
    d.add_argument("--seed", type=int, default=2026)
    d.set_defaults(func=run)
