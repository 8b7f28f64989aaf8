"""``copro instrument show | check | export``: the instrument as data and for survey platforms."""

from __future__ import annotations

import sys

from ..instrument import FORMS, check_instrument, load_instrument
from ..outputs import replaced_file


def show(args) -> int:
    """Print the items of each form as a table."""
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
            print(f"{it.id:<6} {it.construct:<11} {it.face:<20} {'R' if it.reverse else '':<4} "
                  f"{it.text(form)}")
        if f.dont_know:
            print(f"(also offered: {inst.dont_know.code} {inst.dont_know.label}, scored as missing)")
    return 0


def check(args) -> int:
    """Validate an instrument file; every error on its own line."""
    errors = check_instrument(args.path)
    if errors:
        for e in errors:
            print(f"error: {e}", file=sys.stderr)
        return 2
    inst = load_instrument(args.path)
    print(f"{args.path}: ok ({inst.name} v{inst.version}, {len(inst.items)} items, "
          f"forms {', '.join(inst.forms)})")
    return 0


def export(args) -> int:
    """Write the instrument in a platform's import format (stdout or ``-o``)."""
    from ..administer import export_instrument

    inst = load_instrument(args.instrument)
    text = export_instrument(inst, args.format, form=args.form, teams=args.teams)
    if args.output:
        with replaced_file(args.output, newline="") as fh:  # never through a planted link
            fh.write(text if isinstance(text, str) else text.decode("utf-8"))
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text if isinstance(text, str) else text.decode("utf-8"))
    return 0


def register(sub) -> None:
    """Add ``instrument`` and its actions."""
    ins = sub.add_parser("instrument", help="show, check or export the instrument")
    isub = ins.add_subparsers(dest="action", required=True)
    s = isub.add_parser("show", help="print the items as a table")
    s.add_argument("--form", choices=FORMS)
    s.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    s.set_defaults(func=show)
    c = isub.add_parser("check", help="validate an instrument file")
    c.add_argument("path")
    c.set_defaults(func=check)
    e = isub.add_parser("export", help="export the instrument for a survey platform")
    e.add_argument("--format", default="json")
    e.add_argument("--form", choices=FORMS)
    e.add_argument("-o", "--output")
    e.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    e.add_argument("--teams", help="team list CSV: offer the team as a choice of the listed teams "
                   "(score with the same --teams)")
    e.set_defaults(func=export)
