"""The survey server's Flask application: :func:`create_app`.

One app serves the respondents' pages (:mod:`.views`) and, when an admin password hash is
configured, the admin page of live counts (:mod:`.admin`). Everything it needs is built here
once: the database engine, the instrument's page forms, the rate limiter and the security
settings (:mod:`.security`). ``copro serve`` runs it under waitress (docs/serve.md says why).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask, g, request

from ..instrument import Instrument, load_instrument
from . import security, store
from .forms import n_pages, page_form

#: Settings and their defaults; any of them can be given to :func:`create_app`.
DEFAULTS = {
    # Requests a client (one address) may make, all pages together. Generous: a whole
    # organisation may sit behind one NAT address.
    "COPRO_CLIENT_LIMIT": "600 per minute",
    # Requests on one invitation (one respondent, or one visitor of an open link).
    "COPRO_INVITATION_LIMIT": "60 per minute; 600 per hour",
    # Refused links a client may open (unknown, used, closed): stops token guessing.
    "COPRO_FAILED_LINK_LIMIT": "30 per minute; 300 per hour",
    # The argon2 hash of the admin password; None: no admin pages.
    "COPRO_ADMIN_PASSWORD_HASH": None,
    # Cookies only over HTTPS (browsers also accept them from http://localhost).
    "COPRO_SECURE_COOKIES": True,
    # A request body larger than this is refused (413): a page of 12 answers is under 2 KiB.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 16 * 1024,
    "MAX_FORM_PARTS": 100,
    # A page's CSRF token stays valid for 12 hours (a respondent may leave a page open).
    "WTF_CSRF_TIME_LIMIT": 12 * 3600,
    # An open link's visitor key lasts this long in the browser (resume after closing it).
    "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "RATELIMIT_HEADERS_ENABLED": False,
}


@dataclass
class ServeState:
    """What the views share: the database, the instrument, its page forms and caches."""

    engine: object
    sessions: object
    instrument: Instrument
    pages: dict
    content: dict = field(default_factory=dict)
    limit_salt: str = field(default_factory=lambda: secrets.token_hex(16))

    def serves(self, wave: store.Wave) -> bool:
        """Whether this app's instrument is the wave's (a wave is answered on its own
        instrument only)."""
        return (wave.instrument_id == self.instrument.name
                and str(wave.instrument_version) == str(self.instrument.version))


class SurveyFlask(Flask):
    def log_exception(self, exc_info) -> None:
        """Flask logs the path of a failed request; the path of a link holds its token, so the
        endpoint is logged instead."""
        self.logger.error("Exception on %s [%s]", request.endpoint, request.method,
                          exc_info=exc_info)


def create_app(db_url: str | None = None, instrument: Instrument | str | None = None,
               **config) -> Flask:
    """The survey server's WSGI application.

    Parameters
    ----------
    db_url : str, optional
        The database (default ``sqlite:///copro.db``; ``postgresql://...`` for PostgreSQL),
        already migrated (``copro db upgrade``).
    instrument : Instrument or path, optional
        The instrument the waves were opened with (default: the packaged one).
    **config
        Flask settings and those of :data:`DEFAULTS`. ``SECRET_KEY`` signs the session cookie;
        without it, ``COPRO_SECRET_KEY`` from the environment, else a random key (cookies then
        end with the process; the drafts are on the server and resume through the link).

    Examples
    --------
    >>> import tempfile, os
    >>> from copro_scale.serve.app import create_app
    >>> d = tempfile.mkdtemp()
    >>> app = create_app(f"sqlite:///{d}/copro.db")
    >>> app.test_client().get("/healthz").status_code
    200
    """
    from flask_limiter import Limiter
    from flask_wtf.csrf import CSRFProtect

    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    app = SurveyFlask(__name__)
    app.config.update(DEFAULTS)
    app.config["SECRET_KEY"] = os.environ.get("COPRO_SECRET_KEY") or secrets.token_hex(32)
    app.config.update(config)
    secure = bool(app.config["COPRO_SECURE_COOKIES"])
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["SESSION_COOKIE_NAME"] = "__Host-copro" if secure else "copro"

    engine = store.engine_for(db_url)
    pages = {(form, n): page_form(inst, form, n) for form in inst.forms
             for n in range(n_pages(inst))}
    app.extensions["copro_serve"] = ServeState(engine, store.session_factory(engine), inst, pages)

    CSRFProtect(app)
    from .views import client_key, survey_blueprint

    limiter = Limiter(client_key, app=app, storage_uri="memory://",
                      application_limits=[app.config["COPRO_CLIENT_LIMIT"]])
    app.register_blueprint(survey_blueprint(limiter, app.config))
    if app.config["COPRO_ADMIN_PASSWORD_HASH"]:
        from .admin import admin_blueprint

        app.register_blueprint(admin_blueprint(limiter, app.config))
    _register_errors(app)
    app.after_request(security.set_headers)

    @app.get("/healthz")
    def healthz():
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}

    @app.teardown_appcontext
    def close_db(_exc):
        session = g.pop("db", None)
        if session is not None:
            session.close()

    return app


#: Status -> (heading, paragraph) of the error pages; none says more than the status does.
ERRORS = {
    400: ("This page could not be sent",
          ("The page had expired or did not come from this survey. Your saved answers are kept: "
          "open your link again to carry on.")),
    405: ("This page could not be sent", "Use the buttons on the survey's pages."),
    413: ("Too much was sent", ("The page sent more than a survey page can hold; nothing was "
          "saved. Open your link again to carry on.")),
    429: ("Too many requests", ("Too many requests came from your connection in a short time. "
          "Wait a minute and try again; your saved answers are kept.")),
    500: ("Something went wrong", ("The survey server could not save this page. Your earlier "
          "pages are kept: wait a minute, then open your link again.")),
}


def _register_errors(app: Flask) -> None:
    from .views import refused, render

    def page(status):
        heading, text = ERRORS[status]
        return render("survey_message.html", status, page_title=heading, heading=heading,
                      paragraphs=[text], show_support=False)

    for status in ERRORS:
        app.register_error_handler(status, lambda exc, s=status: page(s))
    app.register_error_handler(404, lambda exc: refused())
