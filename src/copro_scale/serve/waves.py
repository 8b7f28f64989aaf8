"""Waves: open one (with its invitations), remind the unused invitations, close it.

A wave keeps the team list it was opened with (the CSV's rows as given, read back with the
same reader as ``--teams``), the instrument's name and version and the threshold ``k``. Counts
while it is open are shown only through the disclosure plan (:func:`visible_counts`).
Closing a wave deletes its unsubmitted drafts and its email addresses and rewrites the
responses so that their storage keeps no trace of the order they arrived in
(:func:`forget_arrival_order`).
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, select, text, update

from ..errors import CoproError
from ..instrument import Instrument, load_instrument
from ..privacy import check_threshold, disclosure_plan, parent_plan
from ..responses.teams import TeamList, read_team_list
from . import invitations as inv
from .store import Draft, Invitation, Wave, hash_token, wave_by_label, wave_counts

#: How a wave's links are issued.
HOW = ("headcounts", "emails", "open")


def _raw_rows(path) -> dict:
    """The team list file's header and rows as given (read_team_list has checked them)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh)]
    return {"source": Path(path).name, "columns": rows[0], "rows": rows[1:]}


def team_list_of(wave: Wave) -> TeamList:
    """The wave's team list, read back with the ``--teams`` reader (aliases, headcounts, parents)."""
    stored = wave.team_list
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (stored.get("source") or "teams.csv")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([stored["columns"], *stored["rows"]])
        teams = read_team_list(path)
    return teams


def instrument_for(wave: Wave, instrument: Instrument | str | Path | None = None) -> Instrument:
    """The instrument a wave was opened with: ``instrument`` (a path or object) or the packaged
    one, checked against the wave's name and version."""
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    if (inst.name, inst.version) != (wave.instrument_id, wave.instrument_version):
        raise CoproError(f"wave {wave.label!r} was opened with instrument {wave.instrument_id} "
                         f"v{wave.instrument_version}, not {inst.name} v{inst.version}; give "
                         "that instrument's file with --instrument", field="--instrument")
    return inst


def open_wave(session, label: str, *, teams, how: str = "headcounts", staff=None,
              instrument: Instrument | str | Path | None = None, min_responses: int | None = None,
              today: date | None = None) -> tuple[Wave, list[inv.Issued]]:
    """Add a wave and issue its links; the caller commits (after saving the links).

    Parameters
    ----------
    teams : path
        The team list CSV (as ``--teams`` takes it: team, aliases, headcounts, parent).
    how : {"headcounts", "emails", "open"}
        One single-use link per expected respondent from the headcounts, one per person of
        ``staff`` (a CSV with email, team and form), or one open link per team and form.
    min_responses : int, optional
        The threshold ``k`` (default the instrument's; it can only be raised).

    Returns
    -------
    (Wave, list of Issued)
        The links with their tokens, which exist nowhere else.
    """
    label = (label or "").strip()
    if not label or len(label) > 100:
        raise CoproError("a wave needs a label of 1 to 100 characters (for example 2026-spring)",
                         field="LABEL")
    if how not in HOW:
        raise ValueError(f"how must be one of {HOW}")
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    k = check_threshold(inst, min_responses, field="--min-responses")
    team_list = read_team_list(teams)
    staff_rows = inv.read_staff(staff, team_list) if how == "emails" else None
    known = session.execute(select(Wave).where(Wave.label == label)).scalar_one_or_none()
    if known is not None:
        raise CoproError(f"wave {label!r} already exists ({known.status}, opened on "
                         f"{known.opened_on:%Y-%m-%d}); choose another label", field="LABEL")
    wave = Wave(label=label, instrument_id=inst.name, instrument_version=inst.version,
                status="open", opened_on=today or date.today(), closed_on=None,
                team_list=_raw_rows(teams), threshold=k)
    session.add(wave)
    session.flush()
    if how == "headcounts":
        issued = inv.from_headcounts(session, wave, team_list)
    elif how == "emails":
        issued = inv.from_staff(session, wave, team_list, staff_rows)
    else:
        issued = inv.open_links(session, wave, team_list)
    if not issued:
        raise CoproError("no links to issue: every headcount in the team list is 0",
                         file=team_list.source)
    session.flush()
    return wave, issued


def open_wave_to_file(session, label: str, out, base_url: str, **kwargs) -> tuple[Wave, list[inv.Issued]]:
    """:func:`open_wave`, then write ``out`` (invitations.csv) and commit: both or neither."""
    return _issue_to_file(session, out, base_url, lambda: open_wave(session, label, **kwargs))


def invite_to_file(session, label: str, out, base_url: str, **kwargs) -> tuple[Wave, list[inv.Issued]]:
    """:func:`invite`, then write ``out`` and commit: both or neither."""
    return _issue_to_file(session, out, base_url, lambda: invite(session, label, **kwargs))


def _issue_to_file(session, out, base_url: str, issue):
    out = Path(out)
    inv.check_base_url(base_url)
    if out.exists():
        raise CoproError("already exists; links of another wave would be lost: give another "
                         "path with -o, or move that file away", file=out)
    try:
        wave, issued = issue()
        inv.write_invitations(out, issued, base_url)
        try:
            session.commit()
        except BaseException:
            out.unlink(missing_ok=True)
            raise
    except BaseException:
        session.rollback()
        raise
    return wave, issued


def invite(session, label: str, *, staff) -> tuple[Wave, list[inv.Issued]]:
    """Add single-use links for the people of ``staff`` (email, team, form) to an open wave;
    the caller commits. An address the wave has already invited is refused."""
    wave = wave_by_label(session, label)
    if wave.status != "open":
        raise CoproError(f"wave {label!r} is closed; open a new wave to invite more people",
                         field="LABEL")
    rows = inv.read_staff(staff, team_list_of(wave))
    known = {e.lower() for e in session.execute(
        select(Invitation.email).where(Invitation.wave_id == wave.id,
                                       Invitation.email.is_not(None))).scalars()}
    again = [email for email, _, _ in rows if email.lower() in known]
    if again:
        raise CoproError(f"{again[0]!r} ({len(again)} address(es) in all) already has a link in "
                         f"wave {label!r}; `copro wave remind` sends it again", file=staff,
                         column="email")
    issued = inv.from_staff(session, wave, team_list_of(wave), rows)
    session.flush()
    return wave, issued


def wave_list(session) -> list[dict]:
    """Every wave, oldest first: label, status, dates, threshold and its links by kind."""
    from sqlalchemy import func

    links = dict(session.execute(
        select(Invitation.wave_id, func.count()).group_by(Invitation.wave_id)).all())
    return [{"label": w.label, "status": w.status, "opened_on": w.opened_on,
             "closed_on": w.closed_on, "threshold": w.threshold, "links": links.get(w.id, 0)}
            for w in session.execute(select(Wave).order_by(Wave.opened_on, Wave.id)).scalars()]


def unused_with_email(session, wave: Wave, rows: list[dict]) -> tuple[list[tuple[str, str]], int]:
    """Who a reminder goes to: (email, link) of each unused single invitation with an address
    whose link is in ``rows`` (the invitations.csv), and how many such invitations have no link
    there."""
    waiting = {i.token_hash: i for i in session.execute(
        select(Invitation).where(Invitation.wave_id == wave.id, Invitation.kind == "single",
                                 Invitation.used.is_(False), Invitation.email.is_not(None))
    ).scalars()}
    out, found = [], set()
    for row in rows:
        link = (row.get("link") or "").strip()
        h = hash_token(inv.token_of(link)) if link else None
        if h in waiting and h not in found:
            found.add(h)
            out.append((waiting[h].email, link))
    return out, len(waiting) - len(found)


def close_wave(session, label: str, *, today: date | None = None) -> Wave:
    """Close the wave: no more answers; drafts and email addresses deleted; arrival order
    forgotten. Commits."""
    try:
        wave = wave_by_label(session, label)
        if wave.status == "closed":
            raise CoproError(f"wave {label!r} was already closed on {wave.closed_on:%Y-%m-%d}",
                             field="LABEL")
        wave.status = "closed"
        wave.closed_on = today or date.today()
        ids = select(Invitation.id).where(Invitation.wave_id == wave.id)
        session.execute(delete(Draft).where(Draft.invitation_id.in_(ids))
                        .execution_options(synchronize_session=False))
        session.execute(update(Invitation).where(Invitation.wave_id == wave.id).values(email=None)
                        .execution_options(synchronize_session=False))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    forget_arrival_order(session.get_bind(), wave.id)
    return wave


def forget_arrival_order(engine, wave_id: int) -> None:
    """Rewrite the stored responses so that nothing in the database file shows their order.

    PostgreSQL keeps rows in the heap in arrival order and stamps each with the id of the
    transaction that wrote it (``xmin``), which a response shares with the invitation whose used
    flag it set: one UPDATE gives all of the wave's responses and invitations the same
    transaction, and CLUSTER rewrites the responses in the order of their random ids. SQLite keeps
    the responses ordered by id already (WITHOUT ROWID); VACUUM rebuilds the file, so that free
    pages and the write-ahead log hold no earlier state.
    """
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("UPDATE responses SET id = id WHERE wave_id = :w"), {"w": wave_id})
            # the used flags were set by the transactions that stored the responses: the same
            # rewrite leaves no trace of when each link was used
            conn.execute(text("UPDATE invitations SET used = used WHERE wave_id = :w"),
                         {"w": wave_id})
            conn.execute(text("CLUSTER responses USING pk_responses"))
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


@dataclass(frozen=True)
class Counts:
    """Response counts as they may be shown: each text is a number, "fewer than k", a bound
    ("at least n") or "not shown".

    Attributes
    ----------
    teams : list of dict
        ``team``, ``parent`` (its path, or None), ``total`` (text), ``psw`` and ``colleague``
        (:meth:`~copro_scale.privacy.DisclosurePlan.form_counts`: exact only when both forms
        reach k; None for a team below k).
    parents : list of dict
        One per service line or directorate of the team list's ``parent`` column, outermost
        first: ``parent`` (the path), ``name``, ``depth``, ``total`` (text: the count where
        :func:`~copro_scale.privacy.parent_plan` shows the parent, else "not shown").
    organisation : str
        Responses the organisation figures will pool (text): exact, or "at least" the visible
        teams' count when the hidden teams it includes hold 1 to k-1 (a raised threshold).
    notes : tuple of str
        What is withheld and why (the disclosure plan's notes).
    """

    teams: list
    organisation: str
    notes: tuple
    parents: list = ()


def live_counts(counts: pd.DataFrame, team_parents: dict, k: int,
                instrument: Instrument | None = None) -> Counts:
    """Counts per team, parent and organisation as the disclosure plan lets them be shown.

    Parameters
    ----------
    counts : DataFrame
        ``team, n_psw, n_colleague``: responses so far.
    team_parents : dict
        Team -> parent path (``"Directorate > Service"``); teams without one are left out.
    k : int
        The wave's threshold.

    Every exact count is a figure of the plan (:func:`~copro_scale.privacy.disclosure_plan`,
    :func:`~copro_scale.privacy.parent_plan`): a visible team's total, both forms of a team
    whose forms reach k, a parent whose respondents not inside shown teams or sub-parents are
    none or at least k, and the organisation's pool. Their sets nest, so no sum or difference
    of them is a group of 1 to k-1 respondents.

    Examples
    --------
    >>> c = pd.DataFrame({"team": ["A", "B", "C"], "n_psw": [4, 1, 2], "n_colleague": [6, 1, 2]})
    >>> shown = live_counts(c, {"A": "Acute", "B": "Acute", "C": "Acute > Rehab"}, 5)
    >>> [t["total"] for t in shown.teams], [p["total"] for p in shown.parents]
    (['10', 'fewer than 5', 'fewer than 5'], ['16', 'not shown'])
    >>> shown.organisation
    '16'
    """
    plan = disclosure_plan(counts, k, instrument=instrument)
    few = f"fewer than {plan.min_responses}"
    rows = []
    for r in plan.teams.itertuples(index=False):
        forms = plan.form_counts(r.team)
        path = team_parents.get(r.team)
        rows.append({"team": r.team, "parent": path if isinstance(path, str) else None,
                     "total": plan.count_text(int(r.n)) if r.visible else few,
                     "psw": forms["psw"], "colleague": forms["colleague"]})
    parents = parent_plan(plan, {t: p for t, p in team_parents.items() if isinstance(p, str)})
    parent_rows = [{"parent": p.parent, "name": p.name, "depth": int(p.depth),
                    # a withheld parent's count, even as "fewer than k", would bound its teams
                    "total": str(int(p.n)) if p.visible else "not shown"}
                   for p in parents.itertuples(index=False)]
    org = plan.organisation_count()
    if isinstance(org, int):  # 0 or >= k: exact counts of visible and pooled hidden teams
        organisation = str(org) if org >= plan.min_responses else few
    else:
        organisation = org if org != "at least 0" else few
    return Counts(rows, organisation, plan.notes, parent_rows)


def visible_counts(session, wave: Wave, instrument: Instrument | None = None) -> Counts:
    """The wave's response counts through the disclosure plan (threshold ``wave.threshold``).

    The one place where live counts are read for showing (:func:`live_counts`): a team below k
    reads "fewer than k", its per-form counts are exact only when both forms reach k, a parent
    (the team list's ``parent`` column) is shown only where the plan allows, and the
    organisation count leaves out what the report would leave out.
    """
    inst = instrument_for(wave, instrument)
    raw = wave_counts(session, wave)
    heads = team_list_of(wave).headcounts
    names = heads["team"].tolist()
    names += sorted({t for t, _ in raw} - set(names))
    frame = pd.DataFrame({"team": names,
                          "n_psw": [raw.get((t, "psw"), 0) for t in names],
                          "n_colleague": [raw.get((t, "colleague"), 0) for t in names]})
    parents = {t: p for t, p in zip(heads["team"], heads["parent"]) if isinstance(p, str)}
    return live_counts(frame, parents, wave.threshold, inst)
