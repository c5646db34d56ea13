import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.resume import (
    MSG_RESUME_CODE,
    RESUME_ALPHABET,
    check_resume_form,
    format_resume_code,
    new_resume_code,
    normalise_resume_code,
    spoken_resume_code,
)

TODAY = dt.date(2026, 11, 26)


def test_codes_are_unambiguous_and_grouped():
    codes = {new_resume_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 8 and set(code) <= set(RESUME_ALPHABET)
    assert not set("01OIL") & set(RESUME_ALPHABET)
    assert format_resume_code("7K3M9QXD") == "7K3M 9QXD"
    assert spoken_resume_code("7K3M9QXD") == "7, K, 3, M ; 9, Q, X, D"


@given(st.text(alphabet=RESUME_ALPHABET, min_size=8, max_size=8))
def test_a_code_is_read_back_however_it_is_typed(code):
    typed = f" {code[:4].lower()} - {code[4:]} "
    assert normalise_resume_code(typed) == code


@given(st.text(max_size=12))
def test_anything_else_is_not_a_code(text):
    out = normalise_resume_code(text)
    assert out is None or (len(out) == 8 and set(out) <= set(RESUME_ALPHABET))


def test_the_resume_form():
    assert check_resume_form("7k3m 9qxd", "12/03/2001", TODAY) == ("7K3M9QXD", "2001-03-12")
    errors = check_resume_form("7K3M 0QXD", "31/02/2001", TODAY)
    assert [e.field_id for e in errors] == ["resume_code", "resume_birth_date"]
    assert errors[0].message == MSG_RESUME_CODE
    errors = check_resume_form("", "", TODAY)
    assert [e.message for e in errors] == ["Cette réponse est obligatoire."] * 2
