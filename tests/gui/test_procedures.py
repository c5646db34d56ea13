"""Every procedure of the catalogue completed end to end on the real screens (fake devices),
checking what reaches the sealed payload: the right answers and the right documents for the
answers given. Then the guide, the renewal deadline, save-and-resume and a family filing
two applications in one visit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract.catalogue import load_catalogue
from kiosk.domain.samples import sample_value
from kiosk.domain.session import Screen
from kiosk.ui.choice import ChoiceRow
from tests.fixtures.procedures import CASES, Case
from tests.fixtures.walk import choose_procedure, start_procedure, submit_from_documents
from tests.gui.conftest import CONTACT, IDENTITY, NOW, STUDENT_RENEWAL, Kiosk

pytestmark = pytest.mark.gui

CATALOGUE = load_catalogue()


def payload_of(kiosk: Kiosk, index: int = -1) -> dict[str, Any]:
    _uuid, _procedure, sealed = kiosk.store.outbox.enqueued[index]
    result: dict[str, Any] = json.loads(sealed)
    return result


@pytest.mark.parametrize("case", CASES, ids=[c.procedure_id for c in CASES])
def test_each_procedure_end_to_end(kiosk: Kiosk, case: Case) -> None:
    w = kiosk.window
    procedure = CATALOGUE.procedure(case.procedure_id)
    start_procedure(kiosk, case.procedure_id)
    assert w.step.caption.text() == f"Étape 1 sur {len(procedure.steps)}"
    kiosk.complete_steps(case.answers)

    # The checklist: the documents for these answers, and the fee.
    labels = {d.id: d.label for d in procedure.documents}
    shown = [t.removeprefix("• ") for t in w.documents.document_texts]
    expected = []
    for doc_id in case.documents:
        doc = next(d for d in procedure.documents if d.id == doc_id)
        text = labels[doc_id] if doc.required else f"{labels[doc_id]} (si vous l'avez)"
        expected.append(text)
    assert shown == expected
    assert w.documents.fee_total.text() == f"Total : {case.fee_eur} € en timbre fiscal"

    submit_from_documents(kiosk)
    assert len(kiosk.store.outbox.enqueued) == 1
    uuid, procedure_id, _ = kiosk.store.outbox.enqueued[0]
    payload = payload_of(kiosk)
    assert procedure_id == payload["procedure_id"] == case.procedure_id
    assert payload["uuid"] == uuid
    assert list(payload["answers"]) == list(procedure.field_ids)
    assert payload["documents"] == list(case.documents)
    for field_id, value in case.answers.items():
        assert payload["answers"][field_id] == value
    assert payload["answers"]["ephoto_code"] == "7Q2K9M4X8P3R6T1V5W0Y2Z"
    assert payload["answers"]["birth_date"] == f"{NOW.year - 30}-01-01"
    # The receipt lists the same documents.
    assert w.receipt.documents.text().splitlines() == [f"• {labels[d]}" for d in case.documents]


def test_choice_questions_are_big_named_toggle_buttons(kiosk: Kiosk) -> None:
    w = kiosk.window
    start_procedure(kiosk, "duplicate")
    row = w.step.row("lost_or_stolen")
    assert isinstance(row, ChoiceRow)
    assert [b.accessibleName() for b in row.buttons] == [
        "Je l'ai perdue",
        "On me l'a volée",
        "Elle est abîmée",
    ]
    assert all(b.height() >= 44 and b.isCheckable() for b in row.buttons)
    assert row.label.buddy() is row.buttons[0]
    kiosk.click(w.step.continue_button)  # nothing chosen
    assert "Touchez une des réponses proposées." in row.error.text()
    assert "Erreur" in row.buttons[0].accessibleDescription()
    kiosk.choose("lost_or_stolen", "stolen")
    assert row.value() == "stolen" and row.button("stolen").isChecked()
    assert row.button("stolen").text().startswith("◉")
    assert row.button("lost").text().startswith("○")


def test_an_ineligible_answer_explains_what_to_do(kiosk: Kiosk) -> None:
    w = kiosk.window
    start_procedure(kiosk, "first-worker")
    kiosk.fill_step({"work_authorisation": "no"})
    kiosk.click(w.step.continue_button)
    assert kiosk.screen() is Screen.STEP and w.step.summary.isVisible()
    assert "Votre employeur doit d'abord obtenir une autorisation de travail" in (
        w.step.row("work_authorisation").error.text()
    )


def test_the_guide_leads_to_the_procedure(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.click(w.welcome.start_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    assert w.procedure.guide_card.accessibleName() == "Je ne sais pas quelle démarche choisir"
    kiosk.click(w.procedure.guide_card)
    kiosk.wait_screen(Screen.GUIDE)
    assert w.guide.title.text() == "Vous avez déjà une carte de séjour en France ?"
    assert w.guide.caption.text() == "Question 1"
    kiosk.click(w.guide.card(0))  # yes
    assert w.guide.title.text() == "Que voulez-vous faire ?"
    kiosk.click(w.guide.card(1))  # lost, stolen or damaged
    assert w.guide.title.text() == "Votre démarche"
    assert w.guide.result_title.text() == "Duplicata — carte perdue, volée ou abîmée"
    kiosk.click(w.guide.start_button)
    kiosk.begin()
    kiosk.wait_screen(Screen.STEP)
    assert kiosk.controller.session.procedure.id == "duplicate"
    kiosk.click(w.step.back_button)  # back to "before you start"
    kiosk.wait_screen(Screen.BEFORE)
    assert w.before.back_button is not None
    kiosk.click(w.before.back_button)  # then to the guide's answer
    kiosk.wait_screen(Screen.GUIDE)
    kiosk.click(w.guide.restart_button)
    assert w.guide.title.text() == "Vous avez déjà une carte de séjour en France ?"


def test_the_renewal_deadline_is_said_after_the_expiry_date(kiosk: Kiosk) -> None:
    kiosk.past_identity_and_contact()
    late = {**STUDENT_RENEWAL, "permit_expiry": "15/12/2026"}  # 19 days after NOW
    for _ in range(2):  # studies, then the current permit
        kiosk.fill_step(late)
        kiosk.click(kiosk.window.step.continue_button)
    step = kiosk.window.step
    assert step.step.id == "photo"
    assert step.notice.isVisible()
    assert step.notice_label.text() == (
        "Votre demande est en retard : votre carte finit le 15/12/2026. "
        "Vous devrez peut-être payer 180 € en plus."
    )
    assert step.notice_label.text() in step.spoken_text()
    kiosk.fill_step(late)
    kiosk.click(step.continue_button)
    kiosk.wait_screen(Screen.DOCUMENTS)
    docs = kiosk.window.documents
    assert docs.deadline_box.isVisible() and "180 €" in docs.deadline_label.text()
    assert docs.late_fee.isVisible()


def test_save_then_resume_with_the_code_and_the_birth_date(make_kiosk: Any) -> None:
    kiosk = make_kiosk(voice_on=True)
    w = kiosk.window
    kiosk.start()
    assert not w.step.save_button.isVisible()  # no birth date yet to protect the draft
    kiosk.fill(IDENTITY)
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: w.step.step.id == "contact")
    assert w.step.save_button.isVisible()
    kiosk.type_into("address_line", "12 rue de la Paix")
    kiosk.click(w.step.save_button)
    kiosk.wait_screen(Screen.SAVED)
    code = kiosk.controller.session.resume_code
    assert code is not None and len(code) == 8
    assert w.saved.code.text() == f"{code[:4]} {code[4:]}"
    said, _language = kiosk.speech.last_said
    assert ", ".join(code[:4]) in said  # spelt out
    assert "26/12/2026" in w.saved.until.text()  # kept for draft_retention_days (30)
    uuid = kiosk.controller.session.uuid
    assert kiosk.store.drafts[uuid]["address_line"] == "12 rue de la Paix"
    kiosk.click(w.saved.finish_button)
    kiosk.wait_screen(Screen.WELCOME)
    kiosk.qtbot.waitUntil(lambda: kiosk.controller.tasks.pending == 0)
    assert uuid not in kiosk.store.drafts.deleted  # the saved draft stays

    # Back later: a wrong birth date, then the right one.
    kiosk.click(w.welcome.resume_button)
    kiosk.wait_screen(Screen.RESUME)
    screen = w.resume
    screen.code_row.input.setText(f"{code[:4].lower()} {code[4:]}")
    screen.birth_date_row.input.setText("01/01/1990")
    kiosk.click(screen.resume_button)
    kiosk.qtbot.waitUntil(screen.summary.isVisible)
    assert "ne correspondent à aucune demande" in screen.summary.spoken_text()
    assert kiosk.screen() is Screen.RESUME
    screen.birth_date_row.input.setText("31/12/2001")
    kiosk.click(screen.resume_button)
    kiosk.wait_screen(Screen.STEP)
    session = kiosk.controller.session
    assert session.uuid == uuid and session.procedure.id == "renewal-student"
    assert w.step.step.id == "contact"
    assert w.step.row("address_line").value() == "12 rue de la Paix"
    assert screen.code_row.value() == ""  # the resume screen forgot what was typed


def test_the_resume_form_checks_what_is_typed(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.click(w.welcome.resume_button)
    kiosk.wait_screen(Screen.RESUME)
    w.resume.code_row.input.setText("0000")
    kiosk.click(w.resume.resume_button)
    assert w.resume.summary.isVisible() and w.resume.summary.hasFocus()
    assert "Le code a 8 lettres ou chiffres" in w.resume.code_row.error.text()
    assert "obligatoire" in w.resume.birth_date_row.error.text()
    assert kiosk.store.resume_codes.tries == []  # nothing malformed reaches the store


def test_a_family_files_two_applications_without_retyping_the_address(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.to_receipt()
    first_uuid = kiosk.store.outbox.enqueued[0][0]
    kiosk.click(w.receipt.another_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    choose_procedure(kiosk, "first-spouse-of-french")
    housing = w.step.row("housing")
    assert isinstance(housing, ChoiceRow) and housing.value() == "own"  # prefilled
    kiosk.fill_step({"long_stay_visa": "yes"})
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: w.step.step.id == "identity")
    assert w.step.row("surname").value() == ""  # a new person
    kiosk.fill({**IDENTITY, "given_names": "Karim", "surname": "Benkirane"})
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: w.step.step.id == "contact")
    assert w.step.row("address_line").value() == CONTACT["address_line"]
    assert w.step.row("postal_code").value() == CONTACT["postal_code"]
    assert w.step.row("city").value() == CONTACT["city"]
    kiosk.type_into("phone", CONTACT["phone"])
    kiosk.click(w.step.continue_button)
    kiosk.complete_steps()
    submit_from_documents(kiosk)
    assert len(kiosk.store.outbox.enqueued) == 2
    second_uuid, procedure_id, _ = kiosk.store.outbox.enqueued[1]
    assert second_uuid != first_uuid and procedure_id == "first-spouse-of-french"
    first, second = payload_of(kiosk, 0), payload_of(kiosk, 1)
    for key in ("address_line", "postal_code", "city", "housing"):
        assert second["answers"][key] == first["answers"][key]
    assert second["answers"]["given_names"] == "Karim"
    second_entry = kiosk.store.outbox.entries[second_uuid]
    assert w.receipt.reference.text() == second_entry.local_reference  # its own receipt


def test_samples_cover_every_field_of_every_procedure() -> None:
    today = NOW.date()
    for procedure in CATALOGUE.procedures:
        for spec in procedure.fields:
            assert sample_value(spec, today) or not spec.required
