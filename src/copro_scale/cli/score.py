"""``copro score``: read an export, validate it, score it and account for every row."""

from __future__ import annotations

import os
import sys

from ..errors import CoproError
from .options import (
    add_input_options,
    add_ledger_options,
    add_threshold_option,
    read_input,
    record_publication,
    threshold,
)


def run(args) -> int:
    """Read, score and write; the accounting line goes to stderr."""
    import numpy as np
    import pandas as pd

    from ..csvsafe import write_csv
    from ..privacy import plan_for
    from ..responses.ids import new_salt
    from ..scoring import favourable, keyed_matrix, score, scores_long

    ids, salt = "sequence", None
    if args.keep_ids:
        print("copro: --keep-ids is deprecated: use --hash-ids (the ids written are salted "
              "hashes, not the ids)", file=sys.stderr)
    if args.hash_ids or args.keep_ids:
        ids = "hash"
        salt = args.salt or os.environ.get("COPRO_SALT")
        if not salt:
            salt = new_salt()
            print("copro: no --salt or COPRO_SALT given: response ids are hashed with a random "
                  "salt for this run only (they will not match another run)", file=sys.stderr)
    k = threshold(args)  # checked before any input is read, with or without --favourable
    if args.favourable and args.drop_flagged:
        # a team's figure with and without its flagged responses is a figure about those people
        raise CoproError("--favourable cannot be combined with --drop-flagged: the team figures "
                         "with and without the flagged responses would single them out")
    if args.favourable and ids == "hash" and not (args.salt or os.environ.get("COPRO_SALT")):
        # the publication ledger matches this run's respondents with earlier runs' by their ids
        raise CoproError("--favourable with --hash-ids needs --salt or COPRO_SALT: a random salt "
                         "would hide from the publication ledger who an earlier run published")
    if _in_blocks(args):
        return _run_in_blocks(args, ids, salt)
    responses = read_input(args, ids=ids, salt=salt, drop_flagged=args.drop_flagged)
    scores = score(responses, min_answered_share=args.min_answered_share, rescale=args.rescale)
    write_csv(scores_long(scores) if args.long else scores, args.output)
    if args.exclusions:
        write_csv(responses.exclusions, args.exclusions)
    if args.favourable:
        record_publication(args, responses)  # refused where a rerun's teams differ by 1 to k-1
        plan = plan_for(responses.data, responses.instrument, k)  # only teams reaching k
        fav = favourable(responses, by="team", min_answered=plan.min_responses).reset_index()
        inst = responses.instrument
        answered = pd.DataFrame(~np.isnan(keyed_matrix(responses.data, inst)), columns=inst.item_ids)
        answered = answered.groupby([responses.data["team"].astype(str).to_numpy(),
                                     responses.data["form"].astype(str).to_numpy()]).sum()
        cells = {c: [it.id for it in inst.cell_items(*c.split("."))] for c in inst.cells}
        fav = plan.withhold_shares(fav, answered, cells)  # a split team's few answers (rule 8)
        fav = fav.round({c: 0 for c in fav.columns if c not in ("team", "n")})  # whole percentages
        write_csv(plan.only_visible(fav), args.favourable)
        if len(plan.visible_teams) < len(plan.teams):
            print(f"copro: --favourable leaves out {len(plan.teams) - len(plan.visible_teams)} "
                  f"team(s) with fewer than {plan.min_responses} responses", file=sys.stderr)
    print(f"copro: {responses.source} read as {responses.format}", file=sys.stderr)
    print(responses.accounting(), file=sys.stderr)
    if responses.team_list is not None:
        print(team_line(responses.team_list["team"], responses.data["team"].unique()),
              file=sys.stderr)
    return 0


def team_line(listed, answered) -> str:
    """The summary's teams line: the teams with responses, and each listed team with none as
    "no responses" (at most :data:`SHOWN_SILENT` named).

    Examples
    --------
    >>> team_line(["A", "B", "C"], ["A"])
    "teams: 1 with responses; no responses: 'B', 'C'"
    """
    answered = {str(t) for t in answered}
    silent = [str(t) for t in listed if str(t) not in answered]
    text = f"teams: {len(answered)} with responses"
    if silent:
        text += "; no responses: " + ", ".join(repr(t) for t in silent[:SHOWN_SILENT])
        if len(silent) > SHOWN_SILENT:
            text += f" and {len(silent) - SHOWN_SILENT} more"
    return text


#: Listed teams with no responses named in the summary line of ``copro score``.
SHOWN_SILENT = 20


def _in_blocks(args) -> bool:
    """Whether the input is a CSV of at least ``STREAM_BYTES`` that can be read in blocks
    (:func:`~copro_scale.responses.blockread.blocks_of`: canonical, or a platform's export read
    row by row), read with options that need no other row than the one at hand once the first
    pass is done (no --favourable, --drop-flagged or waves): it is then scored in blocks, in
    bounded memory."""
    from ..responses.chunked import STREAM_BYTES

    if (args.favourable or args.drop_flagged or args.db or args.wave or args.wave_column
            or not args.input or str(args.input) == "-" or not os.path.isfile(args.input)
            or os.path.getsize(args.input) < STREAM_BYTES):
        return False
    from ..instrument import load_instrument
    from ..responses.blockread import blocks_of
    from ..responses.tables import read_head

    return blocks_of(args.input, load_instrument(args.instrument),
                     read_head(args.input, args.encoding), format=args.format,
                     mapping=args.mapping) is not None


def _run_in_blocks(args, ids, salt) -> int:
    from ..instrument import load_instrument
    from ..responses.chunked import score_in_blocks
    from .options import check_outputs

    check_outputs(args)
    summary = score_in_blocks(args.input, load_instrument(args.instrument), output=args.output,
                              exclusions=args.exclusions, long=args.long, teams=args.teams,
                              ids=ids, salt=salt, min_answered_share=args.min_answered_share,
                              rescale=args.rescale, encoding=args.encoding, format=args.format,
                              mapping=args.mapping, team_codes=bool(args.team_codes))
    for warning in summary.warnings:
        print(f"copro: warning: {warning}", file=sys.stderr)
    print(f"copro: {summary.source} read as {summary.format} (in blocks)", file=sys.stderr)
    print(summary.accounting(), file=sys.stderr)
    if summary.team_list is not None:
        print(team_line(summary.team_list["team"], summary.team_counts.index), file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add ``score``."""
    p = sub.add_parser("score", help="read a survey export, validate and score it",
                       description="Read a survey export (canonical CSV, Qualtrics, REDCap, "
                       "LimeSurvey, SurveyJS, Microsoft/Google Forms, SPSS .sav, or any table "
                       "with --mapping), validate every row and write one row of scores per kept "
                       "response.")
    add_input_options(p)
    p.add_argument("-o", "--output", default="-", help="scores CSV (default: standard output)")
    p.add_argument("--exclusions", help="write the exclusion log (row, id, reason, detail) here")
    p.add_argument("--favourable", help="write percent favourable per team, item and cell here "
                   "(teams reaching the reporting threshold only)")
    add_threshold_option(p)
    add_ledger_options(p)  # the --favourable table is a publication
    p.add_argument("--long", action="store_true", help="one row per response x score (tidy)")
    p.add_argument("--min-answered-share", type=float, default=0.5,
                   help="share of a cell's items needed for a cell score (default 0.5)")
    p.add_argument("--rescale", action="store_true", help="scores on 0-100 instead of 1-5")
    p.add_argument("--drop-flagged", action="store_true",
                   help="exclude careless responses (straight-lining, long strings, speeders)")
    p.add_argument("--hash-ids", action="store_true",
                   help="write a salted hash of each response id, the same for the same id and "
                   "salt (default: r1, r2, ... in file order)")
    p.add_argument("--keep-ids", action="store_true",
                   help="deprecated spelling of --hash-ids (the ids are hashed, not kept)")
    p.add_argument("--salt", help="salt for --hash-ids (default: $COPRO_SALT, else random)")
    p.set_defaults(func=run)
