"""The survey's pages: a link, "About you", one page per section, submit once.

Flow. ``GET /s/<token>`` (:data:`.invitations.LINK_PATH`) looks the token up (:func:`.store.invitation_by_token`: one hash, one
indexed look-up, whatever the token). An unknown token, a used one and one whose wave has closed
all get the same page, status and work. A usable one is kept in the signed session cookie and
the browser is sent on to ``/survey``, so the token leaves the address bar and is never in a
later URL, a ``Referer`` or a log line. Each page is a POST with Flask-WTF's CSRF token; its
answers go to the server-side draft (:func:`.store.save_draft`), so a respondent can stop and
come back through the same link (an open link resumes in the same browser, by a random visitor
key in the cookie). The last page's "Send" calls :func:`.store.submit`, which stores the
response and spends a single-use link in one transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..administer.paper import paper_context
from . import store
from .forms import ACTIONS, n_pages
from .invitations import LINK_PATH

#: The page shown for an unknown token, a used one and one whose wave has closed: one page, so
#: that nobody can tell them apart.
REFUSED = ("This link cannot be used", (
    ("The survey this link belongs to may have closed, the answers for this link may already "
    "have been sent (each personal link can be used once), or the link may be incomplete: "
    "check that you copied all of it."),
    "If you think this is wrong, ask your survey lead for a new link. Nobody can see who asked.",
))
REFUSED_STATUS = 404


@dataclass
class Respondent:
    """Who is answering: the invitation, its wave and the key of their draft."""

    invitation: store.Invitation
    wave: store.Wave
    draft_key_hash: str


def _state():
    return current_app.extensions["copro_serve"]


def db():
    """This request's database session (closed when the request ends)."""
    if "db" not in g:
        g.db = _state().sessions()
    return g.db


def usable(inv: store.Invitation | None) -> bool:
    """Whether an invitation may be answered now (its wave open, a single link unused)."""
    return (inv is not None and inv.wave.status == "open"
            and not (inv.kind == "single" and inv.used)
            and _state().serves(inv.wave))


def render(template: str, status: int = 200, **ctx):
    inst = _state().instrument
    ctx.setdefault("short_title", inst.short_title)
    ctx.setdefault("form_title", None)
    ctx.setdefault("errors", [])
    return make_response(render_template(template, **ctx), status)


def refused():
    heading, paragraphs = REFUSED
    return render("survey_message.html", REFUSED_STATUS, page_title=heading, heading=heading,
                  paragraphs=paragraphs, show_support=False)


def respondent() -> Respondent | None:
    """The respondent of this session, if their invitation may still be answered."""
    token = session.get("t")
    if not isinstance(token, str):
        return None
    inv = store.invitation_by_token(db(), token)
    if not usable(inv):
        return None
    if inv.kind == "single":
        key = inv.token_hash
    else:
        visitor = session.get("k")
        if not isinstance(visitor, str):
            return None
        key = store.hash_token(visitor)
    return Respondent(inv, inv.wave, key)


def _content(form: str) -> dict:
    """The participant information, support box, labels and sections of ``form``: the paper
    form's content (one source for every rendering of the questionnaire)."""
    cache = _state().content
    if form not in cache:
        cache[form] = paper_context(_state().instrument, [form])
    return cache[form]


def _page_context(r: Respondent, number: int, form_obj, draft, errors) -> dict:
    ctx = _content(r.invitation.form)
    f = ctx["forms"][0]
    last = number == n_pages(_state().instrument) - 1
    common = {"form": form_obj, "number": number, "last": last, "errors": errors,
                  "single": r.invitation.kind == "single", "form_title": f["form_title"]}
    if number == 0:
        return dict(common, page_title="About this questionnaire", survey_title=f["title"],
                    info_title=ctx["info_title"], info=f["info"],
                    support_title=ctx["support_title"], support=ctx["support"],
                    team=r.invitation.team, roles=f["roles"], role_label=ctx["role_label"],
                    months_label=ctx["months_label"])
    section = f["sections"][number - 1]
    answers = (draft.answers if draft is not None else {}) or {}
    start = sum(len(s["statements"]) for s in f["sections"][:number - 1])
    statements = [dict(st, position=start + i + 1, answer=answers.get(st["id"]))
                  for i, st in enumerate(section["statements"])]
    dk = _state().instrument.dont_know.code
    return dict(common, page_title=f"Part {number} of {len(f['sections'])}: {section['title']}",
                section=dict(section, statements=statements), n_sections=len(f["sections"]),
                prompt=f["prompt"], choices=f["choices"], dont_know=f["dont_know"],
                dont_know_code=dk)


def _template(number: int) -> str:
    return "survey_about.html" if number == 0 else "survey_section.html"


def _errors(form_obj, unknown: list[str], action: str | None) -> list[dict]:
    out = []
    if unknown:
        shown = ", ".join(repr(u[:30]) for u in unknown[:5])
        out.append({"text": f"The page sent fields it does not have ({shown}); nothing was "
                            "saved. Reload the page and answer again.", "anchor": None})
    if action not in ACTIONS:
        out.append({"text": "The page was sent without one of its buttons; nothing was saved. "
                            "Use the buttons at the bottom of the page.", "anchor": None})
    for name, errs in form_obj.errors.items():
        if name == "csrf_token":
            continue
        out.extend({"text": e, "anchor": name} for e in errs)
    return out


def _save(r: Respondent, draft, answers: dict, role, months, page: int) -> None:
    store.save_draft(db(), invitation=r.invitation, draft_key_hash=r.draft_key_hash,
                     answers=answers, role=role, months=months, page=page)


def survey_blueprint(limiter, config) -> Blueprint:
    """The respondents' pages, with their rate limits from ``config`` (the app's)."""
    bp = Blueprint("survey", __name__)
    # One budget per invitation across all its pages (a shared scope, not one per page).
    per_invitation = limiter.shared_limit(config["COPRO_INVITATION_LIMIT"], "invitation",
                                          key_func=invitation_key)
    # Failed look-ups only: a client guessing tokens is stopped; a respondent is never counted.
    failed_links = limiter.limit(config["COPRO_FAILED_LINK_LIMIT"], key_func=client_key,
                                 deduct_when=lambda response: response.status_code == REFUSED_STATUS)

    @bp.get(LINK_PATH.format(token="<token>"))  # the links invitations.py writes
    @failed_links
    @per_invitation
    def link(token: str):
        inv = store.invitation_by_token(db(), token[:100])
        if not usable(inv):
            return refused()
        visitor = session.get("k") if session.get("t") == token else None
        session.clear()
        session["t"] = token
        if inv.kind == "open":  # each visitor of an open link has a draft of their own
            session["k"] = visitor or secrets.token_urlsafe(32)
            session.permanent = True  # resume in this browser after it was closed
        return redirect(url_for("survey.resume"), 303)

    @bp.get("/survey")
    @per_invitation
    def resume():
        r = respondent()
        if r is None:
            return refused()
        draft = store.load_draft(db(), r.draft_key_hash)
        return redirect(url_for("survey.page", number=draft.page if draft else 0), 303)

    @bp.route("/survey/<int:number>", methods=["GET", "POST"])
    @per_invitation
    def page(number: int):
        r = respondent()
        if r is None:
            return refused()
        inst, form = _state().instrument, r.invitation.form
        if not 0 <= number < n_pages(inst):
            return redirect(url_for("survey.page", number=0), 303)
        draft = store.load_draft(db(), r.draft_key_hash)
        cls = _state().pages[(form, number)]
        if request.method == "GET":
            data = {}
            if number == 0 and draft is not None:
                data = {"role": draft.role, "months_in_role": draft.months_in_role}
            form_obj = cls(formdata=None, data=data)
            return render(_template(number), **_page_context(r, number, form_obj, draft, []))

        form_obj = cls()
        action = request.form.get("action")
        unknown = form_obj.unknown_fields(request.form)
        valid = form_obj.validate()
        errors = _errors(form_obj, unknown, action)
        if errors or not valid:
            return render(_template(number), 422,
                          **_page_context(r, number, form_obj, draft, errors))

        answers = dict((draft.answers if draft is not None else {}) or {})
        role = draft.role if draft is not None else None
        months = draft.months_in_role if draft is not None else None
        roles = inst.forms[form].roles
        if number == 0:
            role = form_obj.role.data if "role" in form_obj else roles[0]
            months = form_obj.months_in_role.months()
        else:
            for name, field in form_obj._fields.items():
                if name == "csrf_token":
                    continue
                code = field.answer()
                if code is None:
                    answers.pop(name, None)
                else:
                    answers[name] = code
        if role is None and len(roles) == 1:
            role = roles[0]

        last = number == n_pages(inst) - 1
        if action == "submit" and last:
            if role is None:
                # No draft: another browser may have just sent this link (its submit deleted
                # the draft), or "About you" was skipped by typing an address.
                db().expire_all()
                if respondent() is None:
                    session.clear()
                    return refused()
                _save(r, draft, answers, role, months, 0)
                return redirect(url_for("survey.page", number=0), 303)
            try:
                store.submit(db(), draft_key_hash=r.draft_key_hash,
                             invitation_token_hash=r.invitation.token_hash, answers=answers,
                             role=role, months=months)
            except (store.AlreadyUsed, store.WaveClosed, store.UnknownInvitation):
                session.clear()
                return refused()
            session.clear()
            session["done"] = True
            return redirect(url_for("survey.done"), 303)
        if action == "back":
            target = max(number - 1, 0)
        elif action == "save":
            target = number
        else:
            target = min(number + 1, n_pages(inst) - 1)
        try:
            _save(r, draft, answers, role, months, target)
        except (store.AlreadyUsed, store.WaveClosed):  # sent or closed from elsewhere just now
            session.clear()
            return refused()
        if action == "save":
            session["saved"] = r.invitation.kind
            return redirect(url_for("survey.saved"), 303)
        return redirect(url_for("survey.page", number=target), 303)

    @bp.get("/saved")
    def saved():
        open_link = session.get("saved") == "open"
        ctx = _content("psw")
        paragraphs = ["Your answers so far are saved on the survey server (not with your name).",
                      "To carry on, open your link again" + (
                          " in this browser on this device." if open_link else
                          ". You will come back to the page where you stopped.")]
        return render("survey_message.html", page_title="Your answers are saved",
                      heading="Your answers are saved", paragraphs=paragraphs,
                      show_support=True, support_title=ctx["support_title"],
                      support=ctx["support"])

    @bp.get("/done")
    def done():
        ctx = _content("psw")
        if not session.get("done"):
            return refused()
        return render("survey_message.html", page_title="Thank you",
                      heading="Thank you: your answers have been sent",
                      paragraphs=[("Your answers are stored without your name, your link or the "
                                  "time you answered. You can close this page.")],
                      show_support=True, support_title=ctx["support_title"],
                      support=ctx["support"])

    return bp


def client_key() -> str:
    """The rate-limit key of a client: its address (behind a trusted proxy, the address the
    proxy saw; see ``copro serve --trusted-proxy``)."""
    return "client:" + (request.remote_addr or "-")


def invitation_key() -> str:
    """The rate-limit key of an invitation: a hash of its token under a per-process salt (not the
    token, not the database's hash) with the visitor's key (an open link's visitors each count
    on their own), or on a link's first visit the client's address; without a token, the
    client's key."""
    token = request.view_args.get("token") if request.view_args else None
    if token is not None:
        who = request.remote_addr or "-"
    else:
        token, who = session.get("t"), session.get("k")
    if not isinstance(token, str):
        return client_key()
    who = who if isinstance(who, str) else ""
    return "inv:" + store.hash_token(_state().limit_salt + token + "/" + who)
