"""What the reader advises when an MRZ is in view but not read (cut off, too small, under a
reflection), upside down, and reading a single still photo."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from kiosk.devices.mrz_reader import MrzReader, MrzTracker, make_engine
from kiosk.devices.samples.documents import Degradation, Document, place, table
from kiosk.domain.mrz import Format, parse
from kiosk.scan.guidance import Guidance, with_mrz
from tests.realistic_mrz import TODAY, Page, render_page

FRAME = (1280, 720)


@pytest.fixture(scope="module")
def reader() -> MrzReader:
    return MrzReader(make_engine("glyph"), today=TODAY)


@pytest.fixture(scope="module")
def page() -> Page:
    return render_page(Format.TD3, np.random.default_rng(31), 9.0, laminate=False)


def shot(page: Page, pitch: float, centre: tuple[float, float], angle: float = 0.0) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The page on the tray, its MRZ ``pitch`` px per character, centred at ``centre``
    (fractions of the frame), turned ``angle`` degrees; the frame and the MRZ's quad."""
    rng = np.random.default_rng(5)
    h, w = page.image.shape[:2]
    s = pitch / (page.px_per_mm * 2.54)
    a = math.radians(angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    pts = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]]) * s
    c = np.array([centre[0] * FRAME[0], centre[1] * FRAME[1]])
    corners = (pts @ rot.T + c).astype(np.float32)
    doc = Document("page", page.image, page.px_per_mm)
    frame = place(doc, Degradation(frame_size=FRAME, noise_sigma=2, jpeg_quality=85), rng,
                  background=table(FRAME, rng), corners=corners).image  # fmt: skip
    x0, y0, x1, y1 = page.mrz_box  # type: ignore[misc]
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), corners)
    quad = cv2.perspectiveTransform(np.float32([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]]), m)[0]
    return frame, quad


def right(read, page: Page) -> bool:  # type: ignore[no-untyped-def]
    return read.result is not None and read.result.identity() == parse(page.mrz_lines, today=TODAY).identity()  # fmt: skip


def test_a_well_placed_page_reads_without_advice(reader: MrzReader, page: Page) -> None:
    frame, _ = shot(page, 16, (0.5, 0.5))
    read = reader.read(frame)
    assert right(read, page) and read.advice is None and not read.upside_down


def test_upside_down_is_read_and_said(reader: MrzReader, page: Page) -> None:
    frame, _ = shot(page, 16, (0.5, 0.5), angle=180)
    read = reader.read(frame)
    assert right(read, page)
    assert read.upside_down and read.advice is Guidance.MRZ_UPSIDE_DOWN


def test_an_mrz_running_off_the_frame_asks_for_the_whole_bottom(reader: MrzReader, page: Page) -> None:  # fmt: skip
    frame, quad = shot(page, 16, (0.25, 0.45))
    assert quad[:, 0].min() < 0 < quad[:, 0].max()  # the MRZ starts outside the frame
    read = reader.read(frame)
    assert not read.ok and read.advice is Guidance.MRZ_CUT


@pytest.mark.parametrize("pitch", [5.0, 6.0])
def test_a_tiny_mrz_asks_to_come_closer(reader: MrzReader, page: Page, pitch: float) -> None:
    frame, _ = shot(page, pitch, (0.5, 0.5))
    read = reader.read(frame)
    assert read.advice is Guidance.MRZ_SMALL or (read.ok and right(read, page))
    assert not read.ok or right(read, page)


def test_glare_on_the_mrz_asks_to_tilt_the_page(reader: MrzReader, page: Page) -> None:
    frame, quad = shot(page, 14, (0.5, 0.5))
    cx, cy = quad.mean(axis=0)
    mask = np.zeros(frame.shape[:2], np.float32)
    cv2.ellipse(mask, (int(cx), int(cy)), (int(0.25 * np.ptp(quad[:, 0])), 30), 0, 0, 360, 1.0, -1)
    glared = np.clip(frame + cv2.GaussianBlur(mask, (0, 0), 6)[..., None] * 255, 0, 255)
    read = reader.read(glared.astype(np.uint8))
    assert not read.ok and read.advice is Guidance.MRZ_GLARE


def test_a_still_photo_is_read_alone_when_two_reads_agree(reader: MrzReader, page: Page) -> None:
    frame, _ = shot(page, 20, (0.5, 0.5), angle=4)
    read = reader.read_still(frame)
    assert right(read, page) and read.agreed
    tracker = MrzTracker(agree=2, window=8)
    assert tracker.push(read) is read.result  # no second frame needed
    # A stream frame alone is not enough.
    other = MrzTracker(agree=2, window=8)
    assert other.push(reader.read(frame)) is None


def test_mrz_advice_replaces_page_guidance_only_where_it_says_more() -> None:
    assert with_mrz(Guidance.OK, Guidance.MRZ_UPSIDE_DOWN) is Guidance.MRZ_UPSIDE_DOWN
    assert with_mrz(Guidance.NOT_WHOLE, Guidance.MRZ_CUT) is Guidance.MRZ_CUT
    assert with_mrz(Guidance.NO_PAGE, Guidance.MRZ_SMALL) is Guidance.MRZ_SMALL
    assert with_mrz(Guidance.TOO_MUCH_LIGHT, Guidance.MRZ_GLARE) is Guidance.MRZ_GLARE
    assert with_mrz(Guidance.HOLD_STILL, Guidance.MRZ_GLARE) is Guidance.HOLD_STILL
    assert with_mrz(Guidance.TOO_DARK, Guidance.MRZ_SMALL) is Guidance.TOO_DARK
    assert with_mrz(Guidance.OK, None) is Guidance.OK
