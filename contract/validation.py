"""Field validation: turns what the applicant typed into a normalised value or a
plain-language error (a French message id, translated where it is shown).

Every validator raises :class:`FieldError` and nothing else, whatever it is given (a
property test feeds them arbitrary text).

Formats checked, and where they come from:

- timbre fiscal électronique: a 16-digit number (with a 2D code), timbres.impots.gouv.fr;
- numéro étranger (AGDREF): 10 digits, printed on the residence permit;
- e-photo code (photo-signature numérique of an ANTS-approved photographer or booth):
  22 letters and digits printed on the photo sheet;
- passport numbers: 6 to 9 letters or digits (ICAO 9303 allows up to 9 in the MRZ);
- French postal codes: 5 digits of an existing département (metropolitan 01–95 with
  Corsica's 20, overseas 971–976).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from contract import N_
from contract.catalogue import YES, FieldSpec, FieldType
from contract.countries import COUNTRY_CODES


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


# --- messages (French msgids) ---------------------------------------------------------
MSG_REQUIRED = N_("Cette réponse est obligatoire.")
MSG_TOO_LONG = N_("Cette réponse est trop longue.")
MSG_NAME = N_("Utilisez seulement des lettres, des espaces, des tirets ou des apostrophes.")
MSG_DATE = N_("Écrivez une date réelle. Exemple : 31/12/2001.")
MSG_DATE_FUTURE = N_("Cette date ne peut pas être dans le futur.")
MSG_TOO_YOUNG = N_("Vérifiez l'année : vous semblez trop jeune pour cette démarche.")
MSG_TOO_OLD = N_("Vérifiez l'année de naissance.")
MSG_DATE_TOO_FAR_AHEAD = N_("Vérifiez l'année : cette date est trop loin dans le futur.")
MSG_DATE_TOO_LONG_AGO = N_("Vérifiez l'année : cette date est trop ancienne.")
MSG_COUNTRY = N_("Choisissez un pays dans la liste.")
MSG_PASSPORT = N_("Le numéro de passeport a 6 à 9 lettres ou chiffres, sans espace.")
MSG_POSTAL_CODE = N_("Le code postal a 5 chiffres. Exemple : 75015.")
MSG_POSTAL_CODE_UNKNOWN = N_("Ce code postal n'existe pas en France. Vérifiez les chiffres.")
MSG_COMMUNE = N_("Écrivez le nom de la commune. Exemple : Saint-Denis.")
MSG_PHONE = N_("Ce numéro de téléphone n'est pas valide. Exemple : 06 12 34 56 78.")
MSG_EMAIL = N_("Cette adresse e-mail n'est pas valide. Exemple : nom@exemple.fr.")
MSG_YES_NO = N_("Touchez « Oui » ou « Non ».")
MSG_CHOICE = N_("Touchez une des réponses proposées.")
MSG_EPHOTO = N_("Le code e-photo a 22 lettres ou chiffres. Il est écrit sur la planche de photos.")
MSG_TAX_STAMP = N_("Le numéro du timbre fiscal a 16 chiffres.")
MSG_FOREIGNER_NUMBER = N_(
    "Le numéro étranger a 10 chiffres. Il est écrit sur votre carte de séjour."
)

_PASSPORT_RE = re.compile(r"^[A-Z0-9]{6,9}$")
_POSTAL_RE = re.compile(r"^\d{5}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)*\.[^@\s.]{2,}$")
_DATE_RE = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$")
_EPHOTO_RE = re.compile(r"^[A-Z0-9]{22}$")
_TAX_STAMP_RE = re.compile(r"^\d{16}$")
_FOREIGNER_RE = re.compile(r"^\d{10}$")
# The codes typed as they are printed: cleaned of spaces and dashes (``_code``), then matched.
_CODE_FORMATS: dict[FieldType, tuple[re.Pattern[str], str]] = {
    FieldType.PASSPORT_NUMBER: (_PASSPORT_RE, MSG_PASSPORT),
    FieldType.POSTAL_CODE: (_POSTAL_RE, MSG_POSTAL_CODE),
    FieldType.EPHOTO_CODE: (_EPHOTO_RE, MSG_EPHOTO),
    FieldType.TAX_STAMP: (_TAX_STAMP_RE, MSG_TAX_STAMP),
    FieldType.FOREIGNER_NUMBER: (_FOREIGNER_RE, MSG_FOREIGNER_NUMBER),
}
_NAME_SEPARATORS = frozenset(" '-’")
_COMMUNE_SEPARATORS = frozenset(" '-’.()")
# Spaces, dots and hyphens people type inside codes ("1234 5678 ...", "AB-12").
_CODE_NOISE = re.compile(r"[\s.\-/]+")


# Characters no answer needs and that can hurt where it is shown: control characters (NUL,
# escapes), bidirectional embeddings, overrides and isolates (text that reads otherwise than
# it is stored), and markup's angle brackets. LRM/RLM and ZWJ/ZWNJ are kept: scripts use them.
_UNSAFE = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
    + [chr(0x7F)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["<", ">"]
)


def has_unsafe_characters(text: str) -> bool:
    """True if ``text`` holds a character no answer may hold (see ``_UNSAFE``)."""
    return not _UNSAFE.isdisjoint(text)


def _clean(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFC", raw).split())


def _ascii_digits(text: str) -> str:
    """Eastern Arabic, Persian and full-width digits as ASCII ones (a keyboard in the
    applicant's script may type them); other characters unchanged."""
    out = []
    for char in text:
        if not char.isascii() and char.isdecimal():
            out.append(str(unicodedata.decimal(char)))
        else:
            out.append(char)
    return "".join(out)


def _code(value: str) -> str:
    """A code typed with spaces or hyphens, in upper case with ASCII digits."""
    return _CODE_NOISE.sub("", _ascii_digits(value)).upper()


# --- names ------------------------------------------------------------------------------
def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM"


def is_name(value: str) -> bool:
    """Letters of any script (with their combining marks), single spaces, hyphens or
    apostrophes between them; it must start with a letter and end with one."""
    if not value or unicodedata.category(value[0])[0] != "L" or not _is_letter(value[-1]):
        return False
    previous_separator = False
    for char in value:
        if char in _NAME_SEPARATORS:
            if previous_separator:
                return False
            previous_separator = True
        elif _is_letter(char):
            previous_separator = False
        else:
            return False
    return True


def _is_commune(value: str) -> bool:
    """A commune: letters and digits ("Paris 15e"), with spaces, hyphens, apostrophes,
    dots and parentheses ("Saint-Denis (La Réunion)"); at least one letter first."""
    if not value or not _is_letter(value[0]):
        return False
    return all(_is_letter(c) or c.isdecimal() or c in _COMMUNE_SEPARATORS for c in value)


# --- dates ------------------------------------------------------------------------------
def parse_date(raw: str) -> dt.date:
    """Accept DD/MM/YYYY (and ., -, space) or ISO YYYY-MM-DD; ValueError otherwise."""
    text = _ascii_digits(raw.strip())
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    m = _DATE_RE.match(text)
    if not m:
        raise ValueError("not a date")
    day, month, year = (int(g) for g in m.groups())
    return dt.date(year, month, day)


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _years_between(earlier: dt.date, later: dt.date) -> int:
    return age_on(earlier, later)


# --- French addresses ---------------------------------------------------------------------
_OVERSEAS = {"971", "972", "973", "974", "975", "976"}


def departement_of(postal_code: str) -> str | None:
    """The département of a French postal code ("75015" -> "75", "20200" -> "2B",
    "97411" -> "974"), or None if no département has it."""
    if not _POSTAL_RE.match(postal_code):
        return None
    prefix = postal_code[:2]
    if prefix == "97":
        return postal_code[:3] if postal_code[:3] in _OVERSEAS else None
    if prefix == "20":
        return "2A" if postal_code[2] in "01" else "2B"
    if prefix == "00" or int(prefix) > 95:
        return None
    return prefix


# --- the validator ------------------------------------------------------------------------
def validate_field(spec: FieldSpec, raw: str | None, today: dt.date) -> Checked:
    """Return the normalised value or raise FieldError with a message for the applicant."""
    value = _clean(raw if isinstance(raw, str) else "")
    if not value:
        if spec.required:
            # An unanswered question with answers to touch says so.
            message = {FieldType.YES_NO: MSG_YES_NO, FieldType.CHOICE: MSG_CHOICE}
            raise FieldError(spec.id, message.get(spec.type, MSG_REQUIRED))
        return Checked(spec.id, "")
    if len(value) > spec.max_length:
        raise FieldError(spec.id, MSG_TOO_LONG)
    kind = spec.type
    result: str
    if kind is FieldType.TEXT:
        result = value
    elif kind is FieldType.NAME:
        if not is_name(value):
            raise FieldError(spec.id, MSG_NAME)
        result = value
    elif kind is FieldType.COMMUNE:
        if not _is_commune(value):
            raise FieldError(spec.id, MSG_COMMUNE)
        result = value
    elif kind is FieldType.DATE:
        result = _date(spec, value, today)
    elif kind is FieldType.COUNTRY:
        result = value.upper()
        if result not in COUNTRY_CODES:
            raise FieldError(spec.id, MSG_COUNTRY)
    elif kind in _CODE_FORMATS:
        pattern, malformed = _CODE_FORMATS[kind]
        result = _code(value)
        if not pattern.match(result):
            raise FieldError(spec.id, malformed)
        if kind is FieldType.POSTAL_CODE and departement_of(result) is None:
            raise FieldError(spec.id, MSG_POSTAL_CODE_UNKNOWN)
    elif kind is FieldType.PHONE:
        result = _phone(spec, value)
    elif kind is FieldType.EMAIL:
        if not value.isascii() or not _EMAIL_RE.match(value):
            raise FieldError(spec.id, MSG_EMAIL)
        result = value.lower()
    elif kind is FieldType.YES_NO or kind is FieldType.CHOICE:
        result = value.casefold() if kind is FieldType.YES_NO else value
        if result not in spec.values:
            raise FieldError(spec.id, MSG_YES_NO if kind is FieldType.YES_NO else MSG_CHOICE)
    else:  # pragma: no cover - every FieldType is handled above
        raise AssertionError(f"unhandled field type {kind}")
    if spec.eligible is not None and result not in spec.eligible:
        assert spec.ineligible_message is not None
        raise FieldError(spec.id, spec.ineligible_message)
    return Checked(spec.id, result)


def _date(spec: FieldSpec, value: str, today: dt.date) -> str:
    try:
        date = parse_date(value)
    except ValueError:
        raise FieldError(spec.id, MSG_DATE) from None
    if date.year < 1800:
        raise FieldError(spec.id, MSG_DATE)
    if spec.past and date > today:
        raise FieldError(spec.id, MSG_DATE_FUTURE)
    if date <= today:
        age = age_on(date, today)
        if spec.min_age is not None and age < spec.min_age:
            raise FieldError(spec.id, MSG_TOO_YOUNG)
        if spec.max_age is not None and age > spec.max_age:
            raise FieldError(spec.id, MSG_TOO_OLD)
        if spec.max_years_ago is not None and _years_between(date, today) > spec.max_years_ago:
            raise FieldError(spec.id, MSG_DATE_TOO_LONG_AGO)
    else:
        if spec.min_age is not None:  # a birth date in the future: not born yet
            raise FieldError(spec.id, MSG_TOO_YOUNG)
        if spec.max_years_ahead is not None and _years_between(today, date) > spec.max_years_ahead:
            raise FieldError(spec.id, MSG_DATE_TOO_FAR_AHEAD)
    return date.isoformat()


def _phone(spec: FieldSpec, value: str) -> str:
    import phonenumbers  # heavy (metadata for every country): loaded on first use

    phone: phonenumbers.PhoneNumber | None
    try:
        phone = phonenumbers.parse(_ascii_digits(value), "FR")
    except phonenumbers.NumberParseException:
        phone = None
    if phone is None or not phonenumbers.is_valid_number(phone):
        raise FieldError(spec.id, MSG_PHONE)
    return phonenumbers.format_number(phone, phonenumbers.PhoneNumberFormat.E164)


def is_yes(value: str) -> bool:
    return value == YES
