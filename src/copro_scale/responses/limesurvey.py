"""Read a LimeSurvey response export of the questionnaire exported by ``--format limesurvey``.

The export this reads is LimeSurvey's "Export responses" as CSV with *question code* headings
(the default): metadata columns ``id``, ``submitdate``, ``lastpage``, ``startlanguage``,
``seed`` (plus ``startdate``/``datestamp`` and ``interviewtime`` when the survey records dates
or timings), the respondent questions ``team``, ``role``, ``months`` and one column per item
headed ``<section>[<item id>]`` (an array question's subquestion). Answers may be codes
("Answer codes") or answer text ("Full answers"); the role may be its answer code
(:data:`~copro_scale.administer.limesurvey.ROLE_ANSWER_CODES`) or its label.

A row with an empty ``submitdate`` is an incomplete response and is excluded as ``unfinished``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..administer.limesurvey import FIELD_CODES, ROLE_ANSWER_CODES
from ..errors import CoproError
from ..instrument import Instrument
from .model import Responses
from .normalise import drop_identifying, finish
from .tables import pick, read_csv, read_head

#: ``question[subquestion]`` headings (LimeSurvey's question-code heading for array rows).
SUBQUESTION = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)\[([A-Za-z0-9_]+)\]\s*$")


def limesurvey_columns(columns, inst: Instrument) -> dict[str, str]:
    """Source column -> canonical column for a LimeSurvey export's headings.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> limesurvey_columns(["id", "months", "voice[vdm1]", "voice[other]"], load_instrument())
    {'id': 'response_id', 'months': 'months_in_role', 'voice[vdm1]': 'vdm1'}
    """
    items = set(inst.item_ids)
    meta = {"id": "response_id", "interviewtime": "duration_s",
            **{code: field for field, code in FIELD_CODES.items()}}
    out: dict[str, str] = {}
    for col in columns:
        m = SUBQUESTION.match(str(col))
        if m and m.group(2) in items:
            out[col] = m.group(2)
        elif str(col).strip() in meta:
            out[col] = meta[str(col).strip()]
    return out


def read_limesurvey(path: str | Path, inst: Instrument, **options) -> Responses:
    """Read a LimeSurvey CSV response export (question-code headings).

    Parameters
    ----------
    path : str or Path
    inst : Instrument
    **options
        Passed to :func:`~copro_scale.responses.normalise.finish` (``ids``, ``salt``,
        ``drop_flagged``).

    Raises
    ------
    CoproError
        If the file cannot be read, has no ``<section>[<item id>]`` columns, or holds an item
        twice.

    Examples
    --------
    >>> import tempfile, os
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> head = "id,submitdate,team,role,months," + ",".join(f"voice[{i}]" for i in inst.item_ids)
    >>> row = "1,2026-01-01 10:00:00,Ward A,psw,12," + ",".join(["4"] * 36)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "ls.csv")
    ...     _ = open(p, "w").write(head + "\\n" + row + "\\n")
    ...     r = read_limesurvey(p, inst)
    >>> r.data.loc[0, ["team", "role", "form"]].tolist(), int(r.data.loc[0, "vdm1"])
    (['Ward A', 'psw', 'psw'], 4)
    """
    path = Path(path)
    # the shared table reader: encoding, separator, truncation and duplicate headers are
    # checked once for every reader, with file, row and column in the error
    frame = read_csv(path, read_head(path), dtype="str")
    mapping = limesurvey_columns(frame.columns, inst)
    targets = pd.Series(list(mapping.values()))
    if not set(inst.item_ids) & set(targets):
        raise CoproError("no LimeSurvey item columns such as 'voice[vdm1]'; export responses "
                         "with 'Question code' headings", file=path)
    twice = targets[targets.duplicated()]
    if len(twice):
        col = [c for c, t in mapping.items() if t == twice.iloc[0]][-1]
        raise CoproError(f"item {twice.iloc[0]} has two columns", file=path, column=col)
    raw = pick(drop_identifying(frame, keep=tuple(mapping)), mapping)
    if "submitdate" in frame:
        raw["_unfinished"] = frame["submitdate"].fillna("").str.strip().eq("").to_numpy()
    roles = {code: role for role, code in ROLE_ANSWER_CODES.items()}
    return finish(raw, inst, source=str(path), fmt="limesurvey", roles=roles, **options)

