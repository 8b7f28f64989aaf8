"""The input options every command that reads responses shares, and the one reading step.

``copro score``, ``copro validate`` and ``copro report`` read the same exports with the same
options, so a file that one command reads, the others read too.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import CoproError
from ..instrument import load_instrument

#: The ``--format`` values: ``auto``, each reader's name (``copro_scale.responses.READERS``, in
#: detection order) and ``sav``. Written out so that building the parser imports no reader
#: (and no pandas); tests/test_cli.py checks it against the readers.
FORMATS = ("auto", "spss", "surveyjs", "limesurvey", "qualtrics", "redcap", "forms", "canonical",
           "mapped", "sav")


def add_input_options(p: argparse.ArgumentParser) -> None:
    """Add INPUT and ``--format``, ``--mapping``, ``--encoding``, ``--sheet``, ``--instrument``,
    ``--teams`` to ``p``."""
    p.add_argument("input", help="the export file (CSV, xlsx, .sav or SurveyJS JSON)")
    g = p.add_argument_group("input options (the same for score, validate and report)")
    g.add_argument("--format", default="auto", choices=FORMATS,
                   help="the export's platform (default: detected from the file)")
    g.add_argument("--mapping", help="YAML column map for any CSV or xlsx (implies --format mapped)")
    g.add_argument("--encoding", help="text encoding of a CSV (default UTF-8, or UTF-16 with BOM)")
    g.add_argument("--sheet", help="worksheet of an xlsx file (default: the first)")
    g.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    g.add_argument("--teams", help="team list CSV or xlsx (team, aliases, optional headcounts; "
                   "read with --encoding): maps "
                   "spelling variants to one team and excludes unknown teams")
    g.add_argument("--wave-column", metavar="COLUMN",
                   help="the column naming each row's wave (default: redcap_event_name in a "
                   "REDCap export); a file with answers in several waves needs --wave")
    g.add_argument("--team-codes", action="store_true",
                   help="the team cells are the answer codes 1..n of a team question that "
                   "`copro instrument export --teams` offered as a choice (with --teams, the same "
                   "list); without it a number is matched as a team name only")


def add_threshold_option(p: argparse.ArgumentParser) -> None:
    """Add ``--min-responses``: the reporting threshold, which can only be raised."""
    p.add_argument("--min-responses", type=int, default=None,
                   help="reporting threshold (default: the instrument's privacy.min_responses, "
                   "the number the participants were promised; it can only be raised)")


def threshold(args) -> int:
    """``--min-responses`` checked against the instrument's promise, before any input is read."""
    from ..privacy import check_threshold

    return check_threshold(load_instrument(args.instrument), args.min_responses,
                           field="--min-responses")


#: Arguments that name a file or folder a command writes.
OUTPUTS = ("output", "exclusions", "favourable")


def check_outputs(args) -> None:
    """Refuse an output path that is one of the inputs (the export, team list, mapping,
    instrument, an earlier wave): writing it would destroy the data it was read from.

    Examples
    --------
    >>> import argparse
    >>> check_outputs(argparse.Namespace(input="a.csv", output="-"))
    """
    inputs = [getattr(args, name, None) for name in ("input", "teams", "mapping", "instrument")]
    inputs += list(getattr(args, "previous", None) or [])
    inputs = [Path(p) for p in inputs if p and str(p) != "-"]
    for name in OUTPUTS:
        out = getattr(args, name, None)
        if not out or str(out) == "-":
            continue
        for source in inputs:
            if _same_file(Path(out), source):
                flag = "-o/--output" if name == "output" else f"--{name}"
                raise CoproError(f"{flag} is the input file {str(source)!r}; writing it would "
                                 "destroy the data; choose another file name", file=out)


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def read_input(args, path=None, **kwargs):
    """Read ``path`` (default ``args.input``) with the shared input options of ``args``, once
    no output of ``args`` would overwrite an input (:func:`check_outputs`)."""
    from ..responses import read_responses

    check_outputs(args)
    if args.teams is not None:
        kwargs["teams"] = args.teams
        kwargs["team_codes"] = args.team_codes
    instrument = kwargs.pop("instrument", None) or load_instrument(args.instrument)
    if path is None:  # the wave this run reads (report's --wave also labels the pages)
        kwargs.setdefault("wave", getattr(args, "wave", None))
    kwargs["wave_column"] = args.wave_column
    responses = read_responses(args.input if path is None else path, instrument,
                               format=args.format, mapping=args.mapping, encoding=args.encoding,
                               sheet=args.sheet, **kwargs)
    for warning in responses.warnings:  # team names for a person to look at
        print(f"copro: warning: {warning}", file=sys.stderr)
    return responses
