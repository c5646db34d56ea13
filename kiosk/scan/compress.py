"""A captured page as a JPEG under a size budget, its text kept readable.

The quality is searched (bisection) for the best one whose file fits the budget; only when
even ``min_quality`` does not fit is the page scaled down, step by step, never below
``min_long_side`` while a lower quality can still make it fit. The JPEG carries no
metadata (OpenCV writes none: no camera, date or place).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PAGE_BUDGET = 1_000_000  # bytes per page
MIN_LONG_SIDE = 1600  # px: A4 at about 140 dpi, a passport page at about 325 dpi


@dataclass(frozen=True)
class CompressedPage:
    jpeg: bytes
    quality: int
    size: tuple[int, int]  # (width, height) in px

    def __len__(self) -> int:
        return len(self.jpeg)


def _encode(image: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(
        ".jpg",
        image,
        [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1],
    )
    if not ok:
        raise ValueError("the page could not be encoded as JPEG")
    return buf.tobytes()


def _best_quality(image: np.ndarray, budget: int, low: int, high: int) -> tuple[int, bytes] | None:
    """The highest quality in [low, high] whose JPEG fits ``budget`` (bisection)."""
    data = _encode(image, high)
    if len(data) <= budget:
        return high, data
    best: tuple[int, bytes] | None = None
    lo, hi = low, high - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        data = _encode(image, mid)
        if len(data) <= budget:
            best, lo = (mid, data), mid + 1
        else:
            hi = mid - 1
    return best


def compress_page(
    image: np.ndarray,
    budget: int = PAGE_BUDGET,
    *,
    min_long_side: int = MIN_LONG_SIDE,
    max_quality: int = 90,
    min_quality: int = 50,
    floor_quality: int = 25,
) -> CompressedPage:
    """``image`` (BGR or grey) as a JPEG of at most ``budget`` bytes.

    Order of sacrifices: quality down to ``min_quality``; then resolution, by 15 % steps, down
    to ``min_long_side`` (or the page's own size if smaller); then quality down to
    ``floor_quality``; then resolution again until it fits.
    """
    if image.size == 0:
        raise ValueError("empty page")
    current = image
    floor_side = min(min_long_side, max(image.shape[:2]))
    while True:
        found = _best_quality(current, budget, min_quality, max_quality)
        if found is not None:
            break
        long_side = max(current.shape[:2])
        if long_side > floor_side:
            current = _scaled(current, max(floor_side, round(long_side * 0.85)))
            continue
        found = _best_quality(current, budget, floor_quality, min_quality)
        if found is not None:
            break
        floor_side = max(64, round(long_side * 0.85))  # an extreme budget: keep shrinking
        current = _scaled(current, floor_side)
    quality, data = found
    h, w = current.shape[:2]
    return CompressedPage(data, quality, (w, h))


def _scaled(image: np.ndarray, long_side: int) -> np.ndarray:
    h, w = image.shape[:2]
    k = long_side / max(h, w)
    size = (max(1, round(w * k)), max(1, round(h * k)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
