"""Identity prefill: MRZ fields to the catalogue's answers, mismatches, and the session's
photo sessions (passport first, then the checklist's documents)."""

from __future__ import annotations

import datetime as dt

import pytest

from contract.catalogue import load_catalogue
from kiosk.domain.identity_prefill import (
    MRZ_SOURCES,
    UNCHECKED,
    MismatchGate,
    alpha2,
    mismatches,
    prefill,
)
from kiosk.domain.mrz import Format, Identity, format_mrz, parse_valid
from kiosk.domain.session import ApplicantSession, ScanPhase, Screen

TODAY = dt.date(2026, 11, 26)


def passport(**changes: object) -> Identity:
    fields: dict[str, object] = {
        "format": Format.TD3,
        "document_code": "P",
        "issuing_state": "MAR",
        "surname": "El Amrani",
        "given_names": "Amina Zahra",
        "document_number": "XK4815162",
        "nationality": "MAR",
        "birth_date": dt.date(2001, 12, 31),
        "sex": "F",
        "expiry_date": dt.date(2030, 5, 1),
    }
    fields.update(changes)
    return Identity(**fields)  # type: ignore[arg-type]


def read(**changes: object):  # type: ignore[no-untyped-def]
    return parse_valid(format_mrz(passport(**changes)), today=TODAY)


@pytest.fixture(scope="module")
def fields():  # type: ignore[no-untyped-def]
    procedure = load_catalogue().procedure("renewal-student")
    return [f for step in procedure.steps for f in step.fields]


def test_the_passport_fills_the_identity_questions_the_procedure_asks(fields) -> None:  # type: ignore[no-untyped-def]
    out = prefill(read(), fields, TODAY)
    assert out.answers == {
        "surname": "El Amrani",
        "given_names": "Amina Zahra",
        "birth_date": "2001-12-31",
        "nationality": "MA",
        "passport_number": "XK4815162",
    }
    assert not out.expired and out.expiry_date == dt.date(2030, 5, 1)
    assert out.skipped == ()
    # Names and nationality have no check digit: the applicant is told to check them.
    assert set(out.unchecked) == {"surname", "given_names", "nationality"}
    assert {"birth_date", "passport_number"}.isdisjoint(UNCHECKED)


def test_fields_the_catalogue_could_add_are_filled_too(fields) -> None:  # type: ignore[no-untyped-def]
    """Data, not code: a procedure asking ``sex`` or ``passport_expiry`` gets them."""
    from contract.catalogue import FieldSpec

    extra = [
        FieldSpec.model_validate(
            {
                "id": "sex",
                "type": "choice",
                "label": "Sexe",
                "help": "h",
                "options": [{"value": v, "label": v} for v in ("female", "male", "other")],
            }
        ),
        FieldSpec.model_validate(
            {
                "id": "passport_expiry",
                "type": "date",
                "label": "Fin",
                "help": "h",
                "max_years_ago": 10,
                "max_years_ahead": 10,
            }
        ),
    ]
    out = prefill(read(), [*fields, *extra], TODAY)
    assert out.answers["sex"] == "female" and out.answers["passport_expiry"] == "2030-05-01"
    assert set(MRZ_SOURCES) >= {"sex", "passport_expiry"}


def test_an_expired_passport_is_said_so(fields) -> None:  # type: ignore[no-untyped-def]
    out = prefill(read(expiry_date=dt.date(2025, 1, 31)), fields, TODAY)
    assert out.expired and out.expiry_date == dt.date(2025, 1, 31)
    assert out.answers["passport_number"] == "XK4815162"  # still filled


@pytest.mark.parametrize(
    ("code", "expected"),
    [("MAR", "MA"), ("D", "DE"), ("DEU", "DE"), ("GBD", "GB"), ("AFG", "AF"), ("UTO", None),
     ("XXA", None), ("UNO", None), ("D<<", "DE")],
)  # fmt: skip
def test_mrz_country_codes_become_the_answers_codes(code: str, expected: str | None) -> None:
    assert alpha2(code) == expected


def test_what_the_mrz_cannot_give_stays_empty(fields) -> None:  # type: ignore[no-untyped-def]
    out = prefill(read(nationality="XXA", birth_date=dt.date(2015, 1, 1)), fields, TODAY)
    # Stateless (no country to choose) and too young for the question: left to type.
    assert "nationality" not in out.answers and "birth_date" not in out.answers
    assert set(out.skipped) == {"nationality", "birth_date"}


def test_only_differences_that_matter_are_mismatches(fields) -> None:  # type: ignore[no-untyped-def]
    out = prefill(read(), fields, TODAY)
    same = {
        "surname": "EL-AMRANI",  # case, hyphen: as the MRZ writes it, the same
        "given_names": "Amina  Zahra",
        "birth_date": "31/12/2001",  # typed the usual way
        "nationality": "ma",
        "passport_number": "xk 4815162",
    }
    assert mismatches(out, fields, same, TODAY) == []
    different = {**same, "birth_date": "13/12/2001", "surname": "El Amraoui"}
    found = mismatches(out, fields, different, TODAY)
    assert [(m.field_id, m.mrz_value, m.checked) for m in found] == [
        ("surname", "El Amrani", False),
        ("birth_date", "2001-12-31", True),
    ]
    # Not a valid date yet: the field's own error says so, not a mismatch.
    assert mismatches(out, fields, {**same, "birth_date": "31/13/2001"}, TODAY) == []


def test_a_mismatch_is_pointed_out_once(fields) -> None:  # type: ignore[no-untyped-def]
    out = prefill(read(), fields, TODAY)
    gate = MismatchGate()
    values = {"birth_date": "13/12/2001"}
    found = mismatches(out, fields, values, TODAY)
    assert gate.needs_warning(found, values)
    assert not gate.needs_warning(found, values)  # the same answer again: it goes through
    values = {"birth_date": "14/12/2001"}
    assert gate.needs_warning(mismatches(out, fields, values, TODAY), values)
    assert not gate.needs_warning([], {})


# --- the session -------------------------------------------------------------------------
def test_the_passport_comes_before_the_identity_questions_then_the_documents() -> None:
    s = ApplicantSession(load_catalogue())
    s.start()
    s.choose_procedure("renewal-student")
    s.begin()
    assert s.screen is Screen.STEP and s.wants_passport_scan()
    s.start_scan(ScanPhase.IDENTITY)
    assert s.screen is Screen.SCAN
    fields = [f for step in s.procedure.steps for f in step.fields]  # type: ignore[union-attr]
    s.identity_scanned(prefill(read(), fields, TODAY))
    s.page_scanned("passport", 1)
    s.finish_scan()
    assert s.screen is Screen.STEP and s.step_index == 0 and not s.wants_passport_scan()
    assert s.answers["passport_number"] == "XK4815162"
    # ... the checklist: the passport is already photographed.
    s.screen = Screen.DOCUMENTS
    to_scan = [d.id for d in s.documents_to_scan()]
    assert "passport" not in to_scan and "residence_permit" in to_scan
    assert s.missing_documents() == ()  # no photo session yet: nothing is "missing"
    s.start_scan(ScanPhase.DOCUMENTS)
    s.page_scanned("residence_permit", 1)
    s.page_scanned("residence_permit", 2)
    s.document_skipped("enrolment_certificate")
    s.back()  # "Retour": the checklist, pages kept
    assert s.screen is Screen.DOCUMENTS and not s.documents_scanned
    s.start_scan(ScanPhase.DOCUMENTS)
    s.finish_scan()
    assert s.screen is Screen.DOCUMENTS and s.documents_scanned
    assert s.scanned_pages == {"passport": 1, "residence_permit": 2}
    missing = [d.id for d in s.missing_documents()]
    assert "enrolment_certificate" in missing and "residence_permit" not in missing
    s.wipe()
    assert s.scanned_pages == {} and s.identity_read is None and not s.passport_scan_done


def test_back_from_the_passport_goes_where_the_applicant_came_from() -> None:
    s = ApplicantSession(load_catalogue())
    s.start()
    s.choose_procedure("renewal-student")
    s.begin()
    s.start_scan(ScanPhase.IDENTITY)
    s.back()
    assert s.screen is Screen.BEFORE and not s.passport_scan_done
    s.back()
    assert s.screen is Screen.PROCEDURE
    s.choose_procedure("renewal-student")
    s.begin()
    assert s.wants_passport_scan()  # offered again
    with pytest.raises(RuntimeError):
        s.start_scan(ScanPhase.DOCUMENTS)  # only from the checklist


def test_pages_of_documents_another_procedure_lacks_are_stale() -> None:
    s = ApplicantSession(load_catalogue())
    s.start()
    s.choose_procedure("renewal-student")
    s.page_scanned("passport", 1)
    s.page_scanned("enrolment_certificate", 1)
    assert s.stale_pages() == ()
    s.screen = Screen.PROCEDURE
    s.choose_procedure("renewal-worker")
    assert s.stale_pages() == ("enrolment_certificate",)  # the passport is asked there too
    s.forget_pages("enrolment_certificate")
    assert s.stale_pages() == () and s.scanned_pages == {"passport": 1}
