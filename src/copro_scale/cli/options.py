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
    ``--teams``, ``--wave-column``, ``--team-codes``, ``--db`` and ``--wave`` to ``p``."""
    p.add_argument("input", nargs="?", help="the export file (CSV, xlsx, .sav or SurveyJS JSON); "
                   "or none, with --db URL --wave LABEL")
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
    g.add_argument("--db", metavar="URL", help="read the wave --wave from the survey database of "
                   "`copro serve` (sqlite:///copro.db or postgresql://...) instead of a file")
    g.add_argument("--wave", metavar="LABEL", help="the wave to read: with --db, a wave of the "
                   "database (earlier closed waves are the previous waves); in a file with a wave "
                   "column, that column's value (a REDCap event such as baseline_arm_1); on "
                   "report pages, the label of this wave (default: 'Survey of <this month>')")


def add_threshold_option(p: argparse.ArgumentParser) -> None:
    """Add ``--min-responses``: the reporting threshold, which can only be raised."""
    p.add_argument("--min-responses", type=int, default=None,
                   help="reporting threshold (default: the instrument's privacy.min_responses, "
                   "the number the participants were promised; it can only be raised)")


def add_ledger_options(p: argparse.ArgumentParser) -> None:
    """Add ``--state-dir`` and ``--new-publication``: the publication ledger (docs/privacy.md)."""
    p.add_argument("--state-dir", metavar="DIR",
                   help="folder of the publication ledger, which refuses a rerun of the same "
                   "input that would publish sets differing by fewer than k people (default: "
                   "$COPRO_STATE_DIR, else $XDG_STATE_HOME/copro, else ~/.local/state/copro)")
    p.add_argument("--new-publication", action="store_true",
                   help="forget the earlier runs recorded for this input (do this only after "
                   "withdrawing their outputs) and record this one")


def record_publication(args, responses, digest: str | None = None, *, path=None, wave=None,
                       parents: bool | None = None) -> None:
    """Check this run's published sets against the ledger's record of the same input and record
    them (:func:`copro_scale.ledger.check_and_record`); refused with one line where they differ
    from an earlier run's by 1 to k-1 people. ``path`` / ``wave`` name an earlier wave's file or
    database label (default: the input of the run); ``parents`` whether service figures are
    published from it (default: ``copro report``'s own wave)."""
    import hashlib

    from ..ledger import check_and_record, id_fingerprint
    from ..responses.streams import is_stream

    source = args.input if path is None else path
    if args.db is not None:  # the wave's identity: its canonical table follows the team list
        label = args.wave if wave is None else wave
        key = hashlib.sha256(f"{args.db}\x1f{label}".encode()).hexdigest()
    elif is_stream(source):  # read once: nothing left to hash
        key = id_fingerprint(responses)
    elif path is not None:
        from ..validate import file_sha256

        key = file_sha256(path)
    else:
        key = digest or input_digest(args, responses)
    command = args.command if path is None and wave is None else f"{args.command} (earlier wave)"
    check_and_record(responses, key, k=threshold(args), command=command,
                     output=getattr(args, "favourable", None) or args.output,  # score's publication
                     parents=args.command == "report" if parents is None else parents,
                     state=args.state_dir,
                     new_publication=args.new_publication and path is None and wave is None)


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
    """Read ``path`` (default ``args.input``, or the wave ``--wave`` of ``--db``) with the shared
    input options of ``args``, once no output of ``args`` would overwrite an input
    (:func:`check_outputs`). ``teams=None`` reads without the team list."""
    check_outputs(args)
    if path is None and args.db is not None:
        return read_wave_input(args, args.wave, **kwargs)
    if path is None and args.input is None:
        raise CoproError("give the export file to read, or --db URL --wave LABEL", field="INPUT")
    from ..responses import read_responses

    if args.teams is not None and "teams" not in kwargs:
        kwargs["teams"] = args.teams
        kwargs["team_codes"] = args.team_codes
    if kwargs.get("teams", "") is None:  # read without the team list
        del kwargs["teams"]
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


#: Database input options that file input has no use for.
_FILE_ONLY = ("format", "mapping", "encoding", "sheet", "wave_column", "team_codes")


def read_wave_input(args, label, **kwargs):
    """Read wave ``label`` of ``--db`` (a closed wave, when the command publishes figures)."""
    from ..responses.database import read_wave

    if args.input is not None:
        raise CoproError("give either an export file or --db, not both", field="--db")
    if not label:
        raise CoproError("--db needs --wave LABEL: the wave to read", field="--wave")
    given = [f"--{o.replace('_', '-')}" for o in _FILE_ONLY
             if getattr(args, o, None) not in (None, "auto", False)]
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

    earlier = [_earlier_wave(args, p, instrument) for p in previous]
    return earlier, [*labels, *(Path(p).stem for p in previous[len(labels):])]


def _earlier_wave(args, path, instrument):
    """An earlier wave read with this run's options, refused where the team list regroups it.

    Its report pooled its teams as the file reads; re-pooled under a team list that moves
    someone into another team, the "Then" figures differ from the ones that report published
    by those people, and the difference gives their answers (docs/privacy.md, waves).
    """
    if args.teams is None:
        return read_input(args, path, instrument=instrument)
    from ..responses import read_with_and_without_teams

    check_outputs(args)
    wave, alone = read_with_and_without_teams(  # read once (a named pipe can be read only once)
        path, instrument, format=args.format, mapping=args.mapping, teams=args.teams,
        team_codes=bool(args.team_codes), encoding=args.encoding, sheet=args.sheet,
        wave_column=args.wave_column)
    for warning in wave.warnings:
        print(f"copro: warning: {warning}", file=sys.stderr)
    listed = wave.data["team"].astype(str).value_counts()
    plain = alone.data["team"].astype(str).value_counts()
    moved = [f"'{t}' ({n} under --teams, {int(plain.get(t, 0))} as the file reads alone)"
             for t, n in listed.items() if int(plain.get(t, 0)) != int(n)]
    if moved:
        raise CoproError(
            f"{path}: the team list regroups this earlier wave: " + ", ".join(sorted(moved))
            + "; its figures would differ from the ones reported for that wave by the people "
            "moved. Report every wave with the same team list (or give --previous only waves "
            "whose teams it leaves as they are)", field="--previous")
    return wave


def input_digest(args, responses) -> str:
    """SHA-256 of what was read: the export file, or the database wave's canonical table."""
    if args.db is not None:
        from ..responses.database import digest

        return digest(responses)
    if responses.input_hash is not None:  # a stream, read once
        return responses.input_hash
    from ..validate import file_sha256

    return file_sha256(args.input)
