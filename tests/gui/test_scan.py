"""Photographing documents with the fake camera, on the real scan screen: guidance then
automatic capture, manual capture, review, retake, skip, several pages and documents, the
camera unplugged mid-scan and back, speech, privacy (nothing on disk, everything wiped),
and the screen in Arabic. Waits are on signals and conditions, never sleeps."""

from __future__ import annotations

import builtins
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QPushButton

from kiosk.devices.camera import FakeCamera
from kiosk.i18n import Translator
from kiosk.scan import synthetic as syn
from kiosk.scan.formats import A4, TD3
from kiosk.scan.guidance import MESSAGES, Guidance
from kiosk.scan.pipeline import CaptureMode
from kiosk.ui.camera_view import CameraFeed
from kiosk.ui.controllers.ports import ScannerPorts
from kiosk.ui.controllers.scanner import (
    ALREADY_TAKEN,
    CAMERA_BACK,
    CAMERA_DISCONNECTED,
    CAMERA_NOT_FOUND,
    ScanController,
)
from kiosk.ui.screens.scan import PREVIEW_NAME

from .conftest import Kiosk

pytestmark = pytest.mark.gui

SIZE = (960, 540)
FAST = {"retry_initial_s": 0.02, "retry_max_s": 0.1, "failure_pause_s": 0.002}
PASSPORT = ("passport", "Passeport", 1)
ADDRESS = ("proof_of_address", "Justificatif de domicile de moins de 6 mois", 2)
WAIT = 15_000  # ms: generous, for a loaded machine


def page_frame(seed: int = 1, page_format: Any = A4, **placement: Any) -> np.ndarray:
    frame, _ = syn.scene(SIZE, page_format, fill=0.8, seed=seed, **placement)
    return syn.noise(syn.blur(frame, 0.6), 2, seed)


def blurred(frame: np.ndarray) -> np.ndarray:
    return syn.blur(frame, 3.0)


def write_sequence(folder: Path, frames: list[np.ndarray]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(frames):
        assert cv2.imwrite(str(folder / f"frame_{i:03d}.png"), frame)
    return str(folder / "frame_%03d.png")


def write_avi(path: Path, frames: list[np.ndarray], fps: float = 15) -> str:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, SIZE)
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return str(path)


class Scan:
    """A ScanController on a kiosk, with what it emitted."""

    def __init__(self, kiosk: Kiosk, camera: FakeCamera, **options: Any) -> None:
        self.kiosk = kiosk
        self.camera = camera
        self.feed = CameraFeed(camera)
        options.setdefault("frames_required", 3)
        self.controller = ScanController(kiosk.controller, ScannerPorts(self.feed, **options))
        self.screen = kiosk.window.scan
        self.guidance: list[str] = []
        self.guidance_texts: list[str] = []
        self.captured: list[tuple[str, int, bytes]] = []
        self.skipped: list[str] = []
        self.modes: list[str] = []
        self.finished = 0
        self.pipeline_threads: set[str] = set()
        c = self.controller
        c.guidance_changed.connect(self._guidance)
        c.document_captured.connect(lambda d, p, j: self.captured.append((d, p, j)))
        c.document_skipped.connect(self.skipped.append)
        c.page_captured.connect(self.modes.append)
        c.finished.connect(self._finished)
        feed = c.capture.feed

        def traced(frame: np.ndarray) -> Any:
            self.pipeline_threads.add(threading.current_thread().name)
            return feed(frame)

        c.capture.feed = traced  # type: ignore[method-assign]

    def _guidance(self, value: str) -> None:
        self.guidance.append(value)
        self.guidance_texts.append(self.screen.guidance_text())

    def _finished(self) -> None:
        self.finished += 1

    def wait(self, condition: Callable[[], bool], timeout: int = WAIT) -> None:
        self.kiosk.qtbot.waitUntil(condition, timeout=timeout)

    def wait_review(self) -> None:
        """A page is shown for review, and compressed: "Valider" hands it over at once."""
        self.wait(lambda: self.screen.reviewing and self.controller._jpeg is not None)
        assert self.screen.accept_button.isEnabled()

    def click(self, button: QPushButton) -> None:
        self.kiosk.click(button)


@pytest.fixture
def make_scan(kiosk: Kiosk) -> Iterator[Callable[..., Scan]]:
    made: list[Scan] = []

    def make(camera: FakeCamera, **options: Any) -> Scan:
        scan = Scan(kiosk, camera, **options)
        made.append(scan)
        return scan

    yield make
    for scan in made:
        scan.controller.clear()


# --- the happy paths -------------------------------------------------------------------
def test_blurred_then_sharp_sequence_guides_then_captures_by_itself(
    make_scan: Callable[..., Scan], tmp_path: Path
) -> None:
    sharp = page_frame(1, TD3)
    pattern = write_sequence(tmp_path / "seq", [blurred(sharp)] * 14 + [sharp] * 30)
    scan = make_scan(FakeCamera(pattern, fps=15))
    scan.controller.scan([PASSPORT])
    screen = scan.screen
    assert scan.kiosk.window.current_screen is screen
    assert screen.title.text() == "Passeport"
    # One page of one document: no count (issue 15: "Page 1 sur 1" read as a step count).
    assert screen.caption.text() == "" and not screen.caption.isVisibleTo(screen)
    with scan.kiosk.qtbot.waitSignal(scan.controller.page_captured, timeout=WAIT) as signal:
        pass
    assert signal.args == [CaptureMode.AUTO.value]
    # Guidance came first, in words on the screen: hold still, blurry...
    assert scan.guidance[0] == Guidance.HOLD_STILL.value
    assert Guidance.BLURRY.value in scan.guidance or Guidance.HOLD_STILL.value in scan.guidance
    assert scan.guidance_texts[0] == MESSAGES[Guidance.HOLD_STILL]
    assert scan.guidance[-1] == Guidance.OK.value
    # ... then the straightened page, from a sharp frame, for review.
    page = scan.controller._page
    assert page is not None and page.verdict is not None and page.verdict.ok
    assert page.page_format is TD3
    image = screen.page_view.image()
    assert image is not None and not image.isNull()
    assert abs(image.width() / image.height() - TD3.aspect) < 0.02
    assert screen.page_view.isVisible() and not screen.preview.isVisible()
    assert screen.accept_button.isVisible() and screen.retake_button.isVisible()
    assert not screen.capture_button.isVisible()
    # The pipeline ran on the task runner's pool, never on the GUI thread.
    assert scan.pipeline_threads and all(n.startswith("kiosk-cpu") for n in scan.pipeline_threads)
    scan.wait_review()
    scan.click(screen.accept_button)
    assert scan.finished == 1
    [(document, page_no, jpeg)] = scan.captured
    assert (document, page_no) == ("passport", 1)
    assert jpeg[:3] == b"\xff\xd8\xff" and len(jpeg) < 1_000_000
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None and decoded.shape[1] > decoded.shape[0]  # a landscape page
    assert not scan.camera.running  # the camera stops when the last document is done


def test_manual_capture_of_two_pages_from_an_mjpg_video(
    make_scan: Callable[..., Scan], tmp_path: Path
) -> None:
    """A blurred page is never taken by itself; "Prendre la photo" takes it anyway (but
    not twice: the same sheet as page 2 is refused)."""
    frames = [blurred(page_frame(2))] * 10
    scan = make_scan(FakeCamera(write_avi(tmp_path / "blurred.avi", frames), fps=15))
    screen = scan.screen
    scan.controller.scan([ADDRESS])
    scan.wait(lambda: scan.controller.verdicts >= 3 and screen.capture_button.isEnabled())
    assert screen.caption.text() == "Page 1 sur 2"
    assert not screen.reviewing
    scan.click(screen.capture_button)
    scan.wait_review()
    assert scan.modes == [CaptureMode.MANUAL.value]
    scan.click(screen.accept_button)
    assert [(d, p) for d, p, _ in scan.captured] == [("proof_of_address", 1)]
    assert screen.caption.text() == "Page 2 sur 2"
    assert not screen.reviewing and screen.capture_button.isVisible()
    scan.wait(lambda: screen.capture_button.isEnabled())
    # The video shows the same sheet: taken by hand as page 2, it is refused (issue 15).
    scan.click(screen.capture_button)
    scan.wait(lambda: scan.controller.refused == 1)
    assert not screen.reviewing and screen.guidance_text() == ALREADY_TAKEN
    scan.click(screen.skip_button)
    assert screen.skip_dialog is not None
    scan.click(screen.skip_dialog.confirm_button)
    assert [(d, p) for d, p, _ in scan.captured] == [("proof_of_address", 1)]
    assert scan.finished == 1


def test_retake_then_next_document_then_skip(make_scan: Callable[..., Scan]) -> None:
    scan = make_scan(FakeCamera([page_frame(3)], fps=20))
    screen = scan.screen
    scan.controller.scan([PASSPORT, ADDRESS])
    assert screen.caption.text() == "Document 1 sur 2"
    scan.wait_review()
    scan.click(screen.retake_button)
    assert not screen.reviewing and screen.preview.isVisible()
    assert scan.captured == []
    # The same page, still under the camera, is taken again (after a short hold).
    scan.wait_review()
    assert scan.modes == ["auto", "auto"]
    scan.click(screen.accept_button)
    assert [(d, p) for d, p, _ in scan.captured] == [("passport", 1)]
    assert screen.title.text() == "Justificatif de domicile de moins de 6 mois"
    assert screen.caption.text() == "Document 2 sur 2 · Page 1 sur 2"
    # The passport page is still there: it is not taken again as the next document.
    verdicts = scan.controller.verdicts
    scan.wait(lambda: scan.controller.verdicts >= verdicts + 12)
    assert not screen.reviewing
    scan.click(screen.skip_button)
    assert scan.skipped == []  # asked first (issue 15, problem 6)
    assert screen.skip_dialog is not None and screen.skip_dialog.isVisible()
    scan.click(screen.skip_dialog.confirm_button)
    assert scan.skipped == ["proof_of_address"]
    assert scan.finished == 1


def test_back_cancels_the_scan(make_scan: Callable[..., Scan]) -> None:
    scan = make_scan(FakeCamera([syn.empty(SIZE)], fps=20))
    cancelled: list[bool] = []
    scan.controller.cancelled.connect(lambda: cancelled.append(True))
    scan.controller.scan([PASSPORT])
    scan.wait(lambda: scan.camera.running and scan.controller.verdicts >= 1)
    assert scan.screen.back_button is not None
    scan.click(scan.screen.back_button)
    assert cancelled == [True]
    assert not scan.camera.running and scan.finished == 0


# --- the camera going away -------------------------------------------------------------------
def test_camera_unplugged_mid_scan_then_back(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = make_kiosk(voice_on=True)
    camera = FakeCamera([syn.empty(SIZE)], fps=30, max_failures=3, **FAST)
    scan = Scan(kiosk, camera)
    screen = scan.screen
    try:
        scan.controller.scan([PASSPORT])
        scan.wait(lambda: screen.guidance_text() == MESSAGES[Guidance.NO_PAGE])
        scan.wait(lambda: screen.preview.image() is not None)
        assert screen.capture_button.isEnabled()
        camera.unplug()
        scan.wait(lambda: screen.guidance_text() == CAMERA_DISCONNECTED)
        assert screen.guidance.property("role") == "error"
        assert not screen.capture_button.isEnabled()  # nothing to photograph
        assert screen.skip_button.isEnabled()  # but the applicant can go on
        assert screen.preview.image() is None or screen.preview.image().isNull()
        scan.wait(lambda: (CAMERA_DISCONNECTED, "fr") in kiosk.speech.said)  # spoken
        camera.plug()
        scan.wait(lambda: screen.guidance_text() == MESSAGES[Guidance.NO_PAGE])
        assert screen.capture_button.isEnabled()
        assert screen.guidance.property("role") == "h2"
        assert (CAMERA_BACK, "fr") in kiosk.speech.said
        frames = camera.frames_delivered
        scan.wait(lambda: camera.frames_delivered > frames + 3)
    finally:
        scan.controller.clear()


def test_a_video_that_ends_is_a_camera_that_went_away(
    make_scan: Callable[..., Scan], tmp_path: Path
) -> None:
    video = write_avi(tmp_path / "short.avi", [syn.empty(SIZE)] * 5)
    scan = make_scan(FakeCamera(video, fps=30, loop=False, max_failures=2, **FAST))
    scan.controller.scan([PASSPORT])
    scan.wait(lambda: scan.screen.guidance_text() == CAMERA_DISCONNECTED)
    assert not scan.controller.camera_ok


def _scan_without_camera(make_scan: Callable[..., Scan]) -> Scan:
    """The passport asked for, with no camera plugged in."""
    camera = FakeCamera([syn.empty(SIZE)], fps=30, **FAST)
    camera.unplug()
    scan = make_scan(camera)
    scan.controller.scan([PASSPORT])
    return scan


def test_no_camera_at_all_says_so_and_lets_the_applicant_skip(
    make_scan: Callable[..., Scan],
) -> None:
    scan = _scan_without_camera(make_scan)
    scan.wait(lambda: scan.screen.guidance_text() == CAMERA_NOT_FOUND)
    assert not scan.screen.capture_button.isEnabled()
    scan.click(scan.screen.skip_button)
    assert scan.screen.skip_dialog is not None
    scan.click(scan.screen.skip_dialog.confirm_button)
    assert scan.skipped == ["passport"] and scan.finished == 1


def test_the_camera_box_says_the_camera_is_starting_instead_of_staying_black(
    make_scan: Callable[..., Scan],
) -> None:
    """Issue 15, problem 11: up to 30 s of an empty black box before the first frame."""
    scan = _scan_without_camera(make_scan)
    preview = scan.screen.preview
    scan.wait(lambda: preview.isVisible() and preview.height() > 100)

    def lit_pixels() -> int:
        image = preview.grab().toImage()
        return sum(
            image.pixelColor(x, y).lightness() > 200
            for y in range(0, image.height(), 3)
            for x in range(0, image.width(), 3)
        )

    assert preview.image() is None
    assert preview.placeholder == "La caméra démarre."
    assert lit_pixels() > 50  # the words, white on the dark viewfinder
    scan.wait(lambda: scan.screen.guidance_text() == CAMERA_NOT_FOUND)
    assert preview.placeholder == CAMERA_NOT_FOUND
    assert lit_pixels() > 50


# --- voice ----------------------------------------------------------------------------------
def test_guidance_is_spoken_when_it_changes_at_most_every_two_seconds(
    make_kiosk: Callable[..., Kiosk],
) -> None:
    kiosk = make_kiosk(voice_on=True)
    clock = [500.0]
    frames = [page_frame(4, centre=(0.3 + 0.03 * i, 0.5)) for i in range(6)]  # moving
    camera = FakeCamera(frames, fps=20)
    scan = Scan(kiosk, camera, monotonic=lambda: clock[0])
    scan.controller.capture.enabled = False  # guidance only
    try:
        scan.controller.scan([PASSPORT])
        assert kiosk.speech.last_said is not None  # the screen itself was read
        kiosk.speech.finish()  # ... to the end
        hold = MESSAGES[Guidance.HOLD_STILL]
        scan.wait(lambda: (hold, "fr") in kiosk.speech.said)
        kiosk.speech.finish()
        # Same guidance: never repeated, however long it lasts.
        camera.show([page_frame(4)])  # still now: OK ...
        count = scan.controller.verdicts
        scan.wait(lambda: scan.controller.verdicts > count + 10)
        said = [t for t, _ in kiosk.speech.said]
        assert said.count(hold) == 1
        # ... and the change to OK waits for the 2 s to pass.
        assert MESSAGES[Guidance.OK] not in said
        assert scan.guidance[-1] == Guidance.OK.value
        clock[0] += 2.1
        scan.wait(lambda: (MESSAGES[Guidance.OK], "fr") in kiosk.speech.said)
    finally:
        scan.controller.clear()


def test_a_page_under_the_camera_keeps_the_session_alive(make_scan: Callable[..., Scan]) -> None:
    scan = make_scan(FakeCamera([blurred(page_frame(5))], fps=20), keepalive_s=0.0)
    kiosk = scan.kiosk
    if not hasattr(kiosk.controller, "inactivity"):
        pytest.skip("no inactivity monitor on this controller")
    calls: list[bool] = []
    original = kiosk.controller.inactivity.activity

    def activity() -> None:
        calls.append(True)
        original()

    kiosk.controller.inactivity.activity = activity  # type: ignore[method-assign]
    scan.controller.scan([PASSPORT])
    scan.wait(lambda: len(calls) >= 3)


# --- privacy ----------------------------------------------------------------------------------
def files_under(*roots: Path) -> set[Path]:
    return {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


def test_no_frame_or_page_touches_the_disk_and_a_wipe_forgets_them(
    make_scan: Callable[..., Scan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    assert Path(tempfile.gettempdir()) == private_tmp
    pattern = write_sequence(tmp_path / "seq", [page_frame(6)] * 3)
    before = files_under(tmp_path, Path.cwd() / "kiosk")
    # Every way Python or OpenCV could write a file, watched during the scan.
    writes: list[str] = []
    real_open, real_imwrite = builtins.open, cv2.imwrite

    def watched_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+"):
            writes.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    def watched_imwrite(path: str, *args: Any, **kwargs: Any) -> bool:
        writes.append(path)
        return real_imwrite(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watched_open)
    monkeypatch.setattr(cv2, "imwrite", watched_imwrite)
    monkeypatch.setattr(cv2, "VideoWriter", lambda *a, **k: writes.append("VideoWriter"))
    scan = make_scan(FakeCamera(pattern, fps=20))
    scan.controller.scan([ADDRESS])
    scan.wait_review()
    scan.click(scan.screen.accept_button)
    assert len(scan.captured) == 1
    scan.wait(lambda: scan.controller.verdicts >= 3)  # page 2 under way: frames in memory
    assert writes == []
    new = files_under(tmp_path, Path.cwd() / "kiosk") - before
    assert not [p for p in new if p.suffix != ".pyc"], new
    # The session ends: the camera stops, every picture is forgotten.
    feed = scan.feed
    assert feed.peek_frame() is not None
    scan.kiosk.controller.wipe()
    assert not scan.camera.running
    assert feed.peek_frame() is None and feed.take_frame() is None
    screen = scan.screen
    assert screen.preview.image() is None and screen.page_view.image() is None
    assert screen.caption.text() == "" and not screen.reviewing
    assert scan.controller.documents == [] and scan.controller.current is None


# --- how it looks, in two languages -----------------------------------------------------------
def test_scan_screen_accessibility_and_arabic(make_scan: Callable[..., Scan]) -> None:
    scan = make_scan(FakeCamera([syn.empty(SIZE)], fps=20))
    kiosk = scan.kiosk
    kiosk.controller.choose_language("ar")
    scan.controller.scan([PASSPORT])
    screen = scan.screen
    scan.wait(lambda: screen.preview.image() is not None)
    tr = Translator("ar")
    assert screen.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert screen.guidance_text() == tr(MESSAGES[Guidance.NO_PAGE])
    assert screen.guidance_text() != MESSAGES[Guidance.NO_PAGE]  # translated
    assert screen.capture_button.text() == tr("Prendre la photo") != "Prendre la photo"
    preview = QAccessible.queryAccessibleInterface(screen.preview)
    assert preview is not None
    assert preview.text(QAccessible.Text.Name) == tr(PREVIEW_NAME)
    assert preview.text(QAccessible.Text.Description) == screen.guidance_text()
    for button in (screen.capture_button, screen.skip_button):
        iface = QAccessible.queryAccessibleInterface(button)
        assert iface is not None and iface.text(QAccessible.Text.Name)
        assert button.height() >= 44 and button.width() >= 44
    # The buttons fit the screen at 100 % without scrolling (1280 x 1024), under a preview
    # as large as the rest leaves room for.
    button = screen.capture_button

    def fits() -> bool:
        bottom = button.mapTo(screen, button.rect().bottomLeft()).y()
        no_scrolling = screen.scroll_area.verticalScrollBar().maximum() == 0
        return bottom <= screen.height() and no_scrolling and screen.preview.height() >= 300

    scan.wait(fits)


# --- threads and pacing -----------------------------------------------------------------------
def test_a_busy_pipeline_drops_frames_and_takes_the_newest(make_scan: Callable[..., Scan]) -> None:
    frames = []
    for i in range(400):  # numbered, and enough not to loop during the test
        frame = syn.empty((160, 90), seed=0)
        frame[0, 0] = (i % 256, i // 256, 0)  # the frame's number, in its first pixel
        frames.append(frame)
    camera = FakeCamera(frames, fps=200)
    scan = make_scan(camera)
    gate = threading.Event()
    seen: list[int] = []
    feed = scan.controller.capture.feed

    def slow(frame: np.ndarray) -> Any:
        seen.append(int(frame[0, 0, 0]) + 256 * int(frame[0, 0, 1]))
        gate.wait(10)
        return feed(frame)

    scan.controller.capture.feed = slow  # type: ignore[method-assign]
    scan.controller.scan([PASSPORT])
    scan.wait(lambda: len(seen) == 1 and camera.frames_delivered >= seen[0] + 30)
    released_at = camera.frames_delivered
    gate.set()
    scan.wait(lambda: len(seen) >= 2)
    # Not the frame after the first one: the newest when the pipeline was free again.
    assert seen[1] >= released_at - 3, (seen, released_at)
    # Most of the ~30 frames queued while busy were dropped (a margin for a loaded CI machine).
    assert scan.feed.dropped >= 10


def test_valider_before_the_page_is_compressed_hands_it_over_when_ready(
    make_scan: Callable[..., Scan],
) -> None:
    scan = make_scan(FakeCamera([page_frame(7)], fps=20))
    pressed: list[bool] = []

    def press_at_once(_mode: str) -> None:
        assert scan.controller._jpeg is None  # compression has only just started
        pressed.append(True)
        scan.controller.accept()

    scan.controller.page_captured.connect(press_at_once)
    scan.controller.scan([PASSPORT])
    scan.wait(lambda: scan.finished == 1)
    assert pressed == [True]
    assert [(d, p) for d, p, _ in scan.captured] == [("passport", 1)]


def test_the_scanner_the_settings_describe(kiosk: Kiosk, tmp_path: Path) -> None:
    """What the composition root builds: a fake camera playing the configured sequence."""
    from kiosk.config import load_settings
    from kiosk.ui.controllers.scanner import build_scanner

    pattern = write_sequence(tmp_path / "seq", [page_frame(8)] * 3)
    settings = load_settings(
        environ={}, overrides={"fake_devices": True, "camera": pattern, "data_dir": tmp_path}
    )
    scanner = build_scanner(kiosk.controller, settings)
    try:
        scanner.scan([PASSPORT])
        with kiosk.qtbot.waitSignal(scanner.page_captured, timeout=WAIT):
            pass
    finally:
        scanner.clear()
