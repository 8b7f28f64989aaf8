"""The survey app through Flask's test client, on SQLite and on PostgreSQL: the form's content,
what is stored, save and resume, refusals, validation, CSRF, headers, limits and logs.

Oracles are independent of the app: the instrument's YAML read here with PyYAML, the answers
the test sent, and byte comparisons of refusal pages.
"""

from __future__ import annotations

import logging
import random
import re
import statistics
import time

import pytest
from markupsafe import escape
from sqlalchemy import select

from copro_scale.serve import app as app_module
from copro_scale.serve import store
from copro_scale.serve.security import CSP

from .server import DONT_KNOW, ITEMS, RAW, SCALE
from .survey_client import CSRF, RADIO, fill, flask_transport, follow

create_app = app_module.create_app  # replaced per test by _dispose_engines' recorder

@pytest.fixture(autouse=True)
def _dispose_engines(monkeypatch):
    """Every app made in a test has its database connections closed after it (PostgreSQL's
    connection limit is shared by the whole test process)."""
    made = []

    def make(*args, **kwargs):
        made.append(app_module.create_app(*args, **kwargs))
        return made[-1]
    monkeypatch.setitem(globals(), "create_app", make)
    yield
    for a in made:
        a.extensions["copro_serve"].engine.dispose()


def _app(url, **config):
    config.setdefault("COPRO_FAILED_LINK_LIMIT", "1000 per minute")
    return create_app(url, SECRET_KEY="test", **config)


@pytest.fixture
def client(opened_wave):
    app = _app(opened_wave.url)
    return app.test_client()


def _responses(url):
    engine = store.engine_for(url)
    with store.session_factory(engine)() as s:
        rows = [(r.team, r.form, r.role, r.months_in_role, dict(r.answers))
                for r in s.execute(select(store.Response)).scalars()]
    engine.dispose()
    return rows


def _random_answers(rng, form):
    codes = SCALE + ([DONT_KNOW] if form == "colleague" else [])
    return {i: rng.choice(codes) for i in ITEMS if rng.random() > 0.15}  # some skipped


def test_pages_carry_the_instruments_content_and_codes(client, opened_wave):
    """About you: the participant information and the support box; then one page per section
    whose radio groups are the item ids of that section (in the YAML's order) with the scoring
    codes as values, and the don't-know code on the colleague form only."""
    from copro_scale import load_instrument
    from copro_scale.administer._layout import SUPPORT_TEXT, participant_information

    req = flask_transport(client)
    sections = {}
    for it in RAW["items"]:
        sections.setdefault(it["construct"], []).append(it["id"])
    for form in ("psw", "colleague"):
        status, path, text = follow(req, "GET", "/s/" + opened_wave.tokens[("Ward A", form)][0])
        assert (status, path) == (200, "/survey/0")
        assert "Looking after yourself" in text and "<script" not in text
        for p in (*SUPPORT_TEXT, *participant_information(load_instrument(), form)):
            assert str(escape(p)) in text, p[:40]
        assert ('name="role"' in text) == (form == "colleague")  # a PSW's role is the form's
        for number, construct in enumerate(("voice", "experience", "identity"), start=1):
            text = req("GET", f"/survey/{number}")[2]
            radios = RADIO.findall(text)
            names = list(dict.fromkeys(n for n, _ in radios))
            assert names == sections[construct]
            want = SCALE + ([DONT_KNOW] if form == "colleague" else [])
            for name in names:
                assert [int(v) for n, v in radios if n == name] == want
            assert ("Don&#39;t know" in text) == (form == "colleague")
            assert text.count("<fieldset") == len(names) and text.count("<legend>") == len(names)
            assert "<script" not in text


def test_answers_are_stored_as_sent_and_nothing_else(client, opened_wave):
    rng = random.Random(7)
    req = flask_transport(client)
    sent = []
    for (team, form), tokens in sorted(opened_wave.tokens.items()):
        for token in tokens:
            answers = _random_answers(rng, form)
            role = "psw" if form == "psw" else rng.choice(["clinical", "manager", "volunteer"])
            months = rng.choice([None, 0, 14, 600])
            assert fill(req, token, answers, role=role, months=months)[:2] == (200, "/done")
            sent.append((team, form, role, months, answers))
    got = _responses(opened_wave.url)
    key = lambda r: (r[0], r[1], r[2], str(r[3]), sorted(r[4].items()))  # noqa: E731
    assert sorted(got, key=key) == sorted(sent, key=key)
    engine = store.engine_for(opened_wave.url)
    with store.session_factory(engine)() as s:
        assert s.execute(select(store.Draft)).first() is None  # deleted on submit
        assert all(i.used for i in s.execute(select(store.Invitation).where(
            store.Invitation.kind == "single")).scalars())
    engine.dispose()


def test_a_used_unknown_or_closed_link_gets_one_answer(opened_wave):
    from copro_scale.serve import waves

    app = _app(opened_wave.url)
    req = flask_transport(app.test_client())
    used = opened_wave.tokens[("Ward A", "psw")][0]
    assert fill(req, used, {"vdm1": 2}, role="psw")[:2] == (200, "/done")
    unknown = store.new_token()
    pages = {name: app.test_client().get(f"/s/{t}", base_url="https://localhost")
             for name, t in (("used", used), ("unknown", unknown), ("short", "abc"))}
    engine = store.engine_for(opened_wave.url)
    with store.session_factory(engine)() as s:
        waves.close_wave(s, opened_wave.label)
    engine.dispose()
    pages["closed"] = app.test_client().get("/s/" + opened_wave.tokens[("Ward A", "psw")][1],
                                            base_url="https://localhost")
    bodies = {(r.status_code, r.get_data()) for r in pages.values()}
    assert len(bodies) == 1 and next(iter(bodies))[0] == 404
    assert b"cannot be used" in next(iter(bodies))[1]
    assert len(_responses(opened_wave.url)) == 1


def test_save_and_resume_within_an_invitation(opened_wave):
    """A single link resumes on any device where it stopped, with the answers given; an open
    link resumes in the same browser only, and another browser starts its own draft."""
    app = _app(opened_wave.url)
    token = opened_wave.tokens[("Ward A", "colleague")][0]
    first = flask_transport(app.test_client())
    answers = {"vdm1": 5, "vdm2": DONT_KNOW, "edm1": 1}
    status, path, text = fill(first, token, answers, role="manager", months=3, submit=False)
    assert "Your answers are saved" in text
    other = flask_transport(app.test_client())  # another device, same link
    status, path, text = follow(other, "GET", "/s/" + token)
    assert path == "/survey/3"  # where the first stopped (the last page, saved)
    text = other("GET", "/survey/1")[2]
    checked = re.findall(r'name="(\w+)" value="(\d+)" checked', text)
    assert sorted(checked) == [("vdm1", "5"), ("vdm2", str(DONT_KNOW))]
    text = other("GET", "/survey/0")[2]
    assert 'value="manager" checked' in text and 'value="3"' in text
    assert _responses(opened_wave.url) == []

    open_token = opened_wave.open_tokens[("Ward B", "colleague")]
    a, b = flask_transport(app.test_client()), flask_transport(app.test_client())
    fill(a, open_token, {"vdm1": 4}, role="clinical", submit=False)
    assert follow(a, "GET", "/s/" + open_token)[1] == "/survey/3"  # same browser: resumes
    assert follow(b, "GET", "/s/" + open_token)[1] == "/survey/0"  # another: a new draft
    assert fill(b, open_token, {"vdm1": 1}, role="manager")[1] == "/done"
    assert fill(a, open_token, {"iid1": 2}, role="clinical")[1] == "/done"  # from page 3
    got = sorted((r[2], r[4]) for r in _responses(opened_wave.url))
    assert got == [("clinical", {"iid1": 2, "vdm1": 4}), ("manager", {"vdm1": 1})]


@pytest.mark.parametrize("bad, message", [
    ({"vdm1": "7"}, "Statement 1: &#39;7&#39; is not one of its answers (1, 2, 3, 4, 5)"),
    ({"vdm2": "abc"}, "Statement 2: &#39;abc&#39; is not one of its answers"),
    ({"vdm1": "9"}, "Statement 1: &#39;9&#39; is not one of its answers"),  # no don't-know on psw
    ({"vdm3": ["1", "2"]}, "Statement 3 was answered 2 times"),
    ({"edm1": "3"}, "fields it does not have (&#39;edm1&#39;)"),  # another page's item
    ({"token": "x"}, "fields it does not have (&#39;token&#39;)"),
    ({"action": "jump"}, "without one of its buttons"),
])
def test_anything_but_the_forms_codes_is_refused_with_a_message(opened_wave, bad, message):
    app = _app(opened_wave.url)
    req = flask_transport(app.test_client())
    token = opened_wave.tokens[("Ward A", "psw")][0]
    fill(req, token, {"vdm1": 4}, role="psw", submit=False)  # a draft: vdm1 = 4
    text = req("GET", "/survey/1")[2]
    data = {"csrf_token": CSRF.search(text).group(1), "action": "next", **bad}
    status, _, text = req("POST", "/survey/1", data)
    assert status == 422 and message in text, text[:2000]
    engine = store.engine_for(opened_wave.url)
    with store.session_factory(engine)() as s:
        draft = s.execute(select(store.Draft)).scalar_one()
        assert draft.answers == {"vdm1": 4} and draft.page == 3  # untouched
    engine.dispose()


def test_about_you_checks_role_and_months(opened_wave):
    app = _app(opened_wave.url)
    req = flask_transport(app.test_client())
    follow(req, "GET", "/s/" + opened_wave.tokens[("Ward A", "colleague")][0])
    csrf = CSRF.search(req("GET", "/survey/0")[2]).group(1)
    for data, message in (({"role": "psw"}, "Choose one of the roles shown."),
                          ({}, "Choose your role."),
                          ({"role": "manager", "months_in_role": "ten"}, "whole number from 0 to 600"),
                          ({"role": "manager", "months_in_role": "601"}, "whole number from 0 to 600")):
        status, _, text = req("POST", "/survey/0", {"csrf_token": csrf, "action": "next", **data})
        assert status == 422 and message in text and "There is a problem" in text
    status, location, _ = req("POST", "/survey/0", {"csrf_token": csrf, "action": "next",
                                                     "role": "manager", "months_in_role": "12"})
    assert (status, location) == (303, "/survey/1")


def test_every_form_needs_its_csrf_token(opened_wave):
    app = _app(opened_wave.url)
    req = flask_transport(app.test_client())
    follow(req, "GET", "/s/" + opened_wave.tokens[("Ward A", "psw")][0])
    for data in ({"action": "next"}, {"action": "next", "csrf_token": "forged"}):
        status, _, text = req("POST", "/survey/0", data)
        assert status == 400 and "could not be sent" in text
    # over HTTPS, Flask-WTF also wants the Referer of this site
    client = app.test_client()
    r = client.get("/s/" + opened_wave.tokens[("Ward A", "psw")][1], base_url="https://localhost")
    r = client.get("/survey/0", base_url="https://localhost")
    csrf = CSRF.search(r.get_data(as_text=True)).group(1)
    r = client.post("/survey/0", base_url="https://localhost", data={"csrf_token": csrf,
                    "action": "next"}, headers={"Referer": "https://evil.example/x"})
    assert r.status_code == 400
    assert _responses(opened_wave.url) == []


def test_headers_cookies_and_no_script(opened_wave):
    app = _app(opened_wave.url)
    client = app.test_client()
    r = client.get("/s/" + opened_wave.tokens[("Ward A", "psw")][0], base_url="https://localhost")
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("__Host-copro=")
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= {p.strip() for p in cookie.split(";")}
    assert "Domain" not in cookie and "Expires" not in cookie  # a single link: browser session
    r = client.get("/survey/0", base_url="https://localhost")
    h = r.headers
    assert h["Content-Security-Policy"] == CSP
    assert "script-src" not in CSP and "default-src 'none'" in CSP and "'unsafe" not in CSP
    assert h["X-Frame-Options"] == "DENY" and h["Cache-Control"] == "no-store"
    assert h["Referrer-Policy"] == "same-origin" and h["X-Content-Type-Options"] == "nosniff"
    assert h["Strict-Transport-Security"] == "max-age=31536000"  # over HTTPS only
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    css = client.get("/static/survey.css", base_url="https://localhost")
    assert css.status_code == 200 and css.headers["Content-Security-Policy"] == CSP


def test_request_bodies_are_bounded(opened_wave):
    app = _app(opened_wave.url)
    req = flask_transport(app.test_client())
    follow(req, "GET", "/s/" + opened_wave.tokens[("Ward A", "psw")][0])
    csrf = CSRF.search(req("GET", "/survey/1")[2]).group(1)
    status, _, text = req("POST", "/survey/1", {"csrf_token": csrf, "action": "next",
                                                "vdm1": "1" * 100_000})
    assert status == 413 and "Too much was sent" in text
    status, _, text = req("POST", "/survey/1", {"csrf_token": csrf, "action": "next",
                                                **{f"f{i}": "1" for i in range(500)}})
    assert status == 422 and "fields it does not have" in text  # small, but not this page's
    assert _responses(opened_wave.url) == []


def test_rate_limits_per_client_and_per_invitation(opened_wave):
    app = create_app(opened_wave.url, SECRET_KEY="test", COPRO_FAILED_LINK_LIMIT="5 per minute",
                     COPRO_INVITATION_LIMIT="8 per minute", COPRO_CLIENT_LIMIT="1000 per minute")
    guesser = app.test_client()
    codes = [guesser.get("/s/" + store.new_token(), base_url="https://localhost").status_code
             for _ in range(7)]
    assert codes == [404] * 5 + [429] * 2
    # another client (address) is not held back by the guesser's failures
    honest = app.test_client()
    honest.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    req = flask_transport(honest)
    token = opened_wave.tokens[("Ward A", "psw")][0]
    assert follow(req, "GET", "/s/" + token)[:2] == (200, "/survey/0")  # 3 requests
    statuses = [req("GET", "/survey/0")[0] for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[-1] == 429
    other_client = app.test_client()  # another invitation, same client address
    other_client.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    other = flask_transport(other_client)
    assert follow(other, "GET", "/s/" + opened_wave.tokens[("Ward A", "psw")][1])[0] == 200
    tight = create_app(opened_wave.url, SECRET_KEY="test", COPRO_CLIENT_LIMIT="4 per minute")
    c = tight.test_client()
    assert [c.get("/healthz").status_code for _ in range(5)] == [200] * 4 + [429]


def test_unknown_and_used_links_take_the_same_time(opened_wave):
    """The same work: the same SQL statements for an unknown, a used and a closed wave's token
    (one indexed look-up with the wave). The same time: over 60 pairs of look-ups in random
    order, the median ratio of a used token's time to an unknown one's is within 0.75-1.33
    (noise on a shared machine is larger than any difference in work)."""
    from sqlalchemy import event

    app = _app(opened_wave.url, COPRO_INVITATION_LIMIT="10000 per minute")
    req = flask_transport(app.test_client())
    used = opened_wave.tokens[("Ward B", "colleague")]
    for t in used:
        fill(req, t, {}, role="manager")
    engine = app.extensions["copro_serve"].engine
    statements = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cur, sql, params, ctx, many: statements.append(sql))
    client = app.test_client()

    def work(token):
        statements.clear()
        r = client.get("/s/" + token, base_url="https://localhost")
        return r.status_code, [" ".join(s.split()) for s in statements]
    assert work(used[0]) == work(store.new_token()) == work("short")
    assert len(work(used[1])[1]) == 1
    rng = random.Random(1)
    ratios = []
    for i in range(60):
        pair = [("used", used[i % len(used)]), ("unknown", store.new_token())]
        rng.shuffle(pair)
        t = {}
        for kind, token in pair:
            t0 = time.perf_counter()
            client.get("/s/" + token, base_url="https://localhost")
            t[kind] = time.perf_counter() - t0
        ratios.append(t["used"] / t["unknown"])
    assert 0.75 < statistics.median(ratios) < 1.33, statistics.median(ratios)


def test_logs_never_contain_tokens(opened_wave, caplog, monkeypatch):
    """Every record logged through a whole survey, refusals, a failing submit and an exception on
    the link page, formatted with its traceback: no token, no link path."""
    from copro_scale.serve import views

    caplog.set_level(logging.DEBUG)
    app = _app(opened_wave.url)
    req = flask_transport(app.test_client())
    tokens = [t for ts in opened_wave.tokens.values() for t in ts]
    tokens += list(opened_wave.open_tokens.values())
    fill(req, tokens[0], {"vdm1": 1}, role="psw")
    fill(req, tokens[0], {"vdm1": 1}, role="psw")  # refused
    real_submit = store.submit

    def failing(session, **kw):
        raise RuntimeError(f"database gone while storing {kw['invitation_token_hash']}")
    monkeypatch.setattr(store, "submit", failing)
    status, _, _ = fill(req, tokens[1], {"vdm1": 1}, role="psw")
    assert status == 500

    def failing_lookup(session, token):
        raise RuntimeError(f"lookup of {token} failed")
    monkeypatch.setattr(store, "invitation_by_token", failing_lookup)
    assert req("GET", "/s/" + tokens[2])[0] == 500
    monkeypatch.setattr(store, "submit", real_submit)
    assert views.store is store
    text = "\n".join(logging.Formatter().format(r) for r in caplog.records)
    assert "RuntimeError" in text  # the failures were logged ...
    from copro_scale.serve.security import RedactingFormatter

    redacted = "\n".join(RedactingFormatter().format(r) for r in caplog.records)
    for t in tokens:
        assert t not in redacted  # ... and what `copro serve` writes carries no token
    assert "/s/" not in redacted
    # the app's own lines name endpoints, never paths
    assert all("/s/" not in r.getMessage() for r in caplog.records if r.name == app.logger.name)


def test_copro_serve_refuses_what_it_cannot_serve(tmp_path, capsys):
    from copro_scale.cli import main

    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    assert main(["serve", "--db", empty]) == 2
    assert "has no survey tables; run `copro db upgrade --db" in capsys.readouterr().err
    bad = tmp_path / "admin.hash"
    bad.write_text("plain-text-password\n")
    assert main(["serve", "--db", empty, "--admin-password-file", str(bad)]) == 2
    assert "'--admin-password-file': must hold an argon2 hash" in capsys.readouterr().err
