"""SurveyJS: question names and the shape of a stored result.

A result (``survey.data``) is one JSON object: respondent questions by name (``team``,
``role``, ``months_in_role``) and one matrix per section named by the section key, whose value
maps row value (the item id) to column value (the code). Host applications often add ``id``
and a duration.
"""

from __future__ import annotations

#: Top-level result members -> canonical column.
META_MEMBERS: dict[str, str] = {"id": "response_id", "team": "team", "role": "role",
                                "months_in_role": "months_in_role", "duration_s": "duration_s"}
#: Members of a results file that may hold the array of results.
RESULT_ARRAYS: tuple[str, ...] = ("data", "results", "Data")
