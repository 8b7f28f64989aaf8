"""The admin pages: a login (argon2-hashed password) and the live counts of each wave.

Counts come only from :func:`.waves.visible_counts`, the disclosure plan at the wave's threshold
``k``: a team below ``k`` reads "fewer than k", a team's per-form counts are exact only when
both forms reach ``k``, a parent (service line or directorate) is shown only where
:func:`copro_scale.privacy.parent_plan` shows it, and the organisation count leaves out what
the report would. Nothing else
about responses is shown (no scores, no used-link counts: for single links those are the
response counts themselves).
"""

from __future__ import annotations

import time

from flask import Blueprint, redirect, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField

from . import store
from .security import check_password
from .views import _state, client_key, db, render

#: An admin login lasts this long without a new login.
ADMIN_SECONDS = 3600


class LoginForm(FlaskForm):
    password = PasswordField("Admin password")


def _admin() -> bool:
    since = session.get("admin")
    return isinstance(since, (int, float)) and 0 <= time.time() - since < ADMIN_SECONDS


def admin_blueprint(limiter, config) -> Blueprint:
    """``/admin/login``, ``/admin`` (counts) and ``/admin/logout``."""
    bp = Blueprint("admin", __name__, url_prefix="/admin")
    stored_hash = config["COPRO_ADMIN_PASSWORD_HASH"]
    # Password guesses: a few a minute per client address.
    guesses = limiter.limit(config.get("COPRO_LOGIN_LIMIT", "5 per minute; 30 per hour"),
                            key_func=client_key, methods=["POST"])

    @bp.route("/login", methods=["GET", "POST"])
    @guesses
    def login():
        form = LoginForm()
        errors = []
        if request.method == "POST":
            if form.validate() and check_password(stored_hash, form.password.data or ""):
                session.clear()
                session["admin"] = time.time()
                return redirect(url_for("admin.counts"), 303)
            errors = [{"text": "That password is not right.", "anchor": "password"}]
        return render("admin_login.html", 401 if errors else 200, form=form, errors=errors,
                      page_title="Admin login")

    @bp.get("")
    def counts():
        if not _admin():
            return redirect(url_for("admin.login"), 303)
        from .waves import visible_counts

        inst = _state().instrument
        waves = []
        for wave in db().execute(select(store.Wave).order_by(store.Wave.opened_on.desc(),
                                                             store.Wave.id.desc())).scalars():
            shown = visible_counts(db(), wave, inst) if _state().serves(wave) else None
            waves.append({"label": wave.label, "status": wave.status, "k": wave.threshold,
                          "opened": wave.opened_on, "closed": wave.closed_on, "counts": shown})
        return render("admin_counts.html", waves=waves, page_title="Responses so far")

    @bp.post("/logout")
    def logout():
        session.clear()
        return redirect(url_for("admin.login"), 303)

    return bp
