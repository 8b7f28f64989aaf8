"""The store on SQLite and PostgreSQL: submit once, nothing partial, nothing that orders or links."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import inspect, select, text

from copro_scale.serve import migrations, store, waves
from copro_scale.serve.store import (
    AlreadyUsed,
    Draft,
    Invitation,
    Response,
    UnknownInvitation,
    WaveClosed,
    engine_for,
    hash_token,
    session_factory,
)

ANSWERS = {"vdm1": 4, "vdm2": 9}


@pytest.fixture
def sessions(opened_wave):
    engine = engine_for(opened_wave.url)
    yield session_factory(engine)
    engine.dispose()


def _submit(session, token, answers=ANSWERS, draft=None):
    return store.submit(session, draft_key_hash=draft, invitation_token_hash=hash_token(token),
                        answers=answers, role="clinical", months=14)


def test_migrations_build_exactly_the_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = engine_for(db_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), store.Base.metadata) == []
    assert migrations.current(engine) == migrations.head()
    assert migrations.upgrade(engine) == (migrations.head(), migrations.head())  # idempotent
    engine.dispose()


def test_a_database_without_the_tables_is_refused_with_the_command_to_run(tmp_path):
    engine = engine_for(f"sqlite:///{tmp_path / 'new.db'}")
    with pytest.raises(store.CoproError, match="copro db upgrade --db sqlite:///"):
        migrations.check_current(engine)


def test_single_link_submits_once(opened_wave, sessions):
    token = opened_wave.tokens[("Ward A", "colleague")][0]
    with sessions() as s:
        inv = store.invitation_by_token(s, token)
        store.save_draft(s, invitation=inv, draft_key_hash=inv.token_hash, answers={"vdm1": 2},
                         page=1)
        response = _submit(s, token, draft=inv.token_hash)
    with sessions() as s:
        assert store.invitation_by_token(s, token).used is True
        assert store.load_draft(s, hash_token(token)) is None  # deleted on submit
        row = s.get(Response, response.id)
        assert (row.team, row.form, row.role, row.months_in_role, row.answers) == (
            "Ward A", "colleague", "clinical", 14, ANSWERS)
        with pytest.raises(AlreadyUsed):
            _submit(s, token)
        assert s.execute(select(Response)).scalars().all() == [row]


def test_the_same_link_submitted_at_once_stores_one_response(opened_wave, sessions):
    token = opened_wave.tokens[("Ward A", "colleague")][1]
    n = 8
    barrier, outcomes = threading.Barrier(n), []

    def attempt():
        with sessions() as s:
            barrier.wait()
            try:
                _submit(s, token)
                outcomes.append("stored")
            except AlreadyUsed:
                outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * (n - 1) + ["stored"]
    with sessions() as s:
        assert len(s.execute(select(Response)).scalars().all()) == 1


def test_a_failed_submit_leaves_nothing_and_the_link_still_works(opened_wave, sessions):
    token = opened_wave.tokens[("Ward B", "psw")][0]
    with sessions() as s:
        inv = store.invitation_by_token(s, token)
        store.save_draft(s, invitation=inv, draft_key_hash=inv.token_hash, answers={"vdm1": 3})
        with pytest.raises(Exception, match="not JSON serializable"):  # fails inside the transaction
            _submit(s, token, answers={"vdm1": object()}, draft=inv.token_hash)
    with sessions() as s:
        assert store.invitation_by_token(s, token).used is False
        assert store.load_draft(s, hash_token(token)).answers == {"vdm1": 3}
        assert s.execute(select(Response)).first() is None
        _submit(s, token, draft=hash_token(token))
        assert len(s.execute(select(Response)).scalars().all()) == 1


def test_open_links_take_many_responses_and_unknown_links_none(opened_wave, sessions):
    token = opened_wave.open_tokens[("Ward B", "colleague")]
    with sessions() as s:
        for _ in range(3):
            _submit(s, token)
        assert store.invitation_by_token(s, token).used is False
        assert store.wave_counts(s, store.wave_by_label(s, opened_wave.label)) == {
            ("Ward B", "colleague"): 3}
        assert store.invitation_by_token(s, "no-such-token") is None
        with pytest.raises(UnknownInvitation):
            _submit(s, "no-such-token")


def test_a_closed_wave_takes_no_answers(opened_wave, sessions):
    token = opened_wave.tokens[("Ward A", "psw")][0]
    with sessions() as s:
        waves.close_wave(s, opened_wave.label)
    with sessions() as s:
        with pytest.raises(WaveClosed):
            _submit(s, token)
        assert store.invitation_by_token(s, token).used is False
        assert s.execute(select(Response)).first() is None


def test_responses_hold_nothing_that_identifies_links_or_orders_them(opened_wave, sessions):
    engine = sessions.kw["bind"]
    columns = {c["name"] for c in inspect(engine).get_columns("responses")}
    assert columns == {"id", "wave_id", "team", "form", "role", "months_in_role", "answers"}
    fks = inspect(engine).get_foreign_keys("responses")
    assert [fk["referred_table"] for fk in fks] == ["waves"]
    tokens = [t for ts in opened_wave.tokens.values() for t in ts]
    with sessions() as s:
        ids = [_submit(s, t).id for t in tokens]
    assert len(set(ids)) == len(ids) and all(len(i) == 32 for i in ids)
    with sessions() as s:
        wave = store.wave_by_label(s, opened_wave.label)
        read = [r.id for r in store.wave_responses(s, wave)]
        assert read == sorted(ids) and read != ids  # the order of the random ids, not arrival
        stored_text = " ".join(str(v) for r in s.execute(text("SELECT * FROM responses")) for v in r)
        assert not any(t in stored_text or hash_token(t) in stored_text for t in tokens)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn, pytest.raises(Exception, match="rowid"):
            conn.execute(text("SELECT rowid FROM responses"))


def test_closing_drops_drafts_and_addresses_and_the_arrival_order(opened_wave, sessions):
    engine = sessions.kw["bind"]
    tokens = [t for ts in opened_wave.tokens.values() for t in ts]
    with sessions() as s:
        for t in tokens[:6]:
            _submit(s, t)
        inv = store.invitation_by_token(s, tokens[6])
        inv.email = "someone@example.org"
        s.commit()
        store.save_draft(s, invitation=inv, draft_key_hash=inv.token_hash, answers={"vdm1": 1})
        waves.close_wave(s, opened_wave.label)
    with sessions() as s:
        assert s.execute(select(Draft)).first() is None
        assert s.execute(select(Invitation.email).where(Invitation.email.is_not(None))).first() is None
        assert len(s.execute(select(Response)).scalars().all()) == 6
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT xmin::text, ctid::text, id FROM responses")).all()
            used = conn.execute(text("SELECT xmin::text FROM invitations WHERE used")).scalars().all()
        assert len({x for x, _, _ in rows}) == 1  # one writing transaction for every row
        assert set(used) == {rows[0][0]}  # nor do the used links say when, or pair with a row
        by_place = [i for _, _, i in sorted(rows, key=lambda r: tuple(map(int, r[1][1:-1].split(","))))]
        assert by_place == sorted(by_place)  # stored in the order of the random ids


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_database_restart_loses_nothing(opened_wave, sessions, db_restart):
    tokens = opened_wave.tokens[("Ward A", "colleague")]
    with sessions() as s:
        _submit(s, tokens[0])
    db_restart()
    with sessions() as s:  # the pool's old connections are checked and replaced
        _submit(s, tokens[1])
        assert len(s.execute(select(Response)).scalars().all()) == 2


def test_two_saves_of_a_new_draft_at_once_both_succeed(opened_wave, sessions):
    token = opened_wave.tokens[("Ward A", "colleague")][2]
    n = 6
    barrier, errors = threading.Barrier(n), []

    def save(k):
        with sessions() as s:
            inv = store.invitation_by_token(s, token)
            barrier.wait()
            try:
                store.save_draft(s, invitation=inv, draft_key_hash=inv.token_hash,
                                 answers={"vdm1": 1 + k % 5}, page=k)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

    threads = [threading.Thread(target=save, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sessions() as s:
        assert len(s.execute(select(Draft)).scalars().all()) == 1


# SQLite's single writer already orders a close after every submit under way.
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_submit_under_way_when_the_wave_closes_lands_before_the_rewrite(opened_wave, sessions):
    from sqlalchemy import event

    engine = sessions.kw["bind"]
    # an open link: its submit changes no invitation row that close would have to wait for
    token = opened_wave.open_tokens[("Ward A", "psw")]
    reached, go = threading.Event(), threading.Event()
    submitting = sessions()

    @event.listens_for(submitting, "before_commit")
    def pause(session):  # the submit has flipped the link and read the wave; hold it there
        reached.set()
        go.wait(30)

    submitter = threading.Thread(target=lambda: _submit(submitting, token))
    submitter.start()
    assert reached.wait(30)
    closer = threading.Thread(target=lambda: waves.close_wave(sessions(), opened_wave.label))
    closer.start()
    closer.join(timeout=1.5)
    assert closer.is_alive()  # close waits for the submit under way
    go.set()
    submitter.join(30)
    closer.join(30)
    assert not closer.is_alive()
    with engine.connect() as conn:
        responses = conn.execute(text("SELECT xmin::text FROM responses")).scalars().all()
        wave = conn.execute(text("SELECT xmin::text FROM waves")).scalar_one()
    # the response was rewritten by the close (a later transaction than the one closing the wave)
    assert len(responses) == 1 and int(responses[0]) > int(wave)


def test_a_save_after_the_link_was_used_leaves_no_draft(opened_wave, sessions):
    token = opened_wave.tokens[("Ward B", "colleague")][0]
    with sessions() as s:
        inv = store.invitation_by_token(s, token)  # a second browser, before the submit
    with sessions() as s:
        _submit(s, token)
    with sessions() as s:
        with pytest.raises(AlreadyUsed):
            store.save_draft(s, invitation=inv, draft_key_hash=inv.token_hash, answers={"vdm1": 2})
        assert s.execute(select(Draft)).first() is None
