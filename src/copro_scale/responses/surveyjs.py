"""Reader for SurveyJS results of the questionnaire exported by ``--format surveyjs``.

SurveyJS hands each completed survey to the host application as one JSON object
(``survey.data``): ``{"team": ..., "role": ..., "months_in_role": ..., "voice": {"vdm1": 4,
...}, "experience": {...}, "identity": {...}}``, a matrix's value being an object from row value
(the item id) to column value (the code). This reader takes a JSON file holding an array of
such objects (or an object whose ``data`` or ``results`` member is that array), as a host
application or SurveyJS's own service stores them. An object may carry an ``id`` (kept as the
response id) and ``duration_s``. ``source_row`` is the 1-based position of the result in the
array. Items the respondent skipped are absent from the matrix object and read as missing.

Values are typed strictly: a code is a JSON number or numeric text; ``true``/``false``, lists
and objects are no answer code (``unknown_label``) and no team, role or id (``invalid_text``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..errors import CoproError
from ..instrument import Instrument
from ..platforms.surveyjs import META_MEMBERS, RESULT_ARRAYS
from .tables import Head, Raw, encoding_of
from .text import drop_identifying

NAME = "surveyjs"
#: What a value that is no JSON scalar becomes: text that no label, team or id can be.
NOT_SCALAR = "\x00not a JSON scalar"


def sniff(head: Head, inst: Instrument) -> bool:
    """SurveyJS by file name: ``.json``."""
    return head.suffix == ".json"


def surveyjs_records(data, path) -> list[dict]:
    """The list of result objects inside parsed SurveyJS JSON (array, or ``data``/``results``).

    Examples
    --------
    >>> surveyjs_records({"data": [{"team": "A"}]}, "x.json")
    [{'team': 'A'}]
    """
    if isinstance(data, dict):
        data = next((data[k] for k in RESULT_ARRAYS if isinstance(data.get(k), list)), None)
    if not isinstance(data, list):
        raise CoproError("not SurveyJS results: expected a JSON array of result objects", file=path)
    bad = next((k for k, d in enumerate(data, 1) if not isinstance(d, dict)), None)
    if bad is not None:
        raise CoproError("result is not a JSON object", file=path, row=bad)
    return data


def load_json(path: Path, encoding: str | None = None):
    """Parse a JSON file (UTF-8, with or without BOM; UTF-16 with BOM; or ``encoding``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CoproError(f"cannot read ({exc.strerror})", file=path) from None
    enc = encoding_of(data, encoding)
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        raise CoproError(f"is not {enc.replace('-sig', '')} text (byte {exc.start}); pass "
                         "--encoding", file=path) from None
    except LookupError:
        raise CoproError(f"unknown encoding {enc!r}", file=path) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CoproError(f"invalid JSON: {exc.msg} (line {exc.lineno}, character {exc.colno})",
                         file=path, row=exc.lineno) from None
    except RecursionError:
        raise CoproError("invalid JSON: nested too deeply for survey results", file=path) from None


def _answer(value):
    """A matrix cell as read: numbers, text and booleans (no code) as they are, else NOT_SCALAR."""
    return value if value is None or isinstance(value, (str, int, float)) else NOT_SCALAR


def _meta(value):
    """A respondent field: numbers and text as they are; booleans, lists and objects NOT_SCALAR."""
    if value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool)):
        return value
    return NOT_SCALAR


def read(path, inst: Instrument, head: Head, *, encoding=None, **_) -> Raw:
    """Read a JSON file of SurveyJS results into the raw table."""
    path = Path(path)
    records = surveyjs_records(load_json(path, encoding), path)
    items = set(inst.item_ids)
    n = len(records)
    columns: dict[str, list] = {}
    matrix_of: dict[str, str] = {}
    for k, rec in enumerate(records):
        for key, value in rec.items():
            if key in META_MEMBERS:
                columns.setdefault(META_MEMBERS[key], [None] * n)[k] = _meta(value)
            elif isinstance(value, dict):
                for item, answer in value.items():
                    if item not in items:
                        continue
                    if matrix_of.setdefault(item, key) != key:
                        raise CoproError(f"item {item} is answered in two matrices "
                                         f"({matrix_of[item]!r} and {key!r})", file=path, row=k + 1,
                                         column=item)
                    columns.setdefault(item, [None] * n)[k] = _answer(answer)
    if records and not matrix_of:
        raise CoproError("no matrix answers any item: expected objects like "
                         "{\"voice\": {\"vdm1\": 4}}", file=path)
    raw = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in columns.items()}, index=range(n))
    raw = drop_identifying(raw)
    for item in inst.item_ids:  # an item nobody answered has no column at all
        if item not in raw:
            raw[item] = pd.Series([None] * n, dtype=object)
    raw.insert(0, "_row", range(1, n + 1))
    return Raw(raw)
