"""Valid sample answers for any catalogue field, as an applicant would type them.

Used by the tests that drive every procedure end to end, by demos and by audits; a field
type added to the catalogue gets its sample here, next to its validator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from contract.catalogue import YES, FieldSpec, FieldType, Procedure

_SAMPLES: dict[FieldType, str] = {
    FieldType.TEXT: "12 rue de la Paix",
    FieldType.NAME: "Benkirane",
    FieldType.COUNTRY: "MA",
    FieldType.PASSPORT_NUMBER: "XK4815162",
    FieldType.POSTAL_CODE: "75002",
    FieldType.COMMUNE: "Paris",
    FieldType.PHONE: "06 47 11 23 58",
    FieldType.EMAIL: "amina@example.fr",
    FieldType.EPHOTO_CODE: "7Q2K9M4X8P3R6T1V5W0Y2Z",
    FieldType.TAX_STAMP: "1234 5678 9012 3456",
    FieldType.FOREIGNER_NUMBER: "7501234567",
}
# Fields of one type that mean different things (a surname is not a first name: the
# screenshots and demos show a person, not "Benkirane Benkirane").
_BY_FIELD: dict[str, str] = {"given_names": "Amina Zahra"}


def sample_value(spec: FieldSpec, today: dt.date) -> str:
    """A value the field's validation accepts (as typed by an applicant)."""
    if spec.type is FieldType.DATE:
        if spec.past or spec.min_age is not None:
            age = max(spec.min_age or 0, min(30, spec.max_age if spec.max_age is not None else 30))
            return f"01/01/{today.year - age}"  # exactly ``age`` years old today
        # A date that may be either side of today (a permit's expiry): 90 days ahead.
        return (today + dt.timedelta(days=90)).strftime("%d/%m/%Y")
    if spec.type is FieldType.YES_NO:
        return spec.eligible[0] if spec.eligible else YES
    if spec.type is FieldType.CHOICE:
        return spec.eligible[0] if spec.eligible else spec.options[0].value
    return _BY_FIELD.get(spec.id, _SAMPLES[spec.type])[: spec.max_length]


def sample_answers(
    procedure: Procedure, today: dt.date, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Typed answers to every question of ``procedure``; ``overrides`` replaces some."""
    answers = {f.id: sample_value(f, today) for f in procedure.fields}
    answers.update(overrides or {})
    return answers
