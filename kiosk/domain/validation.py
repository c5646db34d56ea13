"""Field validation: turns what the applicant typed into a normalised value or a
plain-language error (a French message id, translated where it is shown)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from kiosk.domain.catalogue import FieldSpec, FieldType
from kiosk.domain.countries import COUNTRY_CODES
from kiosk.i18n import N_


class FieldError(ValueError):
    """A value the applicant typed cannot be accepted; ``message`` is a French msgid."""

    def __init__(self, field_id: str, message: str) -> None:
        super().__init__(f"{field_id}: {message}")
        self.field_id = field_id
        self.message = message


@dataclass(frozen=True)
class Checked:
    field_id: str
    value: str  # normalised; "" for an optional field left empty


_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '\-’][^\W\d_]+)*$")
_PASSPORT_RE = re.compile(r"^[A-Z0-9]{6,9}$")
_POSTAL_RE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")
_DATE_RE = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$")


def _clean(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFC", raw).split())


def parse_date(raw: str) -> dt.date:
    """Accept DD/MM/YYYY (and ., -, space) or ISO YYYY-MM-DD."""
    text = raw.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    m = _DATE_RE.match(text)
    if not m:
        raise ValueError("not a date")
    day, month, year = (int(g) for g in m.groups())
    return dt.date(year, month, day)


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def validate_field(spec: FieldSpec, raw: str | None, today: dt.date) -> Checked:
    """Return the normalised value or raise FieldError with a message for the applicant."""
    value = _clean(raw or "")
    if not value:
        if spec.required:
            raise FieldError(spec.id, N_("Cette réponse est obligatoire."))
        return Checked(spec.id, "")
    if len(value) > spec.max_length:
        raise FieldError(spec.id, N_("Cette réponse est trop longue."))
    kind = spec.type
    if kind is FieldType.TEXT:
        return Checked(spec.id, value)
    if kind is FieldType.NAME:
        if not _NAME_RE.match(value):
            raise FieldError(
                spec.id,
                N_("Utilisez seulement des lettres, des espaces, des tirets ou des apostrophes."),
            )
        return Checked(spec.id, value)
    if kind is FieldType.DATE:
        try:
            date = parse_date(value)
        except ValueError:
            raise FieldError(
                spec.id, N_("Écrivez une date réelle. Exemple : 31/12/2001.")
            ) from None
        if spec.past and date > today:
            raise FieldError(spec.id, N_("Cette date ne peut pas être dans le futur."))
        age = age_on(date, today)
        if spec.min_age is not None and age < spec.min_age:
            raise FieldError(
                spec.id, N_("Vérifiez l'année : vous semblez trop jeune pour cette démarche.")
            )
        if spec.max_age is not None and age > spec.max_age:
            raise FieldError(spec.id, N_("Vérifiez l'année de naissance."))
        return Checked(spec.id, date.isoformat())
    if kind is FieldType.COUNTRY:
        code = value.upper()
        if code not in COUNTRY_CODES:
            raise FieldError(spec.id, N_("Choisissez un pays dans la liste."))
        return Checked(spec.id, code)
    if kind is FieldType.PASSPORT_NUMBER:
        number = value.upper().replace(" ", "")
        if not _PASSPORT_RE.match(number):
            raise FieldError(
                spec.id, N_("Le numéro de passeport a 6 à 9 lettres ou chiffres, sans espace.")
            )
        return Checked(spec.id, number)
    if kind is FieldType.POSTAL_CODE:
        code = value.replace(" ", "")
        if not _POSTAL_RE.match(code):
            raise FieldError(spec.id, N_("Le code postal a 5 chiffres. Exemple : 75015."))
        return Checked(spec.id, code)
    if kind is FieldType.PHONE:
        import phonenumbers  # heavy (metadata for every country): loaded on first use

        phone: phonenumbers.PhoneNumber | None
        try:
            phone = phonenumbers.parse(value, "FR")
        except phonenumbers.NumberParseException:
            phone = None
        if phone is None or not phonenumbers.is_valid_number(phone):
            raise FieldError(
                spec.id, N_("Ce numéro de téléphone n'est pas valide. Exemple : 06 12 34 56 78.")
            )
        return Checked(
            spec.id, phonenumbers.format_number(phone, phonenumbers.PhoneNumberFormat.E164)
        )
    if kind is FieldType.EMAIL:
        if not _EMAIL_RE.match(value):
            raise FieldError(
                spec.id, N_("Cette adresse e-mail n'est pas valide. Exemple : nom@exemple.fr.")
            )
        return Checked(spec.id, value.lower())
    raise AssertionError(f"unhandled field type {kind}")  # pragma: no cover
