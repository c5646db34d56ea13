"""Two photos of one sheet have the same fingerprint; two different sheets do not
(kiosk.scan.page_match, issue 15: document 5 was accepted with document 4's picture)."""

from __future__ import annotations

import numpy as np

from kiosk.scan import synthetic as syn
from kiosk.scan.formats import A4
from kiosk.scan.page_match import distance, fingerprint, same_page
from kiosk.scan.pipeline import AutoCapture

FRAME = (1280, 960)


def photographed(seed: int, **placement: object) -> np.ndarray:
    """The straightened page of one photo of sheet ``seed`` on the tray."""
    frame, _ = syn.scene(FRAME, A4, fill=0.8, seed=seed, **placement)  # type: ignore[arg-type]
    frame = syn.noise(syn.blur(frame, 0.6), 2, seed)
    return AutoCapture(frames_required=1).capture(frame).image


def test_the_same_sheet_photographed_twice_is_the_same_page() -> None:
    first = fingerprint(photographed(11))
    again = fingerprint(photographed(11, angle_deg=2.0, centre=(0.48, 0.52)))
    assert same_page(first, again), distance(first, again)


def test_different_sheets_are_different_pages() -> None:
    prints = [fingerprint(photographed(seed)) for seed in (11, 12, 13)]
    for i, a in enumerate(prints):
        for b in prints[i + 1 :]:
            assert not same_page(a, b), distance(a, b)
    turned = fingerprint(np.rot90(photographed(11), 2))
    assert not same_page(prints[0], turned)  # upside down is not taken for the same
