"""The MRZ reader: find the machine-readable zone in a camera frame, read it with an OCR
engine, parse and check it (``kiosk.domain.mrz``), and agree across frames.

* :func:`locate_mrz` finds candidate MRZ bands by morphology (black-hat, horizontal
  gradient, closing) on a reduced copy of the frame, and :func:`extract_band` cuts each
  one out of the full-resolution frame, straightened.
* :class:`OcrEngine` turns a band into text lines. Three engines:
  :class:`GlyphEngine` (ours: fixed-pitch segmentation and a small network trained on
  OCR-B cells by ``scripts/train_mrz_glyphs.py``, shipped in ``data/mrz_glyphs.npz``),
  :class:`TesseractEngine` (tesserocr, else pytesseract, restricted to the MRZ alphabet)
  and :class:`RapidOcrEngine` (rapidocr-onnxruntime).
  :func:`default_engine` picks the one measured best (``benchmarks/mrz.py``).
* :class:`MrzReader` does one frame; only reads whose check digits all pass come out.
* :class:`MrzTracker` accepts a reading once the same valid reading has been seen in
  ``agree`` of the last ``window`` frames.

Qt-free; frames are BGR or grey ``uint8`` arrays. Nothing is written to disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
import os
import re
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

import cv2
import numpy as np

from kiosk.domain.mrz import (
    ALPHABET,
    FILLER,
    Format,
    MrzError,
    MrzResult,
    Reason,
    allowed,
    blind_positions,
    known_codes,
    parse_valid,
    position_kinds,
    unchecked_positions,
)
from kiosk.scan.guidance import Guidance
from kiosk.scan.mrz_locate import Candidate, locate

MRZ_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"


# --------------------------------------------------------------------------- locating


@dataclass(frozen=True)
class Band:
    """A candidate MRZ band: its rotated box in frame coordinates (4 x 2: TL, TR, BR, BL
    along the text direction) and the straightened grey crop."""

    quad: np.ndarray
    crop: np.ndarray


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def locate_mrz(image: np.ndarray, *, work_width: int = 720, max_bands: int = 3) -> list[np.ndarray]:
    """Quads (4 x 2 float32, frame coordinates, TL TR BR BL along the text) of the
    likeliest MRZ blocks, best first (``kiosk.scan.mrz_locate``). ``work_width`` is kept
    for callers of the old single-scale locator; the pyramid needs no such setting."""
    del work_width
    return [c.quad for c in locate(image, max_candidates=max_bands)]


def _order_along_text(box: np.ndarray) -> np.ndarray:
    """Order a rotated rectangle TL, TR, BR, BL with the long side as the top edge and the
    text upright if the angle is within +-90 degrees of horizontal."""
    pts = box.astype(np.float32)
    edges = [np.linalg.norm(pts[(i + 1) % 4] - pts[i]) for i in range(4)]
    start = int(np.argmax(edges))  # a long edge
    seq = [pts[(start + i) % 4] for i in range(4)]
    # seq[0]->seq[1] is a long edge; make it run left to right.
    if seq[1][0] < seq[0][0]:
        seq = [seq[2], seq[3], seq[0], seq[1]]
    tl, tr, br, bl = seq
    if tl[1] > bl[1]:  # that edge is the bottom one
        tl, tr, br, bl = bl, br, tr, tl
    return np.array([tl, tr, br, bl], np.float32)


def extract_band(
    image: np.ndarray,
    quad: np.ndarray,
    *,
    pad_x: float = 0.04,
    pad_y: float = 0.25,
    scale: float = 1.0,
) -> np.ndarray:
    """The straightened grey crop of ``quad`` (with some margin), at the frame's
    resolution times ``scale``."""
    grey = _grey(image)
    tl, tr, br, bl = quad
    width = float(np.linalg.norm(tr - tl))
    height = float(np.linalg.norm(bl - tl))
    ux = (tr - tl) / max(width, 1e-6)
    uy = (bl - tl) / max(height, 1e-6)
    dx, dy = ux * width * pad_x, uy * height * pad_y
    src = np.array([tl - dx - dy, tr + dx - dy, br + dx + dy, bl - dx + dy], np.float32)
    warp_scale = max(scale, 1.0) if scale < 0.7 else scale  # shrink after: no aliasing
    out_w = max(8, round(width * (1 + 2 * pad_x) * warp_scale))
    out_h = max(8, round(height * (1 + 2 * pad_y) * warp_scale))
    dst = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    flags = cv2.INTER_CUBIC if warp_scale > 1.2 else cv2.INTER_LINEAR
    band = cv2.warpPerspective(
        grey, m, (out_w, out_h), flags=flags, borderMode=cv2.BORDER_REPLICATE
    )
    if warp_scale != scale:
        size = (max(8, round(out_w * scale)), max(8, round(out_h * scale)))
        band = cv2.resize(band, size, interpolation=cv2.INTER_AREA)
    return band


# Bands at least this tall are scored for their slant at half size (0: never): the same
# shear on 409 of 444 cuts of 40 camera frames, not one of the 2,000 reads of
# ``benchmarks/mrz.py`` changed, half of ``deslant``'s CPU.
DESLANT_HALF = 40


def deslant(band: np.ndarray, max_shear: float = 0.45, steps: int = 13) -> np.ndarray:
    """``band`` sheared so that its characters stand upright. A page seen at an angle
    slants the text (the band's box is a rectangle, the page is a trapezoid); the shear that
    makes the vertical strokes line up gives the most contrasted column profile."""
    ink = _ink_map(band)
    if DESLANT_HALF and band.shape[0] >= DESLANT_HALF:
        # A shear is the same at half the size: scored on a quarter of the pixels.
        ink = cv2.resize(ink, (ink.shape[1] // 2, ink.shape[0] // 2), interpolation=cv2.INTER_AREA)
    h = ink.shape[0]
    best, best_score = 0.0, -1.0
    for shear in np.linspace(-max_shear, max_shear, steps):
        m = np.array([[1, shear, -shear * h / 2], [0, 1, 0]], np.float32)
        col = cv2.warpAffine(ink, m, (ink.shape[1], h)).sum(axis=0)
        score = float((col * col).sum())
        if score > best_score * (1.0001 if shear else 1.0):
            best, best_score = float(shear), score
    if abs(best) < 1e-6:
        return band
    h = band.shape[0]
    m = np.array([[1, best, -best * h / 2], [0, 1, 0]], np.float32)
    return cv2.warpAffine(band, m, (band.shape[1], h), borderMode=cv2.BORDER_REPLICATE)


# --------------------------------------------------------------------------- engines


class OcrEngine(ABC):
    """Reads the text lines of a straightened MRZ band (grey ``uint8``)."""

    name = "engine"

    @abstractmethod
    def read_lines(self, image: np.ndarray) -> list[str]:
        """The lines read, top to bottom, as raw text (the reader cleans them)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the engine holds."""

    def doubts(self) -> list[np.ndarray] | None:
        """Per character doubt (0 sure .. 1 a toss-up) of the last ``read_lines`` in this
        thread, when the engine knows it; None otherwise."""
        return None

    def log_probs(self) -> list[np.ndarray] | None:
        """Per line, each character's log-probability of every class of ``MRZ_CHARS``
        (last ``read_lines`` in this thread), when the engine knows them; None otherwise."""
        return None


def clean_line(text: str) -> str:
    """Upper case, OCR look-alikes of '<' mapped, anything outside the alphabet dropped."""
    text = text.upper().replace("«", "<<").replace("‹", "<").replace("く", "<").replace("(", "<")
    return "".join(c for c in text if c in ALPHABET)


def fit_lines(lines: Sequence[str]) -> list[str] | None:
    """Pick the MRZ lines out of ``lines`` and bring them to the format's width by growing
    or shrinking their longest filler run (OCR engines often miscount long '<' runs)."""
    cleaned = [clean_line(line) for line in lines]
    cleaned = [line for line in cleaned if len(line) >= 20]
    if len(cleaned) not in (2, 3):
        if len(cleaned) > 3:
            cleaned = sorted(cleaned, key=len, reverse=True)[:3]
            # keep their order top to bottom
            cleaned = [line for line in (clean_line(x) for x in lines) if line in cleaned][:3]
        else:
            return None
    if len(cleaned) == 3:
        width = 30
    else:
        mean = sum(len(line) for line in cleaned) / 2
        width = 44 if mean > 40 else 36
    out = []
    for line in cleaned:
        if len(line) != width:
            fitted = _refit(line, width)
            if fitted is None:
                return None
            line = fitted
        out.append(line)
    return out


def _refit(line: str, width: int) -> str | None:
    diff = width - len(line)
    if abs(diff) > 4:
        return None
    best, start, run = 0, -1, 0
    for i, c in enumerate(line + "#"):
        if c == FILLER:
            run += 1
            continue
        if run > best:
            best, start = run, i - run
        run = 0
    if best < 2 or best + diff < 1:
        return None
    return line[:start] + FILLER * (best + diff) + line[start + best :]


def _line_rows(ink: np.ndarray, floor: float = 0.12) -> list[tuple[int, int]]:
    """Text rows (top, bottom) of a band's ink map from its horizontal profile (rows are
    where it rises above ``floor`` times its peak)."""
    profile = ink.sum(axis=1)
    if profile.max() <= 0:
        return []
    on = profile > floor * profile.max()
    rows: list[tuple[int, int]] = []
    start = None
    for y, v in enumerate(on):
        if v and start is None:
            start = y
        elif not v and start is not None:
            rows.append((start, y))
            start = None
    if start is not None:
        rows.append((start, len(on)))
    if not rows:
        return []
    tallest = max(b - a for a, b in rows)
    return [(a, b) for a, b in rows if b - a >= 0.45 * tallest]


def _level(ink: np.ndarray, max_slope: float = 0.12, steps: int = 17) -> np.ndarray:
    """``ink`` sheared vertically so that its text rows run level: the shear whose row
    profile is the most contrasted (``ink`` itself when it is level already)."""
    h, w = ink.shape
    small = ink if w <= 400 else cv2.resize(ink, (400, h), interpolation=cv2.INTER_AREA)
    sw = small.shape[1]
    best, best_score = 0.0, float((small.sum(axis=1) ** 2).sum()) * 1.02
    for slope in np.linspace(-max_slope, max_slope, steps):
        if abs(slope) < 1e-9:
            continue
        m = np.array([[1, 0, 0], [slope * w / sw, 1, -slope * w / 2]], np.float32)
        row = cv2.warpAffine(small, m, (sw, h)).sum(axis=1)
        score = float((row * row).sum())
        if score > best_score:
            best, best_score = float(slope), score
    if best == 0.0:
        return ink
    m = np.array([[1, 0, 0], [best, 1, -best * w / 2]], np.float32)
    return cv2.warpAffine(ink, m, (w, h))


def _ink_map(crop: np.ndarray) -> np.ndarray:
    """Ink strength 0..1 (dark print on a light page), flattened against uneven light."""
    h = crop.shape[0]
    k = max(3, (h // 3) | 1)
    background = cv2.morphologyEx(
        crop, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    )
    diff = background.astype(np.float32) - crop.astype(np.float32)
    hi = float(np.percentile(diff, 99.5))
    if hi <= 1:
        return np.zeros_like(diff)
    ink = np.clip(diff / hi, 0, 1)
    ink[ink < 0.18] = 0
    return ink


_CAP_PER_PITCH = 0.996  # OCR-B: cap height / advance width
# Glyph cells are normalised to this many pixels (width x height) before classification.
_CELL_W, _CELL_H = 14, 18


def _cell_features(cell: np.ndarray) -> np.ndarray:
    return _cells_features(cell[None])[0]


def _cells_features(cells: np.ndarray) -> np.ndarray:
    """Features of a stack of cells (n x 3H x 3W): 3 x 3 block sums (what INTER_AREA does
    at this exact factor, but for the whole stack at once), L2-normalised."""
    n = cells.shape[0]
    # Columns summed in threes, then rows, by adding slices (numpy's strided ``sum`` over
    # those axes is several times slower).
    a = cells.reshape(n * _CELL_H * 3, _CELL_W, 3)
    cols = (a[:, :, 0] + a[:, :, 1] + a[:, :, 2]).reshape(n, _CELL_H, 3, _CELL_W)
    small = (cols[:, :, 0] + cols[:, :, 1] + cols[:, :, 2]).reshape(n, -1)
    norms = np.linalg.norm(small, axis=1, keepdims=True)
    return (small / np.maximum(norms, 1e-6)).astype(np.float32)


@dataclass
class GlyphModel:
    """A small neural network on the cell features: one hidden layer (ReLU), a softmax
    over ``MRZ_CHARS``. Trained by ``scripts/train_mrz_glyphs.py`` (NumPy only: the kiosk
    needs no training framework), run here with two matrix products."""

    mu: np.ndarray  # feature means
    scale: np.ndarray  # 1 / feature standard deviations
    w1: np.ndarray  # features x hidden
    b1: np.ndarray
    w2: np.ndarray  # hidden x classes
    b2: np.ndarray
    meta: dict[str, object] = field(default_factory=dict)  # how it was trained

    def log_probs(self, feats: np.ndarray) -> np.ndarray:
        """Log-probability of every class for each row of ``feats`` (rows x classes)."""
        x = (feats.astype(np.float32) - self.mu) * self.scale
        h = np.maximum(x @ self.w1 + self.b1, 0)
        z = h @ self.w2 + self.b2
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def classify(self, feats: np.ndarray) -> np.ndarray:
        """Class index of each row of ``feats``."""
        return self.log_probs(feats).argmax(axis=1)


def _render_glyphs(font_path: str, size: int = 96) -> dict[str, np.ndarray]:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_path, size)
    adv = font.getlength("<")
    w, h = round(adv), round(size * 0.72)
    glyphs = {}
    for ch in MRZ_CHARS:
        img = Image.new("L", (w * 3, h * 3), 0)
        ImageDraw.Draw(img).text((w, 2 * h), ch, font=font, fill=255, anchor="ls")
        glyphs[ch] = np.asarray(img, np.float32) / 255.0
    return glyphs


def _cell_from(ink: np.ndarray, cx: float, top: float, bottom: float, pitch: float) -> np.ndarray:
    """The normalised cell around a character centred at ``cx`` in rows top..bottom."""
    h = bottom - top
    x0, x1 = cx - 0.5 * pitch, cx + 0.5 * pitch
    y0, y1 = top - 0.12 * h, bottom + 0.12 * h
    m = np.array(
        [[(x1 - x0) / (_CELL_W * 3), 0, x0], [0, (y1 - y0) / (_CELL_H * 3), y0]], np.float32
    )
    return cv2.warpAffine(
        ink,
        m,
        (_CELL_W * 3, _CELL_H * 3),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
    )


def _recentre(ink: np.ndarray, cx: float, top: float, bottom: float, pitch: float) -> float:
    """Move a cell's centre to the ink's centre of mass within it (train and read alike)."""
    x0, x1 = max(0, round(cx - 0.5 * pitch)), min(ink.shape[1], round(cx + 0.5 * pitch))
    pad = 0.1 * (bottom - top)
    y0, y1 = max(0, round(top - pad)), min(ink.shape[0], round(bottom + pad))
    if x1 <= x0 or y1 <= y0:
        return cx
    col = ink[y0:y1, x0:x1].sum(axis=0)
    total = float(col.sum())
    if total <= 0:
        return cx
    mass = x0 + float((np.arange(len(col)) + 0.5) @ col) / total
    return mass if abs(mass - cx) < 0.3 * pitch else cx


@cache
def glyph_model() -> GlyphModel:
    """The glyph classifier ``scripts/train_mrz_glyphs.py`` trained (shipped in
    ``kiosk/devices/data``), else one trained now from the font alone (a few seconds, once
    per process). ``KIOSK_MRZ_GLYPHS=font`` forces the latter."""
    if os.environ.get("KIOSK_MRZ_GLYPHS", "") != "font" and os.path.exists(GLYPH_MODEL_PATH):
        return load_glyph_model(GLYPH_MODEL_PATH)
    return font_glyph_model()


@cache
def font_glyph_model() -> GlyphModel:
    """A classifier trained on rendered OCR-B characters alone (no captures)."""
    x, y = training_set(7, 90)
    return fit_glyph_model(x, y, seed=7, epochs=25)


GLYPH_MODEL_PATH = os.path.join(os.path.dirname(__file__), "data", "mrz_glyphs.npz")
_MODEL_ARRAYS = ("mu", "scale", "w1", "b1", "w2", "b2")


def load_glyph_model(path: str) -> GlyphModel:
    import json

    with np.load(path) as data:
        mu, scale, w1, b1, w2, b2 = (data[name].astype(np.float32) for name in _MODEL_ARRAYS)
        meta = json.loads(str(data["meta"])) if "meta" in data else {}
    return GlyphModel(mu, scale, w1, b1, w2, b2, meta=meta)


def save_glyph_model(model: GlyphModel, path: str) -> None:
    import json

    arrays = {name: getattr(model, name).astype(np.float32) for name in _MODEL_ARRAYS}
    np.savez_compressed(path, meta=np.array(json.dumps(model.meta, sort_keys=True)), **arrays)


def fit_glyph_model(
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: int = 0,
    hidden: int = 192,
    epochs: int = 30,
    batch: int = 256,
    rate: float = 2e-3,
    decay: float = 1e-4,
) -> GlyphModel:
    """Train the classifier on cell features ``x`` (rows) and class indices ``y``: softmax
    cross-entropy, Adam, the learning rate falling linearly to zero. Deterministic for a
    given ``seed`` (single-threaded BLAS: the benchmark and the training script set it)."""
    rng = np.random.default_rng(seed)
    x = x.astype(np.float32)
    classes = len(MRZ_CHARS)
    mu = x.mean(axis=0)
    scale = (1.0 / np.maximum(x.std(axis=0), 1e-3)).astype(np.float32)
    xs = (x - mu) * scale
    f = x.shape[1]
    params = [
        (rng.standard_normal((f, hidden)) * math.sqrt(2 / f)).astype(np.float32),
        np.zeros(hidden, np.float32),
        (rng.standard_normal((hidden, classes)) * math.sqrt(1 / hidden)).astype(np.float32),
        np.zeros(classes, np.float32),
    ]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    onehot = np.eye(classes, dtype=np.float32)
    steps = epochs * math.ceil(len(xs) / batch)
    t = 0
    for _epoch in range(epochs):
        order = rng.permutation(len(xs))
        for k in range(0, len(xs), batch):
            idx = order[k : k + batch]
            xb, yb = xs[idx], onehot[y[idx]]
            w1, b1, w2, b2 = params
            h_pre = xb @ w1 + b1
            h = np.maximum(h_pre, 0)
            z = h @ w2 + b2
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            dz = (p - yb) / len(idx)
            dh = (dz @ w2.T) * (h_pre > 0)
            grads = [xb.T @ dh + decay * w1, dh.sum(axis=0), h.T @ dz + decay * w2, dz.sum(axis=0)]
            t += 1
            lr = rate * (1 - (t - 1) / steps)
            for i, g in enumerate(grads):
                m1[i] = 0.9 * m1[i] + 0.1 * g
                m2[i] = 0.999 * m2[i] + 0.001 * g * g
                step = lr * (m1[i] / (1 - 0.9**t)) / (np.sqrt(m2[i] / (1 - 0.999**t)) + 1e-8)
                params[i] = (params[i] - step).astype(np.float32)
    w1, b1, w2, b2 = params
    return GlyphModel(mu.astype(np.float32), scale, w1, b1, w2, b2)


@cache
def training_set(seed: int = 7, per_class: int = 90) -> tuple[np.ndarray, np.ndarray]:
    """Cells of rendered OCR-B characters under random scale, weight, blur, noise and
    position, between random neighbours: features and labels."""
    from kiosk.devices.samples.documents import ocrb_font_path

    rng = np.random.default_rng(seed)
    glyphs = _render_glyphs(ocrb_font_path())
    feats: list[np.ndarray] = []
    labels: list[int] = []
    adv = glyphs["<"].shape[1] // 3
    neighbours = MRZ_CHARS + "<" * 20  # fillers are the commonest neighbours
    for label, ch in enumerate(MRZ_CHARS):
        bh, bw = glyphs[ch].shape
        gw, _gh = bw / 3, bh / 3  # the glyph's cell (advance x cap height) in the canvas
        for _ in range(per_class):
            # The character between two random neighbours, as in a line of print.
            left, right = (neighbours[int(k)] for k in rng.integers(0, len(neighbours), 2))
            big = np.maximum(
                glyphs[ch],
                np.maximum(
                    np.roll(glyphs[left], -adv, axis=1), np.roll(glyphs[right], adv, axis=1)
                ),
            )
            pitch = rng.uniform(9, 34)
            s = pitch / gw
            img = cv2.resize(
                big, None, fx=s, fy=s * rng.uniform(0.97, 1.03), interpolation=cv2.INTER_AREA
            )
            weight = rng.uniform(-1, 1)
            if abs(weight) > 0.5:
                kern = np.ones((2, 2), np.uint8)
                img = cv2.dilate(img, kern) if weight > 0 else cv2.erode(img, kern)
                img = (
                    img * 0.5
                    + cv2.resize(big, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_AREA)
                    * 0.5
                )
            sigma = rng.uniform(0, 1.4) * max(1.0, pitch / 20)
            if sigma > 0.2:
                img = cv2.GaussianBlur(img, (0, 0), sigma)
            img = img * rng.uniform(0.6, 1.0) + rng.normal(0, rng.uniform(0, 0.08), img.shape)
            img = np.clip(img, 0, 1).astype(np.float32)
            img[img < 0.18] = 0
            ih, iw = img.shape
            bottom = 2 * ih / 3 + rng.normal(0, 0.04) * pitch
            cell_pitch = pitch * rng.uniform(0.96, 1.04)
            top = bottom - _CAP_PER_PITCH * cell_pitch * rng.uniform(0.96, 1.04)
            cx = _recentre(img, iw / 2 + rng.normal(0, 0.1) * pitch, top, bottom, cell_pitch)
            cx += rng.normal(0, 0.03) * pitch
            feats.append(_cell_features(_cell_from(img, cx, top, bottom, cell_pitch)))
            labels.append(label)
    return np.stack(feats), np.array(labels)


Grid = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # centres, tops, bottoms, pitches


class GlyphEngine(OcrEngine):
    """Our reader: the MRZ is OCR-B at a fixed pitch, so each line is cut into equal cells
    and each cell classified by a small network trained on OCR-B cells (``GlyphModel``)."""

    name = "glyph"

    def __init__(self) -> None:
        self.model = glyph_model()
        self._last = threading.local()
        self._rescue = threading.local()

    @property
    def rescuing(self) -> bool:
        """Whether this thread's reads are a rescue (``rescue``)."""
        return bool(getattr(self._rescue, "on", False))

    @contextlib.contextmanager
    def rescue(self) -> Iterator[None]:
        """Reads in this block look harder for lines in a band that showed none: the band
        levelled (a small turn left), rows split at higher floors (lines run together by
        blur), lines of unequal counts cut at the longer one, and rows whose characters do
        not come apart into blobs cut evenly over their extent. Slower, and it makes lines
        of anything. ``MrzReader.read`` asks it only for print under 8 px per character
        that read nothing otherwise (``SMALL_RESCUE``): on 650 camera frames, the MRZ-like
        blocks that gave no lines read no better this way, and letters, whose paragraphs
        make 2-line blocks, took twice the CPU (``benchmarks/mrz.py``)."""
        self._rescue.on = True
        try:
            yield
        finally:
            self._rescue.on = False

    def line_grids(
        self, image: np.ndarray, variants: list[list[Grid]] | None = None
    ) -> tuple[np.ndarray, list[Grid]] | None:
        """The band's ink map and the character cells of its 2 or 3 MRZ lines, or None when
        it holds no MRZ-shaped lines. A band cut generously may hold more rows (a printed
        line above, part of a line cut off): runs of 2-3 rows of one height are tried,
        those spanning the band first. ``variants``, when given, receives for each line the
        other grids its blobs allow (``_end_grids``)."""
        ink = _ink_map(_grey(image))
        rescue = self.rescuing
        found = self._grids_in(ink, _line_rows(ink), variants, rescue)
        if found is not None or not rescue:
            return found
        # (Only in a rescue: ``rescue``.)
        # No MRZ-shaped lines: the band may still be turned a little (a block found as
        # one merged component, its box set by blur or a page edge beside it, not by the
        # lines: their rows then run into each other in the profile), or its lines may
        # be too close for the profile's floor (blur at 8-9 px per character). Turned
        # level, then with the rows split at a higher floor.
        level = _level(ink)
        for floor in (0.12, 0.3, 0.45):
            if level is ink and floor == 0.12:
                continue
            found = self._grids_in(level, _line_rows(level, floor), variants, rescue)
            if found is not None:
                return found
        return None

    def _grids_in(
        self,
        ink: np.ndarray,
        rows: list[tuple[int, int]],
        variants: list[list[Grid]] | None,
        rescue: bool = False,
    ) -> tuple[np.ndarray, list[Grid]] | None:
        for group in _row_groups(rows):
            widths = (30,) if len(group) == 3 else (44, 36)
            grids = []
            others: list[list[Grid]] = []
            fitted: list[tuple[Grid | None, list[Grid]]] = []
            for top, bottom in group:
                more: list[Grid] = []
                fitted.append((_fit_grid(ink, top, bottom, widths, more, rescue), more))
            found = [g for g, _m in fitted if g is not None]
            if PITCH_HINT and found and len(found) < len(group):
                # A line whose blobs ran together (motion blur: digits touching, fillers
                # one bar) gives too few gaps to measure its pitch: the other lines' holds.
                hint = float(np.median(np.concatenate([g[3] for g in found])))
                for k, (top, bottom) in enumerate(group):
                    if fitted[k][0] is None:
                        more = []
                        fitted[k] = (
                            _fit_grid(ink, top, bottom, widths, more, rescue, hint),
                            more,
                        )
            for grid, more in fitted:
                if grid is None:
                    break
                grids.append(grid)
                others.append(more)
            counts = {len(g[0]) for g in grids}
            if rescue and len(grids) == len(group) and len(counts) > 1:
                # The lines disagree on their width: one line's fillers, run together by
                # blur, gave fewer blobs than cells (a TD3's digits line cut as 36). The
                # longer count holds (cells are lost that way, rarely gained).
                grids, others = [], []
                for top, bottom in group:
                    more = []
                    grid = _fit_grid(ink, top, bottom, (max(counts),), more, rescue)
                    if grid is None:
                        break
                    grids.append(grid)
                    others.append(more)
            if len(grids) == len(group) and len({len(g[0]) for g in grids}) == 1:
                if variants is not None:
                    # MRZ characters stand in columns (one pitch, one left margin): each
                    # line may also be cut at the columns fitted to another line.
                    for i, (c_i, t_i, b_i, _p) in enumerate(grids):
                        t_coef, b_coef = np.polyfit(c_i, t_i, 1), np.polyfit(c_i, b_i, 1)
                        for j, (c_j, _t, _b, p_j) in enumerate(grids):
                            if j != i and float(np.max(np.abs(c_j - c_i))) > 0.25 * p_j[0]:
                                others[i].append(
                                    (c_j, np.polyval(t_coef, c_j), np.polyval(b_coef, c_j), p_j)
                                )
                    variants[:] = others
                return ink, grids
        return None

    def line_features(self, image: np.ndarray) -> list[np.ndarray] | None:
        """The features of every character cell of the band's lines (one array per line),
        or None when the band does not split into MRZ-shaped lines."""
        found = self.line_grids(image)
        if found is None:
            return None
        ink, grids = found
        return [grid_features(ink, grid) for grid in grids]

    def read_lines(self, image: np.ndarray) -> list[str]:
        self._last.value = None
        others: list[list[Grid]] = []
        found = self.line_grids(image, others)
        if found is None:
            return []
        ink, grids = found
        lines = []
        scores: list[np.ndarray] = []
        for grid, more in zip(grids, others, strict=True):
            # Of the grids the line's blobs allow, the one whose cells the classifier reads
            # with the most confidence (a grid one place off reads no character well).
            logp = self.model.log_probs(grid_features(ink, grid))
            best = float(logp.max(axis=1).mean())
            for alt in more:
                lp = self.model.log_probs(grid_features(ink, alt))
                conf = float(lp.max(axis=1).mean())
                if conf > best:
                    logp, best = lp, conf
            lines.append("".join(MRZ_CHARS[i] for i in logp.argmax(axis=1)))
            scores.append(logp)
        self._last.value = scores
        return lines

    def doubts(self) -> list[np.ndarray] | None:
        """Per character doubt of the last lines this thread read: the probability of the
        runner-up over that of the chosen character."""
        scores = self.log_probs()
        if scores is None:
            return None
        out = []
        for logp in scores:
            two = -np.sort(-logp, axis=1)[:, :2]
            out.append(np.exp(two[:, 1] - two[:, 0]).astype(np.float32))
        return out

    def log_probs(self) -> list[np.ndarray] | None:
        """Per line, each character's log-probability of every class (``MRZ_CHARS``)."""
        return getattr(self._last, "value", None)


def _row_groups(rows: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Runs of 2 or 3 consecutive rows of about one height and even spacing, the whole set
    first when it is such a run, then the longest runs."""
    out = []
    for size in (3, 2):
        for start in range(len(rows) - size + 1):
            group = rows[start : start + size]
            heights = [b - a for a, b in group]
            if max(heights) > ROW_RATIO * min(heights):
                continue
            gaps = [group[k + 1][0] - group[k][1] for k in range(size - 1)]
            if max(gaps) > 1.6 * max(heights) or (
                size == 3 and max(gaps) > 2.5 * max(1, min(gaps))
            ):
                continue
            out.append(group)
    out.sort(key=lambda g: g != rows)  # stable: the whole set, then 3-row runs, then pairs
    return out[:4]


def grid_features(
    ink: np.ndarray, grid: Grid, shift: np.ndarray | None = None, stretch: np.ndarray | None = None
) -> np.ndarray:
    """Features of the cells of one line's ``grid`` (``shift``: each cell's centre moved by
    that share of the pitch, ``stretch``: its height scaled; for training)."""
    centres, tops, bottoms, pitches = grid
    if shift is None and FAST_CELLS:
        return _cells_features(_cells_at(ink, grid))
    cells = []
    for k, (cx, t, b, p) in enumerate(zip(centres, tops, bottoms, pitches, strict=True)):
        c = _recentre(ink, cx, t, b, p)
        if shift is not None and stretch is not None:
            c += shift[k] * p
            mid, half = (t + b) / 2, (b - t) / 2 * stretch[k]
            t, b = mid - half, mid + half
        cells.append(_cell_from(ink, c, t, b, p))
    return _cells_features(np.stack(cells))


# Whether a line's cells are cut at once (``_cells_at``) rather than one by one
# (``_recentre``, ``_cell_from``): the same cells, within the rounding of the two
# interpolations, for a third of the reader's CPU.
FAST_CELLS = True


def _cells_at(ink: np.ndarray, grid: Grid) -> np.ndarray:
    """The cells of one line's ``grid``, each recentred on its ink (``_recentre``) and
    normalised (``_cell_from``), all at once: the ink's mass in each cell's window from
    prefix sums, then one remap for every cell (n x 3H x 3W)."""
    centres, tops, bottoms, pitches = (np.asarray(a, np.float64) for a in grid)
    h, w = ink.shape
    # _recentre, vectorised: column sums of rows y0..y1 over columns x0..x1 (and their
    # first moment) from prefix sums along both axes.
    x0 = np.clip(np.round(centres - 0.5 * pitches), 0, None).astype(np.intp)
    x1 = np.clip(np.round(centres + 0.5 * pitches), None, w).astype(np.intp)
    pad = 0.1 * (bottoms - tops)
    y0 = np.clip(np.round(tops - pad), 0, None).astype(np.intp)
    y1 = np.clip(np.round(bottoms + pad), None, h).astype(np.intp)
    # Only the rows the line's windows span.
    lo, hi = int(np.clip(y0.min(), 0, h)), int(np.clip(y1.max(), 0, h))
    hi = max(hi, lo)
    y0, y1 = np.clip(y0 - lo, 0, hi - lo), np.clip(y1 - lo, 0, hi - lo)
    h = hi - lo
    part = np.ascontiguousarray(ink[lo:hi], np.float32)
    if h == 0:
        part = np.zeros((1, w), np.float32)
        y0, y1 = np.zeros_like(y0), np.zeros_like(y1)
    mass = cv2.integral(part, sdepth=cv2.CV_64F)
    moment = cv2.integral(part * np.arange(w, dtype=np.float32), sdepth=cv2.CV_64F)
    ok = (x1 > x0) & (y1 > y0)
    a0, a1 = np.minimum(x0, w), np.clip(x1, 0, w)
    b0, b1 = np.minimum(y0, h), np.clip(y1, 0, h)
    total = mass[b1, a1] - mass[b1, a0] - mass[b0, a1] + mass[b0, a0]
    first = moment[b1, a1] - moment[b1, a0] - moment[b0, a1] + moment[b0, a0]
    ok &= total > 0.09  # ink is 0 or at least 0.18 per pixel
    centre = np.where(ok, first / np.where(ok, total, 1.0) + 0.5, centres)
    centre = np.where(np.abs(centre - centres) < 0.3 * pitches, centre, centres)
    # _cell_from for every cell: one remap.
    cell_h = bottoms - tops
    left = centre - 0.5 * pitches
    top = tops - 0.12 * cell_h
    sx = (pitches / (_CELL_W * 3)).astype(np.float32)
    sy = ((1.24 * cell_h) / (_CELL_H * 3)).astype(np.float32)
    ii = np.arange(_CELL_W * 3, dtype=np.float32)
    jj = np.arange(_CELL_H * 3, dtype=np.float32)
    n = len(centres)
    map_x = sx[:, None, None] * ii[None, None, :] + left.astype(np.float32)[:, None, None]
    map_x = np.broadcast_to(map_x, (n, _CELL_H * 3, _CELL_W * 3))
    map_y = sy[:, None, None] * jj[None, :, None] + top.astype(np.float32)[:, None, None]
    map_y = np.broadcast_to(map_y, (n, _CELL_H * 3, _CELL_W * 3))
    cells = cv2.remap(
        ink,
        np.ascontiguousarray(map_x).reshape(-1, _CELL_W * 3),
        np.ascontiguousarray(map_y).reshape(-1, _CELL_W * 3),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
    )
    return cells.reshape(n, _CELL_H * 3, _CELL_W * 3)


def _fit_grid(
    ink: np.ndarray,
    top: int,
    bottom: int,
    widths: Sequence[int],
    variants: list[Grid] | None = None,
    rescue: bool = False,
    pitch_hint: float | None = None,
) -> Grid | None:
    """Character cells of one text row: centres, tops, bottoms and local pitches.

    The pitch is fixed on paper but not in the picture (perspective stretches one end), so
    character positions are fitted as a quadratic of their index, and the row's top and
    bottom as straight lines, from the blobs of ink found in the row. ``variants``, when
    given, receives other plausible grids of the same number of cells (``_end_grids``,
    and the grid of the blobs split at the pitch where they ran together: ``_split_runs``).
    ``pitch_hint``: the other lines' pitch, for a row whose blobs show too few gaps to
    measure its own."""
    h = bottom - top
    y0, y1 = max(0, int(top - 0.25 * h)), min(ink.shape[0], int(bottom + 0.25 * h))
    strip = (ink[y0:y1] > 0.3).astype(np.uint8)
    n, _, stats, cents = cv2.connectedComponentsWithStats(strip, connectivity=8)
    blobs = []
    for i in range(1, n):
        x, y, w, hh, area = stats[i]
        if hh < 0.3 * h or area < 0.02 * h * h or hh > 1.6 * h:
            continue
        # A page edge or a rule across the row: a thin stroke from the strip's top to its
        # bottom, or a sliver (characters are at least 0.12 of their height wide: '1', 'I').
        if w < max(2, 0.12 * h) or (y == 0 and y + hh >= strip.shape[0]):
            continue
        blobs.append(
            (float(cents[i][0]), float(y + y0), float(y + y0 + hh), float(x), float(x + w))
        )
    if len(blobs) < 8:
        return _extent_grid(ink, top, bottom, widths, variants) if rescue else None
    blobs.sort()
    # Merge pieces of one character (broken strokes).
    merged: list[list[float]] = []
    for b in blobs:
        if merged and b[0] - merged[-1][0] < 0.35 * h:
            m = merged[-1]
            m[:] = [
                (m[0] + b[0]) / 2,
                min(m[1], b[1]),
                max(m[2], b[2]),
                min(m[3], b[3]),
                max(m[4], b[4]),
            ]
        else:
            merged.append(list(b))
    xs = np.array([m[0] for m in merged])
    diffs = np.diff(xs)
    good = diffs[(diffs > 0.6 * h) & (diffs < 1.5 * h)]
    pitch = float(np.median(good)) if len(good) >= 4 else None
    if pitch is None and pitch_hint is not None and 0.6 * h < pitch_hint < 1.5 * h:
        pitch = pitch_hint  # the other lines' pitch: this one's blobs ran together
    if pitch is None:
        return _extent_grid(ink, top, bottom, widths, variants) if rescue else None
    split = _split_runs(merged, pitch) if SPLIT_RUNS else merged
    grid = _blob_grid(merged, h, top, bottom, widths, variants) if len(good) >= 4 else None
    if len(split) > len(merged):
        # Runs of ink as wide as several characters, split at the pitch: the cells
        # that split gives are another grid for the classifier to judge (or the grid,
        # when the blobs as they came gave none).
        more: list[Grid] = []
        other = _blob_grid(split, h, top, bottom, widths, more)
        if other is not None and (grid is None or len(other[0]) != len(grid[0])):
            # No grid from the blobs as they came, or one of another width: runs of
            # ink hide characters, they never add any.
            grid = other
            if variants is not None:
                variants[:] = more
        elif other is not None and grid is not None and variants is not None:
            if float(np.max(np.abs(other[0] - grid[0]))) > 0.25 * float(np.median(grid[3])):
                variants.append(other)
    if grid is None:
        return _extent_grid(ink, top, bottom, widths, variants) if rescue else None
    return grid


def _blob_grid(
    merged: list[list[float]],
    h: float,
    top: int,
    bottom: int,
    widths: Sequence[int],
    variants: list[Grid] | None,
) -> Grid | None:
    """The cells of a row fitted to its blobs (centre, top, bottom, left, right each): a
    quadratic of the cell index through the blob centres, the top and bottom lines
    through the tall glyphs' tops and bottoms (``_fit_grid``)."""
    xs = np.array([m[0] for m in merged])
    diffs = np.diff(xs)
    good = diffs[(diffs > 0.6 * h) & (diffs < 1.5 * h)]
    if len(good) < 4:
        return None
    pitch = float(np.median(good))
    idx = np.concatenate([[0], np.cumsum(np.maximum(1, np.round(diffs / pitch)))])
    coef = np.polyfit(idx, xs, 2 if len(xs) > 10 else 1)
    for _ in range(2):
        idx = _reindex(xs, coef)
        idx -= idx.min()
        coef = np.polyfit(idx, xs, 2 if len(xs) > 10 else 1)
    last = int(idx.max()) + 1
    n_cells = min(widths, key=lambda k: abs(k - last))
    if not -3 <= last - n_cells <= 5:  # extra cells at the ends are dropped below
        return None
    # More blobs than cells: something beside the line (a page edge, a mark) was taken for
    # characters. Keep the run of cells that holds the most typical glyphs.
    offset = 0
    if last > n_cells:
        heights = np.array([m[2] - m[1] for m in merged])
        typical = 1 - np.minimum(1, np.abs(heights - np.median(heights)) / np.median(heights))
        scores = [
            float(typical[(idx >= o) & (idx < o + n_cells)].sum())
            for o in range(last - n_cells + 1)
        ]
        offset = int(np.argmax(scores))
    cells = np.arange(n_cells, dtype=np.float64) + offset
    centres = np.polyval(coef, cells)
    pitches = (
        np.abs(np.polyval(np.polyder(coef), cells)) if len(coef) > 1 else np.full(n_cells, pitch)
    )
    # The baseline from the bottoms of the tall glyphs (twice, dropping descenders); the
    # cell's top is one cap height above it, and OCR-B's cap height is its pitch (0.996).
    tall = [m for m in merged if m[2] - m[1] > 0.75 * h]
    tops = None
    if len(tall) >= 4:
        tx = np.array([m[0] for m in tall])
        ty = np.array([m[2] for m in tall])
        b_coef = np.polyfit(tx, ty, 1)
        keep = np.abs(ty - np.polyval(b_coef, tx)) < 0.08 * h
        if keep.sum() >= 4:
            b_coef = np.polyfit(tx[keep], ty[keep], 1)
        bottoms = np.polyval(b_coef, centres)
        # The cap line from the tops of the same glyphs: a page seen at an angle is
        # foreshortened, so the glyphs' height is measured, not derived from the pitch.
        tt = np.array([m[1] for m in tall])
        t_coef = np.polyfit(tx, tt, 1)
        keep = np.abs(tt - np.polyval(t_coef, tx)) < 0.08 * h
        if keep.sum() >= 4:
            t_coef = np.polyfit(tx[keep], tt[keep], 1)
        tops = np.polyval(t_coef, centres)
        ratios = (bottoms - tops) / (_CAP_PER_PITCH * pitches)
        ratio = float(np.median(ratios))
        spread = abs(float(ratios[0] - ratios[-1]))
        # Only a clear foreshortening counts (at small sizes blur makes tops uncertain): of
        # the whole line, or one end taller than the other (a page seen at a steep angle,
        # its line cut from a quad fitted to the other lines: the pitch alone cuts the tall
        # end's tops off).
        if not 0.6 < ratio < 1.6 or (abs(ratio - 1) < 0.12 and spread < 0.25):
            tops = None
    else:
        bottoms = np.full(n_cells, float(bottom))
    if tops is None:
        tops = bottoms - _CAP_PER_PITCH * pitches
    if variants is not None and abs(last - n_cells) <= 2:
        variants += _end_grids(xs, centres, tops, bottoms, pitches)
    return centres, tops, bottoms, pitches


# Switches of the cell cutting, kept as module constants so that the benchmark and the
# tests can turn each off and measure what it brings (``benchmarks/mrz.py``):
# runs of ink as wide as several characters also cut at the pitch (``_split_runs``);
SPLIT_RUNS = True
# the rows of one MRZ may differ this much in height in the band's profile (a names
# line of a short name and '<' fillers, low glyphs, is 9 px high beside a digits line's
# 13: camera 87 of seed 5; 1.4 before);
ROW_RATIO = 1.6
# a line whose blobs ran together too much to measure its pitch is cut at the others'.
PITCH_HINT = True


def _split_runs(merged: list[list[float]], pitch: float) -> list[list[float]]:
    """Blobs as wide as several characters (their ink run together by motion blur, glare
    or small print: a run of '<' fillers, digits touching) split into one blob per
    character at the line's pitch, centred on the run: MRZ characters stand at a fixed
    pitch, so a run of ink ``w`` wide holds about ``(w - 0.7 pitch) / pitch + 1`` of them."""
    out: list[list[float]] = []
    for m in merged:
        w = m[4] - m[3]
        if w <= 1.6 * pitch:
            out.append(m)
            continue
        k = max(2, round((w - 0.7 * pitch) / pitch) + 1)
        mid = (m[3] + m[4]) / 2
        for j in range(k):
            cx = mid + (j - (k - 1) / 2) * pitch
            out.append([cx, m[1], m[2], cx - 0.35 * pitch, cx + 0.35 * pitch])
    return out


def _extent_grid(
    ink: np.ndarray,
    top: int,
    bottom: int,
    widths: Sequence[int],
    variants: list[Grid] | None = None,
) -> Grid | None:
    """Cells spread evenly over a text row's extent, for a row whose characters do not
    come apart into blobs (motion blur runs them and the '<' fillers together; glare
    breaks them up): the row's ink, from its first column to its last, holds its
    characters at one pitch. The classifier and the check digits judge the cut."""
    h = bottom - top
    if h < 4:
        return None
    col = ink[top:bottom].sum(axis=0)
    if col.max() <= 0:
        return None
    on = col > 0.1 * col.max()
    xs = np.flatnonzero(on)
    # The longest run of ink with gaps under a character's height (a page edge or other
    # print at the row's height, farther away, is left out).
    runs: list[tuple[int, int]] = []
    start = prev = int(xs[0])
    for x in xs[1:]:
        if x - prev > 1.2 * h:
            runs.append((start, prev + 1))
            start = int(x)
        prev = int(x)
    runs.append((start, prev + 1))
    x0, x1 = max(runs, key=lambda r: r[1] - r[0])
    span = float(x1 - x0)
    # A character is about its pitch high (OCR-B: 0.996), blur adds a little to both.
    n_cells = min(widths, key=lambda k: abs(math.log(span / (k * h))))
    if not 0.65 < span / (n_cells * h) < 1.5:
        return None
    out: list[Grid] = []
    for glyph in (0.7, 0.5, 0.9):  # the outer glyphs' ink width, in pitches
        pitch = span / (n_cells - 1 + glyph)
        centres = x0 + pitch * (glyph / 2 + np.arange(n_cells, dtype=np.float64))
        pitches = np.full(n_cells, pitch)
        bottoms = np.full(n_cells, float(bottom))
        out.append((centres, bottoms - _CAP_PER_PITCH * pitches, bottoms, pitches))
    if variants is not None:
        variants += out[1:]
    return out[0]


def _end_grids(xs: np.ndarray, centres: np.ndarray, tops: np.ndarray, bottoms: np.ndarray,
               pitches: np.ndarray) -> list[Grid]:  # fmt: skip
    """Other grids for a line whose first and last blobs are its first and last
    characters: cells spread evenly between those two (the blobs in between, merged by
    blur or small print, or split, can set the fitted grid one place off in the middle), at
    a constant pitch and at the pitch change the fit measured (perspective)."""
    n = len(centres)
    c0, c1 = float(xs[0]), float(xs[-1])
    span = c1 - c0
    if n < 20 or span <= 0:
        return []
    t_coef = np.polyfit(centres, tops, 1)
    b_coef = np.polyfit(centres, bottoms, 1)
    out: list[Grid] = []
    q = float(np.clip(pitches[-1] / max(pitches[0], 1e-6), 0.7, 1.4))
    for ratio in (1.0, q) if abs(q - 1) > 0.03 else (1.0,):
        # pitch_i = a + b i with a + b (n - 1) = ratio a; centre_{n-1} - centre_0 = span.
        k = np.arange(n, dtype=np.float64)
        a = span / ((n - 1) + (ratio - 1) * (n - 2) / 2)
        b = (ratio - 1) * a / (n - 1)
        cs = c0 + a * k + b * k * (k - 1) / 2
        if float(np.max(np.abs(cs - centres))) < 0.25 * float(np.median(pitches)):
            continue  # the same grid as the fitted one
        out.append((cs, np.polyval(t_coef, cs), np.polyval(b_coef, cs), a + b * k))
    return out


def _reindex(xs: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Cell index of each blob centre under the current fit (solving the polynomial)."""
    grid = np.polyval(coef, np.arange(-2, 60, dtype=np.float64))
    return np.array([int(np.argmin(np.abs(grid - x))) - 2 for x in xs], dtype=np.float64)


TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")


def _tessdata() -> str | None:
    env = os.environ.get("TESSDATA_PREFIX")
    for d in ((env,) if env else ()) + TESSDATA_DIRS:
        if d and os.path.exists(os.path.join(d, "eng.traineddata")):
            return d
    return None


def _prepare_for_ocr(image: np.ndarray, char_height: int = 32) -> np.ndarray:
    """Dark text on white, scaled so text rows are about ``char_height`` px high."""
    grey = _grey(image)
    ink = _ink_map(grey)
    rows = _line_rows(ink)
    if rows:
        h = float(np.median([b - a for a, b in rows]))
        s = char_height / max(h, 1.0)
        if 0.3 < s < 6:
            ink = cv2.resize(ink, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
    out = (255 - np.clip(ink * 255 * 1.3, 0, 255)).astype(np.uint8)
    return cv2.copyMakeBorder(out, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)


_K_IN_FILLER = re.compile(r"(?<=<<)[KE](?=<)|(?<=<)[KE](?=<<)")


def _unk(line: str) -> str:
    """Tesseract's English model reads some fillers in a run of '<' as K or E."""
    line = line.replace(" ", "")
    for _ in range(3):
        line = _K_IN_FILLER.sub("<", line)
    tail = re.search(r"<[<KE]{4,}$", line)  # a run of fillers to the end of the line
    if tail and tail.group().count("<") >= 0.4 * len(tail.group()):
        line = line[: tail.start()] + "<" * len(tail.group())
    return line


class TesseractEngine(OcrEngine):
    """Tesseract restricted to the MRZ alphabet: in process through tesserocr when it is
    installed, else the ``tesseract`` command through pytesseract."""

    name = "tesseract"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._api = None
        try:
            import tesserocr

            path = _tessdata()
            kwargs = {"path": path} if path else {}
            self._api = tesserocr.PyTessBaseAPI(
                lang="eng", psm=tesserocr.PSM.SINGLE_BLOCK, **kwargs
            )
            self._api.SetVariable("tessedit_char_whitelist", MRZ_CHARS)
            self._api.SetVariable("load_system_dawg", "0")
            self._api.SetVariable("load_freq_dawg", "0")
            self.name = "tesseract (tesserocr)"
        except (ImportError, RuntimeError):
            import pytesseract  # noqa: F401 - raises ImportError when neither is there

            self.name = "tesseract (pytesseract)"

    def read_lines(self, image: np.ndarray) -> list[str]:
        prepared = _prepare_for_ocr(image)
        if self._api is not None:
            from PIL import Image

            with self._lock:
                self._api.SetImage(Image.fromarray(prepared))
                text = self._api.GetUTF8Text()
        else:
            import pytesseract

            config = f"--psm 6 -c tessedit_char_whitelist={MRZ_CHARS} -c load_system_dawg=0 -c load_freq_dawg=0"
            text = pytesseract.image_to_string(prepared, lang="eng", config=config)
        return [_unk(line) for line in text.splitlines() if line.strip()]

    def close(self) -> None:
        if self._api is not None:
            self._api.End()
            self._api = None


class RapidOcrEngine(OcrEngine):
    """PaddleOCR's models through rapidocr-onnxruntime (shipped in its wheel, offline).
    The band's rows are found here, so only the recogniser runs, once per row."""

    name = "rapidocr"

    def __init__(self, threads: int = 1) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._ocr = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)
        self._lock = threading.Lock()

    def read_lines(self, image: np.ndarray) -> list[str]:
        grey = _grey(image)
        ink = _ink_map(grey)
        rows = _line_rows(ink)
        if len(rows) not in (2, 3):
            return []
        out = []
        clean = (255 - np.clip(ink * 255 * 1.3, 0, 255)).astype(np.uint8)
        for top, bottom in rows:
            pad = int(0.35 * (bottom - top))
            line: np.ndarray = clean[max(0, top - pad) : bottom + pad]
            line = cv2.copyMakeBorder(line, 4, 4, 8, 8, cv2.BORDER_CONSTANT, value=255)
            with self._lock:
                result, _ = self._ocr(
                    cv2.cvtColor(line, cv2.COLOR_GRAY2BGR),
                    use_det=False,
                    use_cls=False,
                    use_rec=True,
                )
            out.append(result[0][0] if result else "")
        return out


ENGINES = {"glyph": GlyphEngine, "tesseract": TesseractEngine, "rapidocr": RapidOcrEngine}
# Chosen by measurement (benchmarks/mrz.py, 50 synthetic passports and ID cards x 8 frames,
# 20-30 px per character, blur sigma <= 1, one core): documents read with every field right
# within 8 frames / false accepts / median time per read: glyph 98 % / 0 % / 13 ms;
# tesseract (tesserocr, Debian's eng model) 10 % / 20 % / 117 ms; rapidocr 62 % / 20 % /
# 180 ms. PassportEye, judged on the lines it parsed itself (16 documents): 0 % / 6 % /
# 2.0 s of CPU per read (Tesseract reads the '<' fillers as K). See the benchmark's docstring.
DEFAULT_ENGINE = "glyph"


def make_engine(name: str = DEFAULT_ENGINE) -> OcrEngine:
    try:
        return ENGINES[name]()
    except KeyError:
        raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(ENGINES)}") from None


def default_engine() -> OcrEngine:
    return make_engine(DEFAULT_ENGINE)


# --------------------------------------------------------------------------- reader


@dataclass(frozen=True)
class MrzRead:
    """What one frame gave: a valid result, or why not."""

    result: MrzResult | None  # set only when every check digit passed
    lines: tuple[str, ...] = ()  # the text read (fitted), even when rejected
    error: MrzError | None = None
    quad: np.ndarray | None = None  # where the MRZ was found (frame coordinates)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    upside_down: bool = False  # the MRZ was read turned 180 degrees in the picture
    advice: Guidance | None = None  # what would help the next picture (MRZ_* codes)
    agreed: bool = False  # two differently prepared reads of this one picture agreed
    forced: int = 0  # characters the layout had to correct (a rejected read)
    # Characters the check digits mended (row, column, the character read before).
    mended: tuple[tuple[int, int, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.result is not None


Pads = tuple[float, float]  # margins of a cut around a candidate: along, across the text
_CUT: Pads = (0.04, 0.25)
_TALL_CUT: Pads = (0.04, 0.8)
_WIDE_CUT: Pads = (0.16, 0.25)
# A valid 2 x 36 read is checked against its block cut this much wider at each end (a
# share of its length: an MRV-A cut short at 36 characters lacks 8, 0.22 of 36), and
# counts as cut short when the wider cut's 44-character lines begin as the 36 read at
# this share of their positions (``MrzReader._cut_short``).
_LONG_PAD = 0.3
_SAME_PREFIX = 0.75
# Whether that check is made (switched off to measure what it costs and brings).
TRUNCATION_GUARD = True
# Past the first ``max_bands`` candidates, up to this many of the next ``EXTRA_POOL``
# (of a pitch of ``EXTRA_MIN_PITCH`` px or more and a score of ``EXTRA_MIN_SCORE`` or
# more) are read when their band, cut at ``EXTRA_SIZE`` px per character, splits into
# MRZ-shaped rows (``MrzReader._queue``); only when the first gave no near miss. On
# 1,250 reads, each MRZ so read was the first such candidate (scores 0.44-0.93): 2 of
# them cost the negatives 14 % more CPU, 1 of them 7-9 %, 1 of a score of 0.3 or more
# 4.6 % (``benchmarks/mrz.py``).
EXTRA_READS = 1
EXTRA_POOL = 8
EXTRA_SIZE = 10.0
EXTRA_ONLY_UNREAD = True
EXTRA_MIN_PITCH = 5.0
EXTRA_MIN_SCORE = 0.3
# When no cut of the closest miss passes on its own, the cuts' evidence is summed
# (``MrzReader._pooled``): at least ``POOL_MIN`` cuts of one shape whose characters stand
# where the sum's do (no more than ``POOL_DIFFER`` read otherwise), no more than a third
# of them reading otherwise a character no check digit covers; such a character then
# needs a summed margin of ``POOL_MARGIN`` (``POOL_SMALL_MARGIN`` for print under
# ``min_read_pitch``, enlarged before it is cut: its cuts misread alike). When those cuts
# do not decide, the band is cut at ``POOL_SIZES`` too. Calibrated on the 2,000 reads of
# ``benchmarks/mrz.py`` (2026-12-07): of the summed reads of bands of 8 px per character
# or more, none was wrong at any margin (and, on the 527 camera MRZs, none of 22,973
# characters no check digit covers was misread by a sum two thirds of the cuts agreed
# with); of tiny scans', 4 were wrong, at summed margins of 0 to 2. Camera frames: 501
# of 527 right at 3.0, 499 at 4.6, 501 at 2.3 (493 without the sum).
POOL_CUTS = True
POOL_MIN = 3
POOL_DIFFER = 4
POOL_SIZES: tuple[float, ...] = (18.0, 25.0)
POOL_MARGIN = 3.0
POOL_SMALL_MARGIN = 4.6
# Print under ``min_read_pitch`` px per character is enlarged to ``upsample_pitch``
# before it is cut; when its MRZ-shaped blocks (2 or 3 lines) read nothing that way, they
# are read again enlarged to each of these sizes (tiny scans: which enlargement lets the
# blurred blobs of 5-7 px print come apart into cells varies from scan to scan).
SMALL_SIZES: tuple[float, ...] = (10.0, 9.0)
# Then, when none of those read, they are read at each of these sizes by the glyph engine
# looking harder for lines (``GlyphEngine.rescue``: levelled, rows split at higher floors,
# rows whose characters do not come apart into blobs cut evenly over their extent). On the
# 65 tiny-scan misses of the 2,000 reads: 14 read right at the sizes above, 29 with these.
SMALL_RESCUE: tuple[float, ...] = (12.0, 10.0)
# Both only in pictures smaller than this across (px): scans and stills too small for a
# closer view. A camera frame (720 lines or more) with print that small is answered by
# the guidance (come closer), and its letters and payment slips, whose paragraphs make
# small 2-line blocks, cost 2-3 times the CPU read again (camera frames of seed 1, side
# by side: letters 193 -> 574 ms median, the 160 frames' p95 135 -> 149 ms).
SMALL_FRAME = 720
# Whether a failed check digit may be mended by swapping 'O' and '0' in several places
# (``MrzReader._mend_look_alikes``).
LOOK_ALIKE_MENDS = True
# Whether a confirming cut (``MrzReader._confirmed``) of print under ``min_read_pitch``
# that reads again the 'O' or '0' the check digits mended to its look-alike still confirms
# the read. The check digits tell the two apart (their values differ by 24 and no weight
# makes that a multiple of 10); print that small read 'O' for '0' reads it so at every
# size (tiny 35 of seed 1: '500304' read '5003O4' at 8 to 16 px per character, and
# refused).
CONFIRM_PAST_LOOK_ALIKES = True


class MrzReader:
    """Reads the MRZ of one frame (raw camera frame or straightened page)."""

    def __init__(
        self,
        engine: OcrEngine | None = None,
        *,
        today: dt.date | None = None,
        max_bands: int = 4,
        max_corrections: int = 3,
        read_pitch: float = 0.0,
        min_margin: float = 2.3,
        mend_margin: float = 2.3,
        min_pitch: float = 7.0,
        min_read_pitch: float = 8.0,
        upsample_pitch: float = 12.0,
        small_pitch: float = 12.0,
        small_size: float = 14.0,
    ) -> None:
        self.engine = engine or default_engine()
        self.today = today
        self.max_bands = max_bands
        # Bands are straightened to this pitch (px per character) before reading: what the
        # glyph classifier is trained around (0: the frame's own resolution).
        self.read_pitch = read_pitch
        # A character no check digit covers (names, codes, nationality, sex) read with a
        # margin under this (natural log of the odds against the runner-up) rejects the
        # read: nothing else would catch its misread.
        self.min_margin = min_margin
        # A failed check digit may be mended by a runner-up within this margin.
        self.mend_margin = mend_margin
        # Below this many px per character an MRZ is rarely read: ask for a closer view.
        self.min_pitch = min_pitch
        # Bands whose pitch is under ``min_read_pitch`` are enlarged to ``upsample_pitch``
        # before reading (cubic): the blobs of small print separate, so the cells are cut in
        # the right places (tiny scans, seed 1, 0-59: 52 % -> 65 % right).
        self.min_read_pitch = min_read_pitch
        self.upsample_pitch = upsample_pitch
        # More look-alike corrections than this in one read means the characters were
        # cut out wrong (a misaligned line): reject rather than trust the corrections.
        self.max_corrections = max_corrections
        # A 2- or 3-line block under ``small_pitch`` px per character (the locator's
        # estimate) that read nothing is cut once more, enlarged to ``small_size`` (a TD3
        # at 8.5 px per character under glare and a finger, cut 8 places off at its own
        # size, reads right at 14; only 1 of 25 camera misses gained, at 16-18 none more).
        self.small_pitch = small_pitch
        self.small_size = small_size

    def read(self, image: np.ndarray, *, read_pitch: float | None = None) -> MrzRead:
        """Read the MRZ of one picture (a frame, a scan, a photo of the page)."""
        t0 = time.perf_counter()
        # Grey once: every band is cut from it (a 1080p frame converted for each cut cost
        # 7 ms a time).
        image = _grey(image)
        pool = locate(image, max_candidates=self.max_bands + (EXTRA_POOL if EXTRA_READS else 0))
        cands = pool[: self.max_bands]
        t1 = time.perf_counter()
        read = self._read_pool(image, pool, read_pitch, t0, t1)
        if read.ok or read_pitch is not None:
            return read
        # Tiny print (under ``min_read_pitch``) enlarged to ``upsample_pitch`` whose
        # MRZ-shaped blocks read nothing: enlarged to other sizes, its blurred blobs
        # separate otherwise and its cells are cut elsewhere (``SMALL_SIZES``); then the
        # engine looks harder for its lines (``SMALL_RESCUE``).
        small = [
            c
            for c in cands
            if 0 < c.pitch < self.min_read_pitch and c.lines >= 2 and c.score > -0.2
        ]
        if min(image.shape[:2]) >= SMALL_FRAME:
            small = []  # a camera frame: the guidance asks for a closer view instead
        for size in SMALL_SIZES if small else ():
            again = self._read_pool(image, small, size, t0, t1)
            if again.ok:
                return again
        if small and SMALL_RESCUE and isinstance(self.engine, GlyphEngine):
            with self.engine.rescue():
                for size in SMALL_RESCUE:
                    again = self._read_pool(image, small, size, t0, t1)
                    if again.ok:
                        return again
        return replace(read, seconds=time.perf_counter() - t0) if small else read

    def _read_pool(
        self,
        image: np.ndarray,
        pool: list[Candidate],
        read_pitch: float | None,
        t0: float,
        t1: float,
    ) -> MrzRead:
        """The first read that passes, from the candidates of ``pool`` (``_queue``), or the
        reason none did."""
        cands = pool[: self.max_bands]
        first: MrzRead | None = None
        # The closest miss (MRZ-shaped lines that failed a check), cut again below.
        near: tuple[float, Candidate, bool, Pads, list[np.ndarray] | None] | None = None
        # (``near`` is looked up when the queue asks, after the first candidates: late
        # binding is what is meant.)
        for cand in self._queue(image, pool, lambda: near is None):  # noqa: B023
            shapeless = 0
            for flipped, band in self._bands(image, cand, read_pitch):
                read = self._read_band(band, cand.quad)
                scores = self.engine.log_probs()
                sure = self._accepted(image, cand, flipped, read, read_pitch)
                if sure is not None:
                    return self._found(sure, flipped, t0, t1)
                shapeless += read.error is not None and read.error.reason is Reason.WRONG_LENGTH
                miss = _miss_distance(read)
                if miss is not None and (near is None or miss < near[0]):
                    near = (miss, cand, flipped, _CUT, scores)
                if read.ok:  # valid, but a second cut read it otherwise
                    err = MrzError(Reason.BAD_FIELD, "a second cut of the band reads otherwise")
                    read = replace(read, result=None, error=err)
                if first is None or (not first.lines and read.lines):
                    first = read
            if (
                self.min_read_pitch <= cand.pitch < self.small_pitch
                and cand.lines >= 2
                and cand.score > -0.2
            ):
                # Small print whose MRZ-shaped block read nothing at its own size: enlarged,
                # its blobs separate and its cells may be cut in the right places.
                for flipped, band in self._bands(image, cand, self.small_size):
                    read = self._read_band(band, cand.quad)
                    sure = self._accepted(image, cand, flipped, read, self.small_size)
                    if sure is not None:
                        return self._found(sure, flipped, t0, t1)
            # (Weak blocks too: a steep TD1 whose third line was not found scores low.)
            if shapeless == 2 and cand.score > -0.2:
                # No MRZ-shaped lines either way up: the block may have lost a line (a TD1
                # seen as 2 lines) or been cut through one, or been found short of a line's
                # end (its last fillers faint, the check digits after them too short a
                # piece to be found). A taller cut, then a wider one, holds them.
                for pads in (_TALL_CUT, _WIDE_CUT):
                    for flipped, band in self._bands(image, cand, read_pitch, pads):
                        read = self._read_band(band, cand.quad)
                        scores = self.engine.log_probs()
                        sure = self._accepted(image, cand, flipped, read, read_pitch, pads)
                        if sure is not None:
                            return self._found(sure, flipped, t0, t1)
                        miss = _miss_distance(read)
                        if miss is not None and (near is None or miss < near[0]):
                            near = (miss, cand, flipped, pads, scores)
        if near is not None:
            # A near miss: the same band cut again at another size samples each character
            # differently; then, if it was cut at the usual width, a wider cut may hold a
            # line's last characters. The read must pass every check on its own.
            _miss, cand, flipped, pads, scores = near
            # Every cut's scores, summed below when no cut passes on its own.
            cuts = [scores] if scores is not None else []
            pitch = read_pitch if read_pitch is not None else self.read_pitch
            other = 22.0 if (pitch or cand.pitch) < 16 else 14.0
            # A third size as well: which sampling puts every cell on its character
            # varies from band to band (a TD1 at 20 px per character failed at 14, 18 and
            # 20 and read right at 16 and 22 or more; a TD2 at 10 px, at 14, 18 and 28).
            # Not for print under ``min_read_pitch``: enlarged small print misreads alike at
            # every size, and the confirming cut then agrees with the misread (a tiny scan
            # at 6 px per character, "LKA" read "LAA" at a third size and confirmed).
            third = 28.0 if other == 22.0 else 22.0
            retries: list[tuple[float | None, Pads]] = [(other, pads)]
            retries += [(third, pads)] if cand.pitch >= self.min_read_pitch else []
            retries += [(read_pitch, _WIDE_CUT)] if pads == _CUT else []
            sure = self._cut_again(image, cand, flipped, retries, cuts)
            if sure is not None:
                return self._found(sure, flipped, t0, t1)
            small = cand.pitch < self.min_read_pitch
            pooled = self._pooled(cuts, cand.quad, small) if POOL_CUTS else None
            if pooled is None and POOL_CUTS and not small:
                # Too few cuts agreeing to decide: more sizes, more evidence (each may
                # also pass on its own).
                more = [(size, pads) for size in POOL_SIZES]
                sure = self._cut_again(image, cand, flipped, more, cuts)
                if sure is not None:
                    return self._found(sure, flipped, t0, t1)
                pooled = self._pooled(cuts, cand.quad) if POOL_SIZES else None
            if pooled is not None and (
                not TRUNCATION_GUARD
                or len(pooled.lines[0]) != 36
                or self._cut_short(image, cand, flipped, pooled, read_pitch, pads) is pooled
            ):
                return self._found(pooled, flipped, t0, t1)
        t2 = time.perf_counter()
        error = (
            first.error if first is not None else MrzError(Reason.UNKNOWN_FORMAT, "no MRZ found")
        )
        lines = first.lines if first is not None else ()
        return MrzRead(
            None,
            lines,
            error,
            cands[0].quad if cands else None,
            t2 - t0,
            {"locate": t1 - t0, "read": t2 - t1},
            advice=self._advice(image, cands),
        )

    def _cut_again(
        self,
        image: np.ndarray,
        cand: Candidate,
        flipped: bool,
        attempts: Sequence[tuple[float | None, Pads]],
        cuts: list[list[np.ndarray]],
    ) -> MrzRead | None:
        """A near miss cut again at each ``(size, pads)`` of ``attempts``, the same way up:
        each cut's glyph scores added to ``cuts`` (summed later if none passes); the first
        read that passes on its own, or None."""
        for size, pads in attempts:
            for way, band in self._bands(image, cand, size, pads):
                if way != flipped:
                    continue
                read = self._read_band(band, cand.quad)
                scores = self.engine.log_probs()
                if scores is not None:
                    cuts.append(scores)
                sure = self._accepted(image, cand, flipped, read, size, pads)
                if sure is not None:
                    return sure
        return None

    def _queue(
        self, image: np.ndarray, pool: list[Candidate], unread: Callable[[], bool]
    ) -> Iterator[Candidate]:
        """The candidates to read, in order: the first ``max_bands``; then, if none of
        them gave a near miss (``unread``; asked when they have all been read), up to
        ``EXTRA_READS`` of the next ones whose band, cut small, splits into MRZ-shaped
        rows (no cell classified). A clear MRV-B whose two lines the locator found only
        as one tall box came 6th (camera 159 of seed 1). A 36-character read from such a
        block is still checked against a wider cut (``_cut_short``): an MRV-A found cut
        short, 6th, read as a valid MRV-B (photo 42 of seed 3)."""
        yield from pool[: self.max_bands]
        if not EXTRA_READS or (EXTRA_ONLY_UNREAD and not unread()):
            return
        left = EXTRA_READS
        for cand in pool[self.max_bands :]:
            if left == 0:
                return
            if (
                cand.pitch < EXTRA_MIN_PITCH
                or cand.score < EXTRA_MIN_SCORE
                or not isinstance(self.engine, GlyphEngine)
            ):
                continue
            bands = self._bands(image, cand, EXTRA_SIZE)
            if self.engine.line_grids(bands[0][1]) is not None:
                left -= 1
                yield cand

    def _accepted(
        self,
        image: np.ndarray,
        cand: Candidate,
        flipped: bool,
        read: MrzRead,
        read_pitch: float | None,
        pads: Pads = _CUT,
    ) -> MrzRead | None:
        """The read to accept from this cut of the candidate, or None: a valid read
        confirmed by a second cut (``_confirmed``) and, when its lines are 36 wide, not
        an MRV-A's 44-character lines cut short (``_cut_short``)."""
        if not read.ok or not self._confirmed(image, cand, flipped, read, read_pitch, pads):
            return None
        if TRUNCATION_GUARD and len(read.lines[0]) == 36:
            return self._cut_short(image, cand, flipped, read, read_pitch, pads)
        return read

    def _cut_short(
        self,
        image: np.ndarray,
        cand: Candidate,
        flipped: bool,
        read: MrzRead,
        read_pitch: float | None,
        pads: Pads,
    ) -> MrzRead | None:
        """A valid 2 x 36 read checked against the same block cut wider along its lines:
        a block found short of an MRV-A's last 8 characters (faint fillers under glare)
        reads as a valid MRV-B, since the first 28 characters of both formats' second
        lines hold the same fields and check digits and an MRV-A's line cut at 36 ends in
        its optional data, which no check digit covers (photo 42 of seed 3). When the
        wider cut's lines are 44 wide and begin as the 36 read, the read was cut short:
        the wider cut's own read is accepted if it passes every check, else none."""
        if not isinstance(self.engine, GlyphEngine):
            return read
        wider = (_LONG_PAD, pads[1])
        for way, band in self._bands(image, cand, read_pitch, wider):
            if way != flipped:
                continue
            found = self.engine.line_grids(band)
            if found is None or [len(g[0]) for g in found[1]] != [44, 44]:
                return read
            wide = self._read_band(band, cand.quad)
            if [len(x) for x in wide.lines] != [44, 44]:
                return read
            same = sum(
                a == b
                for short, long in zip(read.lines, wide.lines, strict=True)
                for a, b in zip(short, long[:36], strict=True)
            )
            if same < _SAME_PREFIX * 72:
                return read  # other cells beside the lines, not the rest of them
            if wide.ok and self._confirmed(image, cand, flipped, wide, read_pitch, wider):
                return wide
            return None
        return read

    def _confirmed(
        self,
        image: np.ndarray,
        cand: Candidate,
        flipped: bool,
        read: MrzRead,
        read_pitch: float | None,
        pads: Pads = _CUT,
    ) -> bool:
        """A valid read, checked against a second cut of the same band at another size
        (as tall as the first: a taller cut holds a line the default one cuts off):
        no character that no check digit would notice (``unchecked_positions`` and
        ``blind_positions``) may come out differently the second time. A systematic misread
        (glare over one character, a cell cut off-centre) rarely survives a change of
        sampling."""
        if read.result is None or not isinstance(self.engine, GlyphEngine):
            return read.result is not None
        pitch = read_pitch if read_pitch is not None else self.read_pitch
        other = 28.0 if (pitch or cand.pitch) < 22 else 16.0
        first = read.lines
        fmt = read.result.format
        for way, band in self._bands(image, cand, other, pads):
            if way != flipped:
                continue
            raw = self.engine.read_lines(band)
            scores = self.engine.log_probs()
            if scores is None or [len(x) for x in raw] != [len(x) for x in first]:
                return True  # no second opinion: the first read stands on its checks
            again = _decode_as(fmt, scores)
            unchecked = unchecked_positions(fmt, first)
            for row, col in unchecked + blind_positions(fmt, first):
                if again[row][col] == first[row][col]:
                    continue
                if (
                    CONFIRM_PAST_LOOK_ALIKES
                    and cand.pitch < self.min_read_pitch
                    and (row, col, again[row][col]) in read.mended
                    and _LOOK_ALIKE.get(again[row][col]) == first[row][col]
                ):
                    # The second cut of small print repeats the 'O' for '0' (or '0' for
                    # 'O') the check digits mended: OCR-B's two differ only by their
                    # width, and print that small misreads them alike at every size; no
                    # new evidence. (Larger print: the second cut's dissent stands, the
                    # one guard left against a swap that balanced a sure misread.)
                    continue
                if (row, col) not in unchecked and self._excluded(
                    first, row, col, again[row][col], scores[row][col]
                ):
                    continue
                return False  # the second cut reads another character there
        return True

    def _excluded(
        self, lines: Sequence[str], row: int, col: int, other: str, logp: np.ndarray
    ) -> bool:
        """Whether a second cut's dissent at a position a check digit covers speaks
        only against itself: ``other`` there would fail the check digits the first read
        passed (so it is no look-alike the digit is blind to: 'D' against '5' in a
        document number), and the second cut itself hesitated over it (margin under
        ``min_margin`` against the first read's character)."""
        if float(logp[MRZ_CHARS.index(other)] - logp[MRZ_CHARS.index(lines[row][col])]) >= (
            self.min_margin
        ):
            return False
        trial = list(lines)
        trial[row] = trial[row][:col] + other + trial[row][col + 1 :]
        try:
            parse_valid(trial, today=self.today)
        except MrzError as err:
            return err.reason is Reason.CHECK_DIGIT
        return False

    def _unsure(
        self,
        fmt: Format,
        lines: Sequence[str],
        scores: Sequence[np.ndarray],
        margin: float | None = None,
    ) -> tuple[int, int] | None:
        """The first character a misread of which nothing would catch, read with a margin
        under ``min_margin``: in the fields no check digit covers (names, codes,
        nationality, sex), against any other character the position may hold; in the
        letters-and-digits fields (document number, optional data), against the characters
        its check digit cannot tell it from (``0 A K U <``, ``1 B L V``...)."""
        need = self.min_margin if margin is None else margin
        kinds = position_kinds(fmt)
        vouched = self._sure_codes(fmt, lines, scores, need)
        for row, col in unchecked_positions(fmt, lines):
            if (row, col) in vouched:
                continue
            # The document code's first letter can only be one that opens an MRZ of this
            # shape (a TD1's 'I' against 'A' and 'C', not against 'T' or 'L'): a misread
            # among those must still be ruled out by the margin.
            mask = _SHAPE_CODE_MASKS[len(lines[0])] if (row, col) == (0, 0) else None
            if mask is None:
                mask = _KIND_MASKS[kinds[row][col]]
            if _margin(scores[row][col], lines[row][col], mask) < need:
                return row, col
        for row, col in blind_positions(fmt, lines):
            ch = lines[row][col]
            if _margin(scores[row][col], ch, _BLIND_MASKS[ch]) < need:
                return row, col
        return None

    def _sure_codes(
        self,
        fmt: Format,
        lines: Sequence[str],
        scores: Sequence[np.ndarray],
        margin: float | None = None,
    ) -> set[tuple[int, int]]:
        """Positions of the state and nationality codes read surely *as codes*: a known
        code (``known_codes``) likelier by ``min_margin`` than every other known code. Only
        some 270 of the 17,576 three-letter strings can stand there, so a letter the
        classifier hesitated over ('H' or 'M' in "HTI") is no doubt when its runner-up
        makes no code; a code misread as another code still has to win by the margin."""
        out: set[tuple[int, int]] = set()
        table = _code_table()
        for row, start in _CODE_FIELDS.get(fmt, ()):
            code = lines[row][start : start + 3]
            if code not in table[1]:
                continue
            lp = scores[row][start : start + 3]
            totals = lp[0, table[0][:, 0]] + lp[1, table[0][:, 1]] + lp[2, table[0][:, 2]]
            own = table[1][code]
            others = np.delete(totals, own)
            need = self.min_margin if margin is None else margin
            if others.size == 0 or float(totals[own] - others.max()) >= need:
                out |= {(row, start + k) for k in range(3)}
        return out

    def _found(self, read: MrzRead, flipped: bool, t0: float, t1: float) -> MrzRead:
        t2 = time.perf_counter()
        return replace(
            read,
            seconds=t2 - t0,
            timings={"locate": t1 - t0, "read": t2 - t1},
            upside_down=flipped,
            advice=Guidance.MRZ_UPSIDE_DOWN if flipped else None,
        )

    def read_still(self, image: np.ndarray) -> MrzRead:
        """Read a single still picture (a photo of the page, a scan), where no later frame
        can confirm the read: it is read twice, its band straightened at two different
        sizes, and accepted only if both reads agree (``agreed``)."""
        a = self.read(image)
        if not a.ok or a.result is None:
            return a
        b = self.read(image, read_pitch=28.0 if not self.read_pitch else self.read_pitch * 1.4)
        if b.result is None or b.result.identity() != a.result.identity():
            err = MrzError(Reason.BAD_FIELD, "two reads of the same picture disagree")
            return replace(a, result=None, error=err, agreed=False)
        return replace(a, agreed=True, seconds=a.seconds + b.seconds)

    def _advice(self, image: np.ndarray, cands: list[Candidate]) -> Guidance | None:
        """Why an MRZ-like band was not read, when the picture shows it: cut off by the
        picture's edge, too small, or under a reflection."""
        h, w = image.shape[:2]
        margin = 0.01 * min(w, h) + 2
        for cand in cands[:3]:
            if cand.score < 1.0:
                continue
            q = cand.quad
            if (
                (q[:, 0] < margin).any()
                or (q[:, 0] > w - margin).any()
                or ((q[:, 1] < margin).any() or (q[:, 1] > h - margin).any())
            ):
                return Guidance.MRZ_CUT
        # Small print merges its lines into one band, and glare cuts a band into pieces:
        # a weaker shape still says "MRZ" here.
        likely = [c for c in cands[:2] if c.score >= 1.5 or (c.lines == 0 and c.score > -0.5)]
        if not likely:
            return None
        best = likely[0]
        around = extract_band(image, best.quad, pad_x=0.5, pad_y=0.15)
        if float((around >= 253).mean()) > 0.02:
            return Guidance.MRZ_GLARE
        if 0 < best.pitch < self.min_pitch:
            return Guidance.MRZ_SMALL
        return None

    def _bands(
        self,
        image: np.ndarray,
        cand: Candidate,
        read_pitch: float | None = None,
        pads: Pads = _CUT,
    ) -> list[tuple[bool, np.ndarray]]:
        """The candidate's band straightened at the pitch the engine reads best, both ways
        up, the likelier way first (fillers '<' are light: a line's filler end is the lighter
        one, and it is on the right in every format)."""
        scale = 1.0
        pitch = self.read_pitch if read_pitch is None else read_pitch
        if cand.pitch > 0 and pitch:
            scale = float(np.clip(pitch / cand.pitch, 0.25, 4.0))
        elif 0 < cand.pitch < self.min_read_pitch:
            scale = float(min(self.upsample_pitch / cand.pitch, 4.0))
        crop = deslant(extract_band(image, cand.quad, scale=scale, pad_x=pads[0], pad_y=pads[1]))
        flipped = cv2.rotate(crop, cv2.ROTATE_180)
        third = max(1, crop.shape[1] // 3)
        ink_left = float(255 - crop[:, :third].mean())
        ink_right = float(255 - crop[:, -third:].mean())
        ways = [(False, crop), (True, flipped)]
        return ways if ink_left >= ink_right else ways[::-1]

    def read_band(self, band: np.ndarray) -> MrzRead:
        """Read an already cut-out, straight MRZ band."""
        t0 = time.perf_counter()
        read = self._read_band(_grey(band), None)
        return MrzRead(read.result, read.lines, read.error, None, time.perf_counter() - t0)

    def _pooled(
        self, cuts: list[list[np.ndarray]], quad: np.ndarray | None, small: bool = False
    ) -> MrzRead | None:
        """A read from the evidence of several cuts of one band at different sizes, when
        none passed on its own: each position's log-probabilities summed over the cuts,
        then read as one cut is (``_read_scored``), a character no check digit covers
        needing a summed margin of ``POOL_MARGIN``. The cuts summed are those of the
        commonest shape whose characters stand where the sum's do (at most
        ``POOL_DIFFER`` read otherwise: a cut one cell off is left out); at least
        ``POOL_MIN`` of them, and at most a third of them (one of three to five) may read
        otherwise a character no check digit covers. A name letter most cuts read right, but each with a margin
        under ``min_margin`` ('E' against 'F' under motion blur), is read this way."""
        shapes = [tuple(len(x) for x in c) for c in cuts]
        if not shapes:
            return None
        shape = max(set(shapes), key=shapes.count)
        same = [c for c, s in zip(cuts, shapes, strict=True) if s == shape]
        for _round in range(2):
            if len(same) < POOL_MIN:
                return None
            summed = [np.sum([c[row] for c in same], axis=0) for row in range(len(shape))]
            fmt = _format_of(summed)
            if fmt is None:
                return None
            lines = _decode_as(fmt, summed)
            decoded = [_decode_as(fmt, c) for c in same]
            differ = [
                sum(
                    a != b
                    for x, y in zip(each, lines, strict=True)
                    for a, b in zip(x, y, strict=True)
                )
                for each in decoded
            ]
            aligned = [c for c, d in zip(same, differ, strict=True) if d <= POOL_DIFFER]
            if len(aligned) == len(same):
                break
            same = aligned
        else:
            return None
        raw = ["".join(MRZ_CHARS[i] for i in logp.argmax(axis=1)) for logp in summed]
        read = self._read_scored(raw, summed, quad, POOL_SMALL_MARGIN if small else POOL_MARGIN)
        if read.result is None:
            return None
        fmt = read.result.format
        for row, col in unchecked_positions(fmt, read.lines):
            ch = read.lines[row][col]
            if sum(each[row][col] != ch for each in decoded) > max(1, len(decoded) // 3):
                return None
        return read

    def _read_band(self, band: np.ndarray, quad: np.ndarray | None) -> MrzRead:
        raw = self.engine.read_lines(band)
        scores = self.engine.log_probs()
        if scores is not None:
            return self._read_scored(raw, scores, quad)
        lines = fit_lines(raw)
        if lines is None:
            return MrzRead(
                None,
                tuple(clean_line(x) for x in raw),
                MrzError(Reason.WRONG_LENGTH, "no MRZ-shaped lines read"),
                quad,
            )
        try:
            result = parse_valid(lines, today=self.today)
        except MrzError as failed:
            return MrzRead(None, tuple(lines), failed, quad)
        # O and 0 differ only by their width in OCR-B: a page seen at an angle swaps them
        # often, and the layout puts each back (then the check digits decide). Other
        # corrections are the sign of a line cut out wrong.
        fixes = [c for c in result.corrections if {c.found, c.corrected} != {"O", "0"}]
        if len(fixes) > self.max_corrections:
            err = MrzError(Reason.BAD_FIELD, f"{len(fixes)} characters needed correcting")
            return MrzRead(None, tuple(lines), err, quad, forced=len(fixes))
        return MrzRead(result, tuple(lines), None, quad)

    def _read_scored(
        self,
        raw: list[str],
        scores: list[np.ndarray],
        quad: np.ndarray | None,
        margin: float | None = None,
    ) -> MrzRead:
        """A read whose engine scored every class at every position: each character is
        the likeliest one its position may hold (the layout says which: digits in dates,
        letters in names...), a failed check digit may be mended by one runner-up where
        the classifier hesitated, and the characters no check digit can vouch for must be
        read with a clear margin."""
        shape = [len(x) for x in raw]
        if shape not in ([30, 30, 30], [36, 36], [44, 44]):
            return MrzRead(
                None,
                tuple(raw),
                MrzError(Reason.WRONG_LENGTH, "no MRZ-shaped lines read"),
                quad,
            )
        fmt = _format_of(scores)
        if fmt is None:
            err = MrzError(Reason.UNKNOWN_FORMAT, "no known document code", "document_code")
            return MrzRead(None, tuple(raw), err, quad)
        lines = _decode_as(fmt, scores)
        # Many characters the layout forbids where they were read (other than O for 0):
        # the line was cut out wrong; reject rather than trust what the layout imposes.
        forced = sum(
            a != b and {a, b} != {"O", "0"}
            for r, d in zip(raw, lines, strict=True)
            for a, b in zip(r, d, strict=True)
        )
        if forced > self.max_corrections:
            err = MrzError(Reason.BAD_FIELD, f"{forced} characters needed correcting")
            return MrzRead(None, tuple(lines), err, quad, forced=forced)
        changes: tuple[tuple[int, int, str], ...] = ()
        try:
            result = parse_valid(lines, today=self.today)
        except MrzError as failed:
            mended = None
            if failed.reason is Reason.CHECK_DIGIT:
                mended = self._mend(fmt, lines, scores, margin)
                if mended is None and LOOK_ALIKE_MENDS:
                    mended = self._mend_look_alikes(fmt, lines, scores, margin)
            if mended is None:
                return MrzRead(None, tuple(lines), failed, quad)
            result, fixed = mended
            changes = tuple(
                (row, col, a)
                for row, (before, after) in enumerate(zip(lines, fixed, strict=True))
                for col, (a, b) in enumerate(zip(before, after, strict=True))
                if a != b
            )
            lines = fixed
        if result.format is not fmt:  # parse read it as another format (FR-ID / TD2)
            fmt = result.format
            lines = _decode_as(fmt, scores)
            if list(result.lines) != lines:
                err = MrzError(Reason.BAD_FIELD, "the layout is ambiguous")
                return MrzRead(None, tuple(lines), err, quad)
        unsure = self._unsure(fmt, lines, scores, margin)
        if unsure is not None:
            row, col = unsure
            err = MrzError(
                Reason.BAD_FIELD,
                f"line {row + 1}, column {col + 1} is unsure and no check digit would notice",
            )
            return MrzRead(None, tuple(lines), err, quad)
        return MrzRead(result, tuple(lines), None, quad, mended=changes)

    def _mend(
        self,
        fmt: Format,
        lines: list[str],
        scores: Sequence[np.ndarray],
        sure: float | None = None,
    ) -> tuple[MrzResult, list[str]] | None:
        """A read whose check digits fail, mended by putting one runner-up in place of a
        character the classifier hesitated over (margin under ``mend_margin``), in a field
        a check digit covers. Accepted only if exactly one such change makes every check
        pass, at most three characters hesitated, and every other character the check
        digits cover was read with a clear margin (``min_margin``: a second misread could
        make a wrong change pass)."""
        mend_margin = self.mend_margin if sure is None else sure
        min_margin = self.min_margin if sure is None else sure
        kinds = position_kinds(fmt)
        unchecked = set(unchecked_positions(fmt, lines))
        spans = [
            (row, col)
            for row, line in enumerate(lines)
            for col in range(len(line))
            if (row, col) not in unchecked
        ]
        options = []
        for row, col in spans:
            if (row, col) in unchecked:
                continue
            mask = _KIND_MASKS[kinds[row][col]]
            lp = scores[row][col]
            ch = lines[row][col]
            margin = _margin(lp, ch, mask)
            if margin < mend_margin:
                options.append((row, col, _runner_up(lp, ch, mask)))
            elif margin < min_margin:
                return None  # another doubtful character
        if not options or len(options) > 3:
            return None
        return self._only_passing(_changed(lines, [change]) for change in options)

    def _only_passing(self, trials: Iterable[list[str]]) -> tuple[MrzResult, list[str]] | None:
        """The one trial whose check digits all pass, parsed; None if none or several do
        (the check digits could not tell which change was right)."""
        good = []
        for trial in trials:
            try:
                good.append((parse_valid(trial, today=self.today), trial))
            except MrzError:
                continue
        return good[0] if len(good) == 1 else None

    def _mend_look_alikes(
        self,
        fmt: Format,
        lines: list[str],
        scores: Sequence[np.ndarray],
        sure: float | None = None,
    ) -> tuple[MrzResult, list[str]] | None:
        """A read whose check digits fail, mended by swapping 'O' and '0' where the
        classifier hesitated between just those two, in the letters-and-digits fields a
        check digit covers (document number, optional data: digits-only and letters-only
        fields take the one their kind allows before this, ``_decode_as``). OCR-B's 'O'
        and '0' differ only by their width, so a page seen at an angle swaps them, and
        sometimes in two fields at once (a document number and the optional data), which
        ``_mend``'s one change cannot put right. Every swap must be the runner-up, within
        ``LOOK_ALIKE_MARGIN`` (a cut whose cells fell a little wide reads a sure 'O':
        summed over 4 cuts, 6.2 against the right '0'); every other character the check
        digits cover must have been read with a clear margin (``min_margin``), so that the
        check digits judge the swaps alone; and exactly one set of at most
        ``_MAX_LOOK_ALIKES`` swaps must make every check pass. The risk is the one
        ``_mend`` takes: a sure misread elsewhere in the field that a swap happens to
        balance (simulated: about 1 check failure in 37 of that kind mended wrong, as
        with ``_mend``'s one change)."""
        swap_margin = LOOK_ALIKE_MARGIN
        min_margin = self.min_margin if sure is None else sure
        kinds = position_kinds(fmt)
        unchecked = set(unchecked_positions(fmt, lines))
        swaps: list[tuple[int, int, str]] = []
        for row, line in enumerate(lines):
            for col, ch in enumerate(line):
                if (row, col) in unchecked:
                    continue
                mask = _KIND_MASKS[kinds[row][col]]
                lp = scores[row][col]
                margin = _margin(lp, ch, mask)
                other = _LOOK_ALIKE.get(ch)
                if (
                    other is not None
                    and mask[MRZ_CHARS.index(other)]
                    and margin < swap_margin
                    and _runner_up(lp, ch, mask) == other
                ):
                    swaps.append((row, col, other))
                    continue
                if margin < min_margin:
                    return None  # another doubtful character
        if not swaps or len(swaps) > _MAX_LOOK_ALIKES:
            return None
        return self._only_passing(
            _changed(lines, chosen)
            for k in range(1, len(swaps) + 1)
            for chosen in itertools.combinations(swaps, k)
        )


def _runner_up(lp: np.ndarray, ch: str, mask: np.ndarray) -> str:
    """The character the classifier ranked next after ``ch``, among those ``mask`` allows."""
    masked = np.where(mask, lp, -np.inf)
    masked[MRZ_CHARS.index(ch)] = -np.inf
    return MRZ_CHARS[int(np.argmax(masked))]


def _changed(lines: Sequence[str], changes: Iterable[tuple[int, int, str]]) -> list[str]:
    """``lines`` with each (row, column, character) of ``changes`` put in place."""
    trial = list(lines)
    for row, col, ch in changes:
        trial[row] = trial[row][:col] + ch + trial[row][col + 1 :]
    return trial


# The look-alikes a failed check digit may swap (``MrzReader._mend_look_alikes``), at most
# how many at once, and how much less likely than the character read a swap may be.
_LOOK_ALIKE = {"O": "0", "0": "O"}
_MAX_LOOK_ALIKES = 2
LOOK_ALIKE_MARGIN = 7.0


def _miss_distance(read: MrzRead) -> float | None:
    """How far a rejected read of MRZ-shaped lines was from passing (lower is closer), or
    None when it is not worth cutting again: a character short of the margin, then a
    failed check digit, then a few characters the layout had to correct; many corrections
    mean the cells were cut wrong (or the band read the wrong way up)."""
    if read.error is None or not read.lines:
        return None
    if read.error.reason is Reason.CHECK_DIGIT:
        return 1.0
    if read.error.reason is Reason.BAD_FIELD:
        if read.forced == 0:
            return 0.0
        return 2.0 + read.forced if read.forced <= _MAX_NEAR_FORCED else None
    return None


_MAX_NEAR_FORCED = 8


def _blind_classes() -> dict[str, list[int]]:
    """For each character, the other characters the 7-3-1 check digits cannot tell it
    from (the same value modulo 10: 0 A K U <, 1 B L V, 2 C M W ...)."""
    from kiosk.domain.mrz import char_value

    return {
        c: [
            j
            for j, o in enumerate(MRZ_CHARS)
            if o != c and char_value(o) % 10 == char_value(c) % 10
        ]
        for c in MRZ_CHARS
    }


_BLIND = _blind_classes()
_BLIND_MASKS = {
    c: np.isin(np.arange(len(MRZ_CHARS)), [MRZ_CHARS.index(c), *others])
    for c, others in _BLIND.items()
}
_KIND_MASKS = {
    kind: np.array([allowed(kind, c) for c in MRZ_CHARS]) for kind in ("A", "N", "C", "D", "S", "X")
}
# The document codes each MRZ shape opens with (first character), and the format.
_CODES = {
    30: {"A": Format.TD1, "C": Format.TD1, "I": Format.TD1},
    36: {"V": Format.MRV_B, "I": Format.TD2, "A": Format.TD2, "C": Format.TD2, "P": Format.TD2},
    44: {"P": Format.TD3, "V": Format.MRV_A},
}
_CODE_MASKS = {
    fmt: np.array(
        [
            c in "".join(k for codes in _CODES.values() for k, f in codes.items() if f is fmt)
            for c in MRZ_CHARS
        ]
    )
    for fmt in Format
}
_CODE_MASKS[Format.FRENCH_ID] = np.array([c == "I" for c in MRZ_CHARS])
# The first letters an MRZ of each width may open with, whatever its format.
_SHAPE_CODE_MASKS = {
    width: np.array([c in codes for c in MRZ_CHARS]) for width, codes in _CODES.items()
}


# Where the issuing state and the nationality stand: (line, first column) by format.
_CODE_FIELDS = {
    Format.TD3: ((0, 2), (1, 10)),
    Format.MRV_A: ((0, 2), (1, 10)),
    Format.TD2: ((0, 2), (1, 10)),
    Format.MRV_B: ((0, 2), (1, 10)),
    Format.TD1: ((0, 2), (1, 15)),
    Format.FRENCH_ID: ((0, 2),),
}


@cache
def _code_table() -> tuple[np.ndarray, dict[str, int]]:
    """The known state codes as they are printed (padded with '<' to 3: "D<<"), as class
    indices (codes x 3), and each code's row."""
    codes = sorted({(c + "<<")[:3] for c in known_codes()})
    index = np.array([[MRZ_CHARS.index(ch) for ch in code] for code in codes], np.intp)
    return index, {code: k for k, code in enumerate(codes)}


def _margin(logp: np.ndarray, ch: str, mask: np.ndarray) -> float:
    """How much likelier ``ch`` was than the likeliest other character of ``mask`` (natural
    log of the odds; infinite when ``mask`` holds no other character)."""
    i = MRZ_CHARS.index(ch)
    others = np.where(mask, logp, -np.inf)
    others[i] = -np.inf
    return float(logp[i] - others.max())


def _format_of(scores: Sequence[np.ndarray]) -> Format | None:
    """The format of a read: its shape, and the likeliest document code the shape allows
    (the French identity card: "IDFRA" read as the likeliest letters)."""
    codes = _CODES.get(len(scores[0]))
    if codes is None or (len(scores) == 3) != (len(scores[0]) == 30):
        return None
    first = scores[0][0]
    code = max(codes, key=lambda c: first[MRZ_CHARS.index(c)])
    fmt = codes[code]
    if fmt is Format.TD2:
        letters = _KIND_MASKS["A"]
        head = "".join(
            MRZ_CHARS[int(np.argmax(np.where(letters, scores[0][k], -np.inf)))] for k in range(5)
        )
        if code + head[1:] == "IDFRA":
            return Format.FRENCH_ID
    return fmt


def _decode_as(fmt: Format, scores: Sequence[np.ndarray]) -> list[str]:
    """Each position's likeliest character among those the layout of ``fmt`` allows (the
    first, the document code's, among the codes that open ``fmt``)."""
    lines = []
    for row, (kinds, logp) in enumerate(zip(position_kinds(fmt), scores, strict=True)):
        masks = np.stack([_KIND_MASKS[k] for k in kinds])
        if row == 0:
            masks[0] = _CODE_MASKS[fmt]
        lines.append("".join(MRZ_CHARS[i] for i in np.where(masks, logp, -np.inf).argmax(axis=1)))
    # A state or nationality code read as no known code, hesitant letters away from one
    # ("AZE" read "AZI" under glare): the known code, when it costs less in all than the
    # margin one sure letter needs. It must then still beat every other known code by that margin
    # (``MrzReader._sure_codes``), or its letters count as unsure.
    table, index = _code_table()
    for row, start in _CODE_FIELDS.get(fmt, ()):
        code = lines[row][start : start + 3]
        if code in index or row >= len(scores) or start + 3 > len(scores[row]):
            continue
        lp = scores[row][start : start + 3]
        totals = lp[0, table[:, 0]] + lp[1, table[:, 1]] + lp[2, table[:, 2]]
        best = int(np.argmax(totals))
        own = sum(float(lp[k, MRZ_CHARS.index(ch)]) for k, ch in enumerate(code))
        if own - float(totals[best]) < _CODE_SWAP_COST:
            known = "".join(MRZ_CHARS[i] for i in table[best])
            lines[row] = lines[row][:start] + known + lines[row][start + 3 :]
    return lines


# How much less likely than the letters read a known code may be and still replace them.
_CODE_SWAP_COST = 2.3


class MrzTracker:
    """Accepts a reading only when the same valid reading was seen in ``agree`` of the last
    ``window`` frames, or at once from a still picture read twice in agreement. Reads whose check digits fail never count (they never reach here
    as results); frames without a read count as frames."""

    def __init__(self, agree: int = 2, window: int = 8) -> None:
        if not 1 <= agree <= window:
            raise ValueError("need 1 <= agree <= window")
        self.agree = agree
        self.window = window
        self._recent: deque[tuple[object, ...] | None] = deque(maxlen=window)
        self._results: dict[tuple[object, ...], MrzResult] = {}
        self.accepted: MrzResult | None = None

    def push(self, read: MrzRead | MrzResult | None) -> MrzResult | None:
        """Add one frame's outcome; returns the accepted result once there is one. A still
        picture read twice in agreement (``MrzReader.read_still``) counts as ``agree``
        frames: no other frame will come to confirm it."""
        result = read.result if isinstance(read, MrzRead) else read
        if result is not None and not result.valid:
            result = None  # never trust an invalid result, whoever built it
        if (
            isinstance(read, MrzRead)
            and read.agreed
            and result is not None
            and self.accepted is None
        ):
            self._recent.append(result.identity())
            self._results[result.identity()] = result
            self.accepted = result
            return self.accepted
        key = result.identity() if result is not None else None
        self._recent.append(key)
        if key is not None and result is not None:
            self._results[key] = result
        if self.accepted is None:
            counts = Counter(k for k in self._recent if k is not None)
            if counts:
                best, n = counts.most_common(1)[0]
                if n >= self.agree:
                    self.accepted = self._results[best]
        return self.accepted

    def reset(self) -> None:
        """Forget everything (next applicant, or a new document)."""
        self._recent.clear()
        self._results.clear()
        self.accepted = None


def char_height_px(quad: np.ndarray, columns: int) -> float:
    """Approximate MRZ character pitch in px from a band quad and the line width."""
    return float(np.linalg.norm(quad[1] - quad[0])) / max(1, columns) if len(quad) else math.nan
