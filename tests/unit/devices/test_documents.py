"""Synthetic documents: seeded, with their ground truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kiosk.devices.samples.documents import (
    Degradation,
    frame_sequence,
    make_document,
    ocrb_font_path,
    random_identity,
    random_person,
    sample,
)
from kiosk.domain.mrz import Format, format_mrz, parse_valid

TODAY = dt.date(2026, 11, 26)


def test_the_same_seed_gives_the_same_frame() -> None:
    deg = Degradation(
        frame_size=(640, 480),
        rotation_deg=3,
        blur_sigma=0.7,
        noise_sigma=3,
        jpeg_quality=80,
        glare=0.3,
    )
    a = sample("id_card", 4, char_px=8, degradation=deg, today=TODAY)
    b = sample("id_card", 4, char_px=8, degradation=deg, today=TODAY)
    assert np.array_equal(a.image, b.image)
    assert a.document.mrz_lines == b.document.mrz_lines


@pytest.mark.parametrize("kind", ["passport", "id_card"])
def test_ground_truth_mrz_is_valid_and_placed(kind: str) -> None:
    s = sample(kind, 7, char_px=21, degradation=Degradation(rotation_deg=5), today=TODAY)
    result = parse_valid(s.document.mrz_lines, today=TODAY)
    assert result.format is (Format.TD3 if kind == "passport" else Format.TD1)
    assert s.mrz_quad is not None
    h, w = s.image.shape[:2]
    assert (s.mrz_quad >= 0).all() and (s.mrz_quad[:, 0] < w).all() and (s.mrz_quad[:, 1] < h).all()
    assert s.char_px == pytest.approx(21, rel=0.03)


def test_identities_are_varied_and_transliterated() -> None:
    rng = np.random.default_rng(0)
    people = [random_person(rng, TODAY) for _ in range(60)]
    assert len({p.culture for p in people}) >= 8
    for _ in range(40):
        ident = random_identity(rng, Format.TD3, TODAY)
        lines = format_mrz(ident)
        assert parse_valid(lines, today=TODAY).surname == ident.surname
        assert ident.birth_date < TODAY  # type: ignore[operator]


def test_letters_have_no_mrz() -> None:
    doc = make_document("letter", np.random.default_rng(1))
    assert doc.mrz_lines == () and doc.identity is None
    assert doc.image.shape[0] > doc.image.shape[1]  # portrait A4


def test_frame_sequence_moves_then_holds_still() -> None:
    rng = np.random.default_rng(3)
    doc = make_document("passport", rng, char_px=10)
    deg = Degradation(frame_size=(480, 320), noise_sigma=1)
    frames, last = frame_sequence(doc, rng, moving=3, still=3, degradation=deg)
    assert len(frames) == 6
    moving = np.abs(frames[1].astype(int) - frames[0].astype(int)).mean()
    still = np.abs(frames[5].astype(int) - frames[4].astype(int)).mean()
    assert moving > 2 * still
    assert last.corners.shape == (4, 2)


def test_ocrb_font_is_found() -> None:
    assert ocrb_font_path().lower().endswith((".otf", ".ttf"))
