"""Each captured page fits its size budget and stays readable."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.scan import synthetic as syn
from kiosk.scan.compress import MIN_LONG_SIDE, PAGE_BUDGET, compress_page
from kiosk.scan.formats import A4


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def noisy_page(long_side: int) -> np.ndarray:
    """A page that compresses badly: text plus strong sensor noise."""
    return syn.noise(syn.render_page(A4, long_side, seed=3), 18, seed=3)


def test_a_clean_page_keeps_high_quality_and_its_resolution() -> None:
    page = syn.render_page(A4, 2000, seed=1)
    out = compress_page(page)
    assert len(out) <= PAGE_BUDGET
    assert out.quality == 90
    assert out.size == (page.shape[1], page.shape[0])
    assert decode(out.jpeg).shape == page.shape


def test_a_noisy_page_lowers_quality_first_and_keeps_1600_px() -> None:
    page = noisy_page(2480)
    out = compress_page(page)
    assert len(out) <= PAGE_BUDGET
    assert max(out.size) >= MIN_LONG_SIDE
    assert out.quality < 90
    image = decode(out.jpeg)
    assert (image.shape[1], image.shape[0]) == out.size


def test_a_tight_budget_scales_down_but_not_below_the_floor_while_quality_can_give() -> None:
    page = noisy_page(2480)
    out = compress_page(page, budget=400_000)
    assert len(out) <= 400_000
    assert max(out.size) >= MIN_LONG_SIDE


def test_an_absurd_budget_still_fits() -> None:
    out = compress_page(noisy_page(1600), budget=20_000)
    assert len(out) <= 20_000
    assert max(out.size) < 1600


def test_the_jpeg_carries_no_metadata() -> None:
    out = compress_page(syn.render_page(A4, 800, seed=2))
    assert out.jpeg[:2] == b"\xff\xd8"
    assert b"Exif" not in out.jpeg[:4096]


def test_empty_page_is_an_error() -> None:
    with pytest.raises(ValueError):
        compress_page(np.zeros((0, 0, 3), np.uint8))
