"""Qualtrics: question tags, recode values and the response export's status codes.

A response export's ``Status`` column holds a code (numeric export) or its text (choice-text
export). Qualtrics documents these: 0 IP Address (an ordinary response), 1 Survey Preview,
2 Survey Test, 4 Imported, 8 Spam, 9 Preview Spam, 12 Imported Spam, 16 Offline, 17 Offline
Survey Preview. ``Finished`` is 1/0 (or True/False).
"""

from __future__ import annotations

from ..instrument import Instrument
from .sections import sections

#: Status code -> what it means for scoring: "response" (kept), "preview" or "spam" (excluded).
STATUS: dict[str, str] = {
    "0": "response", "ip address": "response",
    "4": "response", "imported": "response",
    "16": "response", "offline": "response",
    "1": "preview", "survey preview": "preview",
    "2": "preview", "survey test": "preview",
    "17": "preview", "offline survey preview": "preview",
    "8": "spam", "spam": "spam",
    "9": "spam", "preview spam": "spam",
    "12": "spam", "imported spam": "spam",
}
#: Qualtrics' default choices of a five-point agreement question, lowest first.
AGREE_5 = ("Strongly disagree", "Somewhat disagree", "Neither agree nor disagree",
           "Somewhat agree", "Strongly agree")
#: ``Finished`` values of a response not finished.
UNFINISHED = frozenset({"0", "false", "0.0"})
#: Metadata headers (normalised) -> canonical column.
META_COLUMNS: dict[str, str] = {"responseid": "response_id",
                                "duration (in seconds)": "duration_s"}


def status_of(value) -> str | None:
    """What a ``Status`` cell means: response, preview, spam, or None for a code Qualtrics
    does not document. A blank cell counts as a response.

    Examples
    --------
    >>> status_of("8"), status_of("Survey Preview"), status_of(""), status_of("7")
    ('spam', 'preview', 'response', None)
    """
    text = " ".join(str(value).strip().lower().split())
    if text in ("", "nan", "<na>", "none"):
        return "response"
    if text.endswith(".0"):
        text = text[:-2]
    return STATUS.get(text)


def default_labels(inst: Instrument) -> dict[str, int]:
    """Qualtrics' default agreement choices -> the scale's codes, for a five-point scale that
    runs from disagree to agree (empty otherwise): a survey built with Qualtrics' own choices
    exports "Somewhat agree" where the instrument says "Agree".

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> default_labels(load_instrument())["Somewhat agree"]
    4
    """
    labels = [p.label.lower() for p in inst.scale]
    if len(labels) != 5 or "disagree" not in labels[0] or not labels[-1].endswith("agree") \
            or "disagree" in labels[-1]:
        return {}
    return {text: p.code for text, p in zip(AGREE_5, inst.scale)}


def role_recodes(inst: Instrument) -> dict[str, int]:
    """Recode value of each role in the role question: 1.. in instrument order.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> role_recodes(load_instrument())["clinical"]
    2
    """
    return {code: k for k, code in enumerate(inst.roles, start=1)}


def team_recodes(teams) -> dict[str, int]:
    """Recode value of each listed team in the team question: 1.. in list order.

    Examples
    --------
    >>> team_recodes(["Ward A", "Ward B"])
    {'Ward A': 1, 'Ward B': 2}
    """
    return {t: k for k, t in enumerate(teams, start=1)}


def team_position(code) -> int | None:
    """Position in the team list (1-based) of a team recode value, or None.

    Examples
    --------
    >>> team_position("3"), team_position("3.0"), team_position("Ward A")
    (3, 3, None)
    """
    text = str(code).strip().removesuffix(".0")
    return int(text) if text.isascii() and text.isdigit() else None


def response_columns(inst: Instrument) -> dict[str, str]:
    """Export column -> item id for the matrices our exports define (``voice_1`` -> ``vdm1``).

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> response_columns(load_instrument())["voice_1"]
    'vdm1'
    """
    return {f"{sec.key}_{n}": it.id for sec in sections(inst)
            for n, it in enumerate(sec.items, start=1)}
