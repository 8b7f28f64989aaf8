"""What every export shares: which forms, the sections, the answer choices and the fixed texts.

An export module asks this one for its content, so that every platform shows the same sections,
the same participant information and the same support box, and codes its answers the same way
(the scoring codes 1-5; don't-know = the instrument's don't-know code, colleague form only).
"""

from __future__ import annotations

from ..errors import CoproError
from ..instrument import Instrument
from ..platforms.sections import sections  # noqa: F401 (the exports take the shared layout from here)

SUPPORT_TITLE = "Looking after yourself"
SUPPORT_TEXT: tuple[str, ...] = (
    ("Questions about power and about how people are treated at work can bring up difficult "
    "feelings. You can skip any statement, take a break or stop at any time."),
    ("If something here upsets you, talk to someone you trust: your supervisor or peer support "
    "lead, your staff wellbeing service or Employee Assistance Programme, your union "
    "representative, or your Freedom to Speak Up guardian."),
    ("If you need to talk to someone now, Samaritans are there day or night: call 116 123 "
    "(free from any phone in the UK and Ireland)."),
)

INFO_TITLE = "About this questionnaire"


def forms_for(inst: Instrument, form: str | None, *, both: bool) -> list[str]:
    """The forms an export writes: ``form`` if given, else both (when ``both``) or ``psw``.

    Raises
    ------
    CoproError
        If ``form`` is no form of the instrument.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> forms_for(inst, None, both=True), forms_for(inst, None, both=False)
    (['psw', 'colleague'], ['psw'])
    """
    if form is None:
        return list(inst.forms) if both else ["psw"]
    if form not in inst.forms:
        raise CoproError(f"unknown form {form!r}; expected one of {list(inst.forms)}",
                         field="--form")
    return [form]


def choices(inst: Instrument, form: str) -> list[tuple[int, str]]:
    """Answer choices of a form as ``(code, label)``: the scale, plus don't-know where offered.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> choices(inst, "psw")[0], len(choices(inst, "psw")), choices(inst, "colleague")[-1][0]
    ((1, 'Strongly disagree'), 5, 9)
    """
    out = [(p.code, p.label) for p in inst.scale]
    if inst.forms[form].dont_know:
        out.append((inst.dont_know.code, inst.dont_know.label))
    return out


def role_choices(inst: Instrument, form: str) -> list[tuple[str, str]]:
    """The roles a form is answered by, as ``(code, label)`` in instrument order.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> role_choices(load_instrument(), "psw")
    [('psw', 'Peer support worker')]
    """
    roles = inst.forms[form].roles
    return [(code, label) for code, label in inst.roles.items() if code in roles]


def survey_title(inst: Instrument, form: str) -> str:
    """Title shown to respondents, e.g. ``Power in Co-production ... - Colleague form``.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> survey_title(load_instrument(), "psw")
    'Power in Co-production with Peer Support Workers - Peer support worker form'
    """
    return f"{inst.title} - {inst.forms[form].title}"


def participant_information(inst: Instrument, form: str) -> tuple[str, ...]:
    """Participant information for a form, as plain-text paragraphs.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> info = participant_information(load_instrument(), "colleague")
    >>> "voluntary" in info[1] and "name" in info[2]
    True
    """
    f = inst.forms[form]
    about = ("This questionnaire asks how peer support workers (PSWs) take part in shaping care "
             "and services in your team: whether their voice, their lived experience and their "
             "place in the team are recognised.")
    if form == "psw":
        about += " You are asked because you work as a peer support worker."
    else:
        about += " You are asked because you work alongside peer support workers."
    n = len(inst.items)
    return (
        about,
        (f"Taking part is voluntary. There are {n} statements; most people finish in about "
        "10 minutes. You can skip any statement."),
        "Please do not write your name anywhere. " + f.instructions,
        f"{inst.short_title} v{inst.version}. {inst.licence}",
    )
