"""The two-question forms that find something again without an account: a code or a
reference, and the date of birth (resuming a draft, following an application). Both check
the same way; each says what its code looks like."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from contract.catalogue import FieldSpec, FieldType
from contract.validation import FieldError, validate_field
from kiosk.i18n import N_


def code_field(field_id: str, label: str, help: str, max_length: int) -> FieldSpec:
    """The code's question: plain text, at most ``max_length`` characters as typed (spaces,
    dashes and all); the form's ``normalise`` then says whether it is a code."""
    return FieldSpec(
        id=field_id, type=FieldType.TEXT, label=label, help=help, max_length=max_length
    )


def birth_date_field(field_id: str) -> FieldSpec:
    return FieldSpec(
        id=field_id,
        type=FieldType.DATE,
        label=N_("Date de naissance"),
        help=N_("Comme sur votre passeport. Exemple : 25/04/1990."),
        past=True,
    )


@dataclass(frozen=True)
class LookupForm:
    """One such form: its two fields, how a typed code becomes canonical (None: it is not
    one), and the message when it is not one (``malformed``)."""

    code_field: FieldSpec
    normalise: Callable[[str], str | None]
    malformed: str
    birth_field: FieldSpec

    def check(
        self, code: str, birth_date: str, today: dt.date
    ) -> tuple[str, str] | list[FieldError]:
        """(canonical code, ISO birth date) if both are well formed, else the errors to show."""
        errors: list[FieldError] = []
        canonical: str | None = None
        try:
            validate_field(self.code_field, code, today)
            canonical = self.normalise(code)
            if canonical is None:
                errors.append(FieldError(self.code_field.id, self.malformed))
        except FieldError as err:
            errors.append(err)
        iso = ""
        try:
            iso = validate_field(self.birth_field, birth_date, today).value
        except FieldError as err:
            errors.append(err)
        if errors or canonical is None:
            return errors
        return canonical, iso
