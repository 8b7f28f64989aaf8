"""The survey store: tables, engines and the one-transaction submit.

Four tables. ``waves`` and ``invitations`` say who may answer; ``drafts`` hold answers saved for
later within one invitation; ``responses`` hold submitted answers and nothing that identifies or
orders them: no token, no time finer than the wave (the wave's dates), no IP address or user
agent, and a random ``uuid4`` primary key. On SQLite the responses table is ``WITHOUT ROWID``, so
rows are stored in the order of their random ids, not in the order they arrived, and every read
here orders by that id. Nothing links an invitation to a response: :func:`submit` flips the
invitation's ``used`` flag and inserts the response in one transaction, and neither row names the
other.

The database is named by a URL: ``sqlite:///copro.db`` (the default) or ``postgresql://...``
(driven by psycopg 3). Tokens are never stored: :func:`hash_token` (SHA-256) is what the
``invitations`` table keeps.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    contains_eager,
    mapped_column,
    relationship,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

from ..errors import CoproError
from . import DEFAULT_URL

FORMS = ("psw", "colleague")
KINDS = ("single", "open")
STATUSES = ("open", "closed")


class AlreadyUsed(CoproError):
    """The single-use invitation was already submitted (or is being submitted right now)."""


class UnknownInvitation(CoproError):
    """No invitation has this token."""


class WaveClosed(CoproError):
    """The invitation's wave is closed: nothing more is accepted."""


def new_token() -> str:
    """A fresh invitation token: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a token or draft key: what the database keeps instead of it.

    >>> hash_token("abc")
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class JSONText(TypeDecorator):
    """A JSON value kept as text (the same on SQLite and PostgreSQL).

    Assign a dict or list (it is serialised with sorted keys) or a JSON string (checked, stored
    as given); reading gives the parsed value.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            json.loads(value)  # refuse text that is not JSON
            return value
        return json.dumps(value, sort_keys=True, separators=(",", ":"))

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


class Base(DeclarativeBase):
    # Named constraints: Alembic's batch mode (SQLite) can only alter constraints it can name.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


def _one_of(column: str, values) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


class Wave(Base):
    """One round of the survey: its label, instrument, team list, threshold and dates."""

    __tablename__ = "waves"
    __table_args__ = (_one_of("status", STATUSES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(100), unique=True)
    instrument_id: Mapped[str] = mapped_column(String(100))
    instrument_version: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(6), default="open")
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The team list as given (team, aliases, headcounts, parent), JSON.
    team_list: Mapped[object] = mapped_column(JSONText)
    #: k: the smallest group whose figures are shown.
    threshold: Mapped[int] = mapped_column(Integer)

    invitations: Mapped[list[Invitation]] = relationship(back_populates="wave")


class Invitation(Base):
    """A link: single-use (one respondent) or open (anyone with the team's link)."""

    __tablename__ = "invitations"
    __table_args__ = (_one_of("form", FORMS), _one_of("kind", KINDS))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    team: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(6), default="single")
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Only for invitations issued from ``--emails`` (``copro wave remind`` needs it).
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)

    wave: Mapped[Wave] = relationship(back_populates="invitations")


class Draft(Base):
    """Answers saved for later. For a single link the key is the token's hash (one draft per
    invitation); for an open link it is a random per-visitor key kept in a cookie."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"),
                                               index=True)
    draft_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[object] = mapped_column(JSONText, default=dict)
    role: Mapped[str | None] = mapped_column(String(100), nullable=True)
    months_in_role: Mapped[int | None] = mapped_column(Integer, nullable=True)
    page: Mapped[int] = mapped_column(Integer, default=0)

    invitation: Mapped[Invitation] = relationship()


class Response(Base):
    """A submitted questionnaire: answers, team, form and role; nothing that identifies or
    orders it."""

    __tablename__ = "responses"
    # SQLite: no hidden rowid counting arrivals; rows are kept in the order of their random ids.
    __table_args__ = (_one_of("form", FORMS), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), index=True)
    team: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(10))
    role: Mapped[str | None] = mapped_column(String(100), nullable=True)
    months_in_role: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: {item_id: code}: 1-5, or 9 for "Don't know"; an unanswered item is absent.
    answers: Mapped[object] = mapped_column(JSONText)


# --------------------------------------------------------------------------------------------
# Engines and sessions


def database_url(url: str | None = None):
    """The SQLAlchemy URL for ``url``: ``postgresql://`` and ``postgres://`` use psycopg 3.

    >>> str(database_url("postgresql://u@h/db"))
    'postgresql+psycopg://u@h/db'
    >>> str(database_url(None))
    'sqlite:///copro.db'
    """
    text = url or DEFAULT_URL
    try:
        parsed = make_url(text)
    except Exception as exc:
        raise CoproError(f"--db {text!r} is not a database URL; give sqlite:///FILE or "
                         "postgresql://USER@HOST/DB") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith(("sqlite", "postgresql")):
        raise CoproError(f"--db {parsed.render_as_string(hide_password=True)!r}: only sqlite:// "
                         "and postgresql:// databases are supported")
    return parsed


def _sqlite_pragmas(dbapi_connection, _record):
    cur = dbapi_connection.cursor()
    # WAL: readers do not block the writer; foreign keys on; deleted drafts overwritten with
    # zeros rather than left in free pages; FULL sync so that a commit survives a power cut.
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "secure_delete=ON", "synchronous=FULL"):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


def engine_for(url: str | None = None, **kwargs) -> Engine:
    """An engine for ``url`` (default :data:`DEFAULT_URL`).

    SQLite gets WAL, foreign keys, a 30 s busy timeout and secure delete; PostgreSQL gets psycopg 3
    and connections checked before use (a restarted server is reconnected to, not failed on).
    """
    parsed = database_url(url)
    # A failed statement's message would otherwise carry its parameters (answers, team, role,
    # token hashes) into the server's log, with the time of the failure.
    kwargs.setdefault("hide_parameters", True)
    if parsed.drivername.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def session_factory(engine_or_url=None) -> sessionmaker[Session]:
    """A :class:`sessionmaker` bound to an engine (or to :func:`engine_for` of a URL)."""
    engine = engine_or_url if isinstance(engine_or_url, Engine) else engine_for(engine_or_url)
    return sessionmaker(engine, expire_on_commit=False)


# --------------------------------------------------------------------------------------------
# Invitations, drafts and submit


def invitation_by_token(session: Session, token: str) -> Invitation | None:
    """The invitation with this token, or None. Unknown, used and valid tokens cost the same:
    one hash and one indexed look-up (with the wave)."""
    h = hash_token(token)
    return session.execute(
        select(Invitation).join(Invitation.wave).options(contains_eager(Invitation.wave))
        .where(Invitation.token_hash == h)
    ).scalar_one_or_none()


def load_draft(session: Session, draft_key_hash: str) -> Draft | None:
    """The saved draft under this key hash, or None."""
    return session.execute(
        select(Draft).where(Draft.draft_key_hash == draft_key_hash)
    ).scalar_one_or_none()


def save_draft(session: Session, *, invitation: Invitation, draft_key_hash: str, answers: dict,
               role: str | None = None, months: int | None = None, page: int = 0) -> Draft:
    """Create or update the draft under ``draft_key_hash`` and commit.

    Two saves of a new draft at once (a double click) both succeed: the one that finds the
    draft made by the other updates it. A single-use link that has been used is refused.

    Raises
    ------
    AlreadyUsed
    """
    for attempt in (1, 2):
        try:
            if invitation.kind == "single":
                # The write comes first, as in submit: it locks the invitation, so a save racing
                # a submit of the same link either lands before it (and is deleted with the
                # draft) or sees the link used, never leaving a draft behind a used link.
                unused = session.execute(
                    update(Invitation)
                    .where(Invitation.id == invitation.id, Invitation.used.is_(False))
                    .values(used=False)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if unused != 1:
                    raise AlreadyUsed("this invitation has already been used")
            draft = load_draft(session, draft_key_hash)
            if draft is None:
                draft = Draft(invitation_id=invitation.id, draft_key_hash=draft_key_hash)
                session.add(draft)
            draft.answers = dict(answers)
            draft.role = role
            draft.months_in_role = months
            draft.page = page
            session.commit()
            return draft
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
        except BaseException:
            session.rollback()
            raise


def submit(session: Session, *, draft_key_hash: str | None, invitation_token_hash: str,
           answers: dict, role: str | None, months: int | None) -> Response:
    """Store one response, in one transaction, and commit.

    For a single-use invitation ``UPDATE invitations SET used = true WHERE token_hash = :h AND
    used = false`` must change exactly one row, else :class:`AlreadyUsed` (so two submits of the
    same link at once store one response). Then the response is inserted and the draft deleted.
    On any failure the transaction is rolled back: no response, the invitation unused, the
    draft kept.

    Raises
    ------
    UnknownInvitation, WaveClosed, AlreadyUsed
    """
    try:
        # The write comes first: it takes the write lock (SQLite) or the row lock (PostgreSQL)
        # before anything is read, so the check and the flip are one step.
        flipped = session.execute(
            update(Invitation)
            .where(Invitation.token_hash == invitation_token_hash, Invitation.kind == "single",
                   Invitation.used.is_(False))
            .values(used=True)
            .execution_options(synchronize_session=False)
        ).rowcount
        invitation = session.execute(
            select(Invitation).where(Invitation.token_hash == invitation_token_hash)
        ).scalar_one_or_none()
        if invitation is None:
            raise UnknownInvitation("this link is not an invitation to the survey")
        session.refresh(invitation)
        # FOR SHARE (PostgreSQL): closing the wave waits for submits under way, and a submit
        # after it sees the wave closed, so no response lands after close rewrote the table.
        wave = session.execute(select(Wave).where(Wave.id == invitation.wave_id)
                               .with_for_update(read=True)).scalar_one()
        if wave.status != "open":
            raise WaveClosed(f"wave {wave.label!r} is closed")
        if invitation.kind == "single" and flipped != 1:
            raise AlreadyUsed("this invitation has already been used")
        response = Response(wave_id=wave.id, team=invitation.team, form=invitation.form,
                            role=role, months_in_role=months, answers=dict(answers))
        session.add(response)
        if draft_key_hash is not None:
            session.execute(delete(Draft).where(Draft.draft_key_hash == draft_key_hash))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return response


# --------------------------------------------------------------------------------------------
# Reading


def wave_by_label(session: Session, label: str) -> Wave:
    """The wave called ``label``; a :class:`CoproError` listing the waves if there is none."""
    wave = session.execute(select(Wave).where(Wave.label == label)).scalar_one_or_none()
    if wave is None:
        known = session.execute(select(Wave.label).order_by(Wave.opened_on, Wave.id)).scalars().all()
        listed = ", ".join(repr(k) for k in known) or "none yet; open one with `copro wave open`"
        raise CoproError(f"no wave {label!r} in the database (waves: {listed})", field="--wave")
    return wave


def wave_counts(session: Session, wave: Wave) -> dict[tuple[str, str], int]:
    """Responses received per (team, form). Raw counts: show them only through the disclosure
    plan (:func:`copro_scale.serve.waves.visible_counts`)."""
    rows = session.execute(
        select(Response.team, Response.form, func.count())
        .where(Response.wave_id == wave.id)
        .group_by(Response.team, Response.form)
        .order_by(Response.team, Response.form)
    ).all()
    return {(team, form): n for team, form, n in rows}


def wave_responses(session: Session, wave: Wave):
    """The wave's responses in the order of their random ids (never in arrival order),
    fetched a thousand at a time."""
    return session.execute(
        select(Response).where(Response.wave_id == wave.id).order_by(Response.id)
        .execution_options(yield_per=1000)
    ).scalars()
