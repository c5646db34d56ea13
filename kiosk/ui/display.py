"""How answers are shown back to the applicant (check screen, prefilled fields). Qt-free."""

from __future__ import annotations

import datetime as dt

import phonenumbers

from contract.catalogue import CHOICE_TYPES, FieldSpec, FieldType
from contract.countries import country_name
from kiosk.i18n import Translator


def format_date(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def format_time(value: dt.datetime) -> str:
    return value.strftime("%H:%M")


def _iso_to_display_date(value: str) -> str:
    try:
        return format_date(dt.date.fromisoformat(value))
    except ValueError:
        return value  # what was typed, kept as is


def _national_phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 33
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def edit_value(spec: FieldSpec, value: str) -> str:
    """A stored answer as it goes back into its input (normalised forms made readable)."""
    if not value:
        return ""
    if spec.type is FieldType.DATE:
        return _iso_to_display_date(value)
    if spec.type is FieldType.PHONE:
        return _national_phone(value)
    return value


def display_value(spec: FieldSpec, value: str, language: str) -> str:
    """A stored answer as text for the check screen, in ``language``; "" when empty."""
    if not value:
        return ""
    if spec.type is FieldType.COUNTRY:
        return country_name(value.upper(), language)
    if spec.type in CHOICE_TYPES:
        answer = spec.option_label(value)
        return Translator(language)(answer) if answer else value
    return edit_value(spec, value)
