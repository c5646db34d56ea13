import datetime as dt

import pytest

from kiosk.domain.catalogue import load_catalogue
from kiosk.domain.session import ApplicantSession, Screen

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
IDENTITY = {
    "surname": "Diallo",
    "given_names": "Awa",
    "birth_date": "12/03/2001",
    "nationality": "SN",
    "passport_number": "a1234567",
}
CONTACT = {
    "address_line": "3 rue des Lilas",
    "postal_code": "75015",
    "city": "Paris",
    "phone": "0612345678",
    "email": "",
}


@pytest.fixture
def session():
    s = ApplicantSession(load_catalogue())
    s.choose_language("ar")
    s.start(NOW)
    s.choose_procedure("renewal-student")
    return s


def test_full_flow_reaches_consent_and_payload(session):
    assert session.screen is Screen.STEP and session.step.id == "identity"
    assert session.submit_step(IDENTITY, TODAY) == []
    assert session.step.id == "contact"
    assert session.submit_step(CONTACT, TODAY) == []
    assert session.screen is Screen.CHECK
    session.confirm_answers()
    assert session.screen is Screen.CONSENT
    with pytest.raises(RuntimeError):
        session.payload("k1", NOW)
    assert session.give_consent(False)
    assert session.give_consent(True) == []
    payload = session.payload("k1", NOW)
    assert payload["uuid"] == session.uuid
    assert payload["language"] == "ar"
    assert payload["answers"]["passport_number"] == "A1234567"
    assert payload["answers"]["birth_date"] == "2001-03-12"
    assert payload["answers"]["phone"] == "+33612345678"
    assert "passport" in payload["documents"]
    assert session.missing_answers(TODAY) == []


def test_errors_keep_typed_values_and_do_not_advance(session):
    errors = session.submit_step({**IDENTITY, "birth_date": "31/02/2001"}, TODAY)
    assert [e.field_id for e in errors] == ["birth_date"]
    assert session.step.id == "identity"
    assert session.answers["birth_date"] == "31/02/2001"
    assert session.answers["surname"] == "Diallo"


def test_edit_from_check_returns_to_check(session):
    session.submit_step(IDENTITY, TODAY)
    session.submit_step(CONTACT, TODAY)
    session.edit("identity")
    assert session.step.id == "identity"
    session.submit_step({**IDENTITY, "surname": "Ba"}, TODAY)
    assert session.screen is Screen.CHECK
    assert session.answers["surname"] == "Ba"


def test_back_walks_the_flow_backwards(session):
    session.submit_step(IDENTITY, TODAY)
    session.back()
    assert session.step.id == "identity"
    session.back()
    assert session.screen is Screen.PROCEDURE
    session.back()
    assert session.screen is Screen.WELCOME


def test_wipe_forgets_everything(session):
    session.submit_step(IDENTITY, TODAY)
    old_uuid = session.uuid
    session.wipe()
    assert session.answers == {}
    assert session.procedure is None
    assert session.screen is Screen.WELCOME
    assert session.language == "fr"
    assert session.uuid != old_uuid
