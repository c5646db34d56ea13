import datetime as dt

import pytest

from contract.catalogue import load_catalogue
from kiosk.domain.deadlines import DeadlineStatus
from kiosk.domain.samples import sample_answers
from kiosk.domain.session import ApplicantSession, Receipt, SavedDraft, Screen

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
STUDIES = {"still_studying": "yes", "changed_course": "no", "resources": "own", "housing": "own"}
PERMIT = {"foreigner_number": "7501234567", "permit_expiry": "31/01/2027"}
PHOTO = {"ephoto_code": "7Q2K9M4X8P3R6T1V5W0Y2Z", "tax_stamp": ""}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture
def session(catalogue):
    s = ApplicantSession(catalogue)
    s.choose_language("ar")
    s.start(NOW)
    s.choose_procedure("renewal-student")
    s.begin()
    return s


def fill_all(session, overrides=None):
    """Answer every step of the current procedure with valid samples."""
    answers = sample_answers(session.procedure, TODAY, overrides)
    while session.screen is Screen.STEP:
        assert session.submit_step(answers, TODAY) == []


def test_full_flow_reaches_consent_and_payload(session):
    assert session.screen is Screen.STEP and session.step.id == "identity"
    for values in (IDENTITY, CONTACT, STUDIES, PERMIT):
        assert session.submit_step(values, TODAY) == []
    assert session.step.id == "photo"
    assert session.submit_step(PHOTO, TODAY) == []
    assert session.screen is Screen.DOCUMENTS
    session.confirm_documents()
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
    assert payload["answers"]["permit_expiry"] == "2027-01-31"
    assert payload["documents"] == [
        "passport",
        "residence_permit",
        "enrolment_certificate",
        "proof_of_address",
        "proof_of_resources",
        "photo",
    ]
    assert session.missing_answers(TODAY) == []


def test_errors_keep_typed_values_and_do_not_advance(session):
    errors = session.submit_step({**IDENTITY, "birth_date": "31/02/2001"}, TODAY)
    assert [e.field_id for e in errors] == ["birth_date"]
    assert session.step.id == "identity"
    assert session.answers["birth_date"] == "31/02/2001"
    assert session.answers["surname"] == "Diallo"


def test_an_ineligible_answer_stops_with_the_catalogue_message(session):
    session.submit_step(IDENTITY, TODAY)
    session.submit_step(CONTACT, TODAY)
    errors = session.submit_step({**STUDIES, "still_studying": "no"}, TODAY)
    assert [e.field_id for e in errors] == ["still_studying"]
    assert errors[0].message.startswith("Cette démarche est pour continuer vos études.")
    assert session.step.id == "studies"


def test_edit_from_check_returns_to_check(session):
    fill_all(session)
    session.confirm_documents()
    session.edit("identity")
    assert session.step.id == "identity"
    session.submit_step({**IDENTITY, "surname": "Ba"}, TODAY)
    assert session.screen is Screen.CHECK
    assert session.answers["surname"] == "Ba"


def test_back_walks_the_flow_backwards(session):
    fill_all(session)
    session.confirm_documents()
    session.back()
    assert session.screen is Screen.DOCUMENTS
    session.back()
    assert session.step.id == "photo"
    session.step_index = 1
    session.back()
    assert session.step.id == "identity"
    session.back()
    assert session.screen is Screen.BEFORE  # "Avant de commencer"
    session.back()
    assert session.screen is Screen.PROCEDURE
    session.back()
    assert session.screen is Screen.WELCOME


def test_documents_and_fee_follow_the_answers(catalogue):
    s = ApplicantSession(catalogue)
    s.start(NOW)
    s.choose_procedure("duplicate")
    s.begin()
    fill_all(s, {"lost_or_stolen": "stolen", "card_type": "student", "housing": "hosted"})
    ids = [d.id for d in s.documents()]
    assert "police_report" in ids and "loss_statement" not in ids
    assert "hosting_certificate" in ids and "proof_of_address" not in ids
    assert s.fee_total() == 75
    s.confirm_documents()
    s.confirm_answers()
    s.give_consent(True)
    assert s.payload("k", NOW)["documents"] == ids


def test_deadline_after_the_expiry_date_is_known(session):
    assert session.deadline(TODAY) is None
    fill_all(session, {"permit_expiry": "15/12/2026"})
    deadline = session.deadline(TODAY)
    assert deadline is not None and deadline.status is DeadlineStatus.LATE
    assert deadline.late_fee_eur == 180


def test_the_guide_leads_to_a_procedure_and_back(catalogue):
    s = ApplicantSession(catalogue)
    s.start(NOW)
    s.start_guide()
    assert s.screen is Screen.GUIDE
    s.guide_answer(0)  # I have a card
    s.guide_answer(1)  # lost or stolen
    assert s.guide.procedure_id == "duplicate"
    s.accept_guide()
    assert s.screen is Screen.BEFORE and s.procedure.id == "duplicate"
    s.begin()
    assert s.screen is Screen.STEP and s.step_index == 0
    s.back()  # back from the first step: "before you start"
    assert s.screen is Screen.BEFORE
    s.back()  # then the guide's last answer, to change it
    assert s.screen is Screen.GUIDE and s.guide.procedure_id == "duplicate"
    s.back()
    assert s.guide.procedure_id is None and s.guide.question.id == "card_need"
    s.back()
    s.back()
    assert s.screen is Screen.PROCEDURE and s.guide is None
    with pytest.raises(RuntimeError):
        s.accept_guide()


def test_a_procedure_opens_on_before_you_start_with_an_estimate(catalogue):
    s = ApplicantSession(catalogue)
    s.start(NOW)
    s.choose_procedure("renewal-student")
    assert s.screen is Screen.BEFORE and s.step is None
    # 18 questions, 6 documents: 9 + 9 + 2 = 20 min with photos, 9 + 3 + 2 -> 15 without.
    assert s.expected_minutes(photos=True) == 20
    assert s.expected_minutes(photos=False) == 15
    s.begin()
    assert s.screen is Screen.STEP and s.step_index == 0
    with pytest.raises(RuntimeError):
        s.begin()


def test_choosing_directly_forgets_the_guide(catalogue):
    s = ApplicantSession(catalogue)
    s.start(NOW)
    s.start_guide()
    s.back()
    s.choose_procedure("first-visitor")
    s.back()
    assert s.screen is Screen.PROCEDURE


def test_save_for_later_needs_the_birth_date(session):
    assert not session.can_save_for_later(TODAY)
    session.submit_step(IDENTITY, TODAY)
    assert session.can_save_for_later(TODAY)
    assert session.birth_date(TODAY) == "2001-03-12"
    session.saved_for_later("7K3M9QXD")
    assert session.screen is Screen.SAVED and session.resume_code == "7K3M9QXD"
    session.back()  # "Continuer ma demande"
    assert session.screen is Screen.STEP and session.step.id == "contact"


def test_restore_goes_to_the_first_unanswered_step(catalogue, session):
    session.submit_step(IDENTITY, TODAY)
    session.submit_step(CONTACT, TODAY)
    saved = dict(session.answers)
    other = ApplicantSession(catalogue)
    other.open_resume()
    assert other.screen is Screen.RESUME
    other.restore(SavedDraft(session.uuid, "renewal-student", "ar", saved, "7K3M9QXD"), TODAY, NOW)
    assert other.uuid == session.uuid and other.language == "ar"
    assert other.screen is Screen.STEP and other.step.id == "studies"
    fill_all(other)
    complete = dict(other.answers)
    third = ApplicantSession(catalogue)
    third.restore(SavedDraft(other.uuid, "renewal-student", "fr", complete, "7K3M9QXD"), TODAY)
    assert third.screen is Screen.DOCUMENTS
    with pytest.raises(KeyError):
        third.restore(SavedDraft(other.uuid, "naturalisation", "fr", complete, "X"), TODAY)


def test_a_restored_draft_does_not_ask_for_the_passport_again(catalogue, session):
    """The identity questions were answered after the passport (read or passed over):
    resumed, the passport is not asked for again (issue 15, problem 6)."""
    session.submit_step(IDENTITY, TODAY)
    other = ApplicantSession(catalogue)
    other.restore(
        SavedDraft(session.uuid, "renewal-student", "fr", dict(session.answers), "C"), TODAY
    )
    assert other.passport_scan_done
    other.back()
    assert other.step.id == "identity" and not other.wants_passport_scan()
    empty = ApplicantSession(catalogue)
    empty.restore(SavedDraft(session.uuid, "renewal-student", "fr", {}, "C"), TODAY)
    assert not empty.passport_scan_done and empty.wants_passport_scan()


def test_another_application_for_the_family_keeps_the_address(catalogue, session):
    fill_all(session, {**CONTACT, "housing": "hosted"})
    session.confirm_documents()
    session.confirm_answers()
    session.give_consent(True)
    first_uuid = session.uuid
    session.submitted(Receipt("K-AAAA-BBBB", NOW, "renewal-student"))
    session.another_application()
    assert session.screen is Screen.PROCEDURE
    assert session.uuid != first_uuid and session.language == "ar"
    assert session.answers == {
        "address_line": "3 rue des Lilas",
        "postal_code": "75015",
        "city": "Paris",
        "housing": "hosted",
    }
    session.choose_procedure("first-spouse-of-french")
    assert session.answers["postal_code"] == "75015"
    assert "surname" not in session.answers and not session.consent_given
    session.wipe()
    assert session.household == {}


def test_wipe_forgets_everything(session):
    session.submit_step(IDENTITY, TODAY)
    session.saved_for_later("7K3M9QXD")
    old_uuid = session.uuid
    session.wipe()
    assert session.answers == {}
    assert session.procedure is None
    assert session.screen is Screen.WELCOME
    assert session.language == "fr"
    assert session.uuid != old_uuid
    assert session.resume_code is None and session.guide is None


@pytest.mark.parametrize("procedure_id", sorted(p.id for p in load_catalogue().procedures))
def test_every_procedure_can_be_completed(catalogue, procedure_id):
    s = ApplicantSession(catalogue)
    s.start(NOW)
    s.choose_procedure(procedure_id)
    s.begin()
    fill_all(s)
    assert s.screen is Screen.DOCUMENTS and s.documents() and s.fee_total() > 0
    s.confirm_documents()
    s.confirm_answers()
    s.give_consent(True)
    payload = s.payload("k", NOW)
    assert set(payload["answers"]) == set(s.procedure.field_ids)
    assert payload["documents"] == [d.id for d in s.documents()]
