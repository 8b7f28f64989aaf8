"""REDCap: field and form names, and the record export's completion columns.

Each instrument (form) of a project adds ``<form>_complete`` to a record export (0 Incomplete,
1 Unverified, 2 Complete) and, for a survey, ``<form>_timestamp`` (``[not completed]`` until
submitted). A record export lists a form's fields, then its ``_complete`` column. Only the
completion of the form that holds the items decides whether a response is finished.
"""

from __future__ import annotations

from .qualtrics import team_position, team_recodes  # noqa: F401 (REDCap codes choices 1..n too)

RECORD_ID = "record_id"
#: Longitudinal and repeating projects add these columns after the record id.
EVENT = "redcap_event_name"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
#: Their headers (normalised) in an export with label headers.
LABEL_HEADERS = {EVENT: "event name", REPEAT_INSTRUMENT: "repeat instrument",
                 REPEAT_INSTANCE: "repeat instance", "redcap_data_access_group": "data access group"}
COMPLETE_SUFFIX = "_complete"
TIMESTAMP_SUFFIX = "_timestamp"
#: ``<form>_complete`` values of a form not completed.
INCOMPLETE = frozenset({"0", "incomplete", "0.0"})
NOT_COMPLETED = "[not completed]"


def form_name(form: str) -> str:
    """REDCap instrument (form) name of a form; its record export adds ``<name>_complete``.

    Examples
    --------
    >>> form_name("colleague")
    'colleague_form'
    """
    return f"{form}_form"


def choice_string(pairs) -> str:
    """REDCap choices: ``code, label`` pairs joined by `` | ``.

    Examples
    --------
    >>> choice_string([(1, "No"), (2, "Yes")])
    '1, No | 2, Yes'
    """
    return " | ".join(f"{code}, {label}" for code, label in pairs)


def completion_columns(header: list[str], item_columns: list[str], forms) -> tuple[str | None, str | None]:
    """The ``(complete, timestamp)`` columns of the form holding the items (None when absent).

    The form is one of ``forms`` (our dictionary's form names) when its ``_complete`` column is
    there; otherwise the first ``_complete`` column after the last item column (REDCap writes a
    form's fields, then its completion).

    Examples
    --------
    >>> completion_columns(["record_id", "other_complete", "vdm1", "x_timestamp", "psw_form_complete"],
    ...                    ["vdm1"], ["psw_form"])
    ('psw_form_complete', None)
    >>> completion_columns(["record_id", "a_timestamp", "vdm1", "a_complete", "b_complete"], ["vdm1"], [])
    ('a_complete', 'a_timestamp')
    """
    complete = next((f + COMPLETE_SUFFIX for f in forms if f + COMPLETE_SUFFIX in header), None)
    if complete is None and item_columns:
        last = max(header.index(c) for c in item_columns if c in header)
        complete = next((c for c in header[last + 1:] if c.endswith(COMPLETE_SUFFIX)), None)
    if complete is None:
        return None, None
    stamp = complete[: -len(COMPLETE_SUFFIX)] + TIMESTAMP_SUFFIX
    return complete, stamp if stamp in header else None
