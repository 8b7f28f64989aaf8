"""``copro plan``: expected team classification and the CFA sample check, before fielding."""

from __future__ import annotations

import sys

from ..errors import CoproError
from ..instrument import load_instrument
from ..outputs import replaced_file
from .options import add_threshold_option, threshold


def _int_list(text: str, option: str, low: int) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise CoproError(f"must be whole numbers separated by commas, not {text!r}",
                         field=option) from None
    if not values or min(values) < low:
        raise CoproError(f"must list numbers of at least {low}", field=option)
    return sorted(set(values))


def run(args) -> int:
    """Simulate each design, print the table, write the HTML page."""
    from ..nuisance import load_nuisance
    from ..plan import format_plan, plan_page, plan_survey, read_headcounts

    k = threshold(args)
    nuisance = load_nuisance(args.nuisance)
    if not 0 < args.response_rate <= 1:
        raise CoproError("must be a share above 0 and at most 1", field="--response-rate")
    if args.n_draws < 1:
        raise CoproError("must be at least 1", field="--n-draws")
    headcounts = None
    if args.teams_file:
        heads = read_headcounts(args.teams_file)
        headcounts = list(zip(heads["psw"], heads["colleagues"]))
    sizes = _int_list(args.sizes, "--sizes", 2)
    psws = _int_list(args.psw, "--psw", 0)
    if args.teams < 1:
        raise CoproError("must be at least 1", field="--teams")
    if args.reps < 1:
        raise CoproError("must be at least 1", field="--reps")
    if not any(k <= s for s in sizes for k in psws):
        raise CoproError("every design has more PSWs than respondents", field="--psw")
    result = plan_survey(args.teams, sizes, psws, reps=args.reps, seed=args.seed,
                         instrument=load_instrument(args.instrument), estimator=args.estimator,
                         per_item=args.per_item, min_responses=k, n_draws=args.n_draws,
                         nuisance=nuisance, headcounts=headcounts,
                         response_rate=args.response_rate)
    result.settings["nuisance"] = args.nuisance
    print(format_plan(result))
    if args.output:
        with replaced_file(args.output) as fh:  # whole or not at all
            fh.write(plan_page(result))
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add ``plan``."""
    p = sub.add_parser("plan", help="expected share of teams typed correctly per design, and "
                       "whether the organisation reaches the CFA sample size")
    p.add_argument("--teams", type=int, default=40, help="teams in the organisation (default 40)")
    p.add_argument("--sizes", default="5,8,12", help="respondents a team, comma-separated")
    p.add_argument("--psw", default="1,2,3", help="PSWs a team, comma-separated")
    p.add_argument("--reps", type=int, default=5,
                   help="simulated organisations per design (default 5)")
    p.add_argument("--seed", type=int, default=20260, help="seed (fixed by default)")
    p.add_argument("--teams-file", metavar="CSV",
                   help="the organisation's teams: a CSV with columns team, psw, colleagues "
                   "(headcounts); replaces --teams, --sizes and --psw")
    p.add_argument("--response-rate", type=float, default=0.5,
                   help="share of the people in --teams-file who answer (default 0.5)")
    p.add_argument("--nuisance", default="realistic",
                   help="nuisance profile of the simulated answers: clean, realistic (default), "
                   "harsh, or a YAML file (see docs/classification.md)")
    p.add_argument("--n-draws", type=int, default=1000,
                   help="posterior draws per team (default 1000)")
    p.add_argument("--estimator", choices=["ML", "MLR", "WLSMV"], default=None,
                   help="the CFA estimator of the validation (default WLSMV, as copro "
                   "validate): ML counts complete responses (listwise), MLR (FIML) and WLSMV "
                   "(pairwise) every response")
    p.add_argument("--per-item", type=int, default=None,
                   help="CFA minimum respondents per item (default 5, COSMIN 'adequate', as "
                   "copro validate)")
    add_threshold_option(p)
    p.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    p.add_argument("-o", "--output", help="write the HTML page here (e.g. plan.html)")
    p.set_defaults(func=run)
