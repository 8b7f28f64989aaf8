"""``copro serve``: the survey server (Flask app under waitress) on the wave's database."""

from __future__ import annotations

import os
import sys

from ..errors import CoproError

#: waitress settings: enough threads for a burst of respondents, bodies bounded below the app's
#: own limit's ceiling, and a connection limit well above the threads (idle keep-alive
#: connections wait in waitress's event loop, not in a thread).
THREADS = 16
CONNECTION_LIMIT = 1000
MAX_BODY = 64 * 1024


def run(args) -> int:
    """Check the database, then serve until interrupted."""
    if args.hash_password:
        return _hash_password()
    import waitress

    from ..serve import security, store
    from ..serve.app import create_app
    from ..serve.migrations import check_current

    config = {"COPRO_SECURE_COOKIES": not args.allow_http}
    for option, key in (("client_limit", "COPRO_CLIENT_LIMIT"),
                        ("invitation_limit", "COPRO_INVITATION_LIMIT")):
        if getattr(args, option):
            config[key] = getattr(args, option)
    if args.admin_password_file:
        try:
            with open(args.admin_password_file, encoding="utf-8") as fh:
                config["COPRO_ADMIN_PASSWORD_HASH"] = fh.read().strip()
        except OSError as exc:
            raise CoproError(f"cannot read it ({exc.strerror})", field="--admin-password-file")
        if not config["COPRO_ADMIN_PASSWORD_HASH"].startswith("$argon2"):
            raise CoproError("must hold an argon2 hash; make one with `copro serve "
                             "--hash-password`", field="--admin-password-file")
    if not os.environ.get("COPRO_SECRET_KEY"):
        print("copro: warning: COPRO_SECRET_KEY is not set; the session cookies are signed with "
              "a random key and end when the server stops (saved answers are kept and resume "
              "through each link)", file=sys.stderr)
    engine = store.engine_for(args.db)
    try:
        check_current(engine)
    except CoproError:
        raise
    except Exception as exc:  # noqa: BLE001 - the database cannot be reached at all
        raise CoproError(f"cannot open the database: {type(exc).__name__}", field="--db") from None
    finally:
        engine.dispose()
    app = create_app(args.db, args.instrument, **config)
    _warn_other_instruments(app)
    security.configure_logging()  # only now: the checks above end with one line, not a log
    proxy = {}
    if args.trusted_proxy:
        proxy = {"trusted_proxy": args.trusted_proxy, "trusted_proxy_count": 1,
                     "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
                     "clear_untrusted_proxy_headers": True}
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="",
                   connection_limit=CONNECTION_LIMIT, backlog=2048,
                   max_request_body_size=MAX_BODY, max_request_header_size=16 * 1024,
                   channel_timeout=60, **proxy)
    return 0


def _warn_other_instruments(app) -> None:
    """One line per open wave this server cannot serve (opened with another instrument): its
    links would all get the refusal page."""
    from sqlalchemy import select

    from ..serve.store import Wave

    state = app.extensions["copro_serve"]
    with state.sessions() as session:
        for wave in session.execute(select(Wave).where(Wave.status == "open")).scalars():
            if not state.serves(wave):
                print(f"copro: warning: wave {wave.label!r} was opened with instrument "
                      f"{wave.instrument_id} v{wave.instrument_version}; its links are refused "
                      "until the server runs with that instrument (--instrument FILE)",
                      file=sys.stderr)


def _hash_password() -> int:
    import getpass

    from ..serve.security import hash_password

    first = getpass.getpass("admin password: ")
    if len(first) < 12:
        raise CoproError("use at least 12 characters", field="--hash-password")
    if getpass.getpass("again: ") != first:
        raise CoproError("the two entries differ", field="--hash-password")
    print(hash_password(first))
    return 0


def register(sub) -> None:
    """Add ``serve``."""
    p = sub.add_parser("serve", help="serve the questionnaire to the invitations of open waves "
                       "(needs the serve extra)")
    p.add_argument("--db", default=None, help="database URL (default sqlite:///copro.db; "
                   "postgresql://USER@HOST/DB for PostgreSQL)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: put a TLS proxy in front)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--threads", type=int, default=THREADS,
                   help=f"worker threads (default {THREADS})")
    p.add_argument("--instrument", help="instrument YAML the waves were opened with "
                   "(default: the packaged one)")
    p.add_argument("--trusted-proxy", metavar="ADDR",
                   help="address of the TLS proxy in front; its X-Forwarded-For and "
                   "X-Forwarded-Proto are believed (rate limits per client need them)")
    p.add_argument("--allow-http", action="store_true",
                   help="send cookies over plain HTTP too (testing on a network without TLS "
                   "only; browsers accept the secure cookies from http://localhost anyway)")
    p.add_argument("--admin-password-file", metavar="FILE",
                   help="file holding the argon2 hash of the admin password: turns on /admin, "
                   "the live counts per team at the reporting threshold")
    p.add_argument("--hash-password", action="store_true",
                   help="ask for an admin password and print its argon2 hash, then exit")
    p.add_argument("--client-limit", metavar="RATE",
                   help="requests per client address, e.g. '600 per minute' (the default)")
    p.add_argument("--invitation-limit", metavar="RATE",
                   help="requests per invitation, e.g. '60 per minute; 600 per hour' (default)")
    p.set_defaults(func=run)
