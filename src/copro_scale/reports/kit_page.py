"""The team conversation kit: a printable one- to two-page guide for the team meeting.

It holds the type in plain words, the top strength and concern, questions drawn from the
mechanisms of Chauhan, Croft & Spyridonidis (2022) for the team's most constrained faces and its
lever, an action table (what, who, by when) whose numbered rows the next wave's report refers
back to, and support signposting for peer support workers. Built from a team page's context,
so it shows nothing the page does not.
"""

from __future__ import annotations

import numpy as np

from ..instrument import FACES
from .content import kit_questions

#: Rows of the action table (numbered A1, A2, ...).
ACTION_ROWS = 4


def kit_context(page: dict, constructs: dict) -> dict:
    """The kit of a visible team, from its page context ``page``; ``constructs`` maps a lever's
    label back to its construct key."""
    kind = page["kind"]
    faces = sorted((r for r in page["faces"] if np.isfinite(r["mean"])), key=lambda r: r["mean"])
    lowest = [r["key"] for r in faces[:2]] or list(FACES[:2])
    top, psw = page["top"], page.get("psw_top")
    concern = (psw["concerns"][:1] if psw and psw["concerns"] else []) or top["concerns"][:1]
    return dict(
        team=page["team"], meta=page["meta"], k=page["k"], kind=kind,
        n=page["n"], rate=page["rate"], page_href=f"../teams/{page['slug']}.html",
        strength=top["strengths"][:1], concern=concern,
        concern_from_psws=bool(psw and psw["concerns"]),
        lowest=[r["label"] for r in faces[:2]],
        questions=kit_questions(lowest, constructs.get(kind["lever"])),
        actions=[f"A{i + 1}" for i in range(ACTION_ROWS)],
        previous_wave=page.get("previous_wave", ""), support=page["support"],
        contents=[])
