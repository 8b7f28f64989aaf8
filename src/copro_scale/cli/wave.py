"""``copro wave``: open a wave with its invitations, remind the unused ones, close it."""

from __future__ import annotations

import sys

from ..errors import CoproError
from .db import add_db_option


def _sessions(url, *, create: bool = False):
    from ..serve.migrations import check_current, upgrade
    from ..serve.store import engine_for, session_factory

    engine = engine_for(url)
    if create:
        upgrade(engine)  # a new database gets its tables; an old one its migrations
    else:
        check_current(engine)
    return engine, session_factory(engine)


class _Mailer:
    """``--smtp`` settings checked, and the server connected to, before anything is opened."""

    def __init__(self, args, template, inst):
        from ..serve import mail

        if not args.mail_from:
            raise CoproError("--smtp needs --mail-from ADDRESS (the sender of the invitations)",
                             field="--mail-from")
        self.args, self.inst, self.mail = args, inst, mail
        self.server = mail.SMTPServer.from_url(args.smtp)
        self.text = mail.read_message(args.message) if args.message else template
        self.smtp = mail.connect(self.server)

    def send(self, pairs) -> None:
        """Send (email, link) pairs; a CoproError if any address was refused."""
        mail, args, title = self.mail, self.args, self.inst.title
        messages = [mail.message(args.mail_from, to, args.subject or f"Invitation: {title}",
                                 mail.fill(self.text, link=link, title=title))
                    for to, link in pairs]
        sent, refused = mail.send_all(self.smtp, messages)
        print(f"sent {sent} mail(s) through {self.server.host}:{self.server.port}", file=sys.stderr)
        if refused:
            raise CoproError(f"the mail server refused {len(refused)} address(es), first "
                             f"{refused[0]!r}; correct them and run `copro wave remind` to send "
                             "to everyone who has not answered", field="--smtp")

    def close(self) -> None:
        try:
            self.smtp.close()
        except OSError:
            pass


def run_open(args) -> int:
    from ..instrument import load_instrument
    from ..serve import waves

    if args.open and args.emails:
        raise CoproError("choose one: --emails (a link per person) or --open (a link per team "
                         "and form)", field="--open")
    if args.smtp and not args.emails:
        raise CoproError("--smtp sends to the addresses of --emails staff.csv; give that list",
                         field="--smtp")
    how = "emails" if args.emails else "open" if args.open else "headcounts"
    inst = load_instrument(args.instrument)
    mailer = None
    if args.smtp:
        from ..serve.mail import DEFAULT_MESSAGE

        mailer = _Mailer(args, DEFAULT_MESSAGE, inst)
    engine, sessions = _sessions(args.db, create=True)
    try:
        with sessions() as session:
            wave, issued = waves.open_wave_to_file(
                session, args.label, args.output, args.base_url, teams=args.teams, how=how,
                staff=args.emails, instrument=inst, min_responses=args.min_responses)
        kinds = "open links" if how == "open" else "single-use links"
        n_teams = len({i.team for i in issued})
        print(f"opened wave {wave.label!r}: {len(issued)} {kinds} for {n_teams} team(s), "
              f"threshold {wave.threshold}; links in {args.output} (keep it private: each link "
              "is a way in)", file=sys.stderr)
        _send_links(args, mailer, issued)
    finally:
        _release(engine, mailer)
    return 0


def run_invite(args) -> int:
    from ..serve import waves
    from ..serve.store import wave_by_label

    mailer = None
    engine, sessions = _sessions(args.db)
    try:
        with sessions() as session:
            inst = waves.instrument_for(wave_by_label(session, args.label), args.instrument)
            if args.smtp:
                from ..serve.mail import DEFAULT_MESSAGE

                mailer = _Mailer(args, DEFAULT_MESSAGE, inst)
            wave, issued = waves.invite_to_file(session, args.label, args.output, args.base_url,
                                                staff=args.emails)
        print(f"wave {wave.label!r}: {len(issued)} more single-use link(s); links in "
              f"{args.output}", file=sys.stderr)
        _send_links(args, mailer, issued)
    finally:
        _release(engine, mailer)
    return 0


def run_list(args) -> int:
    from ..serve import waves

    engine, sessions = _sessions(args.db)
    try:
        with sessions() as session:
            rows = waves.wave_list(session)
    finally:
        engine.dispose()
    if not rows:
        print("no waves yet; open one with `copro wave open`", file=sys.stderr)
        return 0
    print(f"{'wave':<24} {'status':<7} {'opened':<10} {'closed':<10} {'k':>3} {'links':>7}")
    for r in rows:
        closed = f"{r['closed_on']:%Y-%m-%d}" if r["closed_on"] else "-"
        print(f"{r['label'][:24]:<24} {r['status']:<7} {r['opened_on']:%Y-%m-%d} {closed:<10} "
              f"{r['threshold']:>3} {r['links']:>7}")
    return 0


def _send_links(args, mailer, issued) -> None:
    """Mail each issued link to its address, when ``--smtp`` was given."""
    if mailer is not None:
        mailer.send([(i.email, _link(args, i)) for i in issued])


def _release(engine, mailer) -> None:
    engine.dispose()
    if mailer is not None:
        mailer.close()


def _link(args, issued) -> str:
    from ..serve.invitations import link_for

    return link_for(args.base_url, issued.token)


def run_remind(args) -> int:
    from ..serve import mail, waves
    from ..serve.invitations import read_invitations
    from ..serve.store import wave_by_label

    files = args.invitations or ["invitations.csv"]
    rows = [row for path in files for row in read_invitations(path)]
    engine, sessions = _sessions(args.db)
    try:
        with sessions() as session:
            wave = wave_by_label(session, args.label)
            if wave.status != "open":
                raise CoproError(f"wave {args.label!r} is closed; there is no one to remind",
                                 field="LABEL")
            inst = waves.instrument_for(wave, args.instrument)
            pairs, without = waves.unused_with_email(session, wave, rows)
        if without:
            print(f"copro: warning: {without} unused invitation(s) with an address have no link "
                  f"in {', '.join(files)}", file=sys.stderr)
        if not pairs:
            print("no unused invitation with an address: nothing to send", file=sys.stderr)
            return 0
        if args.dry_run:
            print(f"would send {len(pairs)} reminder(s)", file=sys.stderr)
            return 0
        if not args.smtp:
            raise CoproError("give --smtp URL to send the reminders (or --dry-run to count "
                             "them)", field="--smtp")
        mailer = _Mailer(args, mail.DEFAULT_REMINDER, inst)
        mailer.send(pairs)
    finally:
        engine.dispose()
    return 0


def run_close(args) -> int:
    from ..serve import waves

    engine, sessions = _sessions(args.db)
    try:
        with sessions() as session:
            wave = waves.close_wave(session, args.label)
    finally:
        engine.dispose()
    print(f"closed wave {wave.label!r} on {wave.closed_on:%Y-%m-%d}: no more answers; drafts "
          "and email addresses deleted. Report with `copro report --db ... --wave "
          f"{wave.label} -o DIR`; delete the invitations file now.", file=sys.stderr)
    return 0


def run_status(args) -> int:
    from ..serve import waves
    from ..serve.store import wave_by_label

    engine, sessions = _sessions(args.db)
    try:
        with sessions() as session:
            wave = wave_by_label(session, args.label)
            counts = waves.visible_counts(session, wave, waves.instrument_for(wave, args.instrument))
    finally:
        engine.dispose()
    print(f"wave {wave.label} ({wave.status}, opened {wave.opened_on:%Y-%m-%d}"
          + (f", closed {wave.closed_on:%Y-%m-%d}" if wave.closed_on else "")
          + f", threshold {wave.threshold})")
    print(f"{'team':<40} {'responses':>12} {'PSW':>12} {'colleagues':>12}")
    for r in counts.teams:
        print(f"{r['team'][:40]:<40} {r['total']:>12} {r['psw'] or '-':>12} "
              f"{r['colleague'] or '-':>12}")
    if counts.parents:
        print(f"{'service or directorate':<40} {'responses':>12}")
        for r in counts.parents:
            name = "  " * r["depth"] + r["name"]
            print(f"{name[:40]:<40} {r['total']:>12}")
    print(f"{'organisation':<40} {counts.organisation:>12}")
    for note in counts.notes:
        print(f"note: {note}")
    return 0


def _mail_options(p) -> None:
    g = p.add_argument_group("mail")
    g.add_argument("--smtp", metavar="URL", help="send each link by mail: smtp://host[:port], "
                   "smtp+starttls://user@host or smtps://user@host (password in the URL or "
                   "$COPRO_SMTP_PASSWORD)")
    g.add_argument("--mail-from", metavar="ADDRESS", help="the sender's address (needed with --smtp)")
    g.add_argument("--subject", help="the subject (default: 'Invitation: <instrument title>')")
    g.add_argument("--message", metavar="FILE", help="the text of the mail, with {link} where the "
                   "personal link goes (and {title} for the survey's title)")


def register(sub) -> None:
    """Add ``wave`` with ``open``, ``invite``, ``remind``, ``close``, ``list`` and ``status``."""
    p = sub.add_parser("wave", help="open a survey wave with its invitations, remind, close")
    wsub = p.add_subparsers(dest="wave_command", required=True)

    o = wsub.add_parser("open", help="open a wave and issue its invitation links",
                        description="Open a wave: single-use links from the team list's "
                        "headcounts (default) or from --emails, or an open link per team and "
                        "form (--open). The links are written to invitations.csv (team, form, "
                        "kind, email, link) and nowhere else: the database keeps only a hash.")
    o.add_argument("label", metavar="LABEL", help="the wave's name, for example 2026-spring")
    add_db_option(o)
    o.add_argument("--teams", required=True, help="team list CSV (team, aliases, "
                   "n_psw_expected, n_colleague_expected, optional parent)")
    o.add_argument("--base-url", required=True, metavar="URL",
                   help="the address respondents open, for example https://survey.example.org")
    how = o.add_mutually_exclusive_group()
    how.add_argument("--emails", metavar="STAFF_CSV", help="one link per person: a CSV with "
                     "email, team and form (psw or colleague)")
    how.add_argument("--open", action="store_true", help="one open link per team and form, for "
                     "organisations without a staff list (anyone with a link can answer, more "
                     "than once)")
    o.add_argument("-o", "--output", default="invitations.csv",
                   help="where to write the links (default invitations.csv; never overwritten)")
    o.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    o.add_argument("--min-responses", type=int, default=None,
                   help="reporting threshold k (default: the instrument's; it can only be raised)")
    _mail_options(o)
    o.set_defaults(func=run_open)

    i = wsub.add_parser("invite", help="add single-use links for more people to an open wave")
    i.add_argument("label", metavar="LABEL")
    add_db_option(i)
    i.add_argument("--emails", metavar="STAFF_CSV", required=True,
                   help="the people to add: a CSV with email, team and form")
    i.add_argument("--base-url", required=True, metavar="URL",
                   help="the address respondents open, as for `copro wave open`")
    i.add_argument("-o", "--output", required=True,
                   help="where to write the new links (a new file; never overwritten)")
    i.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    _mail_options(i)
    i.set_defaults(func=run_invite)

    r = wsub.add_parser("remind", help="mail the invitations not used yet (with --emails only)")
    r.add_argument("label", metavar="LABEL")
    add_db_option(r)
    r.add_argument("--invitations", action="append", metavar="CSV",
                   help="a links file `copro wave open` or `invite` wrote (default "
                        "invitations.csv); give it once per file")
    r.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    r.add_argument("--dry-run", action="store_true", help="count the reminders, send nothing")
    _mail_options(r)
    r.set_defaults(func=run_remind)

    c = wsub.add_parser("close", help="end a wave: no more answers, drafts and addresses deleted")
    c.add_argument("label", metavar="LABEL")
    add_db_option(c)
    c.set_defaults(func=run_close)

    ls = wsub.add_parser("list", help="the waves in the database")
    add_db_option(ls)
    ls.set_defaults(func=run_list)

    s = wsub.add_parser("status", help="responses so far, per team, as the reports would show them")
    s.add_argument("label", metavar="LABEL")
    add_db_option(s)
    s.add_argument("--instrument", help="instrument YAML (default: the packaged one)")
    s.set_defaults(func=run_status)
