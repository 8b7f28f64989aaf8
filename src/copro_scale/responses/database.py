"""Read a wave's responses from the survey database (``--db URL --wave LABEL``).

The reader builds the same raw table as a file reader (one column per item, the respondent's
team, role, form and months in role) and hands it to the shared normalisation step, so the
responses collected by ``copro serve`` are checked, accounted for and scored exactly as an
export would be. Rows are read in the order of their random ids; the team list is the one the
wave was opened with, unless another is given. Earlier closed waves in the same database are
the previous waves (:func:`earlier_waves`).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ..errors import CoproError
from ..instrument import Instrument
from .model import Responses
from .normalise import finish


def _describe(engine, label: str) -> str:
    return f"{engine.url.render_as_string(hide_password=True)} wave {label}"


def read_wave(url, label: str, instrument: Instrument | str | None = None, *, teams=None,
              ids: str = "keep", salt: str | None = None, drop_flagged: bool = False,
              require_closed: bool = False) -> Responses:
    """Read wave ``label`` from the database at ``url`` (a URL or an engine).

    Parameters
    ----------
    url : str or Engine
        ``sqlite:///copro.db`` or ``postgresql://...``.
    label : str
        The wave (``copro wave open LABEL``).
    instrument : Instrument or path, optional
        The instrument the wave was opened with (default the packaged one; its name and version
        must match the wave's).
    teams : TeamList or path, optional
        A team list to match against instead of the wave's own.
    ids, salt, drop_flagged
        As :func:`copro_scale.read_responses`.
    require_closed : bool
        Refuse a wave that is still open.

    Returns
    -------
    Responses
        ``source`` is ``<url> wave <label>``, ``format`` is ``database``.
    """
    from sqlalchemy.engine import Engine

    from ..serve.migrations import check_current
    from ..serve.store import engine_for, session_factory, wave_by_label, wave_responses
    from ..serve.waves import instrument_for, team_list_of

    engine = url if isinstance(url, Engine) else engine_for(url)
    try:
        check_current(engine)
        with session_factory(engine)() as session:
            wave = wave_by_label(session, label)
            if require_closed and wave.status != "closed":
                raise CoproError(
                    f"wave {label!r} is still open; close it first with `copro wave close "
                    f"{label}` (figures from an open wave and again at its close would differ by "
                    "the people who answered in between)", field="--wave")
            inst = instrument_for(wave, instrument)
            team_list = teams if teams is not None else team_list_of(wave)
            raw = _raw_table(wave_responses(session, wave), inst)
            source = _describe(engine, label)
    finally:
        if not isinstance(url, Engine):
            engine.dispose()
    return finish(raw, inst, source=source, format="database", ids=ids, salt=salt,
                  drop_flagged=drop_flagged, teams=team_list)


def _raw_table(rows, inst: Instrument) -> pd.DataFrame:
    """The raw table of :func:`~copro_scale.responses.normalise.finish` from response rows."""
    items = list(inst.item_ids)
    col = {i: k for k, i in enumerate(items)}
    meta = {"response_id": [], "team": [], "role": [], "form": [], "months_in_role": []}
    codes = []
    extra = {}  # answers to ids the instrument does not have: kept so finish can name them
    for r in rows:
        meta["response_id"].append(r.id)
        meta["team"].append(r.team)
        meta["role"].append(r.role)
        meta["form"].append(r.form)
        meta["months_in_role"].append(r.months_in_role)
        line = [None] * len(items)
        for item, code in (r.answers or {}).items():
            if item in col:
                line[col[item]] = code  # checked by finish like any export's answer
            else:
                extra.setdefault(item, {})[len(codes)] = code
        codes.append(line)
    n = len(codes)
    if extra:
        item = min(extra)
        raise CoproError(f"the database holds answers to {len(extra)} item(s) that instrument "
                         f"{inst.name} v{inst.version} does not have (first: {item})", item=item)
    frame = pd.DataFrame({
        "_row": np.arange(2, n + 2),
        **{k: pd.array(v, dtype="string") for k, v in meta.items() if k != "months_in_role"},
        "months_in_role": pd.array(meta["months_in_role"], dtype="Int64"),
    })
    answers = pd.DataFrame(codes, columns=items, dtype=object)
    return pd.concat([frame, answers], axis=1)


def earlier_waves(url, label: str) -> list[str]:
    """Labels of the closed waves opened before ``label`` in the same database, oldest first."""
    from sqlalchemy import select

    from ..serve.store import Wave, engine_for, session_factory, wave_by_label

    engine = engine_for(url)
    try:
        with session_factory(engine)() as session:
            wave = wave_by_label(session, label)
            return list(session.execute(
                select(Wave.label).where(Wave.status == "closed", Wave.id != wave.id,
                                         (Wave.opened_on < wave.opened_on)
                                         | ((Wave.opened_on == wave.opened_on) & (Wave.id < wave.id)))
                .order_by(Wave.opened_on, Wave.id)).scalars())
    finally:
        engine.dispose()


def digest(responses: Responses) -> str:
    """SHA-256 of the canonical table (rows in id order): what a run read from a database."""
    data = responses.data.sort_values("response_id", kind="stable")
    return hashlib.sha256(data.to_csv(index=False).encode("utf-8")).hexdigest()
