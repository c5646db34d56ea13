"""Where is the MRZ? Candidate bands in a frame or scan, scored by how much they look like
a machine-readable zone, best first. Reading (and its check digits) decides in the end:
``kiosk.devices.mrz_reader.MrzReader`` reads the candidates in this order and stops at the
first valid one.

How (multi-scale morphology, then line grouping):

1. **Pyramid.** The grey image is halved until it is at most ``max_side`` px on its long
   side, then halved again level after level. At every level the same small kernels look
   for text whose character pitch is about 3.5-8 px there, so the levels together cover
   pitches from about 4 px (small scans) to 60 px and more (close-ups) in the original.
2. **Text lines.** A black-hat (dark print smaller than the kernel, lifted off any light
   background: guilloche, gradients, glare's halo), a threshold relative to the level's
   strongest print, then a closing along one direction joins the characters of a line into
   one component. Four directions, 45 degrees apart (horizontal, vertical and both
   diagonals), each keeping lines within 25 degrees of its own: a page turned any way,
   with 15 degrees of skew and 30 of perspective on top, has its lines in one of them
   (180 and 270 are the same lines read the other way). Each component's minimum-area
   rectangle is a *line*.
3. **MRZ blocks.** Lines that are parallel, of the same length and height, one above the
   other at the spacing of MRZ lines, make a block of 2 or 3 lines; two such lines twice
   that spacing apart make a 3-line block whose middle line was not found (merged by
   blur, or under glare). A component tall enough to hold 2-3 merged lines (small scans,
   blur) is a block too.
4. **MRZ-likeness.** A block scores by how close its shape is to an MRZ: characters per
   line (length over height: 30, 36 or 44), equal lengths, line spacing, aligned starts,
   and the evenness of its ink along each line (a fixed pitch and '<' fillers give an even
   comb, proportional print does not). Printed lines such as "PASSPORT OFFICE" are short
   or single; paragraphs of a letter are many lines, not 2 or 3 alone.

Qt-free, NumPy and OpenCV only. About 5-15 ms of CPU for a 1080p frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

# Characters per line of each MRZ, by number of lines.
_WIDTHS = {2: (36, 44), 3: (30,)}
_LINE_SPACING = (1.0, 2.6)
# A block of 2-3 parallel lines of one length is MRZ-like enough to be given a wider
# tolerance on its characters per line than a lone line: blur and glare swell the
# lines' height (a TD2 at 25 degrees under glare came 5th with 1.35).
_GROUP_TOLERANCE = 1.5  # baseline distance / character height, generous for blur
_MIN_LEVEL_SIDE = 64


@dataclass(frozen=True)
class Line:
    """One text line at a pyramid level, in original image coordinates."""

    centre: tuple[float, float]
    length: float  # along the text
    height: float  # across it
    angle: float  # radians, direction of the text (mod pi)
    box: np.ndarray  # 4 x 2 float32 corners


@dataclass(frozen=True)
class Candidate:
    """A likely MRZ: its quad (TL, TR, BR, BL along the text, frame coordinates), how many
    lines it seems to hold (0: unknown), its pitch estimate in px and its score (higher is
    more MRZ-like)."""

    quad: np.ndarray
    lines: int
    pitch: float
    score: float


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


# The directions text lines are looked for in (radians): every 45 degrees, each pass
# keeping lines within 25 degrees of its own, so that any turn of the page is covered (a
# page turned 90 degrees plus 15 of skew and 30 of perspective has its lines at 45-75).
_DIRECTIONS = (0.0, math.pi / 4, math.pi / 2, 3 * math.pi / 4)


@cache
def _kernels(direction: float) -> tuple[np.ndarray, np.ndarray]:
    """The closing element that joins a line's characters along ``direction`` and the small
    opening element across it that cuts thin bridges (a line touching a printed rule)."""
    if direction == 0.0:
        return cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)), np.ones((2, 1), np.uint8)
    if direction == math.pi / 2:
        return cv2.getStructuringElement(cv2.MORPH_RECT, (1, 9)), np.ones((1, 2), np.uint8)
    diagonal = np.eye(7, dtype=np.uint8)  # down and to the right on screen: 45 degrees
    across = np.fliplr(np.eye(2, dtype=np.uint8))
    if direction > math.pi / 2:
        return np.ascontiguousarray(np.fliplr(diagonal)), np.eye(2, dtype=np.uint8)
    return diagonal, np.ascontiguousarray(across)


def _lines_at_level(
    img: np.ndarray, scale: float, direction: float, mask: np.ndarray
) -> list[Line]:
    """Text lines along one ``direction`` at one pyramid level (``scale``: level px per
    original px); ``mask`` is the level's thresholded black-hat."""
    close, bridge = _kernels(direction)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, close)
    closed = cv2.morphologyEx(closed, cv2.MORPH_OPEN, bridge)
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out: list[Line] = []
    for contour in contours:
        if len(contour) < 5:
            continue
        _x, _y, w, h = cv2.boundingRect(contour)
        if max(w, h) < 28:
            continue
        (cx, cy), (rw, rh), deg = cv2.minAreaRect(contour)
        long, short = max(rw, rh), min(rw, rh)
        if short < 2.0 or long < 40 or long / short < 3.5 or short > 40:
            continue
        area = cv2.contourArea(contour)
        if area < 0.4 * rw * rh:
            continue
        angle = math.radians(deg) if rw >= rh else math.radians(deg + 90)
        angle = angle % math.pi
        # Keep to the direction this pass looks for (+-25 degrees).
        if _angle_diff(angle, direction) > math.radians(25):
            continue
        box = cv2.boxPoints(((cx, cy), (rw, rh), deg)) / scale
        out.append(Line((cx / scale, cy / scale), long / scale, short / scale, angle, box))
    return out


def _text_mask(img: np.ndarray) -> np.ndarray:
    bh = cv2.morphologyEx(
        img, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (11, 11))
    )
    hist = cv2.calcHist([bh], [0], None, [256], [0, 256]).ravel()
    hi = float(np.searchsorted(np.cumsum(hist), 0.997 * bh.size))
    if hi < 12:
        return np.zeros_like(img)
    otsu, _ = cv2.threshold(bh, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    level = max(0.3 * hi, min(float(otsu), 0.6 * hi), 10.0)
    _, mask = cv2.threshold(bh, level, 255, cv2.THRESH_BINARY)
    return mask


def find_lines(image: np.ndarray, *, max_side: int = 1000) -> list[Line]:
    """Text lines at every pyramid level, both directions."""
    grey = _grey(image)
    scale = 1.0
    level = grey
    while max(level.shape) > max_side:
        level = cv2.pyrDown(level)
        scale /= 2
    found: list[Line] = []
    while min(level.shape) >= _MIN_LEVEL_SIDE:
        mask = _text_mask(level)
        for direction in _DIRECTIONS:
            found += _lines_at_level(level, scale, direction, mask)
        level = cv2.pyrDown(level)
        scale /= 2
    return _join_pieces(_distinct(found))


def _join_pieces(lines: list[Line]) -> list[Line]:
    """Pieces of one line found apart (a run of light '<' fillers after the darker text,
    a gap under glare) joined into one: collinear, the same height, a small gap."""
    lines = list(lines)
    changed = True
    while changed:
        changed = False
        for i in range(len(lines)):
            for j in range(i + 1, len(lines)):
                a, b = lines[i], lines[j]
                if _angle_diff(a.angle, b.angle) > math.radians(4):
                    continue
                if not 0.6 < b.height / a.height < 1.6:
                    continue
                u = _unit(a.angle)
                n = np.array([-u[1], u[0]])
                d = np.array(b.centre) - np.array(a.centre)
                h = max(a.height, b.height)
                if abs(float(d @ n)) > 0.45 * h:
                    continue
                along = float(d @ u)
                gap = abs(along) - (a.length + b.length) / 2
                if gap > 2.5 * h or gap < -0.3 * min(a.length, b.length):
                    continue
                lo = min(-a.length / 2, along - b.length / 2)
                hi = max(a.length / 2, along + b.length / 2)
                centre = np.array(a.centre) + u * (lo + hi) / 2
                length = hi - lo
                height = (a.height * a.length + b.height * b.length) / (a.length + b.length)
                half_u, half_n = u * length / 2, n * height / 2
                box = np.array(
                    [centre - half_u - half_n, centre + half_u - half_n,
                     centre + half_u + half_n, centre - half_u + half_n], np.float32
                )  # fmt: skip
                lines[i] = Line((float(centre[0]), float(centre[1])), length, height, a.angle, box)
                del lines[j]
                changed = True
                break
            if changed:
                break
    return lines


def _distinct(lines: list[Line]) -> list[Line]:
    """One of each line (the same line is found at two or three levels)."""
    kept: list[Line] = []
    for line in sorted(lines, key=lambda ln: -ln.length):
        c = np.array(line.centre)
        if not any(
            math.hypot(c[0] - k.centre[0], c[1] - k.centre[1]) < 0.5 * min(k.height, line.height)
            and 0.85 < line.length / k.length < 1.18
            and _angle_diff(line.angle, k.angle) < math.radians(4)
            for k in kept
        ):
            kept.append(line)
    return kept


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return math.hypot(float(a[0]) - float(b[0]), float(a[1]) - float(b[1]))


def _unit(angle: float) -> np.ndarray:
    return np.array([math.cos(angle), math.sin(angle)], np.float64)


def _angle_diff(a: float, b: float) -> float:
    d = abs(a - b) % math.pi
    return min(d, math.pi - d)


def _block_quad(lines: list[Line]) -> np.ndarray:
    """The quad around ``lines``, following each end line's own direction (perspective
    makes MRZ lines converge a little). Which way is up is left to the reader."""
    u = _unit(lines[0].angle)
    n = np.array([-u[1], u[0]])
    lines = sorted(lines, key=lambda ln: float(np.dot(ln.centre, n)))
    first, last = lines[0], lines[-1]

    def ends(line: Line, side: float) -> tuple[np.ndarray, np.ndarray]:
        d = _unit(line.angle)
        if np.dot(d, u) < 0:
            d = -d
        nn = np.array([-d[1], d[0]])
        if np.dot(nn, n) < 0:
            nn = -nn
        c = np.array(line.centre)
        edge = c + nn * side * line.height / 2
        return edge - d * line.length / 2, edge + d * line.length / 2

    # The block spans the union of its lines along the text (a line may be found shorter
    # than the others: its fillers faint, or cut by glare).
    lo = min(float(np.dot(np.array(ln.centre), u)) - ln.length / 2 for ln in lines)
    hi = max(float(np.dot(np.array(ln.centre), u)) + ln.length / 2 for ln in lines)

    def stretch(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = (q - p) / max(float(np.linalg.norm(q - p)), 1e-6)
        a = p + d * (lo - float(np.dot(p, u))) / max(float(np.dot(d, u)), 1e-6)
        b = p + d * (hi - float(np.dot(p, u))) / max(float(np.dot(d, u)), 1e-6)
        return a, b

    tl, tr = stretch(*ends(first, -1))
    bl, br = stretch(*ends(last, +1))
    return _order(np.array([tl, tr, br, bl], np.float32), keep_quad=True)


def _shape_score(n_lines: int, length: float, height: float, tolerance: float = 1.35) -> float:
    """How close a block's characters per line (length / character height) come to an
    MRZ's: 1 at an exact width, 0 at ``tolerance`` times more or less."""
    per_char = length / max(height, 1e-6)
    best = min(abs(math.log(per_char / (w * 1.0))) for w in _WIDTHS[n_lines])
    return max(0.0, 1.0 - best / math.log(tolerance))


def group_blocks(lines: list[Line]) -> list[Candidate]:
    """Blocks of 2-3 parallel lines spaced like an MRZ, and tall single components that
    may be merged blocks, scored by shape."""
    lines = sorted(lines, key=lambda ln: -ln.length)
    cands: list[Candidate] = []
    n = len(lines)
    centres = np.array([ln.centre for ln in lines], np.float64).reshape(-1, 2)
    for i in range(n):
        a = lines[i]
        u = _unit(a.angle)
        # One sense for all the lines near a's direction, so that "below" means the same
        # for each of them: an angle is known modulo 180 degrees, and a line at 179.8 and
        # one at 0.0 would otherwise each see the other above itself (and pair with none).
        if (u[0] < 0) if abs(u[0]) >= abs(u[1]) else (u[1] < 0):
            u = -u
        nrm = np.array([-u[1], u[0]])
        partners: list[tuple[float, Line]] = []
        skips: list[Line] = []
        for j in range(n):
            if j == i:
                continue
            b = lines[j]
            if _angle_diff(a.angle, b.angle) > math.radians(6):
                continue
            if not 0.8 < b.length / a.length < 1.25 or not 0.6 < b.height / a.height < 1.6:
                continue
            d = centres[j] - centres[i]
            across = float(d @ nrm)
            along = float(d @ u)
            h = (a.height + b.height) / 2
            if abs(along) > 0.12 * a.length:
                continue
            if _LINE_SPACING[0] * h <= abs(across) <= _LINE_SPACING[1] * h:
                partners.append((across, b))
            elif across > 0 and _LINE_SPACING[1] * h < across <= 2 * _LINE_SPACING[1] * h:
                skips.append(b)  # two lines apart: a 3-line MRZ whose middle line was lost
        # The line with its neighbours above and below, nearest first.
        above = sorted((p for p in partners if p[0] < 0), key=lambda p: -p[0])
        below = sorted((p for p in partners if p[0] > 0), key=lambda p: p[0])
        groups: list[list[Line]] = []
        if below:
            groups.append([a, below[0][1]])
            if len(below) > 1:
                pass
        if above and below:
            groups.append([above[0][1], a, below[0][1]])
        if not below and skips:
            # The first and last lines of a TD1 (its middle line merged with them by blur,
            # or lost under glare): a 3-line block spanning both, scored a little lower.
            b = min(skips, key=lambda ln: float((np.array(ln.centre) - centres[i]) @ nrm))
            length = (a.length + b.length) / 2
            shape = _shape_score(3, length, (a.height + b.height) / 2)
            if shape > 0:
                evenness = 1.0 - abs(a.length - b.length) / max(a.length, b.length)
                score = 2.0 * shape + evenness - 0.4 * len(above) - 0.6
                cands.append(Candidate(_block_quad([a, b]), 3, length / 30, score))
        for group in groups:
            lengths = [ln.length for ln in group]
            heights = [ln.height for ln in group]
            length, height = float(np.mean(lengths)), float(np.median(heights))
            shape = _shape_score(len(group), length, height, _GROUP_TOLERANCE)
            evenness = 1.0 - (max(lengths) - min(lengths)) / max(lengths)
            # Extra lines right next to the block (text above or below it) count against.
            crowd = len(above) + len(below) - (len(group) - 1)
            score = 2.0 * shape + evenness - 0.4 * max(0, crowd)
            quad = _block_quad(group)
            cands.append(
                Candidate(
                    quad, len(group), length / _per_line(len(group), shape, length, height), score
                )
            )
        # A tall component: several lines merged (blur, small print).
        ratio = a.length / a.height
        if 4.0 <= ratio <= 16.0:
            for k in (2, 3):
                line_h = a.height / (k * 1.55 - 0.55)
                shape = _shape_score(k, a.length, line_h)
                if shape > 0:
                    cands.append(
                        Candidate(_order(a.box), 0, a.length / (_WIDTHS[k][0]), 1.5 * shape - 0.3)
                    )
        # A single line alone may be the only one found of an MRZ: its block is around it.
        if not groups:
            shape = max(_shape_score(2, a.length, a.height), _shape_score(3, a.length, a.height))
            if shape > 0.3:
                cands.append(Candidate(_grow(a), 0, a.length / 40, 0.8 * shape - 0.5))
    return _dedupe(cands)


def _per_line(k: int, shape: float, length: float, height: float) -> float:
    per_char = length / max(height, 1e-6)
    return float(min(_WIDTHS[k], key=lambda w: abs(math.log(per_char / w))))


def _order(box: np.ndarray, keep_quad: bool = False) -> np.ndarray:
    """TL, TR, BR, BL of a rectangle (or a convex quad in order), the long side as the top
    edge, upright if the text is within 90 degrees of upright."""
    pts = box.astype(np.float32)
    edges = [_dist(pts[(i + 1) % 4], pts[i]) for i in range(4)]
    start = (
        int(np.argmax(edges))
        if not keep_quad
        else int(np.argmax([edges[0] + edges[2], edges[1] + edges[3]] * 2))
    )
    seq = [pts[(start + i) % 4] for i in range(4)]
    if seq[1][0] < seq[0][0]:
        seq = [seq[2], seq[3], seq[0], seq[1]]
    if _clockwise(np.array(seq)) < 0:  # keep the page's handedness: never a mirror image
        seq = [seq[0], seq[3], seq[2], seq[1]]
        seq = [seq[1], seq[0], seq[3], seq[2]]
    return np.array(seq, np.float32)


def _clockwise(quad: np.ndarray) -> float:
    """Positive when ``quad`` runs clockwise on screen (y down)."""
    x, y = quad[:, 0], quad[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _grow(line: Line) -> np.ndarray:
    """A line's box grown across the text to hold the lines next to it."""
    q = _order(line.box)
    c = q.mean(axis=0)
    across = (q[3] - q[0]) * 2.2
    top_mid, bottom_mid = c - across / 2, c + across / 2
    half = (q[1] - q[0]) / 2
    return np.array(
        [top_mid - half, top_mid + half, bottom_mid + half, bottom_mid - half], np.float32
    )


def _dedupe(cands: list[Candidate]) -> list[Candidate]:
    cands = sorted(cands, key=lambda c: -c.score)
    kept: list[Candidate] = []
    for c in cands:
        cc = c.quad.mean(axis=0)
        size = _dist(c.quad[1], c.quad[0])
        dup = False
        for k in kept:
            kc = k.quad.mean(axis=0)
            ksize = _dist(k.quad[1], k.quad[0])
            if _dist(cc, kc) < 0.1 * max(size, ksize) and 0.8 < size / max(ksize, 1e-6) < 1.25:
                dup = True
                break
        if not dup:
            kept.append(c)
    return kept


def locate(image: np.ndarray, *, max_candidates: int = 6) -> list[Candidate]:
    """The likeliest MRZ blocks of ``image``, best first."""
    lines = find_lines(image)
    return group_blocks(lines)[:max_candidates]
