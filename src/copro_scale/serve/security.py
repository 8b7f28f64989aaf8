"""What keeps the survey server safe: response headers, cookies, body limits, log redaction and
the admin password.

- **Headers.** A strict Content-Security-Policy (nothing but this server's stylesheet; no script
  at all, no frames, forms post only here), no referrer to other sites, no sniffing, no framing, and no caching
  of any page (answers on a shared computer stay off the disk).
- **Cookies.** The session cookie is signed, ``Secure``, ``HttpOnly``, ``SameSite=Lax`` and named
  with the ``__Host-`` prefix (no other host or path can set or read it).
- **Logs.** :class:`RedactingFormatter` removes invitation tokens (and link paths) from every line
  written, whatever logged it; :func:`log_exception` names the endpoint, not the path.
- **Admin.** The password is kept only as an argon2id hash (:func:`hash_password`).
"""

from __future__ import annotations

import logging
import re

#: Nothing runs, nothing is fetched from elsewhere, nothing frames the page.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")

HEADERS = {
    "Content-Security-Policy": CSP,
    # Same origin only: Flask-WTF's CSRF check over HTTPS needs the Referer of our own pages,
    # and no page carries a token in its address (the link redirects before anything renders).
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cache-Control": "no-store",
}

#: A link path, or anything shaped like a token (``secrets.token_urlsafe(32)``: 43 characters).
_TOKENISH = re.compile(r"/s/[^\s\"'?#]*|(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_-])")


def redact(text: str) -> str:
    """``text`` with link paths and token-shaped strings replaced by ``[redacted]``.

    >>> redact("GET /s/Qm9vbGVhbi1vcGVyYXRvcnMtYXJlLWZ1bi10by13cml0ZQ HTTP/1.1")
    'GET [redacted] HTTP/1.1'
    >>> redact("token=Qm9vbGVhbi1vcGVyYXRvcnMtYXJlLWZ1bi10by13cml0ZQxxx, page 2")
    'token=[redacted], page 2'
    """
    return _TOKENISH.sub("[redacted]", text)


class RedactingFormatter(logging.Formatter):
    """A formatter whose lines (message, arguments and traceback) never carry a token."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: int = logging.INFO) -> None:
    """Send every logger's records to stderr through :class:`RedactingFormatter`."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level)


def set_headers(response):
    """``after_request``: the security headers on every response (and HSTS over HTTPS)."""
    from flask import request

    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def hash_password(password: str) -> str:
    """An argon2id hash of an admin password (argon2-cffi's defaults, RFC 9106's low-memory
    profile), for ``copro serve --admin-password-file``.

    >>> hash_password("correct horse").startswith("$argon2id$")
    True
    """
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches the argon2 ``stored_hash`` (constant time in the password).

    >>> check_password(hash_password("a"), "a"), check_password(hash_password("a"), "b")
    (True, False)
    """
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return PasswordHasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False
