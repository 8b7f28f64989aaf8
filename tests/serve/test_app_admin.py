"""The admin pages: off without a password hash; an argon2-hashed password with few guesses;
live counts only as the disclosure plan lets them be shown (hand-counted expectations)."""

from __future__ import annotations

import re

import pytest

from copro_scale.serve import app as app_module
from copro_scale.serve.security import hash_password

from .survey_client import CSRF, fill, flask_transport, follow


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

PASSWORD = "a long admin password"


def _rows(text):
    """Team -> (total, psw, colleague) as the page shows them."""
    return {m[0]: m[1:] for m in re.findall(
        r'<tr><th scope="row">([^<]+)</th><td class="n">([^<]+)</td><td class="n">([^<]+)</td>'
        r'<td class="n">([^<]+)</td></tr>', text)}


def test_no_admin_pages_without_a_password_hash(opened_wave):
    client = create_app(opened_wave.url, SECRET_KEY="t").test_client()
    assert client.get("/admin", base_url="https://localhost").status_code == 404
    assert client.get("/admin/login", base_url="https://localhost").status_code == 404


def test_admin_login_and_counts_through_the_disclosure_plan(opened_wave):
    app = create_app(opened_wave.url, SECRET_KEY="t", COPRO_ADMIN_PASSWORD_HASH=hash_password(PASSWORD),
                     COPRO_LOGIN_LIMIT="3 per minute")
    req = flask_transport(app.test_client())
    status, path, text = follow(req, "GET", "/admin")
    assert (status, path) == (200, "/admin/login")
    csrf = CSRF.search(text).group(1)
    assert req("POST", "/admin/login", {"csrf_token": csrf, "password": "guess"})[0] == 401
    assert req("POST", "/admin/login", {"password": PASSWORD})[0] == 400  # no CSRF token
    status, location, _ = req("POST", "/admin/login", {"csrf_token": csrf, "password": PASSWORD})
    assert (status, location) == (303, "/admin")

    # 3 of Ward A's 7 links answered, 0 of Ward B's: both below 5
    respondent = flask_transport(app.test_client())
    for token in opened_wave.tokens[("Ward A", "colleague")][:3]:
        assert fill(respondent, token, {"vdm1": 3}, role="manager")[1] == "/done"
    text = req("GET", "/admin")[2]
    assert _rows(text) == {"Ward A": ("fewer than 5", "not shown", "not shown"),
                           "Ward B": ("fewer than 5", "not shown", "not shown")}
    # all 7 of Ward A (2 PSW, 5 colleagues) and 4 of Ward B (1 PSW, 3 colleagues)
    for (team, form), tokens in opened_wave.tokens.items():
        for token in tokens[3 if (team, form) == ("Ward A", "colleague") else 0:]:
            role = "psw" if form == "psw" else "clinical"
            assert fill(respondent, token, {"vdm1": 4}, role=role)[1] == "/done"
    text = req("GET", "/admin")[2]
    # Ward A: 7 shown, but not exactly per form (2 PSWs < 5: the colleagues' count is bounded
    # by 7 - 4); Ward B: 4 < 5. The organisation count leaves Ward B's 4 out (fewer than 5
    # hidden respondents), so 7, never 11.
    assert _rows(text) == {"Ward A": ("7", "fewer than 5", "at least 3"),
                           "Ward B": ("fewer than 5", "not shown", "not shown")}
    assert re.search(r'Organisation</th><td class="n">7</td>', text)
    assert ">11<" not in text and ">4<" not in text and ">2<" not in text

    # the client address has used 2 of its 3 tries a minute (the POST without a CSRF token never
    # reached the password): one more wrong guess, then refused before any check
    other = flask_transport(app.test_client())
    csrf = CSRF.search(follow(other, "GET", "/admin/login")[2]).group(1)
    codes = [other("POST", "/admin/login", {"csrf_token": csrf, "password": "x"})[0]
             for _ in range(3)]
    assert codes == [401, 429, 429]
    # logging out ends the admin session
    csrf = CSRF.search(req("GET", "/admin")[2]).group(1)
    req("POST", "/admin/logout", {"csrf_token": csrf})
    assert follow(req, "GET", "/admin")[1] == "/admin/login"


def test_admin_counts_show_a_parent_only_where_the_plan_allows(db_url, tmp_path):
    from copro_scale.serve import store, waves

    # Every link answered (k = 5): Ward A 10, Ward B 3, Home D 6. Ward B's 3 are the only
    # hidden respondents (1 to 4): left out of the organisation (16 = A + D), and Acute (13)
    # would give them away as Acute minus Ward A: not shown; Acute > Rehab is Ward B alone.
    (tmp_path / "t.csv").write_text(
        "team,n_psw_expected,n_colleague_expected,parent\n"
        "Ward A,4,6,Acute > Inpatient\nWard B,1,2,Acute > Rehab\nHome D,3,3,Community\n",
        encoding="utf-8")
    engine = store.engine_for(db_url)
    with store.session_factory(engine)() as s:
        _, issued = waves.open_wave(s, "w", teams=tmp_path / "t.csv")
        s.commit()
        for i in issued:
            store.submit(s, draft_key_hash=None, invitation_token_hash=store.hash_token(i.token),
                         answers={}, role=None, months=None)
    engine.dispose()
    app = create_app(db_url, SECRET_KEY="t", COPRO_ADMIN_PASSWORD_HASH=hash_password(PASSWORD))
    req = flask_transport(app.test_client())
    csrf = CSRF.search(follow(req, "GET", "/admin")[2]).group(1)
    assert req("POST", "/admin/login", {"csrf_token": csrf, "password": PASSWORD})[0] == 303
    text = req("GET", "/admin")[2]
    parents = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td class="n">([^<]+)</td></tr>',
                              text))
    assert parents == {"Acute": "not shown", "Acute &gt; Inpatient": "10",
                       "Acute &gt; Rehab": "not shown", "Community": "6"}
    assert re.search(r'Organisation</th><td class="n">16</td>', text)
    assert ">13<" not in text and ">3<" not in text and ">19<" not in text
