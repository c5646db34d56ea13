"""Colour measurements on rendered pixels (NumPy arrays of H x W x 3 sRGB bytes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QImage

_S = np.arange(256, dtype=np.float64) / 255.0
# sRGB channel value -> linear light, the WCAG 2.x formula, as a lookup table.
_LINEAR = np.where(_S <= 0.04045, _S / 12.92, ((_S + 0.055) / 1.055) ** 2.4)
# Each channel's share of the luminance, weighted once for the 256 values: the very
# products ``luminance`` would compute pixel by pixel (the same floating-point values).
_R, _G, _B = 0.2126 * _LINEAR, 0.7152 * _LINEAR, 0.0722 * _LINEAR
# ``_R[r] + _G[g]`` for each (r, g), indexed by ``r << 8 | g`` (a key shifted right by
# 8 bits): one lookup, and the same sum, for the first two terms (512 KB).
_RG = (_R[:, None] + _G[None, :]).ravel()


def to_array(image: QImage) -> np.ndarray:
    """``image`` as an H x W x 3 uint8 RGB array (C-contiguous, a copy of its pixels)."""
    img = image.convertToFormat(QImage.Format.Format_RGB888)  # Qt's own fast conversion
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    if w == 0 or h == 0:
        return np.zeros((h, w, 3), np.uint8)
    raw = np.frombuffer(img.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)
    return raw[:, : w * 3].reshape(h, w, 3).copy()  # rows may be padded to 4 bytes


def to_keys(image: QImage) -> np.ndarray:
    """``colour_keys(to_array(image))``, straight from the 0xffRRGGBB words of the
    image's RGB32 form (no per-channel arithmetic)."""
    w, h = image.width(), image.height()
    if w == 0 or h == 0:
        return np.zeros((h, w), np.uint32)
    if image.format() == QImage.Format.Format_ARGB32_Premultiplied:
        # The grab of a widget that does not paint its whole background (a scroll page).
        # Where every pixel is opaque, Qt's conversion to RGB32 leaves each word as it is
        # (un-premultiplying by an alpha of 255 changes nothing): its keys are read
        # straight from the image, without that conversion (~3 ms for a page).
        words = _words(image)
        if bool((words >= np.uint32(0xFF000000)).all()):
            return words & np.uint32(0xFFFFFF)
    img = image.convertToFormat(QImage.Format.Format_RGB32)  # no-op for a window's grab
    return _words(img) & np.uint32(0xFFFFFF)  # a new array: the image may go


def _words(img: QImage) -> np.ndarray:
    """The H x W 32-bit pixels of ``img`` (a 32-bit format), a view on its memory."""
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    words = np.frombuffer(img.constBits(), np.uint32, count=bpl // 4 * h).reshape(h, bpl // 4)
    return words[:, :w]


def to_array_and_keys(image: QImage) -> tuple[np.ndarray, np.ndarray]:
    """``(to_array(image), to_keys(image))`` from one conversion: the keys are the
    image's 0xffRRGGBB words with the alpha byte cleared, and the H x W x 3 RGB array is
    a view on their bytes (B, G, R, 0 in memory on a little-endian machine, read
    backwards), not a second converted copy of the image."""
    keys = to_keys(image)
    if not np.little_endian or keys.size == 0:
        return to_array(image), keys
    h, w = keys.shape
    return keys.view(np.uint8).reshape(h, w, 4)[..., 2::-1], keys


def colour_keys(rgb: np.ndarray) -> np.ndarray:
    """Each pixel's colour as one integer 0xRRGGBB (same shape without the channels)."""
    return (
        (rgb[..., 0].astype(np.int32) << 16)
        | (rgb[..., 1].astype(np.int32) << 8)
        | rgb[..., 2].astype(np.int32)
    )


def luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of each pixel (0 black .. 1 white)."""
    return _R[rgb[..., 0]] + _G[rgb[..., 1]] + _B[rgb[..., 2]]


def key_luminance(keys: np.ndarray) -> np.ndarray:
    """``luminance`` of pixels given as colour keys (0xRRGGBB): the same values, without
    going through an RGB array."""
    return _RG[keys >> 8] + _B[keys & 255]


def ratio(l1: np.ndarray | float, l2: np.ndarray | float) -> np.ndarray:
    """WCAG contrast ratio between luminances (element-wise), 1 .. 21."""
    a, b = np.maximum(l1, l2), np.minimum(l1, l2)
    return (a + 0.05) / (b + 0.05)


def hex_colour(rgb: np.ndarray | tuple[int, int, int]) -> str:
    r, g, b = (int(v) for v in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def _mode_key(keys: np.ndarray) -> int:
    flat = keys.ravel()
    # A colour covering more than half of the pixels is the mode: the first pixel (the
    # corner of a crop, its background as a rule) is counted first, in one pass, before
    # sorting every pixel to count them all.
    first = flat[0]
    if 2 * int(np.count_nonzero(flat == first)) > flat.size:
        return int(first)
    values, counts = np.unique(flat, return_counts=True)
    return int(values[np.argmax(counts)])


def _key_lum(key: int) -> float:
    """``luminance`` of one colour key, as a float (the same value)."""
    return float(_RG[key >> 8] + _B[key & 255])


def _rgb(key: int) -> np.ndarray:
    return np.array([(key >> 16) & 255, (key >> 8) & 255, key & 255], np.uint8)


def _background_key(keys: np.ndarray) -> int:
    """The dominant colour (from every third pixel of a large crop: it dominates)."""
    sample = keys[::3, ::3] if keys.shape[0] * keys.shape[1] > 4000 else keys
    return _mode_key(sample.ravel())


def dominant_colour(crop: np.ndarray) -> str:
    """The most frequent colour of an H x W x 3 crop (a button's fill), as #rrggbb."""
    return hex_colour(_rgb(_background_key(colour_keys(crop))))


def _not_background(
    crop: np.ndarray, keys: np.ndarray | None
) -> tuple[np.ndarray, float, np.ndarray]:
    """The background colour, its luminance and the mask of the pixels of another
    colour (the only ones that can contrast with it: the others' luminance is not
    computed)."""
    if keys is None:
        keys = colour_keys(crop)
    key = _background_key(keys)
    bg = _rgb(key)
    return bg, _key_lum(key), keys != key


@dataclass(frozen=True)
class TextColours:
    foreground: str
    background: str
    ratio: float
    ink_pixels: int


def text_colours(
    crop: np.ndarray, min_ink: int = 6, keys: np.ndarray | None = None
) -> TextColours | None:
    """Foreground and background of the text drawn in ``crop``, or None if nothing is drawn.

    The background is the dominant colour. The foreground is the most frequent colour
    among the pixels that contrast most with it (the cores of the glyph strokes, not their
    anti-aliased edges): the pixels within 80 % of the strongest contrast found.
    ``keys`` (``colour_keys(crop)``, e.g. a view on a whole rendering's) saves computing it.
    """
    if crop.size == 0:
        return None
    if keys is None:
        keys = colour_keys(crop)
    bg, bg_lum, other = _not_background(crop, keys)
    pixels = keys[other]  # every pixel not of the background's exact colour (its key)
    if len(pixels) < min_ink:
        return None
    contrast = ratio(key_luminance(pixels), bg_lum)
    ink = contrast > 1.15
    n_ink = int(ink.sum())
    if n_ink < min_ink:
        return None
    cmax = float(contrast[ink].max())
    strong = contrast >= 1.0 + (cmax - 1.0) * 0.8
    fg_key = _mode_key(pixels[strong])
    value = float(ratio(_key_lum(fg_key), bg_lum))
    return TextColours(hex_colour(_rgb(fg_key)), hex_colour(bg), value, n_ink)


def ink_span(crop: np.ndarray, keys: np.ndarray | None = None) -> tuple[int, int] | None:
    """First and last column holding ink (pixels contrasting >= 1.5:1 with the dominant
    colour), or None."""
    if crop.size == 0:
        return None
    if keys is None:
        keys = colour_keys(crop)
    _bg, bg_lum, other = _not_background(crop, keys)
    cols_any = other.any(axis=0)
    if not cols_any.any():
        return None
    ink = np.zeros(other.shape, bool)  # the background's own pixels: a ratio of 1
    ink[other] = ratio(key_luminance(keys[other]), bg_lum) >= 1.5
    cols = np.nonzero(ink.any(axis=0))[0]
    if cols.size == 0:
        return None
    return int(cols[0]), int(cols[-1])


def edge_contrast(inner: np.ndarray, outer: np.ndarray) -> tuple[float, str, str]:
    """Contrast between two strips of pixels (a border and what is just outside it), from
    their median colours."""
    a = np.median(inner.reshape(-1, 3), axis=0).astype(np.uint8)
    b = np.median(outer.reshape(-1, 3), axis=0).astype(np.uint8)
    value = float(ratio(float(luminance(a)), float(luminance(b))))
    return value, hex_colour(a), hex_colour(b)


def pixel_change(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Contrast ratio between each pixel of two renderings of the same region (1 where
    nothing changed: the luminance of only the pixels that did is computed). ``a`` and
    ``b``: H x W x 3 RGB arrays, or H x W colour keys (``to_keys``)."""
    if a.ndim == 2:
        return key_change(a, b)
    out = np.ones(a.shape[:2])
    diff = (a != b).any(axis=-1)
    if diff.any():
        out[diff] = ratio(luminance(a[diff]), luminance(b[diff]))
    return out


def key_change(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``pixel_change`` of two renderings given as colour keys."""
    out = np.ones(a.shape)
    diff = a != b
    if diff.any():
        out[diff] = ratio(key_luminance(a[diff]), key_luminance(b[diff]))
    return out


OUTLINE_RATIO = 3.0  # a focus indicator's pixels change by at least this contrast


@dataclass(frozen=True)
class Outline:
    """How the focused rendering differs from the unfocused one around a widget."""

    sides: dict[str, float]  # side -> share of samples with >= 2 px changed at >= 3:1
    thickness: int  # smallest number of changed pixels across the band, over all samples
    contrast: float  # median contrast of the changed pixels (focused vs unfocused)

    def ok(self, share: float = 0.8) -> bool:
        return bool(self.sides) and all(v >= share for v in self.sides.values())


def outline(
    focused: np.ndarray,
    unfocused: np.ndarray,
    rect: tuple[int, int, int, int],
    sides: tuple[str, ...],
    *,
    outside: int = 8,
    inside: int = 3,
    corner: int = 8,
    step: int = 3,
    min_ratio: float = OUTLINE_RATIO,
    change: np.ndarray | None = None,
    changed: np.ndarray | None = None,
    contrast: float | None = None,
) -> Outline:
    """Measure a focus indicator: ``rect`` = (x0, y0, x1, y1) of the widget in the arrays
    (x1, y1 exclusive); for each side in ``sides``, lines across the band from ``outside``
    px outside to ``inside`` px inside the edge count the pixels whose colour changed by
    at least ``min_ratio`` between the two renderings.

    ``change`` (``pixel_change(focused, unfocused)``), ``changed`` (``change >=
    min_ratio``) and ``contrast`` (``changed_contrast(change, changed)``): computed once
    by a caller measuring the sides of one rendering one by one."""
    h, w = focused.shape[:2]
    if change is None:
        change = pixel_change(focused, unfocused)
    if changed is None:
        changed = change >= min_ratio
    x0, y0, x1, y1 = rect
    shares: dict[str, float] = {}
    thinnest = 10**6
    for side in sides:
        if side in ("top", "bottom"):
            edge = y0 if side == "top" else y1 - 1
            lo, hi = (
                (edge - outside, edge + inside)
                if side == "top"
                else (edge - inside, edge + outside)
            )
            lo, hi = max(lo, 0), min(hi + 1, h)
            xs = [x for x in range(x0 + corner, x1 - corner, step) if 0 <= x < w]
            counts = changed[lo:hi, xs].sum(axis=0)  # one count per sampled column
        else:
            edge = x0 if side == "left" else x1 - 1
            lo, hi = (
                (edge - outside, edge + inside)
                if side == "left"
                else (edge - inside, edge + outside)
            )
            lo, hi = max(lo, 0), min(hi + 1, w)
            ys = [y for y in range(y0 + corner, y1 - corner, step) if 0 <= y < h]
            counts = changed[ys, lo:hi].sum(axis=1)  # one count per sampled row
        if counts.size == 0:
            continue
        shares[side] = int((counts >= 2).sum()) / counts.size
        thinnest = min(thinnest, int(counts.min()))
    if contrast is None:
        contrast = changed_contrast(change, changed)
    return Outline(shares, 0 if thinnest == 10**6 else thinnest, contrast)


def changed_contrast(change: np.ndarray, changed: np.ndarray) -> float:
    """The median contrast of the changed pixels (``Outline.contrast``), 1 if none."""
    return float(np.median(change[changed])) if changed.any() else 1.0
