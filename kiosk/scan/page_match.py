"""Is this photographed page one already taken? (issue 15: document 5 was accepted with a
picture identical to document 4's).

A page's fingerprint is a difference hash of the straightened page: its grey levels on a
coarse grid, one bit per pair of neighbours (brighter or not). Two photos of the same
sheet differ in a few bits (light, noise, a slightly different crop); two different pages
in about half of them. Cheap (one resize of the page), and nothing of the page's content
is kept: 2 x 256 bits cannot be turned back into the page.
"""

from __future__ import annotations

import cv2
import numpy as np

GRID = 16  # rows and columns of the hash (256 bits per direction)
SAME_PAGE = 0.12  # share of differing bits under which two photos are the same sheet


def fingerprint(image: np.ndarray) -> np.ndarray:
    """The page's difference hash (bool array, 2 x GRID x GRID bits)."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    small = cv2.resize(grey, (GRID + 1, GRID + 1), interpolation=cv2.INTER_AREA)
    small = small.astype(np.int16)
    across = small[:GRID, 1:] > small[:GRID, :-1]
    down = small[1:, :GRID] > small[:-1, :GRID]
    return np.concatenate([across.ravel(), down.ravel()])


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the bits that differ (0: same hash, about 0.5: unrelated pages)."""
    return float(np.count_nonzero(a != b)) / a.size


def same_page(a: np.ndarray, b: np.ndarray) -> bool:
    return distance(a, b) < SAME_PAGE
