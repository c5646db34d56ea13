"""A mediator joins an application in progress (issue 16, problems 2 and 3): reached by the
staff gesture mid-application, signed in over the applicant's screen, the applicant asked
in their language for consent from that point (the mediator's name in its own direction
in Arabic), the application going on where it was; "Terminer l'aide" asks whether the
applicant carries on alone (the default, answers kept) or stops; the sealed application
records the assisted part with its consent."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt

from kiosk.domain.session import Screen
from kiosk.link.status import KioskStatus
from kiosk.ui.controllers.staff import AssistController
from kiosk.ui.screens.assist import CONSENT_TEXT_VERSION
from tests.fixtures.walk import submit_from_documents
from tests.gui.admin_fixtures import Admin
from tests.gui.conftest import CONTACT, IDENTITY, NOW, STUDENT_RENEWAL, Kiosk
from tests.gui.test_applicant_path import one_line
from tests.gui.test_staff_gesture import real_taps

pytestmark = pytest.mark.gui

MEDIATOR, MEDIATOR_PIN, MEDIATOR_NAME = "med-0042", "735184", "Karim Haddad"


def _assisted(make_admin: Callable[..., Admin]) -> tuple[Admin, AssistController]:
    admin = make_admin(assisted=True)
    assert admin.controller.assist is admin.kiosk.assist is not None
    return admin, admin.kiosk.assist


def _halfway(kiosk: Kiosk, language: str) -> None:
    """The applicant chose their language, started, answered the identity questions and
    is typing on the contact page."""
    kiosk.controller.choose_language(language)
    kiosk.start()
    kiosk.fill(IDENTITY)
    kiosk.click(kiosk.window.step.continue_button)
    kiosk.qtbot.waitUntil(
        lambda: kiosk.window.step.step is not None and kiosk.window.step.step.id == "contact"
    )
    kiosk.fill({"address_line": CONTACT["address_line"]})


def _mediator_joins(admin: Admin) -> None:
    kiosk = admin.kiosk
    real_taps(kiosk)
    assert kiosk.window.stack.currentWidget() is kiosk.window.signin
    with kiosk.qtbot.waitSignal(admin.staff.signed_in, timeout=10_000):
        admin.sign_in(MEDIATOR, MEDIATOR_PIN)
    assert kiosk.window.stack.currentWidget() is kiosk.window.assist_consent


def _joining_halfway(make_admin: Callable[..., Admin], language: str) -> Admin:
    """An assisted kiosk, its applicant halfway (``_halfway``) in ``language``, and a
    mediator signed in to join: the applicant is asked to consent."""
    admin, _assist = _assisted(make_admin)
    _halfway(admin.kiosk, language)
    _mediator_joins(admin)
    return admin


def _visual_left_edges(label_text: str, part: str, direction: Qt.LayoutDirection) -> list[int]:
    """Where Qt draws each character of ``part`` inside ``label_text`` (x of its glyph)."""
    from PySide6.QtGui import QFont

    layout = one_line(label_text, QFont("DejaVu Sans", 20), direction, width=5000)
    start = label_text.index(part)
    edges = []
    for i in range(len(part)):
        runs = layout.glyphRuns(start + i, 1)
        edges.append(round(min(r.boundingRect().left() for r in runs)))
    return edges


def test_a_mediator_joins_in_progress_and_the_applicant_consents_in_arabic(
    make_admin: Callable[..., Admin],
) -> None:
    admin, assist = _assisted(make_admin)
    kiosk = admin.kiosk
    _halfway(kiosk, "ar")
    uuid = kiosk.controller.session.uuid
    _mediator_joins(admin)
    screen = kiosk.window.assist_consent
    # In the applicant's language, said aloud, telling them their application goes on.
    assert screen.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert screen.joining.isVisible()
    assert (
        screen.joining.text()
        != "• Votre demande continue là où vous êtes. Vos réponses sont gardées."
    )
    spoken, language = kiosk.speech.last_said or ("", "")
    assert language == "ar" and screen.joining.text().lstrip("• ") in spoken
    assert "\u2068" not in spoken  # the isolates are for the eyes, not the voice
    # The mediator's name and identifier keep their own order inside the Arabic sentence.
    who = screen.who.text()
    for part in (MEDIATOR_NAME, MEDIATOR):
        edges = _visual_left_edges(who, part, Qt.LayoutDirection.RightToLeft)
        assert edges == sorted(edges), (part, edges)
    # Agreed: back on the contact page, what was typed still there, the banner in French.
    with kiosk.qtbot.waitSignal(assist.started):
        kiosk.click(screen.agree_button)
    assert kiosk.screen() is Screen.STEP and kiosk.window.step.step.id == "contact"
    assert kiosk.controller.session.uuid == uuid
    assert kiosk.window.step.values()["address_line"] == CONTACT["address_line"]
    assert kiosk.controller.session.answers["surname"] == IDENTITY["surname"]
    banner = kiosk.window.assist_banner
    assert banner.isVisible() and banner.text.text() == f"Session aidée par {MEDIATOR_NAME}"
    assert banner.end_button.text() == "Terminer l'aide"
    assert kiosk.controller.translator.code == "ar"  # the screens stay in Arabic
    # The desk learns who assists.
    snap = admin.status.snapshot()
    assert snap.state == "assisted" and snap.assisted_by == MEDIATOR_NAME
    assistance = kiosk.controller.assistance
    assert assistance is not None
    assert assistance["joined_in_progress"] is True
    assert assistance["consent_language"] == "ar"
    assert assistance["consent_text_version"] == CONSENT_TEXT_VERSION
    assert assistance["parts"][0]["from_screen"] == "step:contact"


def test_ending_the_help_asks_and_carrying_on_keeps_the_answers(
    make_admin: Callable[..., Admin],
) -> None:
    admin = _joining_halfway(make_admin, "es")
    kiosk = admin.kiosk
    kiosk.click(kiosk.window.assist_consent.agree_button)
    # The mediator explains in French, then ends the help.
    banner = kiosk.window.assist_banner
    kiosk.click(banner.language_button)
    assert kiosk.controller.translator.code == "fr"
    kiosk.fill({"city": CONTACT["city"]})
    kiosk.click(banner.end_button)
    end = kiosk.window.assist_end
    assert kiosk.window.stack.currentWidget() is end
    # Asked in the applicant's language (back to Spanish), spoken; carrying on is the default.
    assert kiosk.controller.translator.code == "es"
    assert end.continue_button.text() == "Seguir con mi solicitud sin ayuda"
    assert end.continue_button.isDefault()
    assert kiosk.speech.last_said is not None and kiosk.speech.last_said[1] == "es"
    assert admin.staff.current is None  # the mediator is signed out
    assert not banner.isVisible()
    kiosk.click(end.continue_button)
    assert kiosk.screen() is Screen.STEP and kiosk.window.step.step.id == "contact"
    assert kiosk.window.step.values()["city"] == CONTACT["city"]
    assert kiosk.window.step.values()["address_line"] == CONTACT["address_line"]
    assert admin.status.snapshot().state == "in_use"
    assert admin.status.snapshot().assisted_by is None
    # The applicant finishes alone: the application records the assisted part.
    kiosk.fill(CONTACT)
    kiosk.click(kiosk.window.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: kiosk.window.step.step.id != "contact")
    kiosk.complete_steps(STUDENT_RENEWAL)
    submit_from_documents(kiosk)
    [(_uuid, _procedure, sealed)] = kiosk.store.outbox.enqueued
    assisted = json.loads(sealed)["assisted"]
    consent = {
        "mediator_id": MEDIATOR,
        "consent_at": NOW.isoformat(),
        "consent_text_version": CONSENT_TEXT_VERSION,
        "consent_language": "es",
    }
    assert assisted == {
        **consent,
        "joined_in_progress": True,
        "parts": [
            {
                **consent,
                "from_screen": "step:contact",
                "ended_at": NOW.isoformat(),
                "until_screen": "step:contact",
                "ended_by": "handed_back",
            }
        ],
    }
    from contract.protocol import AssistedSession

    AssistedSession.model_validate(assisted)  # what the central API accepts
    actions = admin.audit.actions(MEDIATOR)
    assert actions == ["sign_in", "assist_start", "assist_end", "sign_out"]


def test_stopping_at_the_end_of_the_help_erases(make_admin: Callable[..., Admin]) -> None:
    admin = _joining_halfway(make_admin, "fr")
    kiosk = admin.kiosk
    kiosk.click(kiosk.window.assist_consent.agree_button)
    kiosk.click(kiosk.window.assist_banner.end_button)
    kiosk.click(kiosk.window.assist_end.stop_button)
    kiosk.wait_screen(Screen.WELCOME)
    assert kiosk.controller.session.answers == {}
    assert kiosk.controller.assistance is None


def test_refusing_help_mid_application_keeps_the_application(
    make_admin: Callable[..., Admin],
) -> None:
    admin = _joining_halfway(make_admin, "en")
    kiosk = admin.kiosk
    kiosk.click(kiosk.window.assist_consent.refuse_button)
    assert kiosk.screen() is Screen.STEP
    assert kiosk.window.step.values()["address_line"] == CONTACT["address_line"]
    assert admin.staff.current is None
    assert kiosk.controller.assistance is None
    assert not kiosk.window.assist_banner.isVisible()


def test_the_staff_time_out_hands_back_without_erasing(make_admin: Callable[..., Admin]) -> None:
    admin = _joining_halfway(make_admin, "fr")
    kiosk = admin.kiosk
    kiosk.click(kiosk.window.assist_consent.agree_button)
    admin.staff.timer.setInterval(50)
    with kiosk.qtbot.waitSignal(admin.staff.timed_out, timeout=5000):
        admin.staff.timer.start()
    assert kiosk.screen() is Screen.STEP
    assert kiosk.window.step.values()["address_line"] == CONTACT["address_line"]
    parts = (kiosk.controller.assistance or {})["parts"]
    assert parts[0]["ended_by"] == "signed_out"
    assert isinstance(admin.status, KioskStatus) and admin.status.snapshot().assisted_by is None
