"""The document scanner, frame by frame: find the page, straighten it, score it, guide.

Plain NumPy/OpenCV, no Qt: it runs on the task runner's CPU pool and in tests on images.

Per frame (``ScanPipeline.analyse``):

1. **Outline.** The frame is converted to grey and halved (``cv2.pyrDown``) until it is at
   most ``detect_max_width`` wide. Two detectors run on that small image: Canny edges
   (thresholds from Otsu's level) and Otsu's threshold itself (a light page on the kiosk's
   dark tray). In each, the external contours, largest first, are reduced to their convex
   hull and simplified with ``approxPolyDP``; the first convex quadrilateral covering at least
   ``min_page_area`` of the frame is a candidate; a contour that does not simplify to four
   points but fills its minimum-area rectangle (a card's rounded corners) gives that
   rectangle. The larger candidate wins.
2. **Straighten.** The page's width and height are the means of its opposite edges; the
   nearest known format (A4, ID-1, TD3) by aspect ratio, if within ``format_tolerance``,
   fixes the aspect. The grey page is warped to its own resolution in the frame (capped at
   ``analysis_max_side``): blur is measured in camera pixels, where it hurts reading.
3. **Scores.**
   - *sharpness*: the inverse of the median edge spread in px. At each edge pixel (a local
     maximum of the gradient where the 7x7 grey-level range is strong), a blurred step of
     height ``r`` with Gaussian spread ``s`` has gradient ``r / (s * sqrt(2 pi))``, so
     ``s = r / (g * sqrt(2 pi))``. Unlike the variance of the Laplacian, this does not
     depend on how much text the page carries, its contrast or its size in the frame.
     What counts as sharp is **calibrated per camera** (``Calibration``).
   - *glare*: the share of the page's pixels at or above ``glare_level``.
   - *brightness*: mean, 5th and 95th percentiles of the page's grey levels.
   - *coverage*: page area / frame area; *fill*: how close the page is to filling the frame
     in its limiting direction (1.0 = touches two opposite sides).
   - *motion*: the largest corner movement since the previous frame, in px.
4. **Verdict.** Every failing check gives a guidance code, in ``PRIORITY`` order; none
   gives ``OK``.

``AutoCapture`` takes the photo when ``frames_required`` consecutive verdicts are ``OK``
and the frame is about as sharp as the best one seen of this page; after a capture it
waits for the page to change (next page) before it captures again. Manual capture is
always possible. The captured page is warped in colour from the full-resolution frame.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import cv2
import numpy as np

from kiosk.scan.formats import FORMATS, PageFormat
from kiosk.scan.guidance import PRIORITY, Guidance

Corners = np.ndarray  # float32 (4, 2): top-left, top-right, bottom-right, bottom-left

_SQRT_2PI = math.sqrt(2 * math.pi)
_K3 = np.ones((3, 3), np.uint8)
_K7 = np.ones((7, 7), np.uint8)
_SPREAD_BINS = 160
_SPREAD_MAX = 5.0  # px: wider edges count as "very blurred"


@dataclass(frozen=True)
class ScanSettings:
    """Thresholds of the checks. Fractions are of the frame unless said otherwise."""

    detect_max_width: int = 640  # the outline is searched on a frame halved down to this
    min_page_area: float = 0.02  # smaller candidates are ignored (noise, a photo box)
    format_tolerance: float = 0.10  # relative aspect difference to snap to a known format
    analysis_max_side: int = 1024  # the page is scored at its own resolution, up to this
    # Coverage: the page's size relative to the largest that fits in the frame.
    min_fill: float = 0.5  # below: MOVE_CLOSER
    max_fill: float = 0.97  # above: MOVE_AWAY
    edge_margin: float = 0.008  # a corner this close to the frame's edge is "cut off"
    # Exposure, on the page's grey levels.
    dark_level: float = 100.0  # 95th percentile below: TOO_DARK (the paper is not white)
    bright_level: float = 250.0  # median above: TOO_MUCH_LIGHT (overexposed)
    glare_level: int = 253  # a pixel this bright is clipped (white paper is 230-250)
    max_glare: float = 0.01  # share of saturated page pixels above: TOO_MUCH_LIGHT
    # Stability: corners move less than this (fraction of the frame's diagonal) between
    # frames, for ``still_frames`` frames in a row.
    max_motion: float = 0.006
    still_frames: int = 3
    # Sharpness: at least this share of the camera's calibrated reference.
    min_sharpness_ratio: float = 0.8
    min_edges: int = 60  # fewer edge pixels: the page is too blurred to find its text


DEFAULT_SETTINGS = ScanSettings()

# Sharpness (1 / edge spread in px) of a good frame, before a camera is calibrated:
# measured on synthetic pages through a lens blur of 0.6 px, sensor noise and MJPG
# compression (edge spread ~1.05 px). A real camera replaces it after ``Calibration.frames``.
DEFAULT_SHARPNESS_REFERENCE = 0.95


class Calibration:
    """The sharpness a good frame has on *this* camera, at its usual distance.

    Until ``frames`` good frames (every other check passed) have been seen, the reference
    is the one given (a settings value, or one saved from an earlier run) or
    ``DEFAULT_SHARPNESS_REFERENCE``. Then it is the ``percentile`` of the sharpness of the
    last ``window`` good frames: a high percentile, so that a few blurred frames among them
    (a hand that moved, focus hunting) do not lower what "sharp" means.
    """

    def __init__(
        self,
        reference: float | None = None,
        *,
        frames: int = 30,
        window: int = 300,
        percentile: float = 80.0,
    ) -> None:
        if reference is not None and not 0 < reference < 10:
            raise ValueError(f"sharpness reference {reference} out of range")
        self.initial = reference
        self.frames = frames
        self.window = window
        self.percentile = percentile
        self._samples: deque[float] = deque(maxlen=window)
        self._learned: float | None = None

    @property
    def calibrated(self) -> bool:
        """True once the reference comes from this camera's own frames."""
        return self._learned is not None

    @property
    def reference(self) -> float:
        if self._learned is not None:
            return self._learned
        return self.initial if self.initial is not None else DEFAULT_SHARPNESS_REFERENCE

    def observe(self, sharpness: float) -> bool:
        """Record a good frame's sharpness; True when the reference has just been learned."""
        self._samples.append(sharpness)
        if len(self._samples) < self.frames:
            return False
        first = self._learned is None
        self._learned = float(np.percentile(np.fromiter(self._samples, float), self.percentile))
        return first

    def to_json(self) -> str:
        return json.dumps({"reference": round(self.reference, 4), "calibrated": self.calibrated})

    @classmethod
    def from_json(cls, text: str | None, **kwargs: float) -> Calibration:
        """A calibration starting from a saved reference (``None`` or junk: the default)."""
        try:
            reference = float(json.loads(text or "")["reference"])
        except (ValueError, KeyError, TypeError):
            return cls(**kwargs)  # type: ignore[arg-type]
        return cls(reference if 0 < reference < 10 else None, **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scores:
    sharpness: float  # 1 / edge spread in px (higher is sharper); 0 when no edge is found
    edge_spread: float  # median edge spread in px
    glare: float  # share of saturated page pixels
    brightness: float  # mean grey level of the page
    dark: float  # 5th percentile
    light: float  # 95th percentile
    coverage: float  # page area / frame area
    fill: float  # 1.0 = the page spans the frame in its limiting direction
    motion: float  # largest corner movement since the previous frame, px (inf: new page)


@dataclass(frozen=True)
class FrameVerdict:
    codes: tuple[Guidance, ...]  # failing checks in PRIORITY order, or (OK,)
    frame_size: tuple[int, int]  # (width, height)
    corners: Corners | None = None  # in frame px
    page_format: PageFormat | None = None  # None: no known format matched
    page_size: tuple[int, int] | None = None  # (width, height) of the page in frame px
    scores: Scores | None = None
    sharpness_threshold: float = 0.0
    still: bool = False

    @property
    def ok(self) -> bool:
        return self.codes == (Guidance.OK,)

    @property
    def guidance(self) -> Guidance:
        """The one thing to tell the applicant now."""
        return self.codes[0]


# --- geometry ------------------------------------------------------------------------
def order_corners(points: np.ndarray) -> Corners:
    """Four points in the order top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(points, np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise on screen (y points down)
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def quad_size(corners: Corners) -> tuple[float, float]:
    """(width, height) of a quadrilateral: the means of its opposite edges."""
    tl, tr, br, bl = corners
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return float(width), float(height)


def classify_format(
    width: float, height: float, formats: Sequence[PageFormat] = FORMATS, tolerance: float = 0.1
) -> PageFormat | None:
    """The format of ``formats`` nearest to the page's aspect ratio, if within ``tolerance``
    (relative). A4 (1.414) and a passport page (1.420) cannot be told apart by shape:
    formats this close count as equal and the order of ``formats`` says which to expect."""
    if min(width, height) <= 0:
        return None
    aspect = max(width, height) / min(width, height)
    distances = [abs(math.log(aspect / f.aspect)) for f in formats]
    within = [(d, i) for i, d in enumerate(distances) if d <= math.log1p(tolerance)]
    if not within:
        return None
    nearest = min(d for d, _ in within)
    return formats[min(i for d, i in within if d <= nearest + 0.015)]


def output_size(
    width: float, height: float, page_format: PageFormat | None, long_side: int
) -> tuple[int, int]:
    """(width, height) of the straightened page with ``long_side`` px on its long side,
    in the measured orientation, with the format's aspect ratio when one matched."""
    aspect = (
        page_format.aspect if page_format else max(width, height) / max(1.0, min(width, height))
    )
    short = max(1, round(long_side / aspect))
    return (long_side, short) if width >= height else (short, long_side)


def _quad_from_contour(contour: np.ndarray, min_area: float) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    hull_area = cv2.contourArea(hull)
    if hull_area < min_area:
        return None
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.02, 0.035, 0.05):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4 and cv2.isContourConvex(approx):
            return approx.reshape(4, 2).astype(np.float32)
        if len(approx) < 4:
            break
    # Fallback: rounded corners or a clipped corner. Accept the minimum-area rectangle
    # if the shape fills it well.
    rect = cv2.minAreaRect(hull)
    rect_area = rect[1][0] * rect[1][1]
    if rect_area > 0 and hull_area / rect_area > 0.9:
        return cv2.boxPoints(rect).astype(np.float32)
    return None


def _largest_quad(mask: np.ndarray, min_area: float) -> np.ndarray | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contours = sorted(contours, key=cv2.contourArea, reverse=True)[:4]
    for contour in contours:
        if cv2.contourArea(contour) < min_area * 0.5:
            break
        quad = _quad_from_contour(contour, min_area)
        if quad is not None:
            return quad
    return None


def _stands_out(grey: np.ndarray, quad: np.ndarray, min_contrast: float) -> bool:
    """A page differs from what surrounds it: a quad whose inside is no lighter or darker
    than its outside is a pattern of the tray, not a page."""
    mask = np.zeros(grey.shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad).astype(np.int32), 255)
    inside_share = cv2.countNonZero(mask) / mask.size
    inside = cv2.mean(grey, mask)[0]
    if inside_share > 0.9:  # the page fills the view: it must at least look like paper
        return inside > 2 * min_contrast + 60
    outside = cv2.mean(grey, cv2.bitwise_not(mask))[0]
    return abs(inside - outside) >= min_contrast


def _shrink(quad: np.ndarray, px: float) -> np.ndarray:
    """``quad`` with each corner moved ``px`` towards the inside on both of its edges."""
    centre = quad.mean(axis=0)
    direction = centre - quad
    norms = np.linalg.norm(direction, axis=1, keepdims=True)
    return (quad + direction / np.maximum(norms, 1e-6) * px * math.sqrt(2)).astype(np.float32)


def find_page(
    small_grey: np.ndarray, min_area_fraction: float = 0.02, min_contrast: float = 20.0
) -> Corners | None:
    """The page's corners in ``small_grey``'s px (ordered), or None."""
    h, w = small_grey.shape[:2]
    min_area = min_area_fraction * w * h
    smooth = cv2.GaussianBlur(small_grey, (5, 5), 0)
    hist = cv2.calcHist([smooth], [0], None, [256], [0, 256]).ravel()
    otsu, binary = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    high = max(30.0, float(otsu))
    edges = cv2.dilate(cv2.Canny(smooth, high * 0.5, high), _K3)
    candidates = [_largest_quad(edges, min_area)]
    if candidates[0] is not None:  # the dilation moved the outline out by a pixel
        candidates[0] = _shrink(candidates[0], 1.0)
    # Otsu's split is only meaningful when the grey levels form two groups (page, tray).
    levels = np.arange(256)
    t = int(otsu) + 1
    dark_n, light_n = hist[:t].sum(), hist[t:].sum()
    if dark_n > 0 and light_n > 0:
        gap = hist[t:] @ levels[t:] / light_n - hist[:t] @ levels[:t] / dark_n
        if gap >= 2 * min_contrast:
            binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, _K3, iterations=2)
            candidates.append(_largest_quad(binary, min_area))
    found = [c for c in candidates if c is not None and _stands_out(smooth, c, min_contrast)]
    if not found:
        return None
    best = max(found, key=lambda q: cv2.contourArea(q.reshape(-1, 1, 2)))
    return order_corners(best)


# --- scores --------------------------------------------------------------------------
def edge_spread(page_grey: np.ndarray, min_edges: int = 60) -> float | None:
    """Median spread (Gaussian sigma, px) of the page's strong edges; None if too few."""
    gx = cv2.Sobel(page_grey, cv2.CV_32F, 1, 0, scale=0.125)
    gy = cv2.Sobel(page_grey, cv2.CV_32F, 0, 1, scale=0.125)
    magnitude = cv2.magnitude(gx, gy)
    local_range = cv2.morphologyEx(page_grey, cv2.MORPH_GRADIENT, _K7)
    hist = cv2.calcHist([page_grey], [0], None, [256], [0, 256]).ravel()
    p5, p95 = _percentile(hist, 0.05), _percentile(hist, 0.95)
    _, strong = cv2.threshold(local_range, max(20.0, 0.4 * (p95 - p5)), 255, cv2.THRESH_BINARY)
    peak = cv2.compare(magnitude, cv2.dilate(magnitude, _K3), cv2.CMP_GE)
    mask = cv2.bitwise_and(strong, peak)
    spread = cv2.divide(local_range.astype(np.float32), magnitude * _SQRT_2PI + 1e-3)
    counts = cv2.calcHist([spread], [0], mask, [_SPREAD_BINS], [0, _SPREAD_MAX]).ravel()
    total = float(counts.sum())
    if total < min_edges:
        return None
    median_bin = int(np.searchsorted(np.cumsum(counts), total / 2))
    return (median_bin + 0.5) * _SPREAD_MAX / _SPREAD_BINS


def _percentile(hist: np.ndarray, q: float) -> float:
    cumulative = np.cumsum(hist)
    return float(np.searchsorted(cumulative, q * cumulative[-1]))


def _to_grey(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return frame
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def warp(image: np.ndarray, corners: Corners, size: tuple[int, int], *, cubic: bool = False):
    """``image``'s quadrilateral ``corners`` mapped onto a ``size`` (w, h) rectangle."""
    w, h = size
    target = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(np.asarray(corners, np.float32), target)
    flags = cv2.INTER_CUBIC if cubic else cv2.INTER_LINEAR
    return cv2.warpPerspective(image, matrix, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)


# --- the pipeline --------------------------------------------------------------------
class ScanPipeline:
    """Analyses frames one after the other (it remembers the last corners for the
    stability check): one instance per camera stream, used by one thread at a time."""

    def __init__(
        self,
        settings: ScanSettings = DEFAULT_SETTINGS,
        calibration: Calibration | None = None,
        formats: Sequence[PageFormat] = FORMATS,
    ) -> None:
        self.settings = settings
        self.calibration = calibration or Calibration()
        self.formats = tuple(formats)
        self._previous: Corners | None = None
        self._still_count = 0

    def reset(self) -> None:
        """Forget the previous frame (a new page, or the camera restarted)."""
        self._previous = None
        self._still_count = 0

    def analyse(self, frame: np.ndarray) -> FrameVerdict:
        s = self.settings
        fh, fw = frame.shape[:2]
        grey = _to_grey(frame)
        small, scale = grey, 1.0
        while small.shape[1] > s.detect_max_width:
            small = cv2.pyrDown(small)
            scale *= 2.0
        found = find_page(small, s.min_page_area)
        threshold = self.calibration.reference * s.min_sharpness_ratio
        if found is None:
            self.reset()
            hist = cv2.calcHist([small], [0], None, [256], [0, 256]).ravel()
            dark = _percentile(hist, 0.95) < s.dark_level * 0.6
            code = Guidance.TOO_DARK if dark else Guidance.NO_PAGE
            return FrameVerdict((code,), (fw, fh), sharpness_threshold=threshold)
        corners = (found * scale).astype(np.float32)
        width, height = quad_size(corners)
        page_format = classify_format(width, height, self.formats, s.format_tolerance)

        # Motion since the previous frame.
        if self._previous is None:
            motion = math.inf
        else:
            motion = float(np.max(np.linalg.norm(corners - self._previous, axis=1)))
        self._previous = corners
        if motion <= s.max_motion * math.hypot(fw, fh):
            self._still_count += 1
        else:
            self._still_count = 0
        still = self._still_count >= s.still_frames

        # The straightened grey page, at its own resolution (capped).
        k = min(1.0, s.analysis_max_side / max(width, height, 1.0))
        size = output_size(width, height, page_format, max(8, round(max(width, height) * k)))
        page = warp(grey, corners, size)
        inset = max(1, round(0.04 * min(size)))
        inner = page[inset:-inset, inset:-inset]
        hist = cv2.calcHist([inner], [0], None, [256], [0, 256]).ravel()
        n = float(hist.sum())
        glare = float(hist[s.glare_level :].sum() / n)
        brightness = float(np.dot(hist, np.arange(256)) / n)
        p5, p50, p95 = (_percentile(hist, q) for q in (0.05, 0.5, 0.95))
        spread = edge_spread(inner, s.min_edges)
        sharpness = 0.0 if spread is None else 1.0 / spread

        coverage = cv2.contourArea(corners.reshape(-1, 1, 2)) / float(fw * fh)
        xs, ys = corners[:, 0], corners[:, 1]
        fill = max((xs.max() - xs.min()) / fw, (ys.max() - ys.min()) / fh)
        margin = s.edge_margin * max(fw, fh)
        touch_left, touch_right = xs.min() <= margin, xs.max() >= fw - 1 - margin
        touch_top, touch_bottom = ys.min() <= margin, ys.max() >= fh - 1 - margin

        codes: set[Guidance] = set()
        if (touch_left and touch_right) or (touch_top and touch_bottom) or fill > s.max_fill:
            codes.add(Guidance.MOVE_AWAY)
        elif touch_left or touch_right or touch_top or touch_bottom:
            codes.add(Guidance.NOT_WHOLE)
        elif fill < s.min_fill:
            codes.add(Guidance.MOVE_CLOSER)
        if p95 < s.dark_level:
            codes.add(Guidance.TOO_DARK)
        if glare > s.max_glare or p50 > s.bright_level:
            codes.add(Guidance.TOO_MUCH_LIGHT)
        if not still:
            codes.add(Guidance.HOLD_STILL)
        elif sharpness < threshold:
            codes.add(Guidance.BLURRY)
        if not codes or codes == {Guidance.BLURRY}:
            # Framing, light and stillness are right: this frame tells what this camera's
            # sharpness is (blurred ones included: the calibration takes a high percentile).
            self.calibration.observe(sharpness)
        ordered = tuple(c for c in PRIORITY if c in codes) or (Guidance.OK,)
        scores = Scores(
            sharpness=sharpness,
            edge_spread=spread if spread is not None else math.inf,
            glare=glare,
            brightness=brightness,
            dark=p5,
            light=p95,
            coverage=coverage,
            fill=float(fill),
            motion=motion,
        )
        return FrameVerdict(
            ordered,
            (fw, fh),
            corners=corners,
            page_format=page_format,
            page_size=(round(width), round(height)),
            scores=scores,
            sharpness_threshold=threshold,
            still=still,
        )


# --- capture -------------------------------------------------------------------------
@dataclass(frozen=True)
class OutputSpec:
    """Resolution of a captured page: the camera's own, upscaled at most ``max_upscale``
    times towards ``target_long_side``, never above ``max_long_side`` (A4 at 300 dpi)."""

    target_long_side: int = 1600
    max_long_side: int = 2480
    max_upscale: float = 2.0

    def long_side(self, measured: float) -> int:
        wanted = max(measured, min(self.target_long_side, measured * self.max_upscale))
        return max(16, round(min(wanted, self.max_long_side)))


class CaptureMode(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


@dataclass
class CapturedPage:
    image: np.ndarray  # the straightened page, BGR
    corners: Corners | None  # where it was in the frame (None: the whole frame)
    page_format: PageFormat | None
    mode: CaptureMode
    verdict: FrameVerdict | None = None

    def clear(self) -> None:
        """Overwrite the pixels (privacy: nothing lingers in memory after a wipe)."""
        self.image.fill(0)


def straighten(
    frame: np.ndarray,
    corners: Corners,
    page_format: PageFormat | None,
    output: OutputSpec = OutputSpec(),
) -> np.ndarray:
    """The page, in colour, straightened at the resolution ``output`` asks for."""
    width, height = quad_size(corners)
    long_side = output.long_side(max(width, height))
    size = output_size(width, height, page_format, long_side)
    upscale = long_side > max(width, height)
    # A hair inside the outline: no sliver of the tray along the page's edges.
    inner = _shrink(np.asarray(corners, np.float32), max(1.0, 0.003 * max(width, height)))
    return warp(frame, inner, size, cubic=upscale)


def _thumbnail(frame: np.ndarray, corners: Corners | None) -> np.ndarray:
    grey = _to_grey(frame)
    if corners is None:
        return cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    return warp(grey, corners, (32, 32)).astype(np.float32)


@dataclass
class CaptureStep:
    """What ``AutoCapture.feed`` saw and did with one frame."""

    verdict: FrameVerdict
    captured: CapturedPage | None = None
    progress: float = 0.0  # 0..1 towards an automatic capture


@dataclass
class AutoCapture:
    """Takes the photo by itself when every check passes for ``frames_required`` frames
    in a row, on a frame at least ``peak_ratio`` as sharp as the best one seen of this page.

    After a capture it is *waiting for a change*: the next automatic capture needs the page
    to leave the view, or another page (different content) to replace it: showing page 2
    after page 1 must not photograph page 1 again. ``rearm()`` (retake) lifts that.
    """

    pipeline: ScanPipeline = field(default_factory=ScanPipeline)
    frames_required: int = 5
    peak_ratio: float = 0.9
    change_threshold: float = 18.0  # mean grey difference of 32x32 thumbnails
    output: OutputSpec = field(default_factory=OutputSpec)
    enabled: bool = True

    def __post_init__(self) -> None:
        self._extra_frames = 0  # after a retake: hold a little longer before the next photo
        self._ok_count = 0
        self._best_sharpness = 0.0
        self._waiting_for_change = False
        self._last_thumbnail: np.ndarray | None = None

    @property
    def waiting_for_change(self) -> bool:
        return self._waiting_for_change

    def feed(self, frame: np.ndarray) -> CaptureStep:
        verdict = self.pipeline.analyse(frame)
        scores = verdict.scores
        if scores is None:
            self._ok_count = 0
            self._best_sharpness = 0.0
            self._waiting_for_change = False  # the page left: the next one may be taken
            return CaptureStep(verdict)
        if not verdict.still:
            self._best_sharpness = 0.0  # a page that moved is a new view of it
        self._best_sharpness = max(self._best_sharpness, scores.sharpness)
        if self._waiting_for_change:
            if verdict.still and self._changed(frame, verdict.corners):
                self._waiting_for_change = False
            else:
                self._ok_count = 0
                return CaptureStep(verdict)
        if not verdict.ok or not self.enabled:
            self._ok_count = 0
            return CaptureStep(verdict)
        self._ok_count += 1
        required = self.frames_required + self._extra_frames
        progress = min(1.0, self._ok_count / required)
        if (
            self._ok_count >= required
            and scores.sharpness >= self.peak_ratio * self._best_sharpness
        ):
            page = self._take(frame, verdict, CaptureMode.AUTO)
            return CaptureStep(verdict, page, 1.0)
        return CaptureStep(verdict, progress=min(progress, 0.95))

    def capture(self, frame: np.ndarray, verdict: FrameVerdict | None = None) -> CapturedPage:
        """The manual button: the page as found in ``frame`` (or in ``verdict``), or the
        whole frame when no page is found."""
        if verdict is None or verdict.corners is None:
            verdict = self.pipeline.analyse(frame)
        return self._take(frame, verdict, CaptureMode.MANUAL)

    def _take(self, frame: np.ndarray, verdict: FrameVerdict, mode: CaptureMode) -> CapturedPage:
        self._ok_count = 0
        self._extra_frames = 0
        self._waiting_for_change = True
        self._last_thumbnail = _thumbnail(frame, verdict.corners)
        if verdict.corners is None:
            image = frame.copy() if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
            return CapturedPage(image, None, None, mode, verdict)
        image = straighten(frame, verdict.corners, verdict.page_format, self.output)
        return CapturedPage(image, verdict.corners.copy(), verdict.page_format, mode, verdict)

    def _changed(self, frame: np.ndarray, corners: Corners | None) -> bool:
        if self._last_thumbnail is None:
            return True
        now = _thumbnail(frame, corners)
        return float(np.mean(np.abs(now - self._last_thumbnail))) > self.change_threshold

    def rearm(self, extra_frames: int = 0) -> None:
        """Retake: the same page may be captured again, after ``extra_frames`` more OK
        frames than usual (time to straighten the page or move a finger)."""
        self._extra_frames = extra_frames
        self._waiting_for_change = False
        self._ok_count = 0
        self._best_sharpness = 0.0
        self.pipeline.reset()

    def clear(self) -> None:
        """Forget everything about the pages seen (end of session)."""
        self.rearm()
        if self._last_thumbnail is not None:
            self._last_thumbnail.fill(0)
        self._last_thumbnail = None
