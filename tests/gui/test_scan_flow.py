"""Photographing within the applicant's flow, with the fake camera and the real screens:
the passport first (its MRZ fills the identity questions, checked by the applicant; an
expired passport and answers that differ from it are explained), then each document of
the checklist (skip one: it is listed as missing; retake a page), the pages stored on the
store worker and submitted; the header (back, help, language) works on the scan screen.
Waits are on signals and conditions, never sleeps."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from kiosk.devices.camera import FakeCamera
from kiosk.devices.samples.documents import MRZ_PITCH_MM, render_passport
from kiosk.domain.identity_prefill import (
    MISMATCH_INTRO,
    PASSPORT_EXPIRED,
    PASSPORT_NOT_READ,
    PASSPORT_READ,
)
from kiosk.domain.mrz import Format, Identity
from kiosk.domain.session import Screen
from kiosk.i18n import Translator
from kiosk.i18n.bidi import strip_controls
from kiosk.scan import synthetic as syn
from kiosk.scan.formats import A4
from kiosk.ui.camera_view import CameraFeed
from kiosk.ui.controllers.ports import ScannerPorts
from kiosk.ui.controllers.scan import PASSPORT_INTRO
from kiosk.ui.controllers.scanner import ScanController
from kiosk.ui.screens.documents import MISSING, PHOTOGRAPHED, SCAN_NEXT
from kiosk.ui.screens.scan import NO_MORE
from tests.fixtures.walk import (
    choose_procedure,
    past_contact,
    start_procedure,
    submit_from_documents,
)

from .conftest import STUDENT_RENEWAL, Kiosk

pytestmark = pytest.mark.gui

WAIT = 20_000  # ms: generous, for a loaded machine
FRAME = (1280, 960)

KABONGO = Identity(
    format=Format.TD3,
    document_code="P",
    issuing_state="COG",
    surname="KABONGO",
    given_names="DIVINE MARIE",
    document_number="M1495051",
    nationality="COG",
    birth_date=dt.date(1977, 2, 13),
    sex="F",
    expiry_date=dt.date(2033, 5, 17),
)


def passport_frame(identity: Identity = KABONGO, seed: int = 3) -> np.ndarray:
    """The passport's photo page flat on the tray, 22 px per MRZ character."""
    doc = render_passport(identity, np.random.default_rng(seed), 22 / MRZ_PITCH_MM)
    frame = syn.tray(FRAME, seed=seed)
    h, w = doc.image.shape[:2]
    y, x = (FRAME[1] - h) // 2, (FRAME[0] - w) // 2
    frame[y : y + h, x : x + w] = doc.image
    return syn.noise(frame, 2, seed)


def letter_frame(seed: int = 11) -> np.ndarray:
    frame, _ = syn.scene(FRAME, A4, fill=0.8, seed=seed)
    return syn.noise(syn.blur(frame, 0.6), 2, seed)


class Flow:
    def __init__(self, kiosk: Kiosk, frames: list[np.ndarray]) -> None:
        self.kiosk = kiosk
        self.camera = FakeCamera(frames, fps=12)
        self.scanner = ScanController(
            kiosk.controller, ScannerPorts(CameraFeed(self.camera), frames_required=3)
        )
        kiosk.controller.scanner_slot.provide(self.scanner)
        self.store = kiosk.store  # its pages: (uuid, document, page) -> bytes
        self.captured: list[tuple[str, int, bytes]] = []
        self.mrz: list[Any] = []
        self.scanner.document_captured.connect(lambda d, p, j: self.captured.append((d, p, j)))
        self.scanner.mrz_read.connect(self.mrz.append)

    @property
    def window(self) -> Any:
        return self.kiosk.window

    def wait(self, condition: Callable[[], bool], timeout: int = WAIT) -> None:
        self.kiosk.qtbot.waitUntil(condition, timeout=timeout)

    def to_passport(self) -> None:
        start_procedure(self.kiosk, "renewal-student", first=Screen.SCAN)

    def wait_review(self) -> None:
        scan = self.window.scan
        self.wait(lambda: scan.reviewing and self.scanner._jpeg is not None)

    def passport_read_and_accepted(self) -> None:
        """To the passport, read (its MRZ), the photograph kept: on to the questions."""
        self.to_passport()
        self.wait(lambda: bool(self.mrz))
        self.wait_review()
        self.kiosk.click(self.window.scan.accept_button)
        self.kiosk.wait_screen(Screen.STEP)


@pytest.fixture
def make_flow(make_kiosk: Callable[..., Kiosk]) -> Iterator[Callable[..., Flow]]:
    made: list[Flow] = []

    def make(frames: list[np.ndarray], **options: Any) -> Flow:
        flow = Flow(make_kiosk(**options), frames)
        made.append(flow)
        # As the kiosk does at start-up: the MRZ model is trained before the first passport
        # (once per process; seconds on a loaded machine, not counted in the waits below).
        flow.scanner.warm_up()
        flow.wait(lambda: flow.scanner._reader is not None, timeout=120_000)
        return flow

    yield make
    for flow in made:
        flow.scanner.clear()


def test_passport_scan_fills_the_identity_questions(make_flow: Callable[..., Flow]) -> None:
    flow = make_flow([passport_frame()], voice_on=True)
    k, w = flow.kiosk, flow.window
    flow.to_passport()
    scan = w.scan
    assert k.screen() is Screen.SCAN  # a screen of the session: header, help, inactivity
    assert scan.title.text() == "Passeport" and scan.intro.text() == PASSPORT_INTRO
    assert k.controller.inactivity.armed
    flow.wait(lambda: bool(flow.mrz))
    assert flow.mrz[0].surname == "KABONGO"
    flow.wait_review()
    k.click(scan.accept_button)
    k.wait_screen(Screen.STEP)
    step = w.step
    assert step.step is not None and step.step.id == "identity"
    values = step.values()
    assert values["surname"] == "Kabongo"
    assert values["given_names"] == "Divine Marie"
    assert values["birth_date"] == "13/02/1977"
    assert values["nationality"] == "CG"
    assert values["passport_number"] == "M1495051"
    # Told what to check, on screen and aloud.
    assert PASSPORT_READ in step.notice_label.text() and step.notice.isVisible()
    assert PASSPORT_EXPIRED.split("{")[0] not in step.notice_label.text()
    k.qtbot.waitUntil(lambda: any(PASSPORT_READ in t for t, _ in k.speech.said))
    # The passport page went to the store, on the store worker, under this application.
    uuid = k.controller.session.uuid
    flow.wait(lambda: (uuid, "passport", 1) in flow.store.pages)
    assert flow.store.pages[(uuid, "passport", 1)] == flow.captured[0][2]
    assert flow.store.threads == {"kiosk-store_0"}
    assert not flow.camera.running


def test_a_typed_answer_that_differs_from_the_passport_is_pointed_out_once(
    make_flow: Callable[..., Flow],
) -> None:
    flow = make_flow([passport_frame()])
    k, w = flow.kiosk, flow.window
    flow.passport_read_and_accepted()
    k.type_into("birth_date", "14/02/1977")
    k.click(w.step.continue_button)
    # Still here, told why, with the passport's date.
    assert w.step.step is not None and w.step.step.id == "identity"
    notice = w.step.notice_label.text()
    assert MISMATCH_INTRO in notice and "13/02/1977" in notice and "Date de naissance" in notice
    # The applicant is sure: the same answer again goes through.
    k.click(w.step.continue_button)
    k.qtbot.waitUntil(lambda: w.step.step is not None and w.step.step.id == "contact")
    assert k.controller.session.answers["birth_date"] == "1977-02-14"


def test_an_expired_passport_is_explained_in_the_applicants_language(
    make_flow: Callable[..., Flow],
) -> None:
    expired = Identity(**{**KABONGO.__dict__, "expiry_date": dt.date(2025, 1, 31)})
    flow = make_flow([passport_frame(expired)], voice_on=True)
    k, w = flow.kiosk, flow.window
    k.controller.choose_language("ar")
    flow.passport_read_and_accepted()
    tr = Translator("ar")
    expected = tr(PASSPORT_EXPIRED).format(date="31/01/2025")
    assert expected != PASSPORT_EXPIRED.format(date="31/01/2025")  # translated
    assert expected in w.step.notice_label.text()
    spoken = strip_controls(expected)  # the voice gets the text without its bidi isolates
    k.qtbot.waitUntil(lambda: any(spoken in t for t, lang in k.speech.said if lang == "ar"))


def test_a_passport_not_read_leaves_the_questions_to_type(make_flow: Callable[..., Flow]) -> None:
    flow = make_flow([letter_frame()])  # a page without an MRZ
    k, w = flow.kiosk, flow.window
    flow.to_passport()
    flow.wait_review()
    k.click(w.scan.accept_button)
    k.wait_screen(Screen.STEP)
    assert w.step.values()["surname"] == ""
    assert w.step.notice_label.text() == PASSPORT_NOT_READ


def test_header_back_and_help_on_the_scan_screen(make_flow: Callable[..., Flow]) -> None:
    flow = make_flow([syn.empty(FRAME)])
    k, w = flow.kiosk, flow.window
    flow.to_passport()
    # Language: the scan screen follows, the session stays on it.
    k.controller.choose_language("en")
    assert w.scan.intro.text() == Translator("en")(PASSPORT_INTRO) != PASSPORT_INTRO
    assert k.screen() is Screen.SCAN
    k.controller.show_help()
    assert w.help_dialog is not None and w.help_dialog.isVisible()
    w.close_dialogs()
    # Back: where the applicant came from; the camera stops; the passport is offered again.
    assert w.scan.back_button is not None
    k.click(w.scan.back_button)
    k.wait_screen(Screen.BEFORE)
    flow.wait(lambda: not flow.camera.running)
    k.click(w.before.back_button)
    k.wait_screen(Screen.PROCEDURE)
    choose_procedure(k, "renewal-student", first=Screen.SCAN)
    # Skipping the passport: the questions are typed, no notice.
    k.click(w.scan.skip_button)
    assert w.scan.skip_dialog is not None
    k.click(w.scan.skip_dialog.confirm_button)
    k.wait_screen(Screen.STEP)
    assert w.step.notice_label.text() == ""


def test_documents_photographed_skipped_missing_then_submitted(
    make_flow: Callable[..., Flow],
) -> None:
    flow = make_flow([passport_frame()])
    k, w = flow.kiosk, flow.window
    flow.passport_read_and_accepted()
    past_contact(k)  # the prefilled identity, as read
    k.complete_steps(STUDENT_RENEWAL)
    # The checklist says photos come next.
    docs = w.documents
    assert docs.scan_note.isVisible() and docs.scan_note.text() == SCAN_NEXT
    flow.camera.show([letter_frame()])
    k.click(docs.continue_button)
    k.wait_screen(Screen.SCAN)
    session = k.controller.session
    to_scan = [d.id for d in session.documents_to_scan()]
    assert to_scan[0] == "residence_permit" and "passport" not in to_scan
    assert w.scan.title.text() == "Carte de séjour actuelle"
    # First page taken, retaken, then validated with one more page.
    flow.wait_review()
    k.click(w.scan.retake_button)
    assert not w.scan.reviewing
    flow.wait_review()
    assert w.scan.more_button.isVisible()
    k.click(w.scan.more_button)
    assert w.scan.title.text() == "Carte de séjour actuelle"
    assert w.scan.caption.text().endswith("Page 2 sur 2")
    assert w.scan.skip_button.text() == NO_MORE  # not "skip the document" any more
    flow.camera.show([letter_frame(12)])  # the next page
    flow.wait_review()
    k.click(w.scan.accept_button)
    # Every other document: passed over.
    flow.camera.show([syn.empty(FRAME)])
    for _ in to_scan[1:]:
        flow.wait(lambda: w.scan.skip_button.isVisible() and not w.scan.reviewing)
        k.click(w.scan.skip_button)
        assert w.scan.skip_dialog is not None
        k.click(w.scan.skip_dialog.confirm_button)
    k.wait_screen(Screen.DOCUMENTS)
    # What is photographed, what is missing; the missing ones can be photographed again.
    statuses = {doc.id: help_.text() for doc, _name, help_ in docs.document_labels}
    assert statuses["passport"] == PHOTOGRAPHED
    assert statuses["residence_permit"] == "Photo prise : 2 pages"
    assert statuses["enrolment_certificate"] == MISSING
    assert docs.scan_button.isVisible() and not docs.scan_note.isVisible()
    assert MISSING in docs.spoken_text()
    uuid = session.uuid
    flow.wait(lambda: len(flow.store.pages) == 3)
    assert set(flow.store.pages) == {
        (uuid, "passport", 1),
        (uuid, "residence_permit", 1),
        (uuid, "residence_permit", 2),
    }
    assert flow.store.pages[(uuid, "residence_permit", 2)] == flow.captured[-1][2]
    # On to the check screen (no second photo session), consent, submit.
    submit_from_documents(k)
    [(sent_uuid, _proc, _sealed)] = k.store.outbox.enqueued
    assert sent_uuid == uuid


def test_the_mrz_model_is_made_on_the_pool_at_start_up(
    kiosk: Kiosk, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the composition root does once the welcome screen is up: the scanner is built,
    then the MRZ reader (its model takes a second or more to train) is made on the pool."""
    import kiosk.devices.mrz_reader as mrz_reader
    from kiosk.app import _start_scanner
    from kiosk.config import load_settings

    made_on: list[str] = []

    class Reader:
        def __init__(self) -> None:
            made_on.append(threading.current_thread().name)

    monkeypatch.setattr(mrz_reader, "MrzReader", Reader)
    settings = load_settings(environ={}, overrides={"fake_devices": True, "data_dir": tmp_path})
    controller = kiosk.controller
    _start_scanner(controller, settings)
    kiosk.qtbot.waitUntil(lambda: controller.scanner is not None, timeout=WAIT)
    try:
        kiosk.qtbot.waitUntil(lambda: bool(made_on), timeout=WAIT)
        assert len(made_on) == 1 and made_on[0].startswith("kiosk-cpu")
        scanner = controller.scanner
        assert scanner is not None
        assert isinstance(scanner._mrz_reader(), Reader) and len(made_on) == 1  # once
    finally:
        if controller.scanner is not None:
            controller.scanner.clear()


def test_inactivity_on_the_scan_screen_wipes_and_stops_the_camera(
    make_flow: Callable[..., Flow],
) -> None:
    flow = make_flow([passport_frame()])
    k, w = flow.kiosk, flow.window
    flow.to_passport()
    flow.wait(lambda: flow.scanner.verdicts > 0)
    assert k.controller.inactivity.armed
    k.idle(k.controller.inactivity.timeout_s - k.controller.inactivity.warning_s + 1)
    k.qtbot.waitUntil(lambda: k.window.inactivity_dialog is not None)
    k.idle(k.controller.inactivity.warning_s + 1)
    k.wait_screen(Screen.WELCOME)
    flow.wait(lambda: not flow.camera.running)
    assert w.scan.preview.image() is None and not w.scan.reviewing
    assert k.controller.session.scanned_pages == {} and flow.store.pages == {}
