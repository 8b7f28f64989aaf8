"""The ``copro`` command line: a thin layer over the library, one module per command.

Each command module has ``register(sub)``, which adds its sub-parser, and a ``run(args)`` that
calls the library in pipeline order (read -> score -> validate | classify -> disclose -> write).
The CLI is where the pipeline is orchestrated (docs/architecture.md). Commands that read responses share one set of input
options (:mod:`.options`). A :class:`~copro_scale.errors.CoproError` is printed as one line on
stderr with exit code 2; anything else is a bug and surfaces as one.
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from ..errors import CoproError
from . import (
    audit,
    db,
    demo,
    instrument,
    plan,
    report,
    score,
    serve,
    simulate,
    validate,
    wave,
)

#: The commands, in the order ``copro --help`` lists them.
COMMANDS = (instrument, score, validate, report, audit, plan, simulate, demo, db, wave, serve)


def build_parser() -> argparse.ArgumentParser:
    """The ``copro`` argument parser, with every command registered."""
    p = argparse.ArgumentParser(prog="copro", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"copro-scale {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run ``copro`` with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
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
