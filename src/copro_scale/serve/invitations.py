"""Invitation links: one-time links (from headcounts or a staff list) and open links.

A link is ``<base URL>/s/<token>``; the token is 32 random bytes (:func:`~.store.new_token`) and
only its SHA-256 is stored. The tokens exist in one place: the ``invitations.csv`` written when
the wave opens (and the mails sent from it). That file is the mail merge; keep it like a
password and delete it when the wave is closed.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..csvsafe import safe_text
from ..errors import CoproError
from ..responses.teams import TeamList
from .store import FORMS, Invitation, Wave, hash_token, new_token

#: Where the app serves every invitation, single or open (``/s/<token>``).
LINK_PATH = "/s/{token}"

#: The columns of invitations.csv.
CSV_COLUMNS = ("team", "form", "kind", "email", "link")

# A pragmatic address check (one @, no spaces, a dot in the domain): the mail server is the
# real judge; this only catches spreadsheet slips before anything is sent.
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")

#: How staff lists may spell the two forms.
_FORM_NAMES = {"psw": "psw", "peer support worker": "psw", "peer": "psw", "colleague": "colleague",
               "colleagues": "colleague", "staff": "colleague"}


@dataclass(frozen=True)
class Issued:
    """One link as issued: the token is here and nowhere in the database."""

    team: str
    form: str
    kind: str
    token: str
    email: str | None = None


def link_for(base_url: str, token: str) -> str:
    """The full link for a token.

    >>> link_for("https://survey.example.org/", "abc")
    'https://survey.example.org/s/abc'
    """
    return base_url.rstrip("/") + LINK_PATH.format(token=token)


def token_of(link: str) -> str:
    """The token at the end of a link (what :func:`link_for` wrote).

    >>> token_of("https://survey.example.org/s/abc")
    'abc'
    """
    return link.rstrip("/").rsplit("/", 1)[-1]


def check_base_url(base_url: str) -> str:
    """``base_url`` if it is an http(s) URL, else a :class:`CoproError`."""
    if not re.match(r"^https?://[^/\s]+", base_url or ""):
        raise CoproError(f"{base_url!r} is not an http:// or https:// address (the address "
                         "respondents open, for example https://survey.example.org)",
                         field="--base-url")
    return base_url


def _add(session, wave: Wave, team: str, form: str, kind: str, email=None) -> Issued:
    token = new_token()
    session.add(Invitation(wave_id=wave.id, token_hash=hash_token(token), team=team, form=form,
                           kind=kind, used=False, email=email))
    return Issued(team, form, kind, token, email)


def from_headcounts(session, wave: Wave, teams: TeamList) -> list[Issued]:
    """One single-use link per expected respondent, from the team list's headcounts."""
    missing = [(t, f) for t, f, n in _headcounts(teams) if n is None]
    if missing:
        team, form = missing[0]
        raise CoproError(f"team {team!r} has no {form} headcount ({len(missing)} missing in all); "
                         "give n_psw_expected and n_colleague_expected for every team, or use "
                         "--emails staff.csv or --open", file=teams.source, column=f"n_{form}_expected")
    return [_add(session, wave, team, form, "single")
            for team, form, n in _headcounts(teams) for _ in range(n)]


def open_links(session, wave: Wave, teams: TeamList) -> list[Issued]:
    """One open link per team and form (a form whose headcount is 0 gets none)."""
    return [_add(session, wave, team, form, "open")
            for team, form, n in _headcounts(teams) if n is None or n > 0]


def from_staff(session, wave: Wave, teams: TeamList, staff: list[tuple[str, str, str]]) -> list[Issued]:
    """One single-use link per (email, team, form) of :func:`read_staff`."""
    return [_add(session, wave, team, form, "single", email) for email, team, form in staff]


def _headcounts(teams: TeamList):
    h = teams.headcounts.set_index("team")
    for team in teams.teams:
        for form in FORMS:
            n = h.at[team, f"n_{form}_expected"]
            yield team, form, (None if n is None or str(n) == "<NA>" else int(n))


def read_staff(path, teams: TeamList) -> list[tuple[str, str, str]]:
    """Read a staff list: ``email``, ``team`` (a name or alias in the team list) and ``form``
    (``psw`` or ``colleague``); returns (email, team, form) rows.

    Raises
    ------
    CoproError
        For a missing column, a malformed or repeated address, an unknown team or form, naming
        file, row and column.
    """
    path = Path(path)
    rows = _rows(path, "staff list")
    if not rows:
        raise CoproError("staff list is empty", file=path, row=1)
    header = [h.strip().lower() for h in rows[0]]
    for col in ("email", "team", "form"):
        if col not in header:
            raise CoproError(f"staff list needs the columns email, team and form; {col!r} is "
                             "missing", file=path, row=1)
    at = {c: header.index(c) for c in ("email", "team", "form")}
    out, seen = [], {}
    for k, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        r = r + [""] * (len(header) - len(r))
        email, team_text, form_text = (r[at[c]].strip() for c in ("email", "team", "form"))
        if not _EMAIL.match(email):
            raise CoproError(f"{email[:80]!r} is not an email address", file=path, row=k,
                             column="email")
        key = email.lower()
        if key in seen:
            raise CoproError(f"{email!r} is listed twice (also row {seen[key]}): one link per "
                             "person", file=path, row=k, column="email")
        seen[key] = k
        team = teams.match(team_text)
        if team is None:
            hint = teams.closest(team_text)
            raise CoproError(f"team {team_text[:80]!r} is not in the team list {teams.source}"
                             + (f" (did you mean {hint!r}?)" if hint else ""),
                             file=path, row=k, column="team")
        form = _FORM_NAMES.get(" ".join(form_text.lower().split()))
        if form is None:
            raise CoproError(f"form {form_text[:40]!r} is neither psw nor colleague", file=path,
                             row=k, column="form")
        out.append((email, team, form))
    if not out:
        raise CoproError("staff list has no one in it", file=path)
    return out


def write_invitations(path, issued: list[Issued], base_url: str) -> Path:
    """Write ``invitations.csv`` (team, form, kind, email, link) whole or not at all, readable
    by its owner only (it holds every link); cells safe against spreadsheet formulas."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".invitations-", suffix=".csv", dir=path.parent)
    except OSError as exc:
        raise CoproError(f"cannot write the links file here ({exc.strerror or exc})",
                         file=path) from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(CSV_COLUMNS)
            for i in issued:
                w.writerow([safe_text(i.team), i.form, i.kind, safe_text(i.email or ""),
                            link_for(base_url, i.token)])
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_invitations(path) -> list[dict]:
    """The rows of an ``invitations.csv`` written by :func:`write_invitations`."""
    rows = _rows(Path(path), "invitations file (the file `copro wave open` wrote)")
    if not rows or "link" not in rows[0]:
        raise CoproError("has no 'link' column: give the invitations.csv that `copro wave open` "
                         "wrote", file=path, row=1)
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def _rows(path: Path, what: str) -> list[list[str]]:
    """A small CSV's rows; a one-line error naming the file if it cannot be read."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return list(csv.reader(fh))
    except FileNotFoundError:
        raise CoproError(f"{what} not found", file=path) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CoproError(f"cannot read the {what} ({type(exc).__name__})", file=path) from None
