"""The document camera: the interface the UI talks to, the OpenCV backend and a fake.

Frames are read in a worker thread and handed to ``on_frame`` there (BGR ``uint8`` arrays
the receiver owns: nothing reuses them). Trouble is reported through ``on_event``:
``NOT_FOUND`` when no camera opens at start, ``DISCONNECTED`` when reads fail
``max_failures`` times in a row mid-scan; either way the worker keeps trying to open the
camera again, with a doubling delay capped at ``retry_max_s``, and says ``RECONNECTED``
when frames come back. ``stop()`` returns within a fraction of a second: every wait in
the worker is on an event ``stop()`` sets.

``FakeCamera`` plays frames from memory, a video file (MJPG/mp4v/XVID) or an image
sequence (``frame_%03d.png``) at a given rate, in a loop or once; ``unplug()`` and
``plug()`` simulate a cable pulled and put back. No frame is ever written to disk here.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import cv2
import numpy as np

log = logging.getLogger(__name__)


class CameraEvent(StrEnum):
    STARTED = "started"  # the first frames are coming
    NOT_FOUND = "not_found"  # no camera could be opened at start (retrying)
    DISCONNECTED = "disconnected"  # frames stopped mid-stream (retrying)
    RECONNECTED = "reconnected"  # frames again after NOT_FOUND or DISCONNECTED
    STOPPED = "stopped"  # stop() was called; the worker has ended


FrameCallback = Callable[[np.ndarray], None]
EventCallback = Callable[[CameraEvent], None]


@dataclass(frozen=True)
class CameraInfo:
    source: int | str  # a device index, or a file/device path
    name: str


def parse_source(value: int | str) -> int | str:
    """A settings value ("0", "/dev/video2", "demo.avi") as a VideoCapture source."""
    if isinstance(value, int):
        return value
    text = value.strip()
    return int(text) if text.isdigit() else text


def _hand_over(callback: Callable[[Any], None] | None, value: Any, what: str) -> None:
    """``callback(value)`` on the worker, if set; a handler's error is logged, never lets
    the worker die (``what``: "event", "frame")."""
    if callback is None:
        return
    try:
        callback(value)
    except Exception:
        log.exception("camera %s handler failed", what)


class Camera(ABC):
    """A stream of frames in a worker thread, with disconnection handling."""

    def __init__(
        self,
        *,
        max_failures: int = 5,
        retry_initial_s: float = 0.5,
        retry_max_s: float = 5.0,
        failure_pause_s: float = 0.02,
    ) -> None:
        self.max_failures = max_failures
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.failure_pause_s = failure_pause_s
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._on_frame: FrameCallback | None = None
        self._on_event: EventCallback | None = None
        self.frames_delivered = 0
        self.resolution: tuple[int, int] | None = None  # (width, height) actually delivered

    # --- what the UI calls --------------------------------------------------------------
    def start(self, on_frame: FrameCallback, on_event: EventCallback | None = None) -> None:
        """Start streaming; callbacks run on the worker thread. Idempotent."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._on_frame, self._on_event = on_frame, on_event
                return
            self._on_frame, self._on_event = on_frame, on_event
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name="kiosk-camera", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop streaming and release the camera. Idempotent."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("the camera thread did not stop within %.1f s", timeout)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    @abstractmethod
    def available(self) -> bool:
        """True if a camera is there to open (cheap: does not open it)."""

    @abstractmethod
    def cameras(self) -> list[CameraInfo]:
        """The cameras this backend can open."""

    def set_resolution(self, width: int, height: int) -> None:
        """The resolution to ask for at the next (re)open. Default: ignored."""
        del width, height

    # --- what a backend provides ----------------------------------------------------------
    @abstractmethod
    def _open(self) -> Any | None:
        """Open the source; None if it cannot be opened now."""

    @abstractmethod
    def _read(self, handle: Any) -> np.ndarray | None:
        """The next frame, or None if the read failed."""

    def _close(self, handle: Any) -> None:
        """Release what ``_open`` returned."""
        del handle

    def _pace(self, stop: threading.Event) -> None:
        """Wait before the next read (a real camera's read already blocks)."""
        del stop

    # --- the worker -----------------------------------------------------------------------
    def _emit(self, event: CameraEvent) -> None:
        log.info("camera: %s", event.value)
        _hand_over(self._on_event, event, "event")

    def _try_open(self) -> Any | None:
        try:
            return self._open()
        except Exception as exc:  # a driver error is "not there", not a crash
            log.warning("opening the camera failed: %s", type(exc).__name__)
            return None

    def _run(self, stop: threading.Event) -> None:
        handle = self._try_open()
        self._emit(CameraEvent.STARTED if handle is not None else CameraEvent.NOT_FOUND)
        delay = self.retry_initial_s
        failures = 0
        try:
            while not stop.is_set():
                if handle is None:
                    if stop.wait(delay):
                        break
                    delay = min(delay * 2, self.retry_max_s)
                    handle = self._try_open()
                    if handle is not None:
                        failures = 0
                        delay = self.retry_initial_s
                        self._emit(CameraEvent.RECONNECTED)
                    continue
                try:
                    frame = self._read(handle)
                except Exception as exc:
                    log.warning("camera read failed: %s", type(exc).__name__)
                    frame = None
                if frame is None:
                    failures += 1
                    if failures >= self.max_failures:
                        self._safe_close(handle)
                        handle = None
                        self._emit(CameraEvent.DISCONNECTED)
                    elif stop.wait(self.failure_pause_s):
                        break
                    continue
                failures = 0
                self.resolution = (int(frame.shape[1]), int(frame.shape[0]))
                self.frames_delivered += 1
                _hand_over(self._on_frame, frame, "frame")
                self._pace(stop)
        finally:
            if handle is not None:
                self._safe_close(handle)
            self._emit(CameraEvent.STOPPED)

    def _safe_close(self, handle: Any) -> None:
        try:
            self._close(handle)
        except Exception as exc:
            log.warning("releasing the camera failed: %s", type(exc).__name__)


def _video_devices() -> list[CameraInfo]:
    """V4L2 capture devices (Linux), by index, with their driver names."""
    out: list[CameraInfo] = []
    for path in sorted(glob.glob("/dev/video*")):
        suffix = path.removeprefix("/dev/video")
        if not suffix.isdigit():
            continue
        name = path
        with contextlib.suppress(OSError):
            name = Path(f"/sys/class/video4linux/video{suffix}/name").read_text().strip() or path
        out.append(CameraInfo(int(suffix), name))
    return out


class OpenCvCamera(Camera):
    """``cv2.VideoCapture`` on a device index or path: MJPG (webcams give 1080p at 30 fps
    only in MJPG), a one-frame buffer (the preview shows now, not a second ago), the
    resolution asked for in the settings."""

    def __init__(
        self,
        source: int | str = 0,
        width: int = 1920,
        height: int = 1080,
        fps: int = 30,
        *,
        fourcc: str = "MJPG",
        api: int = cv2.CAP_ANY,
        **kwargs: float,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.source = parse_source(source)
        self.width, self.height, self.fps = width, height, fps
        self.fourcc = fourcc
        self.api = api

    def available(self) -> bool:
        if isinstance(self.source, int):
            return any(info.source == self.source for info in _video_devices())
        return os.path.exists(self.source)

    def cameras(self) -> list[CameraInfo]:
        return _video_devices()

    def set_resolution(self, width: int, height: int) -> None:
        self.width, self.height = width, height

    def _open(self) -> cv2.VideoCapture | None:
        api = self.api
        if api == cv2.CAP_ANY and isinstance(self.source, int) and os.name == "posix":
            api = cv2.CAP_V4L2
        cap = cv2.VideoCapture(self.source, api)
        if not cap.isOpened():
            cap.release()
            return None
        cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*self.fourcc))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return cap

    def _read(self, handle: cv2.VideoCapture) -> np.ndarray | None:
        ok, frame = handle.read()
        return frame if ok and frame is not None and frame.size else None

    def _close(self, handle: cv2.VideoCapture) -> None:
        handle.release()


class FakeCamera(Camera):
    """Plays ``source`` at ``fps``: a sequence of frames in memory, a video file, or an
    image sequence pattern such as ``/tmp/x/frame_%03d.png``. With ``loop=False`` the stream
    ends like an unplugged camera (reads fail) and never comes back."""

    def __init__(
        self,
        source: Sequence[np.ndarray] | str | Path | Callable[[], Sequence[np.ndarray]],
        fps: float = 15.0,
        *,
        loop: bool = True,
        **kwargs: float,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._make: Callable[[], Sequence[np.ndarray]] | None = None
        self.frames: list[np.ndarray] = []
        self.path: str | None = None
        if isinstance(source, (str, Path)):
            self.path = os.fspath(source)
        elif callable(source):
            self._make = source  # made on first open, in the camera thread (start-up speed)
        else:
            self.frames = [np.ascontiguousarray(f) for f in source]
            if not self.frames:
                raise ValueError("a fake camera needs at least one frame")
        self.fps = fps
        self.loop = loop
        self._plugged = threading.Event()
        self._plugged.set()
        self._ended = False
        self._generation = 0  # bumped by show(): the stream restarts on the new frames

    # --- test controls --------------------------------------------------------------------
    def unplug(self) -> None:
        """Reads and opens fail from now on, as with a cable pulled out."""
        self._plugged.clear()

    def plug(self) -> None:
        """The cable is back: the next reopen attempt succeeds."""
        self._plugged.set()

    @property
    def plugged(self) -> bool:
        return self._plugged.is_set()

    def show(self, frames: Sequence[np.ndarray]) -> None:
        """Play these frames from now on (in-memory source): what the camera sees changed."""
        if not frames:
            raise ValueError("a fake camera needs at least one frame")
        self.frames = [np.ascontiguousarray(f) for f in frames]
        self._generation += 1

    # --- Camera ---------------------------------------------------------------------------
    def available(self) -> bool:
        if not self.plugged:
            return False
        if self.path is None:
            return True
        if "%" in self.path:
            return bool(glob.glob(_pattern_glob(self.path)))
        return os.path.exists(self.path)

    def cameras(self) -> list[CameraInfo]:
        return [CameraInfo(self.path or "memory", "Fake camera")] if self.available() else []

    def _open(self) -> Any | None:
        if not self.plugged or self._ended:
            return None
        if self.path is None:
            if self._make is not None:
                self.show(self._make())
                self._make = None
            return _MemoryStream(self)
        cap = cv2.VideoCapture(self.path)
        if not cap.isOpened():
            cap.release()
            return None
        return cap

    def _read(self, handle: Any) -> np.ndarray | None:
        if not self.plugged or self._ended:
            return None
        ok, frame = handle.read()
        if not ok and self.loop:
            handle.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = handle.read()
        if not ok or frame is None:
            if not self.loop:
                self._ended = True  # a file that ends: like a camera that went away
            return None
        return frame

    def _close(self, handle: Any) -> None:
        handle.release()

    def _pace(self, stop: threading.Event) -> None:
        if self.fps > 0:
            stop.wait(1.0 / self.fps)


class _MemoryStream:
    """The VideoCapture methods FakeCamera uses, over its frames in memory."""

    def __init__(self, camera: FakeCamera) -> None:
        self.camera = camera
        self.generation = camera._generation
        self.position = 0

    def read(self) -> tuple[bool, np.ndarray | None]:
        frames = self.camera.frames
        if self.generation != self.camera._generation:
            self.generation, self.position = self.camera._generation, 0
        if self.position >= len(frames):
            return False, None
        frame = frames[self.position].copy()  # the receiver owns it
        self.position += 1
        return True, frame

    def set(self, prop: int, value: float) -> bool:
        if prop == cv2.CAP_PROP_POS_FRAMES:
            self.position = int(value)
        return True

    def release(self) -> None:
        pass


def _pattern_glob(pattern: str) -> str:
    """``frame_%03d.png`` -> ``frame_*.png``."""
    import re

    return re.sub(r"%0?\d*d", "*", pattern)


def camera_from_settings(settings: Any) -> Camera:
    """The camera the settings ask for (``kiosk.config.Settings``: ``camera``,
    ``camera_width``, ``camera_height``, ``fake_devices``). With fake devices, ``camera`` may
    name a video or an image-sequence pattern to play; otherwise the fake camera plays
    synthetic pages (made when it first opens, not at start-up)."""
    source = parse_source(str(settings.camera))
    size = (int(settings.camera_width), int(settings.camera_height))
    if settings.fake_devices:
        if isinstance(source, str):
            return FakeCamera(source, fps=15)
        return FakeCamera(lambda: demo_frames(size), fps=15)
    return OpenCvCamera(source, *size)


def demo_frames(size: tuple[int, int] = (1920, 1080), seed: int = 5) -> list[np.ndarray]:
    """What the demo's fake camera plays: an invented passport sliding in and held still,
    then synthetic pages sliding in one after the other."""
    from kiosk.scan.synthetic import demo_sequence

    return demo_passport_frames(size, seed) + demo_sequence(size)


def demo_passport_frames(
    size: tuple[int, int] = (1920, 1080), seed: int = 5, still: int = 20
) -> list[np.ndarray]:
    """An invented passport's photo page sliding in, then held still ``still`` frames; its
    MRZ readable (about 24 px per character at 1080p)."""
    import datetime as dt

    from kiosk.devices.samples.documents import Degradation, frame_sequence, make_document

    rng = np.random.default_rng(seed)
    # As large as the frame allows with a margin: the data page is 125 x 88 mm.
    char_px = min(24.0, 0.8 * min(size[0] / 125, size[1] / 88) * 2.54)
    passport = make_document("passport", rng, char_px, dt.date.today())
    degradation = Degradation(frame_size=size, noise_sigma=2.0, jpeg_quality=85)
    frames, _ = frame_sequence(passport, rng, still=still, degradation=degradation)
    return frames
