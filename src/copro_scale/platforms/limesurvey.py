"""LimeSurvey: question codes, answer codes and the response export's columns.

LimeSurvey question and answer codes are letters and digits (no underscore), a question code
starting with a letter, an answer code at most 5 characters. An array question's subquestion
is exported under the heading ``<question>[<subquestion>]`` (question-code headings) and an
incomplete response has an empty ``submitdate``.
"""

from __future__ import annotations

import re

#: Answer code of each role (at most 5 letters or digits).
ROLE_ANSWER_CODES: dict[str, str] = {
    "psw": "psw", "clinical": "clin", "manager": "mgr", "nonprofessional": "nonpr",
    "volunteer": "vol",
}
#: Question code of each respondent field.
FIELD_CODES: dict[str, str] = {"team": "team", "role": "role", "months_in_role": "months"}
#: Response-export metadata column -> canonical column.
META_COLUMNS: dict[str, str] = {"id": "response_id", "interviewtime": "duration_s"}
#: The column that is empty for an incomplete response (and its full-text heading).
SUBMIT_DATE = "submitdate"
SUBMIT_DATE_TEXT = "date submitted"
#: ``question[subquestion]`` headings (question-code heading of an array row).
SUBQUESTION = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)\[([A-Za-z0-9_]+)\]\s*$")
#: Team answer codes: ``T1``, ``T2``, ... in the order of the team list.
TEAM_CODE_PREFIX = "T"


def team_answer_codes(teams) -> dict[str, str]:
    """Answer code of each listed team, in list order.

    Examples
    --------
    >>> team_answer_codes(["Ward A", "Ward B"])
    {'Ward A': 'T1', 'Ward B': 'T2'}
    """
    return {t: f"{TEAM_CODE_PREFIX}{k}" for k, t in enumerate(teams, start=1)}


def team_position(code) -> int | None:
    """Position in the team list (1-based) of a team answer code ``T<k>``, or None.

    Examples
    --------
    >>> team_position("T3"), team_position("Ward A")
    (3, None)
    """
    text = str(code).strip()
    rest = text[len(TEAM_CODE_PREFIX):]
    return int(rest) if text.startswith(TEAM_CODE_PREFIX) and rest.isascii() and rest.isdigit() else None
