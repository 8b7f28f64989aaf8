"""Invitations and reminders by mail, sent to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import csv
import email
import socket
import ssl
import subprocess
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from copro_scale.cli import main
from copro_scale.serve import store
from copro_scale.serve.invitations import token_of
from copro_scale.serve.store import engine_for, hash_token, session_factory

TEAMS = "team,aliases,n_psw_expected,n_colleague_expected\nWard A,WA,1,2\nWard B,,1,1\n"
STAFF = ("email,team,form\nann@example.org,WA,psw\nbob@example.org,Ward A,colleague\n"
         "cat@example.org,Ward A,colleague\ndan@example.org,Ward B,psw\n")


class Inbox:
    """Collects what the server accepts; refuses the addresses in ``refuse``."""

    def __init__(self, refuse=()):
        self.messages, self.refuse = [], set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos[:], msg))
        return "250 Message accepted for delivery"

    def links(self) -> dict:
        """recipient -> the link in their mail."""
        out = {}
        for rcpts, msg in self.messages:
            body = msg.get_body(("plain",)).get_content()
            (link,) = [w for w in body.split() if w.startswith("https://")]
            for r in rcpts:
                assert r not in out, f"{r} got two mails"
                out[r] = link
        return out


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """``smtp_server(refuse=(), **smtp_kwargs)`` -> (Inbox, port): a running aiosmtpd server."""
    running = []

    def start(refuse=(), **kwargs):
        inbox = Inbox(refuse)
        controller = Controller(inbox, hostname="127.0.0.1", port=_port(), **kwargs)
        controller.start()
        running.append(controller)
        return inbox, controller.port

    yield start
    for c in running:
        c.stop()


@pytest.fixture
def files(tmp_path):
    (tmp_path / "teams.csv").write_text(TEAMS, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    return tmp_path


def _open(db_url, files, smtp, *extra):
    return main(["wave", "open", "w1", "--db", db_url, "--teams", str(files / "teams.csv"),
                 "--emails", str(files / "staff.csv"), "--base-url", "https://survey.example.org",
                 "-o", str(files / "inv.csv"), "--smtp", smtp, "--mail-from", "survey@example.org",
                 *extra])


def _csv_links(path) -> dict:
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["email"]: r["link"] for r in csv.DictReader(fh)}


def test_each_person_gets_their_own_link_once(db_url, files, smtp_server, capsys):
    inbox, port = smtp_server()
    assert _open(db_url, files, f"smtp://127.0.0.1:{port}") == 0
    links = inbox.links()
    assert links == _csv_links(files / "inv.csv")
    assert len(set(links.values())) == 4
    _, msg = inbox.messages[0]
    assert msg["From"] == "survey@example.org" and msg["Subject"].startswith("Invitation: ")
    err = capsys.readouterr().err
    assert "sent 4 mail(s)" in err and not any(token_of(v) in err for v in links.values())


def test_reminders_go_to_unused_invitations_only(db_url, files, smtp_server, capsys):
    inbox, port = smtp_server()
    assert _open(db_url, files, f"smtp://127.0.0.1:{port}") == 0
    links = _csv_links(files / "inv.csv")
    engine = engine_for(db_url)
    with session_factory(engine)() as s:  # ann and dan answer
        for who in ("ann@example.org", "dan@example.org"):
            store.submit(s, draft_key_hash=None, invitation_token_hash=hash_token(token_of(links[who])),
                         answers={"vdm1": 3}, role=None, months=None)
    engine.dispose()
    inbox.messages.clear()
    remind = ["wave", "remind", "w1", "--db", db_url, "--invitations", str(files / "inv.csv"),
              "--smtp", f"smtp://127.0.0.1:{port}", "--mail-from", "survey@example.org"]
    assert main([*remind, "--dry-run"]) == 0
    assert "would send 2 reminder(s)" in capsys.readouterr().err and inbox.messages == []
    assert main(remind) == 0
    assert inbox.links() == {w: links[w] for w in ("bob@example.org", "cat@example.org")}
    assert "reminder" in inbox.messages[0][1].get_body(("plain",)).get_content()
    assert main(["wave", "close", "w1", "--db", db_url]) == 0
    assert main(remind) == 2
    assert "wave 'w1' is closed; there is no one to remind" in capsys.readouterr().err


def test_a_refused_address_is_reported_and_the_rest_are_sent(db_url, files, smtp_server, capsys):
    inbox, port = smtp_server(refuse={"cat@example.org"})
    assert _open(db_url, files, f"smtp://127.0.0.1:{port}") == 2
    err = capsys.readouterr().err
    assert "refused 1 address(es), first 'cat@example.org'" in err
    assert set(inbox.links()) == {"ann@example.org", "bob@example.org", "dan@example.org"}
    assert (files / "inv.csv").exists()  # the wave is open and its links kept: remind resends


def test_mail_settings_mistakes_are_one_line_errors(db_url, files, capsys):
    port = _port()  # nothing listens here
    assert _open(db_url, files, f"smtp://127.0.0.1:{port}") == 2
    assert f"cannot reach the mail server 127.0.0.1:{port}" in capsys.readouterr().err
    assert not (files / "inv.csv").exists()  # checked before the wave is opened
    assert main(["wave", "status", "w1", "--db", db_url]) == 2
    assert "no wave 'w1'" in capsys.readouterr().err
    assert main(["wave", "open", "w2", "--db", db_url, "--teams", str(files / "teams.csv"),
                 "--base-url", "https://s.example.org", "--smtp", "smtp://h"]) == 2
    assert "--smtp sends to the addresses of --emails" in capsys.readouterr().err
    assert _open(db_url, files, "http://127.0.0.1") == 2
    assert "is not an SMTP URL" in capsys.readouterr().err


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, trusted through $SSL_CERT_FILE."""
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


def test_starttls_and_login(db_url, files, smtp_server, tls_files, monkeypatch, capsys):
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"survey", b"s3cret")
        return AuthResult(success=ok, handled=False)  # the server answers 535 itself

    inbox, port = smtp_server(tls_context=context, require_starttls=True, authenticator=authenticate,
                              auth_required=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.setenv("COPRO_SMTP_PASSWORD", "wrong")
    assert _open(db_url, files, f"smtp+starttls://survey@127.0.0.1:{port}") == 2
    assert "refused the login of 'survey'" in capsys.readouterr().err
    assert not (files / "inv.csv").exists()
    monkeypatch.setenv("COPRO_SMTP_PASSWORD", "s3cret")
    assert _open(db_url, files, f"smtp+starttls://survey@127.0.0.1:{port}") == 0
    assert inbox.links() == _csv_links(files / "inv.csv")


def test_reminders_reach_people_invited_later_from_every_links_file(db_url, files, smtp_server):
    inbox, port = smtp_server()
    smtp = ["--smtp", f"smtp://127.0.0.1:{port}", "--mail-from", "survey@example.org"]
    assert _open(db_url, files, smtp[1]) == 0
    (files / "more.csv").write_text("email,team,form\neve@example.org,Ward B,colleague\n")
    assert main(["wave", "invite", "w1", "--db", db_url, "--emails", str(files / "more.csv"),
                 "--base-url", "https://survey.example.org", "-o", str(files / "more-inv.csv"),
                 *smtp]) == 0
    assert set(inbox.links()) == {"ann@example.org", "bob@example.org", "cat@example.org",
                                  "dan@example.org", "eve@example.org"}
    inbox.messages.clear()
    assert main(["wave", "remind", "w1", "--db", db_url, "--invitations", str(files / "inv.csv"),
                 "--invitations", str(files / "more-inv.csv"), *smtp]) == 0
    links = {**_csv_links(files / "inv.csv"), **_csv_links(files / "more-inv.csv")}
    assert inbox.links() == links
