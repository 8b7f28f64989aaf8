"""``copro simulate``: simulated responses with a known truth."""

from __future__ import annotations

import sys

from ..errors import CoproError
from ..instrument import load_instrument


def run(args) -> int:
    """Simulate and write the canonical CSV (and the truth)."""
    from ..simulate import simulate, write_simulation

    for option, value in (("--teams", args.teams), ("--per-team", args.per_team)):
        if value < 1:
            raise CoproError(f"must be at least 1, not {value}", field=option)
    from ..nuisance import load_nuisance

    sim = simulate(args.teams, args.per_team, seed=args.seed,
                   instrument=load_instrument(args.instrument), mixed_share=args.mixed_share,
                   nuisance=load_nuisance(args.nuisance))
    write_simulation(sim, args.output, args.truth)
    print(f"wrote {len(sim.responses)} responses from {args.teams} teams to {args.output}"
          + (f" and the truth to {args.truth}" if args.truth else ""), file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add ``simulate``."""
    sm = sub.add_parser("simulate", help="simulate responses with a known truth")
    sm.add_argument("--teams", type=int, default=12)
    sm.add_argument("--per-team", type=int, default=10)
    sm.add_argument("--seed", type=int, default=0)
    sm.add_argument("--mixed-share", type=float, default=0.0)
    sm.add_argument("--nuisance", default="realistic",
                    help="nuisance profile: clean, realistic (default), harsh, or a YAML file "
                    "(see docs/classification.md)")
    sm.add_argument("-o", "--output", required=True)
    sm.add_argument("--truth")
    sm.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    sm.set_defaults(func=run)
