"""Camera backends: frames from memory, video files and image sequences in a worker
thread; not found, disconnection and recovery; stop. Waits are on events, never sleeps."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.devices.camera import (
    Camera,
    CameraEvent,
    FakeCamera,
    OpenCvCamera,
    parse_source,
)

TIMEOUT = 10.0
FAST = {"retry_initial_s": 0.01, "retry_max_s": 0.05, "failure_pause_s": 0.001}


def frames(n: int = 4, size: tuple[int, int] = (64, 48)) -> list[np.ndarray]:
    w, h = size
    out = []
    for i in range(n):
        frame = np.zeros((h, w, 3), np.uint8)
        frame[:, :, 1] = 40 * (i + 1)  # frame i is recognisable by its green level
        cv2.putText(frame, str(i), (5, h - 8), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
        out.append(frame)
    return out


def write_clip(path: Path, n: int) -> None:
    """An MJPG video of ``frames(n)`` at ``path``."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (64, 48))
    assert writer.isOpened()
    for frame in frames(n):
        writer.write(frame)
    writer.release()


class Recorder:
    """Collects frames and events from the worker thread; waits for conditions."""

    def __init__(self) -> None:
        self.frames: list[np.ndarray] = []
        self.events: list[CameraEvent] = []
        self.threads: set[str] = set()
        self._changed = threading.Condition()

    def on_frame(self, frame: np.ndarray) -> None:
        with self._changed:
            self.frames.append(frame)
            self.threads.add(threading.current_thread().name)
            self._changed.notify_all()

    def on_event(self, event: CameraEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait(self, condition: Callable[[], bool]) -> None:
        with self._changed:
            assert self._changed.wait_for(condition, TIMEOUT), (self.events, len(self.frames))

    def start(self, camera: Camera) -> None:
        camera.start(self.on_frame, self.on_event)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def test_parse_source() -> None:
    assert parse_source("0") == 0
    assert parse_source(" 2 ") == 2
    assert parse_source(1) == 1
    assert parse_source("/dev/video0") == "/dev/video0"


def test_fake_camera_plays_frames_in_a_loop_in_a_worker_thread(recorder: Recorder) -> None:
    source = frames(3)
    camera = FakeCamera(source, fps=200)
    recorder.start(camera)
    recorder.wait(lambda: len(recorder.frames) >= 7)
    camera.stop()
    assert recorder.events[0] is CameraEvent.STARTED
    assert recorder.events[-1] is CameraEvent.STOPPED
    assert recorder.threads == {"kiosk-camera"}
    greens = [int(f[0, 0, 1]) for f in recorder.frames[:7]]
    assert greens == [40, 80, 120, 40, 80, 120, 40]
    # The receiver owns each frame: writing into one does not touch the source.
    recorder.frames[0].fill(0)
    assert source[0][0, 0, 1] == 40
    assert camera.resolution == (64, 48)
    assert not camera.running


def test_stop_is_prompt_even_at_a_slow_frame_rate(recorder: Recorder) -> None:
    camera = FakeCamera(frames(1), fps=0.01)  # one frame per 100 s
    recorder.start(camera)
    recorder.wait(lambda: len(recorder.frames) == 1)
    camera.stop(timeout=1.0)
    assert not camera.running
    assert recorder.events[-1] is CameraEvent.STOPPED


def test_unplugged_mid_scan_then_plugged_back(recorder: Recorder) -> None:
    camera = FakeCamera(frames(2), fps=200, max_failures=3, **FAST)
    recorder.start(camera)
    recorder.wait(lambda: len(recorder.frames) >= 2)
    camera.unplug()
    recorder.wait(lambda: CameraEvent.DISCONNECTED in recorder.events)
    assert not camera.available()
    count = len(recorder.frames)
    camera.plug()
    recorder.wait(lambda: CameraEvent.RECONNECTED in recorder.events)
    recorder.wait(lambda: len(recorder.frames) > count + 2)
    camera.stop()
    assert recorder.events[:3] == [
        CameraEvent.STARTED,
        CameraEvent.DISCONNECTED,
        CameraEvent.RECONNECTED,
    ]


def test_no_camera_at_start_then_it_appears(recorder: Recorder) -> None:
    camera = FakeCamera(frames(1), fps=200, **FAST)
    camera.unplug()
    recorder.start(camera)
    recorder.wait(lambda: CameraEvent.NOT_FOUND in recorder.events)
    assert recorder.frames == []
    camera.plug()
    recorder.wait(lambda: len(recorder.frames) >= 1)
    camera.stop()
    assert recorder.events[:2] == [CameraEvent.NOT_FOUND, CameraEvent.RECONNECTED]


def test_a_file_that_ends_is_a_disconnection(tmp_path: Path, recorder: Recorder) -> None:
    path = tmp_path / "clip.avi"
    write_clip(path, 5)
    camera = FakeCamera(path, fps=500, loop=False, max_failures=2, **FAST)
    recorder.start(camera)
    recorder.wait(lambda: CameraEvent.DISCONNECTED in recorder.events)
    camera.stop()
    assert len(recorder.frames) == 5
    assert CameraEvent.RECONNECTED not in recorder.events  # a file does not come back


def test_an_image_sequence_loops(tmp_path: Path, recorder: Recorder) -> None:
    for i, frame in enumerate(frames(3)):
        assert cv2.imwrite(str(tmp_path / f"frame_{i:03d}.png"), frame)
    camera = FakeCamera(tmp_path / "frame_%03d.png", fps=500)
    assert camera.available() and camera.cameras()
    recorder.start(camera)
    recorder.wait(lambda: len(recorder.frames) >= 5)
    camera.stop()
    greens = [int(f[0, 0, 1]) for f in recorder.frames[:5]]
    assert greens == [40, 80, 120, 40, 80]


def test_opencv_camera_not_found_then_recovers(tmp_path: Path, recorder: Recorder) -> None:
    """The real backend's retry loop, on a file path: missing, then there."""
    path = tmp_path / "camera.avi"
    camera = OpenCvCamera(str(path), 64, 48, max_failures=2, **FAST)
    assert not camera.available()
    recorder.start(camera)
    recorder.wait(lambda: CameraEvent.NOT_FOUND in recorder.events)
    write_clip(tmp_path / "tmp.avi", 3)
    (tmp_path / "tmp.avi").rename(path)  # appears at once, complete
    recorder.wait(lambda: len(recorder.frames) == 3)
    # The file ends: reads fail, it is a disconnection; the loop reopens the file.
    recorder.wait(lambda: CameraEvent.DISCONNECTED in recorder.events)
    camera.stop()
    assert recorder.events[:3] == [
        CameraEvent.NOT_FOUND,
        CameraEvent.RECONNECTED,
        CameraEvent.DISCONNECTED,
    ]


def test_a_failing_frame_handler_does_not_kill_the_stream(recorder: Recorder) -> None:
    calls = []

    def broken(frame: np.ndarray) -> None:
        calls.append(1)
        recorder.on_frame(frame)
        raise RuntimeError("boom")

    camera = FakeCamera(frames(1), fps=500)
    camera.start(broken, recorder.on_event)
    recorder.wait(lambda: len(calls) >= 3)
    camera.stop()


def test_start_twice_keeps_one_worker(recorder: Recorder) -> None:
    camera = FakeCamera(frames(1), fps=500)
    recorder.start(camera)
    recorder.start(camera)
    recorder.wait(lambda: len(recorder.frames) >= 2)
    camera.stop()
    assert recorder.events.count(CameraEvent.STARTED) == 1


def test_opencv_camera_lists_v4l2_devices_without_opening_them() -> None:
    camera = OpenCvCamera(0)
    listed = camera.cameras()
    assert all(isinstance(info.source, int) for info in listed)
    assert camera.available() == any(info.source == 0 for info in listed)


def test_camera_from_settings() -> None:
    from kiosk.config import load_settings
    from kiosk.devices.camera import camera_from_settings

    size = {"camera": "2", "camera_width": 1280, "camera_height": 720}
    real = camera_from_settings(load_settings(environ={}, overrides=size))
    assert isinstance(real, OpenCvCamera)
    assert (real.source, real.width, real.height) == (2, 1280, 720)
    demo = camera_from_settings(load_settings(environ={}, overrides={"fake_devices": True}))
    assert isinstance(demo, FakeCamera) and demo.path is None and demo.frames == []  # lazy
    video = camera_from_settings(
        load_settings(environ={}, overrides={"fake_devices": True, "camera": "/x/a.avi"})
    )
    assert isinstance(video, FakeCamera) and video.path == "/x/a.avi"


def test_demo_frames_are_made_in_the_camera_thread_on_first_open(recorder: Recorder) -> None:
    made: list[str] = []

    def make() -> list[np.ndarray]:
        made.append(threading.current_thread().name)
        return frames(2)

    camera = FakeCamera(make, fps=500)
    assert made == []
    recorder.start(camera)
    recorder.wait(lambda: len(recorder.frames) >= 3)
    camera.stop()
    assert made == ["kiosk-camera"]
