"""Sending invitation links by SMTP (``--smtp URL``), with the standard library's smtplib.

URLs: ``smtp://[user[:password]@]host[:port]`` (port 25; STARTTLS when the server offers it),
``smtp+starttls://...`` (port 587; STARTTLS required) and ``smtps://...`` (port 465; TLS from
the first byte). A password can come from ``$COPRO_SMTP_PASSWORD`` instead of the URL, to keep
it out of the shell's history. Nothing is logged that holds a link.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from ..errors import CoproError

_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

#: The invitation text; {link} and {title} are filled in. ``--message FILE`` replaces it.
DEFAULT_MESSAGE = """\
Hello,

You are invited to take part in an anonymous survey: {title}.

Your personal link:
{link}

The link is for you only and takes one response. You can save your answers and come back
to them with the same link. Your answers are stored without your name, your email address
or this link, and your team's results are shown only when enough people have answered.
The first page of the survey says more.

Thank you.
"""

DEFAULT_REMINDER = """\
Hello,

A reminder: you are invited to take part in an anonymous survey: {title}.
If you have already answered, thank you, and please ignore this message.

Your personal link:
{link}

The link is for you only and takes one response; answers you saved are still there.
"""


@dataclass(frozen=True)
class SMTPServer:
    """Where to send: host, port, TLS mode (``plain``, ``starttls`` or ``tls``) and login."""

    host: str
    port: int
    mode: str
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SMTPServer:
        """Parse ``--smtp URL``.

        >>> SMTPServer.from_url("smtp+starttls://me%40x.org:pw@mail.x.org")
        SMTPServer(host='mail.x.org', port=587, mode='starttls', user='me@x.org', password='pw')
        """
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise CoproError(f"{_hide(url)!r} is not an SMTP URL; give smtp://host[:port], "
                             "smtp+starttls://user@host or smtps://user@host", field="--smtp")
        try:
            port = parts.port or _DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise CoproError(f"{_hide(url)!r} has a port that is not a number", field="--smtp") from None
        mode = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}[parts.scheme]
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else os.environ.get("COPRO_SMTP_PASSWORD")
        return cls(parts.hostname, port, mode, user, password)


def _hide(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(":" + parts.password + "@", ":***@", 1)
    return url


def message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text mail."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid()
    msg.set_content(body)
    return msg


def connect(server: SMTPServer, *, timeout: float = 30.0) -> smtplib.SMTP:
    """A connection, with TLS and login done: a :class:`CoproError` if the server cannot be
    reached or refuses the login (check this before anything is opened or written)."""
    where = f"{server.host}:{server.port}"
    try:
        if server.mode == "tls":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise CoproError(f"cannot reach the mail server {where} ({type(exc).__name__}: {exc})",
                         field="--smtp") from None
    try:
        smtp.ehlo()
        if server.mode == "starttls" or (server.mode == "plain" and smtp.has_extn("starttls")):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if server.user:
            smtp.login(server.user, server.password or "")
    except smtplib.SMTPAuthenticationError:
        smtp.close()
        raise CoproError(f"the mail server {where} refused the login of {server.user!r}",
                         field="--smtp") from None
    except (OSError, smtplib.SMTPException) as exc:
        smtp.close()
        raise CoproError(f"the mail server {where} failed before sending "
                         f"({type(exc).__name__}: {exc})", field="--smtp") from None
    return smtp


def send_all(smtp: smtplib.SMTP, messages) -> tuple[int, list[str]]:
    """Send ``messages`` over a :func:`connect` connection and close it; returns (sent,
    addresses refused). A refused recipient is listed and the rest are still sent."""
    sent, refused = 0, []
    with smtp:
        for msg in messages:
            try:
                smtp.send_message(msg)
                sent += 1
            except smtplib.SMTPSenderRefused:
                raise CoproError(f"the mail server refused the sender {msg['From']!r}",
                                 field="--mail-from") from None
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                refused.append(msg["To"])
    return sent, refused


def read_message(path) -> str:
    """A message template from a file; it must hold ``{link}``."""
    from pathlib import Path

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CoproError(f"cannot read the message ({type(exc).__name__})", file=path) from None
    if "{link}" not in text:
        raise CoproError("the message has no {link} where the personal link goes", file=path)
    return text


def fill(template: str, **values) -> str:
    """The template with ``{link}`` and ``{title}`` filled in (other braces left as written).

    >>> fill("Go to {link} {x}", link="L", title="T")
    'Go to L {x}'
    """
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template
