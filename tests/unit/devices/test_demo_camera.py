"""The demo's fake camera starts with a passport whose MRZ the reader accepts."""

from __future__ import annotations

from kiosk.devices.camera import demo_passport_frames
from kiosk.devices.mrz_reader import MrzReader, MrzTracker


def test_the_demo_passport_is_read_once_it_is_still() -> None:
    frames = demo_passport_frames(still=3)
    assert frames[0].shape == (1080, 1920, 3)
    reader, tracker = MrzReader(), MrzTracker()
    for frame in frames[-3:]:
        accepted = tracker.push(reader.read(frame))
    assert accepted is not None and accepted.document_code == "P"
    assert accepted.valid
