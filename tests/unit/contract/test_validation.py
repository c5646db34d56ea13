"""Validators: examples, then property tests for every field type (valid accepted,
invalid rejected with a message, and nothing but FieldError whatever the input)."""

import datetime as dt
import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from contract import validation as v
from contract.catalogue import FieldSpec, FieldType, Option
from contract.countries import COUNTRY_CODES
from contract.validation import FieldError, departement_of, parse_date, validate_field

TODAY = dt.date(2026, 11, 26)
OPTIONS = (Option(value="lost", label="Perdue"), Option(value="stolen", label="Volée"))
# Every message a validator may give (the msgids of validation.py).
MESSAGES = {value for name, value in vars(v).items() if name.startswith("MSG_")}


def spec(kind: FieldType, **kw) -> FieldSpec:
    if kind is FieldType.CHOICE and "options" not in kw:
        kw["options"] = OPTIONS
    return FieldSpec(id="f", type=kind, label="L", help="H", **kw)


def rejected(kind: FieldType, raw: str, **kw) -> str:
    with pytest.raises(FieldError) as exc:
        validate_field(spec(kind, **kw), raw, TODAY)
    assert exc.value.field_id == "f"
    assert exc.value.message in MESSAGES
    return exc.value.message


# --- examples ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (FieldType.NAME, "  Ndiaye-Diop ", "Ndiaye-Diop"),
        (FieldType.NAME, "N’Guessan", "N’Guessan"),
        (FieldType.NAME, "محمد علي", "محمد علي"),
        (FieldType.NAME, "مُحَمَّد", "مُحَمَّد"),  # with harakat (combining marks)
        (FieldType.NAME, "Łukasz", "Łukasz"),
        (FieldType.NAME, "Олександр", "Олександр"),
        (FieldType.PASSPORT_NUMBER, "ab 123456", "AB123456"),
        (FieldType.POSTAL_CODE, "75 015", "75015"),
        (FieldType.POSTAL_CODE, "20200", "20200"),
        (FieldType.POSTAL_CODE, "97411", "97411"),
        (FieldType.COMMUNE, "Saint-Denis (La Réunion)", "Saint-Denis (La Réunion)"),
        (FieldType.COMMUNE, "Paris 15e", "Paris 15e"),
        (FieldType.PHONE, "06 12 34 56 78", "+33612345678"),
        (FieldType.PHONE, "+221 77 123 45 67", "+221771234567"),
        (FieldType.PHONE, "٠٦١٢٣٤٥٦٧٨", "+33612345678"),  # Eastern Arabic digits
        (FieldType.EMAIL, "Awa@Example.FR", "awa@example.fr"),
        (FieldType.COUNTRY, "sn", "SN"),
        (FieldType.DATE, "12/03/2001", "2001-03-12"),
        (FieldType.DATE, "2001-03-12", "2001-03-12"),
        (FieldType.YES_NO, "yes", "yes"),
        (FieldType.YES_NO, "NO", "no"),
        (FieldType.CHOICE, "stolen", "stolen"),
        (FieldType.EPHOTO_CODE, "7q2k-9m4x 8p3r6t1v5w0y2z", "7Q2K9M4X8P3R6T1V5W0Y2Z"),
        (FieldType.TAX_STAMP, "1234 5678 9012 3456", "1234567890123456"),
        (FieldType.FOREIGNER_NUMBER, "75 0123 4567", "7501234567"),
    ],
)
def test_valid_values_are_normalised(kind, raw, expected):
    assert validate_field(spec(kind), raw, TODAY).value == expected


@pytest.mark.parametrize(
    ("kind", "raw", "fragment"),
    [
        (FieldType.NAME, "Awa2", "lettres"),
        (FieldType.NAME, "--", "lettres"),
        (FieldType.NAME, "Awa  -Ba", "lettres"),
        (FieldType.PASSPORT_NUMBER, "12", "6 à 9"),
        (FieldType.POSTAL_CODE, "7501", "5 chiffres"),
        (FieldType.POSTAL_CODE, "00100", "n'existe pas"),
        (FieldType.POSTAL_CODE, "96100", "n'existe pas"),
        (FieldType.POSTAL_CODE, "98000", "n'existe pas"),  # Monaco
        (FieldType.COMMUNE, "12", "commune"),
        (FieldType.PHONE, "12", "téléphone"),
        (FieldType.EMAIL, "awa@", "e-mail"),
        (FieldType.COUNTRY, "XX", "pays"),
        (FieldType.DATE, "31/02/2001", "date réelle"),
        (FieldType.TEXT, "   ", "obligatoire"),
        (FieldType.YES_NO, "peut-être", "Oui"),
        (FieldType.CHOICE, "burnt", "réponses proposées"),
        (FieldType.EPHOTO_CODE, "ABC123", "22 lettres"),
        (FieldType.TAX_STAMP, "1234 5678 9012 345", "16 chiffres"),
        (FieldType.FOREIGNER_NUMBER, "12345", "10 chiffres"),
    ],
)
def test_invalid_values_get_a_plain_message(kind, raw, fragment):
    assert fragment in rejected(kind, raw)


def test_optional_empty_is_accepted():
    assert validate_field(spec(FieldType.EMAIL, required=False), "", TODAY).value == ""
    assert validate_field(spec(FieldType.TAX_STAMP, required=False), "  ", TODAY).value == ""


def test_date_rules():
    birth = spec(FieldType.DATE, past=True, min_age=16, max_age=120)
    with pytest.raises(FieldError, match="futur"):
        validate_field(birth, "01/01/2027", TODAY)
    with pytest.raises(FieldError, match="jeune"):
        validate_field(birth, "27/11/2010", TODAY)  # 15 the day before the 16th birthday
    assert validate_field(birth, "26/11/2010", TODAY).value == "2010-11-26"
    with pytest.raises(FieldError):
        validate_field(birth, "01/01/1900", TODAY)


def test_an_expiry_date_may_be_past_or_future_within_bounds():
    expiry = spec(FieldType.DATE, max_years_ago=5, max_years_ahead=10)
    assert validate_field(expiry, "01/01/2025", TODAY).value == "2025-01-01"
    assert validate_field(expiry, "26/11/2036", TODAY).value == "2036-11-26"
    with pytest.raises(FieldError, match="trop loin"):
        validate_field(expiry, "27/11/2037", TODAY)
    with pytest.raises(FieldError, match="trop ancienne"):
        validate_field(expiry, "25/11/2020", TODAY)


def test_eligibility_answers_get_the_catalogue_message():
    question = spec(FieldType.YES_NO, eligible=("yes",), ineligible_message="Pas pour vous.")
    assert validate_field(question, "yes", TODAY).value == "yes"
    with pytest.raises(FieldError) as exc:
        validate_field(question, "no", TODAY)
    assert exc.value.message == "Pas pour vous."


def test_departements():
    assert departement_of("75015") == "75"
    assert departement_of("20090") == "2A"
    assert departement_of("20200") == "2B"
    assert departement_of("97600") == "976"
    assert departement_of("97700") is None
    assert departement_of("95000") == "95"
    assert departement_of("7501") is None


def test_parse_date_rejects_nonsense():
    for raw in ("", "2001", "32/01/2001", "ab/cd/efgh", "0000-01-01", "2001-1-1"):
        with pytest.raises(ValueError):
            parse_date(raw)


# --- properties: nothing but FieldError, whatever the input ------------------------------
ANY_TEXT = st.text(max_size=80) | st.text(alphabet=string.printable, max_size=40)


@given(kind=st.sampled_from(list(FieldType)), raw=ANY_TEXT, required=st.booleans())
def test_no_input_raises_anything_but_field_error(kind, raw, required):
    try:
        out = validate_field(spec(kind, required=required), raw, TODAY)
    except FieldError as err:
        assert err.message in MESSAGES
        assert err.field_id == "f"
    else:
        assert isinstance(out.value, str)
        # Normalised values are stable: validating them again gives them back.
        assert validate_field(spec(kind, required=required), out.value, TODAY).value == out.value


@given(kind=st.sampled_from(list(FieldType)), raw=st.text(min_size=81, max_size=300))
def test_too_long_is_refused_for_every_type(kind, raw):
    assume(len(" ".join(raw.split())) > 80)
    assert rejected(kind, raw) == v.MSG_TOO_LONG


# --- properties: valid inputs accepted, invalid rejected with a message, per type --------
LETTER = st.characters(categories=["Lu", "Ll", "Lo"])
WORD = st.text(alphabet=LETTER, min_size=1, max_size=12)
NAME = st.builds(
    lambda words, seps: words[0] + "".join(s + w for s, w in zip(seps, words[1:], strict=False)),
    st.lists(WORD, min_size=1, max_size=3),
    st.lists(st.sampled_from([" ", "-", "'", "’"]), min_size=2, max_size=2),
)


@given(NAME)
def test_names_of_any_script_are_accepted(name):
    assume(len(name) <= 80)
    assert validate_field(spec(FieldType.NAME), name, TODAY).value


@given(st.text(alphabet=string.ascii_letters + "éèàçÉ", min_size=1, max_size=30))
def test_any_letters_are_a_name(name):
    assert validate_field(spec(FieldType.NAME), name, TODAY).value == name


@given(WORD, st.sampled_from(list("0123456789_@#!?;:/\\")), WORD)
def test_names_with_digits_or_symbols_are_refused(a, bad, b):
    assert rejected(FieldType.NAME, a + bad + b) == v.MSG_NAME


@given(st.dates(min_value=dt.date(1910, 1, 1), max_value=dt.date(2010, 1, 1)))
def test_dates_round_trip_in_french_format(d):
    raw = d.strftime("%d/%m/%Y")
    assert validate_field(spec(FieldType.DATE), raw, TODAY).value == d.isoformat()


@given(st.integers(1, 40), st.integers(1, 20), st.integers(1900, 2100))
def test_impossible_dates_are_refused(day, month, year):
    try:
        dt.date(year, month, day)
    except ValueError:
        assert rejected(FieldType.DATE, f"{day:02d}/{month:02d}/{year}") == v.MSG_DATE


@given(st.sampled_from(sorted(COUNTRY_CODES)))
def test_every_country_code_is_accepted(code):
    assert validate_field(spec(FieldType.COUNTRY), code.lower(), TODAY).value == code


@given(st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2))
def test_unknown_country_codes_are_refused(code):
    assume(code not in COUNTRY_CODES)
    assert rejected(FieldType.COUNTRY, code) == v.MSG_COUNTRY


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=6, max_size=9))
def test_passport_numbers(number):
    assert validate_field(spec(FieldType.PASSPORT_NUMBER), number, TODAY).value == number


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=10, max_size=20))
def test_passport_numbers_too_long(number):
    assert rejected(FieldType.PASSPORT_NUMBER, number) == v.MSG_PASSPORT


@given(st.integers(1000, 99999))
def test_postal_codes(n):
    code = f"{n:05d}"
    if departement_of(code) is None:
        assert rejected(FieldType.POSTAL_CODE, code) == v.MSG_POSTAL_CODE_UNKNOWN
    else:
        assert validate_field(spec(FieldType.POSTAL_CODE), code, TODAY).value == code


@given(st.text(alphabet=string.digits, min_size=1, max_size=12))
def test_postal_codes_of_the_wrong_length(code):
    assume(len(code) != 5)
    assert rejected(FieldType.POSTAL_CODE, code) == v.MSG_POSTAL_CODE


@given(WORD, st.lists(st.sampled_from([" ", "-", "'", " 1", "(", ")"]), max_size=3))
def test_communes(first, extra):
    name = first + "".join(extra)
    assume(len(name) <= 80)
    assert validate_field(spec(FieldType.COMMUNE), name, TODAY).value


@given(st.text(alphabet="!?@#$%&*=+<>;", min_size=1, max_size=10))
def test_communes_without_letters_are_refused(junk):
    assert rejected(FieldType.COMMUNE, "Paris" + junk) == v.MSG_COMMUNE


@given(st.sampled_from("0124578"), st.text(alphabet=string.digits, min_size=7, max_size=7))
def test_french_mobile_numbers(second, rest):
    # 06 0x, 06 1x, 06 2x, 06 4x ... are allocated mobile ranges (ARCEP plan).
    number = f"06{second}{rest}"
    assert validate_field(spec(FieldType.PHONE), number, TODAY).value == f"+336{second}{rest}"


@given(st.text(alphabet=string.digits, min_size=1, max_size=5))
def test_short_numbers_are_not_phones(digits):
    assert rejected(FieldType.PHONE, digits) == v.MSG_PHONE


LOCAL = st.text(alphabet=string.ascii_lowercase + string.digits + "._+-", min_size=1, max_size=20)
DOMAIN = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=15)


@given(LOCAL, DOMAIN, st.sampled_from(["fr", "com", "org", "sn"]))
def test_emails(local, domain, tld):
    address = f"{local}@{domain}.{tld}"
    assert validate_field(spec(FieldType.EMAIL), address.upper(), TODAY).value == address


@given(LOCAL, DOMAIN)
def test_emails_without_at_or_dot_are_refused(local, domain):
    assert rejected(FieldType.EMAIL, f"{local}{domain}") == v.MSG_EMAIL
    assert rejected(FieldType.EMAIL, f"{local}@{domain}") == v.MSG_EMAIL


@given(st.sampled_from(["yes", "no", "YES", "No"]))
def test_yes_no(answer):
    assert validate_field(spec(FieldType.YES_NO), answer, TODAY).value == answer.lower()


@given(st.text(max_size=20))
def test_yes_no_refuses_anything_else(answer):
    assume(" ".join(answer.split()).casefold() not in {"yes", "no", ""})
    assert rejected(FieldType.YES_NO, answer) == v.MSG_YES_NO


@given(st.sampled_from(["lost", "stolen"]))
def test_choice(answer):
    assert validate_field(spec(FieldType.CHOICE), answer, TODAY).value == answer


@given(st.text(max_size=20))
def test_choice_refuses_other_answers(answer):
    assume(" ".join(answer.split()) not in {"lost", "stolen", ""})
    assert rejected(FieldType.CHOICE, answer) == v.MSG_CHOICE


ALNUM = string.ascii_letters + string.digits


@given(st.text(alphabet=ALNUM, min_size=22, max_size=22))
def test_ephoto_codes(code):
    typed = " ".join(code[i : i + 4] for i in range(0, 22, 4))  # as printed, in groups
    assert validate_field(spec(FieldType.EPHOTO_CODE), typed, TODAY).value == code.upper()


@given(st.text(alphabet=ALNUM, min_size=1, max_size=40))
def test_ephoto_codes_of_another_length(code):
    assume(len(code) != 22)
    assert rejected(FieldType.EPHOTO_CODE, code) == v.MSG_EPHOTO


@given(st.text(alphabet=string.digits, min_size=16, max_size=16))
def test_tax_stamps(number):
    typed = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    assert validate_field(spec(FieldType.TAX_STAMP), typed, TODAY).value == number


@given(st.text(alphabet=ALNUM, min_size=1, max_size=30))
def test_tax_stamps_are_16_digits(number):
    assume(not (len(number) == 16 and number.isdigit()))
    assert rejected(FieldType.TAX_STAMP, number) == v.MSG_TAX_STAMP


@given(st.text(alphabet=string.digits, min_size=10, max_size=10))
def test_foreigner_numbers(number):
    assert validate_field(spec(FieldType.FOREIGNER_NUMBER), number, TODAY).value == number


@given(st.text(alphabet=ALNUM, min_size=1, max_size=30))
def test_foreigner_numbers_are_10_digits(number):
    assume(not (len(number) == 10 and number.isdigit()))
    assert rejected(FieldType.FOREIGNER_NUMBER, number) == v.MSG_FOREIGNER_NUMBER


@given(st.text(min_size=1, max_size=80))
def test_free_text_is_kept_tidy(text):
    tidy = " ".join(text.split())
    assume(tidy)
    assert validate_field(spec(FieldType.TEXT), text, TODAY).value


def test_every_field_type_has_a_property_test():
    tested = {
        FieldType.TEXT,
        FieldType.NAME,
        FieldType.DATE,
        FieldType.COUNTRY,
        FieldType.PASSPORT_NUMBER,
        FieldType.POSTAL_CODE,
        FieldType.COMMUNE,
        FieldType.PHONE,
        FieldType.EMAIL,
        FieldType.YES_NO,
        FieldType.CHOICE,
        FieldType.EPHOTO_CODE,
        FieldType.TAX_STAMP,
        FieldType.FOREIGNER_NUMBER,
    }
    assert tested == set(FieldType)
