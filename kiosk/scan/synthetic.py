"""Minimal synthetic camera frames: a rendered page laid on a dark tray, in perspective.

Used by the scanner's tests, its benchmark and the fake camera when no sample files are
shipped. Every identity or word here is invented (random letters). The project's full
document generator (MRZ in OCR-B, passports, ID cards, letters) lives with the MRZ reader;
this one only needs pages with text-like detail, so that blur, glare and exposure behave
as on a real page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from kiosk.scan.formats import A4, PageFormat

Size = tuple[int, int]  # (width, height) in px


def render_page(page_format: PageFormat = A4, long_side: int = 1000, seed: int = 0) -> np.ndarray:
    """A page of ``page_format`` (portrait for A4, landscape for cards), BGR, with a title,
    lines of random words, a photo box and a table: detail at every scale."""
    rng = np.random.default_rng(seed)
    landscape = page_format.width_mm > page_format.height_mm
    if landscape:
        w, h = long_side, round(long_side / page_format.aspect)
    else:
        w, h = round(long_side / page_format.aspect), long_side
    page = np.full((h, w, 3), (236, 240, 242), np.uint8)
    unit = long_side / 1000
    margin = round(60 * unit)
    font = cv2.FONT_HERSHEY_SIMPLEX
    y = margin + round(30 * unit)

    def word(n: int) -> str:
        return "".join(chr(ord("a") + int(c)) for c in rng.integers(0, 26, n))

    title = " ".join(word(int(rng.integers(4, 9))).upper() for _ in range(3))
    cv2.putText(page, title, (margin, y), font, 1.1 * unit, (40, 30, 20), max(1, round(3 * unit)),
                cv2.LINE_AA)  # fmt: skip
    y += round(60 * unit)
    photo_w = round(min(w, h) * 0.22)
    photo = (w - margin - photo_w, y, photo_w, round(photo_w * 1.3))
    cv2.rectangle(page, photo[:2], (photo[0] + photo[2], photo[1] + photo[3]), (120, 110, 100),
                  -1)  # fmt: skip
    cv2.circle(page, (photo[0] + photo[2] // 2, photo[1] + photo[3] // 3), photo_w // 4,
               (180, 170, 160), -1)  # fmt: skip
    line_h = round(34 * unit)
    text_right = photo[0] - margin // 2
    while y < h - margin - 4 * line_h:
        x = margin
        right = text_right if y < photo[1] + photo[3] + line_h else w - margin
        while True:
            text = word(int(rng.integers(2, 10)))
            (tw, _), _ = cv2.getTextSize(text, font, 0.7 * unit, 1)
            if x + tw > right:
                break
            cv2.putText(page, text, (x, y), font, 0.7 * unit, (30, 30, 30),
                        max(1, round(1.6 * unit)), cv2.LINE_AA)  # fmt: skip
            x += tw + round(14 * unit)
        y += line_h
        if rng.random() < 0.12:
            y += line_h // 2
    # A table at the bottom: long straight lines, like forms and bills.
    top = h - margin - 3 * line_h
    for i in range(4):
        cv2.line(page, (margin, top + i * line_h), (w - margin, top + i * line_h), (50, 50, 50),
                 max(1, round(2 * unit)))  # fmt: skip
    for x in np.linspace(margin, w - margin, 4).astype(int):
        cv2.line(page, (int(x), top), (int(x), top + 3 * line_h), (50, 50, 50),
                 max(1, round(2 * unit)))  # fmt: skip
    return page


def tray(size: Size = (1280, 720), seed: int = 0, level: int = 55) -> np.ndarray:
    """The kiosk's dark tray under the camera: a dull grey with a faint texture."""
    w, h = size
    rng = np.random.default_rng(seed + 1000)
    coarse = rng.normal(0, 6, (h // 8 + 1, w // 8 + 1)).astype(np.float32)
    texture = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    base = np.clip(level + texture, 0, 255).astype(np.uint8)
    return cv2.merge([base, base, np.clip(base.astype(np.int16) + 4, 0, 255).astype(np.uint8)])


def page_corners(
    frame_size: Size,
    page_size: Size,
    *,
    fill: float = 0.8,
    centre: tuple[float, float] = (0.5, 0.5),
    angle_deg: float = 0.0,
    tilt: float = 0.0,
) -> np.ndarray:
    """Where a page of ``page_size`` lands in the frame: ``fill`` is its size relative to
    the largest that fits, ``centre`` in frame fractions, ``tilt`` shrinks its top edge
    (perspective). Corners tl, tr, br, bl as float32 (4, 2)."""
    fw, fh = frame_size
    pw, ph = page_size
    scale = fill * min(fw / pw, fh / ph)
    hw, hh = pw * scale / 2, ph * scale / 2
    top = hw * (1 - tilt)
    pts = np.array([[-top, -hh], [top, -hh], [hw, hh], [-hw, hh]], np.float64)
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    placed = pts @ rot.T + np.array([centre[0] * fw, centre[1] * fh])
    return placed.astype(np.float32)


def compose(
    page: np.ndarray, corners: np.ndarray, frame_size: Size = (1280, 720), seed: int = 0
) -> np.ndarray:
    """``page`` warped onto the tray at ``corners`` (tl, tr, br, bl)."""
    h, w = page.shape[:2]
    src = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, np.asarray(corners, np.float32))
    frame = tray(frame_size, seed)
    cv2.warpPerspective(page, matrix, frame_size, dst=frame, flags=cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_TRANSPARENT)  # fmt: skip
    return frame


def blur(frame: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(frame, (0, 0), sigma) if sigma > 0 else frame.copy()


def motion_blur(frame: np.ndarray, length: int, angle_deg: float = 0.0) -> np.ndarray:
    line = np.zeros((length, length), np.float32)
    line[length // 2, :] = 1.0 / length
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle_deg, 1.0)
    kernel = cv2.warpAffine(line, rot, (length, length))
    return cv2.filter2D(frame, -1, kernel / max(kernel.sum(), 1e-6))


def exposure(frame: np.ndarray, gain: float) -> np.ndarray:
    """Darker (``gain`` < 1) or brighter (> 1) frame."""
    return np.clip(frame.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def glare(
    frame: np.ndarray, centre: tuple[float, float], radius: float, strength: float = 1.6
) -> np.ndarray:
    """A specular highlight (a lamp reflected by a laminated page): a saturated disc with
    a soft edge; ``centre`` and ``radius`` in frame fractions (radius of the height)."""
    h, w = frame.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy, r = centre[0] * w, centre[1] * h, radius * h
    d2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / (r * r)
    light = np.exp(-d2 * 1.5) * 255 * strength
    out = frame.astype(np.float32) + light[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def noise(frame: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = frame.astype(np.float32) + rng.normal(0, sigma, frame.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def scene(
    frame_size: Size = (1280, 720),
    page_format: PageFormat = A4,
    *,
    fill: float = 0.8,
    centre: tuple[float, float] = (0.5, 0.5),
    angle_deg: float = 4.0,
    tilt: float = 0.06,
    seed: int = 0,
    page: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One frame with a page on the tray, and the page's true corners."""
    if page is None:
        page = render_page(page_format, long_side=max(frame_size), seed=seed)
    h, w = page.shape[:2]
    corners = page_corners(
        frame_size, (w, h), fill=fill, centre=centre, angle_deg=angle_deg, tilt=tilt
    )
    return compose(page, corners, frame_size, seed), corners


def empty(frame_size: Size = (1280, 720), seed: int = 0) -> np.ndarray:
    """The tray with nothing on it."""
    return tray(frame_size, seed)


def sequence(frames: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Independent copies (a fake camera may hand them to code that writes into them)."""
    return [f.copy() for f in frames]


def demo_sequence(
    frame_size: Size = (1280, 720), formats: Sequence[PageFormat] = (), seed: int = 0
) -> list[np.ndarray]:
    """A loop for the demo's fake camera: the empty tray, then each page slides in, is held
    still long enough to be captured, and is taken away."""
    from kiosk.scan.formats import FORMATS

    out: list[np.ndarray] = []
    blank = empty(frame_size, seed)
    for i, page_format in enumerate(formats or FORMATS):
        page = render_page(page_format, max(frame_size), seed=seed + i)
        out += [blank] * 8
        for step in range(10):  # sliding in from the right, turning a little
            t = step / 10
            frame, _ = scene(frame_size, page_format, page=page, fill=0.8, seed=seed,
                             centre=(0.5 + 0.45 * (1 - t), 0.5), angle_deg=12 * (1 - t))  # fmt: skip
            out.append(motion_blur(frame, 9) if step < 9 else frame)
        still, _ = scene(frame_size, page_format, page=page, fill=0.8, seed=seed)
        out += [noise(still, 2, seed + k) for k in range(30)]
    return out
