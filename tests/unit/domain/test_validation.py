import datetime as dt
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.catalogue import FieldSpec, FieldType
from kiosk.domain.validation import FieldError, parse_date, validate_field

TODAY = dt.date(2026, 11, 26)


def spec(kind: FieldType, **kw) -> FieldSpec:
    return FieldSpec(id="f", type=kind, label="L", help="H", **kw)


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (FieldType.NAME, "  Ndiaye-Diop ", "Ndiaye-Diop"),
        (FieldType.NAME, "N’Guessan", "N’Guessan"),
        (FieldType.NAME, "محمد علي", "محمد علي"),
        (FieldType.NAME, "Łukasz", "Łukasz"),
        (FieldType.PASSPORT_NUMBER, "ab 123456", "AB123456"),
        (FieldType.POSTAL_CODE, "75 015", "75015"),
        (FieldType.PHONE, "06 12 34 56 78", "+33612345678"),
        (FieldType.PHONE, "+221 77 123 45 67", "+221771234567"),
        (FieldType.EMAIL, "Awa@Example.FR", "awa@example.fr"),
        (FieldType.COUNTRY, "sn", "SN"),
        (FieldType.DATE, "12/03/2001", "2001-03-12"),
        (FieldType.DATE, "2001-03-12", "2001-03-12"),
    ],
)
def test_valid_values_are_normalised(kind, raw, expected):
    assert validate_field(spec(kind), raw, TODAY).value == expected


@pytest.mark.parametrize(
    ("kind", "raw", "fragment"),
    [
        (FieldType.NAME, "Awa2", "lettres"),
        (FieldType.NAME, "--", "lettres"),
        (FieldType.PASSPORT_NUMBER, "12", "6 à 9"),
        (FieldType.POSTAL_CODE, "7501", "5 chiffres"),
        (FieldType.POSTAL_CODE, "00100", "5 chiffres"),
        (FieldType.PHONE, "12", "téléphone"),
        (FieldType.EMAIL, "awa@", "e-mail"),
        (FieldType.COUNTRY, "XX", "pays"),
        (FieldType.DATE, "31/02/2001", "date réelle"),
        (FieldType.TEXT, "   ", "obligatoire"),
    ],
)
def test_invalid_values_get_a_plain_message(kind, raw, fragment):
    with pytest.raises(FieldError) as exc:
        validate_field(spec(kind), raw, TODAY)
    assert fragment in exc.value.message
    assert exc.value.field_id == "f"


def test_optional_empty_is_accepted():
    assert validate_field(spec(FieldType.EMAIL, required=False), "", TODAY).value == ""


def test_date_rules():
    birth = spec(FieldType.DATE, past=True, min_age=16, max_age=120)
    with pytest.raises(FieldError, match="futur"):
        validate_field(birth, "01/01/2027", TODAY)
    with pytest.raises(FieldError, match="jeune"):
        validate_field(birth, "27/11/2010", TODAY)  # 15 the day before the 16th birthday
    assert validate_field(birth, "26/11/2010", TODAY).value == "2010-11-26"
    with pytest.raises(FieldError):
        validate_field(birth, "01/01/1900", TODAY)


def test_parse_date_rejects_nonsense():
    for raw in ("", "2001", "32/01/2001", "ab/cd/efgh"):
        with pytest.raises(ValueError):
            parse_date(raw)


@given(kind=st.sampled_from(list(FieldType)), raw=st.text(max_size=60))
def test_no_input_raises_anything_but_field_error(kind, raw):
    try:
        out = validate_field(spec(kind, required=False), raw, TODAY)
    except FieldError as err:
        assert err.message
    else:
        assert isinstance(out.value, str)


@given(st.text(alphabet=string.ascii_letters + "éèàçÉ", min_size=1, max_size=30))
def test_any_letters_are_a_name(name):
    assert validate_field(spec(FieldType.NAME), name, TODAY).value == name


@given(st.dates(min_value=dt.date(1910, 1, 1), max_value=dt.date(2010, 1, 1)))
def test_dates_round_trip_in_french_format(d):
    raw = d.strftime("%d/%m/%Y")
    assert validate_field(spec(FieldType.DATE), raw, TODAY).value == d.isoformat()
