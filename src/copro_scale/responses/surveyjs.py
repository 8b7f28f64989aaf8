"""Read SurveyJS results of the questionnaire exported by ``--format surveyjs``.

SurveyJS hands each completed survey to the host application as one JSON object
(``survey.data``): ``{"team": ..., "role": ..., "months_in_role": ..., "voice": {"vdm1": 4,
...}, "experience": {...}, "identity": {...}}``, a matrix's value being an object from row value
(the item id) to column value (the code). This reader takes a JSON file holding an array of
such objects (or an object whose ``data`` or ``results`` member is that array), as a host
application or SurveyJS's own service stores them. An object may carry an ``id`` (kept as the
response id) and ``duration_s``. ``source_row`` is the 1-based position of the result in the
array. Items the respondent skipped are absent from the matrix object and read as missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..errors import CoproError
from ..instrument import Instrument
from .model import Responses
from .normalise import drop_identifying, finish

META = ("id", "team", "role", "months_in_role", "duration_s")


def surveyjs_records(data, path) -> list[dict]:
    """The list of result objects inside parsed SurveyJS JSON (array, or ``data``/``results``).

    Examples
    --------
    >>> surveyjs_records({"data": [{"team": "A"}]}, "x.json")
    [{'team': 'A'}]
    """
    if isinstance(data, dict):
        data = next((data[k] for k in ("data", "results", "Data") if isinstance(data.get(k), list)),
                    None)
    if not isinstance(data, list):
        raise CoproError("not SurveyJS results: expected a JSON array of result objects", file=path)
    bad = next((k for k, d in enumerate(data, 1) if not isinstance(d, dict)), None)
    if bad is not None:
        raise CoproError("result is not a JSON object", file=path, row=bad)
    return data


def read_surveyjs(path: str | Path, inst: Instrument, **options) -> Responses:
    """Read a JSON file of SurveyJS results.

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
        If the file is no JSON, holds no result objects, or no matrix answers any item.

    Examples
    --------
    >>> import tempfile, os, json
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> res = [{"team": "Ward A", "role": "clinical",
    ...         "voice": {"vdm1": 5, "vdm2": 9}, "identity": {i: 3 for i in inst.item_ids[24:]}}]
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "results.json")
    ...     _ = open(p, "w").write(json.dumps(res))
    ...     r = read_surveyjs(p, inst)
    >>> r.data.loc[0, "form"], int(r.data.loc[0, "vdm1"]), r.data["vdm2"].isna()[0]
    ('colleague', 5, np.True_)
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CoproError("file not found", file=path) from None
    except UnicodeDecodeError as exc:
        raise CoproError(f"not UTF-8 text (byte {exc.start})", file=path) from None
    except json.JSONDecodeError as exc:
        raise CoproError(f"invalid JSON: {exc.msg} (line {exc.lineno}, character {exc.colno})",
                         file=path, row=exc.lineno) from None
    records = surveyjs_records(data, path)
    flat = pd.json_normalize(records, sep="\x1f") if records else pd.DataFrame()
    items = set(inst.item_ids)
    mapping = {}
    for col in flat.columns:
        parts = str(col).split("\x1f")
        if len(parts) == 2 and parts[1] in items:
            mapping[col] = parts[1]
        elif len(parts) == 1 and parts[0] in META:
            mapping[col] = "response_id" if parts[0] == "id" else parts[0]
    if records and not set(mapping.values()) & items:
        raise CoproError("no matrix answers any item: expected objects like "
                         "{\"voice\": {\"vdm1\": 4}}", file=path)
    targets = pd.Series(list(mapping.values()), dtype=object)
    if targets.duplicated().any():
        item = targets[targets.duplicated()].iloc[0]
        raise CoproError(f"item {item} is answered in two matrices", file=path, column=item)
    flat = drop_identifying(flat, keep=tuple(mapping))
    raw = flat[list(mapping)].rename(columns=mapping)
    for item in inst.item_ids:  # an item nobody answered has no column at all
        if item not in raw:
            raw[item] = pd.NA
    raw.insert(0, "_row", range(1, len(raw) + 1))
    return finish(raw, inst, source=str(path), fmt="surveyjs", **options)
