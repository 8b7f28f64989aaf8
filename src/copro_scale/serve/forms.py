"""The survey's pages as Flask-WTF forms, built from the instrument.

Page 0 is "About you" (role where the form has more than one, months in role); pages 1..n are
the instrument's sections (:func:`copro_scale.platforms.sections.sections`), one radio group per
statement, named by the item id, whose values are the scoring codes (and the don't-know code on
a form that offers it). Every page carries Flask-WTF's CSRF token. Anything a browser showing
the page could not have sent (an unknown field, a code the statement does not offer, two answers
to one statement) fails validation with a message that names the statement.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import ValidationError

from ..administer._layout import choices, role_choices
from ..instrument import Instrument
from ..platforms.sections import sections

#: The fields every page may send besides its questions: the button pressed.
ACTIONS = ("next", "back", "save", "submit")


class AnswerField(Field):
    """One statement (a radio group the template draws): its answer codes as values; no answer
    is a skip, never an error."""

    def __init__(self, label: str, position: int, codes: list[tuple[int, str]], **kw):
        super().__init__(label, **kw)
        self.position = position
        self.codes = {str(c) for c, _ in codes}
        self.codes_text = ", ".join(str(c) for c, _ in codes)

    def pre_validate(self, form) -> None:
        raw = self.raw_data or []
        if len(raw) > 1:
            raise ValidationError(f"Statement {self.position} was answered {len(raw)} times; "
                                  "choose one answer.")
        if raw and raw[0] not in self.codes:
            shown = raw[0][:20] + ("..." if len(raw[0]) > 20 else "")
            raise ValidationError(f"Statement {self.position}: {shown!r} is not one of its "
                                  f"answers ({self.codes_text}); choose one of the answers "
                                  "shown.")

    def answer(self) -> int | None:
        """The code given, as an int, or None for a skipped statement."""
        raw = self.raw_data or []
        return int(raw[0]) if raw else None


class MonthsField(StringField):
    """Months in role: blank, or a whole number in the instrument's range."""

    def __init__(self, label: str, low: int, high: int, **kw):
        super().__init__(label, **kw)
        self.low, self.high = low, high

    def pre_validate(self, form) -> None:
        text = (self.raw_data or [""])[0].strip()
        if len(self.raw_data or []) > 1:
            raise ValidationError("Months in role was sent twice; give one number.")
        if text and not (text.isascii() and text.isdigit() and self.low <= int(text) <= self.high):
            raise ValidationError(f"Enter months in role as a whole number from {self.low} to "
                                  f"{self.high}, or leave it blank.")

    def months(self) -> int | None:
        text = (self.raw_data or [""])[0].strip()
        return int(text) if text else None


class RoleField(Field):
    """The respondent's role (a radio group the template draws), from the roles that answer
    this form."""

    def __init__(self, label: str, roles: list[tuple[str, str]], **kw):
        super().__init__(label, **kw)
        self.roles = {c for c, _ in roles}

    def pre_validate(self, form) -> None:
        raw = self.raw_data or []
        if not raw:
            raise ValidationError("Choose your role.")
        if len(raw) > 1 or raw[0] not in self.roles:
            raise ValidationError("Choose one of the roles shown.")


class SurveyPage(FlaskForm):
    """Base of every page: the CSRF token (Flask-WTF) and the questions added per page."""

    def unknown_fields(self, formdata) -> list[str]:
        """Names sent that this page does not have (the button aside)."""
        allowed = set(self._fields) | {"action"}
        return sorted(k for k in formdata if k not in allowed)


def page_form(inst: Instrument, form: str, number: int) -> type[SurveyPage]:
    """The form class of page ``number`` (0 = about you) of ``form``.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> inst = load_instrument()
    >>> page = page_form(inst, "colleague", 1)
    >>> page.vdm1.args[1:]
    (1, [(1, 'Strongly disagree'), (2, 'Disagree'), (3, 'Neither agree nor disagree'), (4, 'Agree'), (5, 'Strongly agree'), (9, "Don't know / haven't seen")])
    """
    fields: dict = {}
    if number == 0:
        rf = inst.respondent_fields
        roles = role_choices(inst, form)
        if len(roles) > 1:
            fields["role"] = RoleField(rf["role"]["label"], roles)
        months = rf["months_in_role"]
        fields["months_in_role"] = MonthsField(months["label"], int(months.get("min", 0)),
                                               int(months.get("max", 600)))
    else:
        codes = choices(inst, form)
        start = sum(len(s.items) for s in sections(inst)[:number - 1])
        for i, it in enumerate(sections(inst)[number - 1].items, start=start + 1):
            fields[it.id] = AnswerField(it.text(form), i, codes)
    return type(f"Page{number}{form.title()}", (SurveyPage,), fields)


def n_pages(inst: Instrument) -> int:
    """Pages of a form: about you, then one per section."""
    return 1 + len(sections(inst))
