"""The questionnaire's sections: one page of statements per construct, in instrument order.

Every export shows the same sections; a platform whose column names derive from the section
(Qualtrics ``voice_1``, LimeSurvey ``voice[vdm1]``, the SurveyJS matrix ``voice``) is read back
through this same layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..instrument import CONSTRUCTS, Instrument, Item

#: Section titles, one section per construct (the order of CONSTRUCTS). Respondents never see
#: construct or face names; these say what the statements are about in plain words.
SECTION_TITLES: dict[str, str] = {
    "voice": "Speaking up and being heard",
    "experience": "Lived experience at work",
    "identity": "Being part of the staff team",
}


@dataclass(frozen=True)
class Section:
    """One page of statements: the items of one construct, in instrument order."""

    key: str
    number: int
    title: str
    items: tuple[Item, ...]


def sections(inst: Instrument) -> tuple[Section, ...]:
    """The instrument's items in sections, one per construct, each in instrument order.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> [(s.key, len(s.items)) for s in sections(load_instrument())]
    [('voice', 12), ('experience', 12), ('identity', 12)]
    """
    out = []
    for construct in CONSTRUCTS:
        items = tuple(it for it in inst.items if it.construct == construct)
        if items:
            out.append(Section(construct, len(out) + 1, SECTION_TITLES[construct], items))
    return tuple(out)
