"""The input options every command that reads responses shares, and the one reading step.

``copro score``, ``copro validate`` and ``copro report`` read the same exports with the same
options, so a file that one command reads, the others read too.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import CoproError
from ..instrument import load_instrument
from ..privacy import check_threshold
from ..responses import READERS, read_responses


def add_input_options(p: argparse.ArgumentParser) -> None:
    """Add INPUT and ``--format``, ``--mapping``, ``--encoding``, ``--sheet``, ``--instrument``,
    ``--teams`` and ``--db`` to ``p`` (each command adds its ``--wave``, which ``--db`` needs)."""
    p.add_argument("input", nargs="?", help="the export file (CSV, xlsx, .sav or SurveyJS JSON); "
                   "or none, with --db URL --wave LABEL")
    g = p.add_argument_group("input options (the same for score, validate and report)")
    g.add_argument("--format", default="auto", choices=["auto", *READERS, "sav"],
                   help="the export's platform (default: detected from the file)")
    g.add_argument("--mapping", help="YAML column map for any CSV or xlsx (implies --format mapped)")
    g.add_argument("--encoding", help="text encoding of a CSV (default UTF-8, or UTF-16 with BOM)")
    g.add_argument("--sheet", help="worksheet of an xlsx file (default: the first)")
    g.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    g.add_argument("--teams", help="team list CSV (team, aliases, optional headcounts): maps "
                   "spelling variants to one team and excludes unknown teams")
    g.add_argument("--db", metavar="URL", help="read the wave --wave from the survey database of "
                   "`copro serve` (sqlite:///copro.db or postgresql://...) instead of a file")


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
    """Read ``path`` (default ``args.input``, or the wave ``--wave`` of ``--db``) with the shared
    input options of ``args``."""
    if path is None and args.db is not None:
        return read_wave_input(args, args.wave, **kwargs)
    if path is None and args.input is None:
        raise CoproError("give the export file to read, or --db URL --wave LABEL", field="INPUT")
    if args.teams is not None:
        kwargs["teams"] = args.teams
    instrument = kwargs.pop("instrument", None) or load_instrument(args.instrument)
    responses = read_responses(args.input if path is None else path, instrument,
                               format=args.format, mapping=args.mapping, encoding=args.encoding,
                               sheet=args.sheet, **kwargs)
    for warning in responses.warnings:  # team names for a person to look at
        print(f"copro: warning: {warning}", file=sys.stderr)
    return responses


#: Database input options that file input has no use for.
_FILE_ONLY = ("format", "mapping", "encoding", "sheet")


def read_wave_input(args, label, **kwargs):
    """Read wave ``label`` of ``--db`` (a closed wave, when the command publishes figures)."""
    from ..responses.database import read_wave

    if args.input is not None:
        raise CoproError("give either an export file or --db, not both", field="--db")
    if not label:
        raise CoproError("--db needs --wave LABEL: the wave to read", field="--wave")
    given = [f"--{o}" for o in _FILE_ONLY if getattr(args, o, None) not in (None, "auto")]
    if given:
        raise CoproError(f"{given[0]} is for export files; the database's responses need none",
                         field=given[0])
    kwargs.pop("instrument", None)
    # Figures published from an open wave and again at its close differ by whoever answered in
    # between: only closed waves are reported on (row-level scores may be read while open).
    publishes = args.command in ("report", "validate") or getattr(args, "favourable", None)
    responses = read_wave(args.db, label, args.instrument, teams=args.teams,
                          require_closed=bool(publishes), **kwargs)
    for warning in responses.warnings:
        print(f"copro: warning: {warning}", file=sys.stderr)
    return responses


def earlier_inputs(args, instrument) -> tuple[list, list[str]]:
    """The previous waves of a run: ``--previous`` files, or with ``--db`` the earlier closed
    waves of the database; (responses, labels), oldest first."""
    if args.db is not None:
        from ..responses.database import earlier_waves

        if args.previous:
            raise CoproError("with --db the earlier waves come from the database; --previous is "
                             "for export files", field="--previous")
        labels = earlier_waves(args.db, args.wave)
        return [read_wave_input(args, label) for label in labels], labels
    previous = args.previous or []
    labels = args.previous_wave or []
    if len(labels) > len(previous):
        raise CoproError("given more often than --previous", field="--previous-wave")
    from pathlib import Path

    earlier = [read_input(args, p, instrument=instrument) for p in previous]
    return earlier, [*labels, *(Path(p).stem for p in previous[len(labels):])]


def input_digest(args, responses) -> str:
    """SHA-256 of what was read: the export file, or the database wave's canonical table."""
    if args.db is not None:
        from ..responses.database import digest

        return digest(responses)
    from ..validate import file_sha256

    return file_sha256(args.input)
