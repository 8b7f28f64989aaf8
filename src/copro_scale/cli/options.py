"""The input options every command that reads responses shares, and the one reading step.

``copro score``, ``copro validate`` and ``copro report`` read the same exports with the same
options, so a file that one command reads, the others read too.
"""

from __future__ import annotations

import argparse
import sys

from ..instrument import load_instrument
from ..privacy import check_threshold
from ..responses import READERS, read_responses


def add_input_options(p: argparse.ArgumentParser) -> None:
    """Add INPUT and ``--format``, ``--mapping``, ``--encoding``, ``--sheet``, ``--instrument``,
    ``--teams`` to ``p``."""
    p.add_argument("input", help="the export file (CSV, xlsx, .sav or SurveyJS JSON)")
    g = p.add_argument_group("input options (the same for score, validate and report)")
    g.add_argument("--format", default="auto", choices=["auto", *READERS, "sav"],
                   help="the export's platform (default: detected from the file)")
    g.add_argument("--mapping", help="YAML column map for any CSV or xlsx (implies --format mapped)")
    g.add_argument("--encoding", help="text encoding of a CSV (default UTF-8, or UTF-16 with BOM)")
    g.add_argument("--sheet", help="worksheet of an xlsx file (default: the first)")
    g.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    g.add_argument("--teams", help="team list CSV (team, aliases, optional headcounts): maps "
                   "spelling variants to one team and excludes unknown teams")


def add_threshold_option(p: argparse.ArgumentParser) -> None:
    """Add ``--min-responses``: the reporting threshold, which can only be raised."""
    p.add_argument("--min-responses", type=int, default=None,
                   help="reporting threshold (default: the instrument's privacy.min_responses, "
                   "the number the participants were promised; it can only be raised)")


def threshold(args) -> int:
    """``--min-responses`` checked against the instrument's promise, before any input is read."""
    return check_threshold(load_instrument(args.instrument), args.min_responses,
                           field="--min-responses")


def read_input(args, path=None, **kwargs):
    """Read ``path`` (default ``args.input``) with the shared input options of ``args``."""
    if args.teams is not None and "teams" not in kwargs:
        kwargs["teams"] = args.teams
    if kwargs.get("teams", "") is None:  # read without the team list
        del kwargs["teams"]
    instrument = kwargs.pop("instrument", None) or load_instrument(args.instrument)
    responses = read_responses(args.input if path is None else path, instrument,
                               format=args.format, mapping=args.mapping, encoding=args.encoding,
                               sheet=args.sheet, **kwargs)
    for warning in responses.warnings:  # team names for a person to look at
        print(f"copro: warning: {warning}", file=sys.stderr)
    return responses
