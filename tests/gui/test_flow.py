"""The first procedure end to end, through the real screens."""

from __future__ import annotations

import json
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from kiosk.domain.session import Screen
from tests.gui.conftest import CONTACT, IDENTITY, Kiosk, all_widgets

pytestmark = pytest.mark.gui


def test_full_procedure_enqueues_once_and_shows_the_receipt(kiosk: Kiosk) -> None:
    w = kiosk.window
    assert kiosk.screen() is Screen.WELCOME
    with kiosk.qtbot.waitSignal(kiosk.controller.application_submitted, timeout=5000) as sent:
        kiosk.to_receipt()

    assert len(kiosk.store.outbox.enqueued) == 1
    uuid, procedure_id, sealed = kiosk.store.outbox.enqueued[0]
    assert sent.args == [uuid]
    assert procedure_id == "renewal-student"
    payload = json.loads(sealed)
    assert payload["uuid"] == uuid
    assert payload["kiosk_id"] == "kiosk-test-01"
    assert payload["consent"]["declaration_accepted"] is True
    assert payload["answers"] == {
        "surname": "Benkirane",
        "given_names": "Amina Zahra",
        "birth_date": "2001-12-31",
        "nationality": "MA",
        "passport_number": "XK4815162",
        "address_line": "12 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
        "phone": "+33647112358",
        "email": "",
        "still_studying": "yes",
        "changed_course": "no",
        "resources": "own",
        "housing": "own",
        "foreigner_number": "7501234567",
        "permit_expiry": "2027-02-28",
        "ephoto_code": "7Q2K9M4X8P3R6T1V5W0Y2Z",
        "tax_stamp": "",
    }
    # Store work ran off the GUI thread.
    assert kiosk.store.threads and all(t.startswith("kiosk-store") for t in kiosk.store.threads)
    # A draft after each accepted step, deleted once the sealed copy is queued.
    assert [s[3].get("city") for s in kiosk.store.drafts.saves] == [None] + ["Paris"] * 4
    kiosk.qtbot.waitUntil(lambda: uuid in kiosk.store.drafts.deleted)
    assert uuid not in kiosk.store.drafts

    entry = kiosk.store.outbox.entry(uuid)
    assert entry is not None and w.receipt.reference.text() == entry.local_reference
    assert w.receipt.reference.isVisible()
    assert "26/11/2026" in w.receipt.date.text()
    assert w.receipt.finish_button.isVisible()


def test_double_click_on_submit_enqueues_once(kiosk: Kiosk) -> None:
    kiosk.to_consent()
    consent = kiosk.window.consent
    kiosk.click(consent.checkbox)
    kiosk.sealer.gate = threading.Event()  # hold the first submission in flight
    kiosk.click(consent.submit_button)
    assert not consent.submit_button.isEnabled()
    kiosk.qtbot.mouseDClick(consent.submit_button, Qt.MouseButton.LeftButton)
    consent.submit_requested.emit(True)  # even if a click got through
    kiosk.controller.submission.submit(True)
    kiosk.sealer.gate.set()
    kiosk.wait_screen(Screen.RECEIPT)
    kiosk.qtbot.waitUntil(lambda: kiosk.controller.tasks.pending == 0)
    assert kiosk.sealer.calls == 1
    assert len(kiosk.store.outbox.enqueued) == 1


def test_sealer_failure_keeps_the_applicant_on_consent_and_a_retry_works(kiosk: Kiosk) -> None:
    kiosk.to_consent()
    consent = kiosk.window.consent
    kiosk.click(consent.checkbox)
    kiosk.sealer.fail_next = 1
    kiosk.click(consent.submit_button)
    kiosk.qtbot.waitUntil(lambda: consent.error.isVisible())
    assert kiosk.screen() is Screen.CONSENT
    assert "n'est pas envoyée" in consent.error.text()
    assert "Traceback" not in consent.error.text() and "public key" not in consent.error.text()
    assert consent.submit_button.isEnabled()
    assert kiosk.store.outbox.enqueued == []

    kiosk.click(consent.submit_button)
    kiosk.wait_screen(Screen.RECEIPT)
    assert len(kiosk.store.outbox.enqueued) == 1


def test_consent_is_required(kiosk: Kiosk) -> None:
    kiosk.to_consent()
    consent = kiosk.window.consent
    kiosk.click(consent.submit_button)
    assert consent.error.isVisible()
    assert "Cochez la case" in consent.error.text()
    assert "Cochez la case" in consent.checkbox.accessibleDescription()
    # The error summary has the focus, its link goes to the box (issue 15, problem 11).
    assert consent.summary.hasFocus() and consent.summary.links
    assert kiosk.screen() is Screen.CONSENT
    assert kiosk.sealer.calls == 0


def test_validation_errors_are_summarised_focused_and_described(kiosk: Kiosk) -> None:
    kiosk.start()
    step = kiosk.window.step
    kiosk.fill({"given_names": "Amina", "birth_date": "31/13/2001", "passport_number": "AB1"})
    kiosk.click(step.continue_button)

    assert kiosk.screen() is Screen.STEP
    assert step.summary.isVisible()
    assert step.summary.hasFocus()
    assert step.title.text().startswith("Erreur : ")
    assert step.summary.title.text() == "Il y a 4 problèmes."
    links = [link.text() for link in step.summary.links]
    assert links[0] == "Nom de famille : Cette réponse est obligatoire."
    assert any(text.startswith("Date de naissance : Écrivez une date réelle") for text in links)

    surname = step.row("surname")
    assert surname.error.isVisible()
    assert "Cette réponse est obligatoire." in surname.input.accessibleDescription()
    assert surname.input.property("error") is True
    assert not step.row("given_names").error.isVisible()
    assert "Erreur" not in step.row("given_names").input.accessibleDescription()
    # What was typed stays.
    assert step.row("birth_date").input.text() == "31/13/2001"

    # A summary link moves the focus to its field.
    kiosk.click(step.summary.links[-1])
    assert step.row("passport_number").input.hasFocus()

    # Fixing the answers clears the errors and moves on.
    kiosk.fill(IDENTITY)
    kiosk.click(step.continue_button)
    kiosk.qtbot.waitUntil(lambda: step.step is not None and step.step.id == "contact")
    assert not step.summary.isVisible()
    assert not step.title.text().startswith("Erreur")


def test_modifier_returns_to_the_step_then_back_to_check(kiosk: Kiosk) -> None:
    kiosk.to_check()
    w = kiosk.window
    kiosk.click(w.check.edit_button("identity"))
    kiosk.wait_screen(Screen.STEP)
    assert w.step.step is not None and w.step.step.id == "identity"
    assert w.step.row("surname").input.text() == "Benkirane"
    assert w.step.row("birth_date").input.text() == "31/12/2001"
    assert w.step.row("nationality").value() == "MA"
    kiosk.type_into("given_names", "Amina")
    kiosk.click(w.step.continue_button)
    kiosk.wait_screen(Screen.CHECK)
    shown = [v.text() for card in w.check.cards for v in card.values]
    assert "Amina" in shown and "Amina Zahra" not in shown
    assert "Maroc" in shown and "31/12/2001" in shown and "06 47 11 23 58" in shown
    assert "Pas de réponse" in shown  # the optional e-mail


def test_back_from_an_edit_cancels_it(kiosk: Kiosk) -> None:
    kiosk.to_check()
    w = kiosk.window
    kiosk.click(w.check.edit_button("contact"))
    kiosk.wait_screen(Screen.STEP)
    kiosk.type_into("postal_code", "123")
    kiosk.click(w.step.continue_button)  # invalid: stays on the step
    assert w.step.summary.isVisible()
    assert w.step.back_button is not None
    kiosk.click(w.step.back_button)
    kiosk.wait_screen(Screen.CHECK)
    shown = [v.text() for card in w.check.cards for v in card.values]
    assert "75002" in shown and "123" not in shown


def test_back_keeps_what_was_typed(kiosk: Kiosk) -> None:
    kiosk.start()
    w = kiosk.window
    kiosk.fill(IDENTITY)
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: w.step.step is not None and w.step.step.id == "contact")
    kiosk.type_into("address_line", CONTACT["address_line"])
    assert w.step.back_button is not None
    kiosk.click(w.step.back_button)
    kiosk.qtbot.waitUntil(lambda: w.step.step is not None and w.step.step.id == "identity")
    assert w.step.row("surname").input.text() == "Benkirane"
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: w.step.step is not None and w.step.step.id == "contact")
    assert w.step.row("address_line").input.text() == CONTACT["address_line"]


def test_back_from_the_procedure_choice_returns_to_welcome(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.click(w.welcome.start_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    assert w.procedure.back_button is not None
    kiosk.click(w.procedure.back_button)
    kiosk.wait_screen(Screen.WELCOME)


def test_country_is_searchable_and_accent_insensitive(kiosk: Kiosk) -> None:
    kiosk.start()
    box = kiosk.window.step.row("nationality").input
    assert isinstance(box, QComboBox)
    assert box.isEditable()
    kiosk.type_into("nationality", "algerie")
    assert kiosk.window.step.row("nationality").value() == "DZ"
    kiosk.type_into("nationality", "Atlantis")
    assert kiosk.window.step.row("nationality").value() == "Atlantis"


def _texts(root: QWidget) -> list[str]:
    """Every piece of text a widget tree holds, visible or not."""
    out: list[str] = []
    for w in all_widgets(root):
        out += [w.accessibleName(), w.accessibleDescription(), w.toolTip(), w.windowTitle()]
        if isinstance(w, QLineEdit):
            out += [w.text(), w.placeholderText()]
        elif isinstance(w, QLabel):
            out.append(w.text())
        elif isinstance(w, QComboBox):
            out += [w.currentText(), w.lineEdit().text() if w.lineEdit() else ""]
        elif hasattr(w, "text") and callable(w.text):
            out.append(str(w.text()))
    return out


def test_terminer_wipes_every_screen(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.to_receipt()
    reference = kiosk.store.outbox.entries[kiosk.store.outbox.enqueued[0][0]].local_reference
    secrets = ["Benkirane", "XK4815162", "06 47 11 23 58", "0647112358", "+33647112358", reference]
    assert any("Benkirane" in t for t in _texts(w))  # the check screen still shows it
    with kiosk.qtbot.waitSignal(kiosk.controller.session_wiped, timeout=5000):
        kiosk.click(w.receipt.finish_button)
    assert kiosk.screen() is Screen.WELCOME
    kiosk.qtbot.waitUntil(lambda: kiosk.controller.tasks.pending == 0)

    leaked = [t for t in _texts(w) for s in secrets if s in t]
    assert leaked == []
    assert w.step.rows == [] and w.check.cards == []
    assert not w.consent.checkbox.isChecked()
    session = kiosk.controller.session
    assert session.answers == {} and session.procedure is None and session.receipt is None
    assert session.language == "fr"
    assert w.welcome.language_buttons["fr"].isChecked()

    # The next applicant starts from empty fields.
    kiosk.start()
    assert all(row.value() == "" for row in w.step.rows)


def test_a_new_session_gets_a_new_uuid(kiosk: Kiosk) -> None:
    kiosk.to_receipt()
    first = kiosk.store.outbox.enqueued[0][0]
    kiosk.click(kiosk.window.receipt.finish_button)
    kiosk.to_receipt()
    assert len(kiosk.store.outbox.enqueued) == 2
    assert kiosk.store.outbox.enqueued[1][0] != first


def test_abandoned_draft_is_deleted_on_wipe(kiosk: Kiosk) -> None:
    kiosk.to_check()
    uuid = kiosk.controller.session.uuid
    kiosk.qtbot.waitUntil(lambda: uuid in kiosk.store.drafts)
    kiosk.controller.wipe()
    kiosk.qtbot.waitUntil(lambda: uuid not in kiosk.store.drafts)
    assert kiosk.screen() is Screen.WELCOME
