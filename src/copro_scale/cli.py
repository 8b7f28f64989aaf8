"""The ``copro`` command line: a thin layer over the library.

Each command parses its arguments and calls one library function. A :class:`CoproError` is
printed as one line on stderr with exit code 2; anything else is a bug and surfaces as one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import CoproError
from .instrument import FORMS, check_instrument, load_instrument


# -- instrument ------------------------------------------------------------------------------
def _cmd_instrument_show(args) -> int:
    inst = load_instrument(args.instrument)
    forms = [args.form] if args.form else list(inst.forms)
    print(f"{inst.title} ({inst.short_title}) v{inst.version} - {len(inst.items)} items a form")
    print(f"Recall period: {inst.recall_period}. Scale: "
          + ", ".join(f"{p.code} {p.label}" for p in inst.scale))
    for form in forms:
        f = inst.forms[form]
        print(f"\n== {f.title} ({form}) ==")
        print(f"{'id':<6} {'construct':<11} {'face':<20} {'rev':<4} text")
        for it in inst.items:
            print(f"{it.id:<6} {it.construct:<11} {it.face:<20} {'R' if it.reverse else '':<4} {it.text(form)}")
        if f.dont_know:
            print(f"(also offered: {inst.dont_know.code} {inst.dont_know.label}, scored as missing)")
    return 0


def _cmd_instrument_check(args) -> int:
    errors = check_instrument(args.path)
    if errors:
        for e in errors:
            print(f"error: {e}", file=sys.stderr)
        return 2
    inst = load_instrument(args.path)
    print(f"{args.path}: ok ({inst.name} v{inst.version}, {len(inst.items)} items, "
          f"forms {', '.join(inst.forms)})")
    return 0


def _cmd_instrument_export(args) -> int:
    from .administer import export_instrument

    inst = load_instrument(args.instrument)
    text = export_instrument(inst, args.format, form=args.form)
    if args.output:
        Path(args.output).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text if isinstance(text, str) else text.decode("utf-8"))
    return 0


# -- simulate ----------------------------------------------------------------------------------
def _cmd_simulate(args) -> int:
    from .simulate import simulate, write_simulation

    sim = simulate(args.teams, args.per_team, seed=args.seed,
                   instrument=load_instrument(args.instrument) if args.instrument else None,
                   mixed_share=args.mixed_share)
    write_simulation(sim, args.output, args.truth)
    print(f"wrote {len(sim.responses)} responses from {args.teams} teams to {args.output}"
          + (f" and the truth to {args.truth}" if args.truth else ""), file=sys.stderr)
    return 0


# -- demo --------------------------------------------------------------------------------------
def _cmd_demo(args) -> int:
    from .demo import run_demo

    run_demo(Path(args.output), seed=args.seed)
    return 0


# -- validate ------------------------------------------------------------------------------------
def _cmd_validate(args) -> int:
    from .validate import run_validation

    paths = run_validation(args.input, Path(args.output), instrument=args.instrument,
                           fmt=args.format, mapping=args.mapping, seed=args.seed,
                           min_responses=args.min_responses)
    for kind, path in paths.items():
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _cmd_report(args) -> int:
    from .reports import run_report

    paths = run_report(args.input, Path(args.output), previous=args.previous,
                       instrument=args.instrument, fmt=args.format, mapping=args.mapping,
                       seed=args.seed, min_responses=args.min_responses, n_boot=args.n_boot)
    print(f"wrote {paths['index']}, {len(paths['teams'])} team reports, "
          f"{paths['summary_csv'].name} and {paths['summary_json'].name}", file=sys.stderr)
    return 0


THRESHOLD_HELP = ("reporting threshold (default: the instrument's privacy.min_responses, the number "
                  "the participants were promised; it can only be raised)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="copro", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"copro-scale {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    ins = sub.add_parser("instrument", help="show, check or export the instrument")
    isub = ins.add_subparsers(dest="action", required=True)
    s = isub.add_parser("show", help="print the items as a table")
    s.add_argument("--form", choices=FORMS)
    s.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    s.set_defaults(func=_cmd_instrument_show)
    c = isub.add_parser("check", help="validate an instrument file")
    c.add_argument("path")
    c.set_defaults(func=_cmd_instrument_check)
    e = isub.add_parser("export", help="export the instrument for a survey platform")
    e.add_argument("--format", default="json")
    e.add_argument("--form", choices=FORMS)
    e.add_argument("-o", "--output")
    e.add_argument("--instrument")
    e.set_defaults(func=_cmd_instrument_export)

    sm = sub.add_parser("simulate", help="simulate responses with a known truth")
    sm.add_argument("--teams", type=int, default=12)
    sm.add_argument("--per-team", type=int, default=10)
    sm.add_argument("--seed", type=int, default=0)
    sm.add_argument("--mixed-share", type=float, default=0.0)
    sm.add_argument("-o", "--output", required=True)
    sm.add_argument("--truth")
    sm.add_argument("--instrument")
    sm.set_defaults(func=_cmd_simulate)

    d = sub.add_parser("demo", help="run every stage on simulated data into ./copro-demo/")
    d.add_argument("-o", "--output", default="copro-demo")
    d.add_argument("--seed", type=int, default=2026)
    d.set_defaults(func=_cmd_demo)

    v = sub.add_parser("validate", help="reliability, factor structure, invariance and agreement")
    v.add_argument("input", help="responses in any format `copro score` reads")
    v.add_argument("-o", "--output", required=True, help="folder for validation.json and .html")
    v.add_argument("--instrument")
    v.add_argument("--format", default="auto")
    v.add_argument("--mapping")
    v.add_argument("--seed", type=int, default=0, help="seed for parallel analysis")
    v.add_argument("--min-responses", type=int, default=None, help=THRESHOLD_HELP)
    v.set_defaults(func=_cmd_validate)

    rp = sub.add_parser("report", help="classify each team and write the HTML team reports")
    rp.add_argument("input", help="responses in any format `copro score` reads")
    rp.add_argument("-o", "--output", required=True, help="folder for index.html, teams/, summary")
    rp.add_argument("--min-responses", type=int, default=None, help=THRESHOLD_HELP)
    rp.add_argument("--previous", help="an earlier wave, for the change since then")
    rp.add_argument("--instrument")
    rp.add_argument("--format", default="auto")
    rp.add_argument("--mapping")
    rp.add_argument("--seed", type=int, default=0, help="seed of the classification bootstrap")
    rp.add_argument("--n-boot", type=int, default=2000, help="bootstrap resamples (default 2000)")
    rp.set_defaults(func=_cmd_report)

    __import__("copro_scale.score_command").score_command.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CoproError as exc:
        print(f"copro: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `copro instrument show | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("copro: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
