"""Photographing the documents of an application, page by page.

``ScanController.scan([(document_id, label_msgid, pages), ...])`` shows the scan screen and
starts the camera. For each page: the camera's frames go to the scanner pipeline on the task
runner's CPU pool, one at a time (a frame that arrives while one is analysed replaces the
previous one: latest frame wins); the verdict's guidance is shown (steadied over a few
frames) and, with the voice on, spoken when it changes, at most every 2 s; when every
check passes for a few frames the page is captured by itself ("Prendre la photo" takes it at
once). The straightened page is shown for review while it is compressed to the size budget,
on the pool too; "Valider" emits ``document_captured(document_id, page_no, jpeg)``,
"Refaire la photo" goes back to the camera. ``finished`` when every document is done;
``document_skipped(document_id)`` for "Passer ce document"; ``cancelled`` for "Retour".

A document asked with ``read_mrz`` (the passport) also has its machine-readable zone read
from every frame (and from the straightened page when it is taken), on the same pool;
``mrz_read(MrzResult)`` once the same valid reading came from 2 of the last 8 frames
(``MrzTracker``), or from the photo taken alone when two reads of it agree. The MRZ's own
advice (cut off, too small, glare, upside down) replaces the page's guidance when it says
more (``guidance.with_mrz``). The OCR model is trained once per process (``warm_up()`` does it
ahead, on the pool).

Who stores the pages is the caller: connect ``document_captured`` to the encrypted store
(``store.pages.add``). Nothing here writes a frame or a page to disk; ``clear()`` (also run
when the session is wiped) stops the camera and overwrites every frame and page held.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from kiosk.devices.camera import CameraEvent
from kiosk.i18n import N_
from kiosk.scan.compress import PAGE_BUDGET, CompressedPage, compress_page
from kiosk.scan.formats import A4, FORMATS, ID1, TD3, PageFormat
from kiosk.scan.guidance import Guidance, GuidanceFilter, SpeechLimiter, message_id, with_mrz
from kiosk.scan.page_match import fingerprint, same_page
from kiosk.scan.pipeline import (
    DEFAULT_SETTINGS,
    AutoCapture,
    Calibration,
    CapturedPage,
    CaptureStep,
    ScanPipeline,
    ScanSettings,
)
from kiosk.ui.camera_view import CameraFeed, preview_rgb, rgb_to_qimage
from kiosk.ui.controllers.ports import ScannerPorts

if TYPE_CHECKING:
    from kiosk.devices.speech import Speech
    from kiosk.i18n import Translator
    from kiosk.ui.inactivity import InactivityMonitor
    from kiosk.ui.main_window import MainWindow
    from kiosk.ui.screens.scan import ScanScreen
    from kiosk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

CAMERA_NOT_FOUND = N_(
    "La caméra ne marche pas. Demandez de l'aide à l'accueil. Vous pouvez aussi passer ce document."
)
CAMERA_DISCONNECTED = N_(
    "La caméra ne répond plus. Attendez un peu. Si rien ne change, demandez de l'aide à l'accueil."
)
CAMERA_BACK = N_("La caméra marche de nouveau.")
PHOTO_TAKEN = N_(
    "Photo prise. Regardez la photo, puis touchez « Valider » ou « Refaire la photo »."
)
NOT_A_PHOTO = N_(
    "Ce n'est pas une photo d'identité : cette page a la bande de lettres d'un passeport "
    "ou d'une carte. Posez votre planche de photos d'identité sous la caméra."
)
ALREADY_TAKEN = N_("Cette page est déjà photographiée. Posez la page suivante sous la caméra.")
REVIEW_WIDTH = 1200  # px of the page shown for review
# After "Valider", no photo is taken by itself for this long: the page just validated
# leaves, the next one is put down and settles (the next document was photographed less
# than 0.5 s after "Valider": issue 15).
NEXT_PAGE_SETTLE_S = 1.5


# The format to expect first, by words in the document's id (A4 and a passport page have
# the same shape: the expected one names the page). Anything else: A4 first.
FORMAT_HINTS: tuple[tuple[str, tuple[PageFormat, ...]], ...] = (
    ("passport", (TD3, ID1, A4)),
    ("passeport", (TD3, ID1, A4)),
    ("visa", (TD3, ID1, A4)),
    ("card", (ID1, TD3, A4)),
    ("carte", (ID1, TD3, A4)),
    ("permit", (ID1, TD3, A4)),
    ("identity", (ID1, TD3, A4)),
)


# Documents that never carry a machine-readable zone, by words in their id.
NOT_MRZ_HINTS = ("photo",)


class _Facts(NamedTuple):
    """What the pool found out about a page taken (``page_match`` fingerprint; an MRZ on a
    page that must not have one)."""

    print_: np.ndarray
    mrz_page: bool = False


class ScanHost(Protocol):
    """What the scanner needs of the session controller it photographs for: its window,
    task runner, language, voice and inactivity monitor, the header's actions, and
    ``session_wiped`` (the scanner forgets every frame and page then)."""

    window: MainWindow
    tasks: TaskRunner
    translator: Translator
    voice_on: bool
    speech: Speech
    inactivity: InactivityMonitor
    session_wiped: Any  # a Signal()

    def say_if_voice(self, text: str) -> None: ...
    def connect_header(self, screen: Any) -> None: ...


def expected_formats(document_id: str) -> tuple[PageFormat, ...]:
    words = document_id.lower()
    for hint, formats in FORMAT_HINTS:
        if hint in words:
            return formats
    return FORMATS


@dataclass(frozen=True)
class DocumentRequest:
    id: str
    label: str  # msgid of the document's name (from the catalogue)
    pages: int = 1
    formats: tuple[PageFormat, ...] = ()  # the expected format first; () = from the id

    read_mrz: bool = False  # read the machine-readable zone too (the passport's photo page)
    more_pages: bool = False  # the applicant may add pages beyond ``pages``
    intro: str = ""  # msgid of what to do, instead of the screen's usual instruction
    # A page with a machine-readable zone is refused (the identity photo: a passport page
    # was accepted as one); None: from the id (NOT_MRZ_HINTS).
    refuse_mrz: bool | None = None

    def __post_init__(self) -> None:
        if self.pages < 1:
            raise ValueError(f"document {self.id!r}: pages must be >= 1")
        if not self.formats:
            object.__setattr__(self, "formats", expected_formats(self.id))
        if self.refuse_mrz is None:
            refuse = any(hint in self.id.lower() for hint in NOT_MRZ_HINTS)
            object.__setattr__(self, "refuse_mrz", refuse)


DocumentSpec = DocumentRequest | tuple[str, str, int] | tuple[str, str]


class _MrzRun:
    """The MRZ readings of one document (worker side: pushed by one task at a time)."""

    def __init__(self) -> None:
        from kiosk.devices.mrz_reader import MrzTracker

        self.tracker = MrzTracker(agree=2, window=8)
        self.reads = 0
        self.emitted = False
        self.advice: Guidance | None = None  # the last read's MRZ_* guidance, if any

    @property
    def accepted(self) -> Any:
        return self.tracker.accepted


def _request(spec: DocumentSpec) -> DocumentRequest:
    if isinstance(spec, DocumentRequest):
        return spec
    return DocumentRequest(*spec)


class ScanController(QObject):
    document_captured = Signal(str, int, bytes)  # document id, page number (from 1), JPEG
    document_skipped = Signal(str)  # document id
    finished = Signal()  # every document captured or skipped
    cancelled = Signal()  # "Retour" on the scan screen
    calibration_learned = Signal(str)  # Calibration.to_json(): worth saving per camera
    camera_status = Signal(str)  # CameraEvent value, for device health
    guidance_changed = Signal(str)  # the Guidance value now shown
    page_captured = Signal(str)  # CaptureMode value: a page is shown for review
    mrz_read = Signal(object)  # kiosk.domain.mrz.MrzResult, agreed across frames

    def __init__(
        self,
        session: ScanHost,
        ports: ScannerPorts,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.feed: CameraFeed = ports.feed
        self.calibration: Calibration = ports.calibration or Calibration()
        self.settings: ScanSettings = DEFAULT_SETTINGS if ports.settings is None else ports.settings
        self.frames_required = ports.frames_required
        # After "Refaire la photo", the page under the camera is photographed again only after it
        # has been right for this many more frames (about a second): time to adjust it.
        self.retake_extra_frames = 4 * ports.frames_required
        self.page_budget = PAGE_BUDGET if ports.page_budget is None else ports.page_budget
        self.capture = self._new_capture(FORMATS)
        self.guidance_filter = GuidanceFilter(ports.guidance_frames)
        self.limiter = SpeechLimiter(ports.speech_interval_s, ports.monotonic)
        self._monotonic = ports.monotonic
        self.keepalive_s = ports.keepalive_s
        self._last_keepalive = float("-inf")

        self.documents: list[DocumentRequest] = []
        self.index = -1
        self.page_no = 0
        self.active = False
        self.camera_ok = False
        self._generation = 0  # bumped on every reset: late results of older work are dropped
        self._analysing = False
        self._manual = False
        self._page: CapturedPage | None = None
        self._jpeg: CompressedPage | None = None
        self._accept_when_ready = False
        self._accept_more = False  # ... and then another page of the same document
        self._screen: ScanScreen | None = None
        self._camera_error: str | None = None  # the message shown while the camera is away
        self._calibration_sent = False
        self.verdicts = 0  # frames analysed (tests, diagnostics)
        self._mrz: _MrzRun | None = None
        self._reader: Any = None  # kiosk.devices.mrz_reader.MrzReader, made on the pool
        self._reader_lock = threading.Lock()
        # Fingerprints of the pages validated in this photo session (``page_match``): a
        # page identical to one of them is refused, whichever document it is given for.
        self._taken: list[np.ndarray] = []
        self._page_print: np.ndarray | None = None
        self._settle_until = float("-inf")
        self.refused = 0  # pages refused as already taken (tests, diagnostics)
        self._refused_shown = False

        self.feed.frame_ready.connect(self._frame_ready)
        self.feed.frame_arrived.connect(self._pump)
        self.feed.camera_event.connect(self._camera_event)
        session.session_wiped.connect(self.clear)

    def _new_capture(self, formats: Sequence[PageFormat]) -> AutoCapture:
        pipeline = ScanPipeline(self.settings, self.calibration, formats)
        return AutoCapture(pipeline, frames_required=self.frames_required)

    # --- wiring to the window ---------------------------------------------------------------
    @property
    def screen(self) -> ScanScreen:
        if self._screen is None:
            window = self.session.window
            screen = window.scan
            # The header does what it does on every screen: the session controller connects
            # it when the scan screen is one of the window's screens, else it is done here;
            # "Retour" leaves the scan.
            if screen not in window.screens.values():
                self.session.connect_header(screen)
            screen.back_requested.connect(self.cancel)
            screen.capture_requested.connect(self.capture_now)
            screen.retake_requested.connect(self.retake)
            screen.page_accepted.connect(self.accept)
            screen.more_requested.connect(self.accept_and_add)
            screen.skip_requested.connect(self.skip)
            self._screen = screen
        return self._screen

    # --- the MRZ reader ----------------------------------------------------------------------
    def warm_up(self) -> None:
        """Train the MRZ reader's model now, on the pool (about 1.5 s once per process), so
        the first passport is read at once."""
        self.session.tasks.run_cpu(
            self._mrz_reader, on_error=lambda exc: log.error("MRZ reader: %s", type(exc).__name__)
        )

    def _mrz_reader(self) -> Any:
        """The reader, made on first use (worker side: training the model takes a while)."""
        with self._reader_lock:
            if self._reader is None:
                from kiosk.devices.mrz_reader import MrzReader

                self._reader = MrzReader()
            return self._reader

    def _read_mrz(self, mrz: _MrzRun | None, image: np.ndarray, still: bool = False) -> None:
        """Worker side: one more reading of the document's MRZ, until one is agreed. A
        still (the photo taken) is read twice and may be accepted alone."""
        if mrz is None or mrz.accepted is not None:
            return
        mrz.reads += 1
        reader = self._mrz_reader()
        read = reader.read_still(image) if still else reader.read(image)
        mrz.advice = read.advice
        mrz.tracker.push(read)

    # --- the API ----------------------------------------------------------------------------
    def scan(self, documents: Sequence[DocumentSpec]) -> None:
        """Photograph ``documents`` in order: ``(id, label msgid, pages)`` each."""
        requests = [_request(d) for d in documents]
        self._reset_work()
        self._forget_prints()
        self.documents = requests
        self.index = -1
        self.active = True
        if not requests:
            self._finish()
            return
        window = self.session.window
        screen = self.screen
        screen.wipe()
        window.show_scan()
        self._next_document()
        self.feed.start()

    def stop(self) -> None:
        """Stop the camera and the work in flight; keep nothing."""
        self.active = False
        self._reset_work()
        self.feed.stop()

    def cancel(self) -> None:
        """ "Retour": leave the scan; pages already validated stay with whoever got them."""
        if not self.active:
            return
        self.stop()
        self.cancelled.emit()

    def clear(self) -> None:
        """Forget everything: camera stopped, frames and pages overwritten, screen wiped."""
        self.stop()
        self.feed.clear()  # the frames overwritten (stopping the feed again does nothing)
        self.capture.clear()
        self.documents = []
        self.index = -1
        self.page_no = 0
        self._mrz = None
        self._forget_prints()
        if self._screen is not None:
            self._screen.wipe()

    @property
    def current(self) -> DocumentRequest | None:
        if 0 <= self.index < len(self.documents):
            return self.documents[self.index]
        return None

    # --- screen actions ---------------------------------------------------------------------
    def capture_now(self) -> None:
        """ "Prendre la photo": the newest frame, as it is."""
        if not self.active or not self.camera_ok or self._page is not None:
            return
        self._manual = True
        self._pump()

    def accept_and_add(self) -> None:
        """ "Valider et ajouter une page": this page, then one more of the same document."""
        document = self.current
        if document is not None and document.more_pages:
            self.accept(more=True)

    def accept(self, more: bool = False) -> None:
        """ "Valider" (``more``: then another page of the same document)."""
        if not self.active or self._page is None:
            return
        if self._jpeg is None:
            self._accept_when_ready = True  # compression still running: deliver when done
            self._accept_more = more
            return
        document = self.current
        assert document is not None
        jpeg = self._jpeg.jpeg
        page_no = self.page_no
        if self._page_print is not None:
            self._taken.append(self._page_print)
        self._settle_until = self._monotonic() + NEXT_PAGE_SETTLE_S
        self._drop_page()
        self.document_captured.emit(document.id, page_no, jpeg)
        if not self.active:
            return  # a receiver stopped the scan
        if page_no < document.pages or (more and document.more_pages):
            self.page_no += 1
            self._show_page()
        else:
            self._next_document()

    def retake(self) -> None:
        """ "Refaire la photo": the same page again."""
        if not self.active or self._page is None:
            return
        self._drop_page()
        self.capture.rearm(extra_frames=self.retake_extra_frames)
        self._show_page()

    def skip(self) -> None:
        """ "Passer ce document"."""
        document = self.current
        if not self.active or document is None:
            return
        self._drop_page()
        self.document_skipped.emit(document.id)
        if self.active:
            self._next_document()

    # --- flow -------------------------------------------------------------------------------
    def _next_document(self) -> None:
        self.index += 1
        document = self.current
        if document is None:
            self._finish()
            return
        self.page_no = 1
        self._mrz = _MrzRun() if document.read_mrz else None
        # The same AutoCapture: if the last page is still under the camera, it waits for
        # the next document to replace it.
        self.capture.pipeline.formats = document.formats
        self._show_page()

    def _show_page(self) -> None:
        document = self.current
        assert document is not None
        self._generation += 1
        self._analysing = False
        self._refused_shown = False
        self.guidance_filter.reset()
        screen = self.screen
        screen.show_document(
            document.label,
            self.index + 1,
            len(self.documents),
            self.page_no,
            max(document.pages, self.page_no),
            intro=document.intro,
            more_pages=document.more_pages,
            extra=self.page_no > document.pages,
        )
        screen.show_live()
        screen.show_outline(None, None)
        if self.camera_ok:
            screen.show_guidance(Guidance.NO_PAGE)
        elif self._camera_error is not None:
            screen.show_guidance(self._camera_error, error=True)
        self.session.say_if_voice(screen.spoken_text())
        self.limiter.reset()

    def _finish(self) -> None:
        self.stop()
        self.finished.emit()

    def _reset_work(self) -> None:
        self._refused_shown = False
        self._generation += 1
        self._analysing = False
        self._manual = False
        self._drop_page()
        self.guidance_filter.reset()
        self.limiter.reset()

    def _forget_prints(self) -> None:
        for print_ in self._taken:
            print_.fill(False)
        self._taken = []
        self._settle_until = float("-inf")

    def _drop_page(self) -> None:
        if self._page is not None:
            self._page.clear()
        self._page = None
        self._page_print = None
        self._jpeg = None
        self._accept_when_ready = False
        self._accept_more = False

    # --- frames -----------------------------------------------------------------------------
    def _frame_ready(self, image: QImage) -> None:
        if self.active and self._screen is not None and not self._screen.reviewing:
            self._screen.show_frame(image)

    def _pump(self) -> None:
        """Start analysing the newest frame if the pipeline is free (GUI thread)."""
        if not self.active or self._analysing or self._page is not None:
            return
        if self._manual:
            frame = self.feed.take_frame()
            if frame is None:
                frame = self.feed.peek_frame()
            if frame is None:
                return  # no frame yet: the next one will be taken
            self._manual = False
            self._run(self._capture_task, frame)
            return
        frame = self.feed.take_frame()
        if frame is not None and self._monotonic() < self._settle_until:
            return  # just validated: the next page is not taken by itself yet
        if frame is not None:
            self._run(self._feed_task, frame)

    def _run(
        self, task: Callable[[np.ndarray, _MrzRun | None, bool], Any], frame: np.ndarray
    ) -> None:
        self._analysing = True
        generation = self._generation
        document = self.current
        self.session.tasks.run_cpu(
            task,
            frame,
            self._mrz,
            bool(document is not None and document.refuse_mrz),
            on_done=lambda result: self._analysed(generation, result),
            on_error=lambda exc: self._failed(generation, exc),
        )

    # Worker side (CPU pool): one task at a time, so the pipeline is never shared. No Qt
    # here (issue 14): the review's preview is made as RGB pixels, its QImage on the GUI
    # thread (_analysed).
    def _feed_task(
        self, frame: np.ndarray, mrz: _MrzRun | None = None, refuse_mrz: bool = False
    ) -> tuple[CaptureStep, np.ndarray | None, _Facts | None]:
        step = self.capture.feed(frame)
        preview = facts = None
        if step.captured is not None:
            preview = preview_rgb(step.captured.image, REVIEW_WIDTH)
            facts = self._facts(step.captured.image, refuse_mrz)
            self._read_mrz(mrz, step.captured.image, still=True)  # the straightened page
        else:
            self._read_mrz(mrz, frame)  # the MRZ may be readable even when the page is not
        return step, preview, facts

    def _capture_task(
        self, frame: np.ndarray, mrz: _MrzRun | None = None, refuse_mrz: bool = False
    ) -> tuple[CaptureStep, np.ndarray | None, _Facts | None]:
        verdict = self.capture.pipeline.analyse(frame)
        page = self.capture.capture(frame, verdict)
        self._read_mrz(mrz, page.image, still=True)
        preview = preview_rgb(page.image, REVIEW_WIDTH)
        return CaptureStep(verdict, page, 1.0), preview, self._facts(page.image, refuse_mrz)

    def _facts(self, image: np.ndarray, refuse_mrz: bool) -> _Facts:
        """Worker side: the page's fingerprint; for a document that has no MRZ, whether
        this page has one (read with its check digits)."""
        mrz_page = False
        if refuse_mrz:
            read = self._mrz_reader().read(image)
            # A valid reading only: text fitted to MRZ lines ("<<") comes from any letter.
            mrz_page = read.result is not None
        return _Facts(fingerprint(image), mrz_page)

    def _failed(self, generation: int, exc: BaseException) -> None:
        log.error("scanner pipeline failed: %s", type(exc).__name__)
        if generation == self._generation:
            self._analysing = False
            self._pump()

    def _analysed(
        self, generation: int, result: tuple[CaptureStep, np.ndarray | None, _Facts | None]
    ) -> None:
        step, rgb, facts = result
        if generation != self._generation:
            if step.captured is not None:
                step.captured.clear()
            if rgb is not None:
                rgb.fill(0)
            return  # the page, document or session changed meanwhile
        preview = rgb_to_qimage(rgb) if rgb is not None else None
        self._analysing = False
        self.verdicts += 1
        mrz = self._mrz
        if mrz is not None and mrz.accepted is not None and not mrz.emitted:
            mrz.emitted = True
            self.mrz_read.emit(mrz.accepted)
            if not self.active:
                return  # a receiver stopped the scan
        verdict = step.verdict
        screen = self.screen
        corners = verdict.corners.tolist() if verdict.corners is not None else None
        screen.show_outline(corners, verdict.frame_size)
        if corners is not None:
            self._keepalive()
        if self.calibration.calibrated and not self._calibration_sent:
            self._calibration_sent = True
            self.calibration_learned.emit(self.calibration.to_json())
        if step.captured is not None:
            self._captured(step.captured, preview, facts)
            return
        if self._refused_shown and self.capture.waiting_for_change:
            pass  # "already photographed" stays until another page is put down
        elif self.camera_ok:
            self._refused_shown = False
            self._guide(with_mrz(verdict.guidance, mrz.advice if mrz is not None else None))
        self._pump()

    def _guide(self, code: Guidance) -> None:
        before = self.guidance_filter.shown
        shown = self.guidance_filter.update(code)
        self.screen.show_guidance(shown)
        if shown is not before:
            self.guidance_changed.emit(shown.value)
        s = self.session
        if s.voice_on and not s.speech.busy:
            text = s.translator(message_id(shown))
            if self.limiter.allow(text):
                s.speech.say(text, s.translator.code)

    def _keepalive(self) -> None:
        """A page moving under the camera is the applicant at work: no inactivity wipe."""
        now = self._monotonic()
        if now - self._last_keepalive >= self.keepalive_s:
            self._last_keepalive = now
            self._activity()

    def _activity(self) -> None:
        self.session.inactivity.activity()

    def _captured(
        self, page: CapturedPage, preview: QImage | None, facts: _Facts | None = None
    ) -> None:
        if facts is None:
            facts = _Facts(fingerprint(page.image))
        if facts.mrz_page:
            self._refuse(page, NOT_A_PHOTO)
            return
        if any(same_page(facts.print_, taken) for taken in self._taken):
            self._refuse(page, ALREADY_TAKEN)
            return
        self._page_print = facts.print_
        self._page = page
        self._jpeg = None
        self.screen.show_review(preview)
        self.page_captured.emit(page.mode.value)
        self.session.say_if_voice(self.session.translator(PHOTO_TAKEN))
        self._activity()
        generation = self._generation
        self.session.tasks.run_cpu(
            compress_page,
            page.image,
            self.page_budget,
            on_done=lambda out: self._compressed(generation, out),
            on_error=lambda exc: self._compress_failed(generation, exc),
        )

    def _refuse(self, page: CapturedPage, message: str) -> None:
        """The page is one already validated (document 5 photographed as document 4), or
        a passport page given as the identity photo: not shown for review, said why
        (``message``); the capture waits for another page."""
        page.clear()
        self.refused += 1
        self._refused_shown = True
        screen = self.screen
        screen.show_guidance(message, error=True)
        self.guidance_changed.emit("already-taken" if message == ALREADY_TAKEN else "not-a-photo")
        self.limiter.reset()
        self.session.say_if_voice(self.session.translator(message))
        self._pump()

    def _compressed(self, generation: int, out: CompressedPage) -> None:
        if generation != self._generation or self._page is None:
            return
        self._jpeg = out
        if self._accept_when_ready:
            self.accept(more=self._accept_more)

    def _compress_failed(self, generation: int, exc: BaseException) -> None:
        log.error("compressing a page failed: %s", type(exc).__name__)
        if generation == self._generation and self._page is not None:
            self.retake()

    # --- camera events ----------------------------------------------------------------------
    def _camera_event(self, value: str) -> None:
        event = CameraEvent(value)
        self.camera_status.emit(value)
        if event in (CameraEvent.STARTED, CameraEvent.RECONNECTED):
            was_down = self._camera_error is not None
            self.camera_ok = True
            self._camera_error = None
            if not self.active:
                return
            screen = self.screen
            screen.set_camera_ready(True)
            self.guidance_filter.reset()
            self.capture.pipeline.reset()
            if not screen.reviewing:
                screen.show_guidance(Guidance.NO_PAGE)
            if was_down:
                self.session.say_if_voice(self.session.translator(CAMERA_BACK))
            self._pump()
        elif event in (CameraEvent.NOT_FOUND, CameraEvent.DISCONNECTED):
            self.camera_ok = False
            message = CAMERA_NOT_FOUND if event is CameraEvent.NOT_FOUND else CAMERA_DISCONNECTED
            self._camera_error = message
            if not self.active:
                return
            screen = self.screen
            screen.set_camera_ready(False)
            screen.show_outline(None, None)
            screen.show_frame(QImage())  # no frozen picture: the camera is away
            if not screen.reviewing:
                screen.show_guidance(message, error=True)
            self.limiter.reset()
            self.session.say_if_voice(self.session.translator(message))
        elif event is CameraEvent.STOPPED:
            self.camera_ok = False
            self._camera_error = None


def build_scanner(host: ScanHost, settings: Any, parent: QObject | None = None) -> ScanController:
    """The scanner the settings describe (``kiosk.config.Settings``): camera, resolution,
    sharpness reference; a fake camera with ``fake_devices``."""
    from kiosk.devices.camera import camera_from_settings

    feed = CameraFeed(camera_from_settings(settings), parent=parent)
    calibration = Calibration(getattr(settings, "camera_sharpness_reference", None))
    return ScanController(host, ScannerPorts(feed, calibration=calibration), parent=parent)
