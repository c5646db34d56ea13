"""The scanner pipeline on synthetic frames: outline, straightening, every check, the
guidance it gives, calibration and automatic capture."""

from __future__ import annotations

import math
from functools import cache

import cv2
import numpy as np
import pytest

from kiosk.scan import synthetic as syn
from kiosk.scan.formats import A4, ID1, TD3, PageFormat
from kiosk.scan.guidance import Guidance
from kiosk.scan.pipeline import (
    DEFAULT_SHARPNESS_REFERENCE,
    AutoCapture,
    Calibration,
    CaptureMode,
    FrameVerdict,
    OutputSpec,
    ScanPipeline,
    classify_format,
    order_corners,
    quad_size,
)

HD = (1280, 720)
FULL_HD = (1920, 1080)


def camera(frame: np.ndarray, seed: int = 0) -> np.ndarray:
    """What a real camera adds: lens blur, sensor noise, MJPG compression."""
    noisy = syn.noise(syn.blur(frame, 0.6), 3, seed)
    ok, data = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


@cache
def _page(page_format: PageFormat, long_side: int, seed: int) -> np.ndarray:
    return syn.render_page(page_format, long_side, seed)


def shot(
    size: tuple[int, int] = HD,
    page_format: PageFormat = A4,
    *,
    seed: int = 1,
    **placement: float | tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    page = _page(page_format, max(size), seed)
    frame, corners = syn.scene(size, page_format, page=page, seed=seed, **placement)  # type: ignore[arg-type]
    return camera(frame, seed), corners


def settle(pipeline: ScanPipeline, frame: np.ndarray, times: int = 4) -> FrameVerdict:
    """The verdict once the page has been still for a few frames."""
    verdict = pipeline.analyse(frame)
    for _ in range(times - 1):
        verdict = pipeline.analyse(frame)
    return verdict


# --- geometry ------------------------------------------------------------------------
def test_order_corners_whatever_the_input_order() -> None:
    square = np.array([[10, 10], [110, 12], [108, 90], [12, 88]], np.float32)
    rng = np.random.default_rng(0)
    for _ in range(10):
        shuffled = square[rng.permutation(4)]
        assert np.array_equal(order_corners(shuffled), square)


def test_classify_format_by_aspect_ratio_in_either_orientation() -> None:
    assert classify_format(210, 297) is A4
    assert classify_format(297, 210) is A4
    assert classify_format(856, 540) is ID1
    assert classify_format(100, 100) is None
    # A4 and a passport page have the same shape: the expected one, listed first, wins.
    assert classify_format(125, 88, (TD3, A4)) is TD3
    assert classify_format(125, 88, (A4, TD3)) is A4


@pytest.mark.parametrize("size", [HD, FULL_HD])
@pytest.mark.parametrize("page_format", [A4, ID1, TD3])
def test_the_outline_is_found_in_perspective(
    size: tuple[int, int], page_format: PageFormat
) -> None:
    frame, truth = shot(size, page_format, fill=0.75, angle_deg=6, tilt=0.08)
    verdict = settle(ScanPipeline(formats=(page_format,)), frame)
    assert verdict.corners is not None
    error = np.linalg.norm(verdict.corners - truth, axis=1).max()
    assert error < 0.01 * math.hypot(*size), error
    assert verdict.page_format is page_format
    assert verdict.codes == (Guidance.OK,)


def test_the_straightened_page_matches_the_original() -> None:
    page = _page(A4, 1280, 4)
    frame, _ = syn.scene(HD, A4, page=page, fill=0.9, angle_deg=-7, tilt=0.1, seed=4)
    capture = AutoCapture(output=OutputSpec(target_long_side=800, max_upscale=2))
    captured = capture.capture(camera(frame))
    h, w = captured.image.shape[:2]
    assert h > w  # A4 portrait stays portrait
    assert abs(h / w - A4.aspect) < 0.01  # the format's aspect ratio, not the perspective's
    # Compared at 100 px wide: the layout (lines, photo, table) must be where it was (the
    # capture crops a hair inside the outline, and text lines are thin: finer comparisons
    # measure that crop, not the geometry).
    small = (100, round(100 * h / w))
    original = cv2.resize(
        cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), small, interpolation=cv2.INTER_AREA
    )
    got = cv2.resize(
        cv2.cvtColor(captured.image, cv2.COLOR_BGR2GRAY), small, interpolation=cv2.INTER_AREA
    )
    inner = (slice(5, -5), slice(5, -5))
    correlation = np.corrcoef(original[inner].ravel(), got[inner].ravel())[0, 1]
    assert correlation > 0.8, correlation
    upside_down = np.corrcoef(original[inner].ravel(), got[::-1, ::-1][inner].ravel())[0, 1]
    assert upside_down < 0.5, upside_down


# --- guidance --------------------------------------------------------------------------
def test_a_sharp_still_page_is_ok() -> None:
    frame, _ = shot(fill=0.8)
    verdict = settle(ScanPipeline(), frame)
    assert verdict.ok and verdict.guidance is Guidance.OK
    assert verdict.scores is not None
    assert verdict.scores.sharpness >= verdict.sharpness_threshold
    assert 0.2 < verdict.scores.coverage < 0.3  # A4 portrait, 80 % of a 16:9 frame's height
    assert verdict.scores.glare < 0.01


@pytest.mark.parametrize("sigma", [1.5, 2.5, 4.0])
def test_a_blurred_page_is_blurry(sigma: float) -> None:
    frame, _ = shot(fill=0.8)
    verdict = settle(ScanPipeline(), syn.blur(frame, sigma))
    assert verdict.codes == (Guidance.BLURRY,)


def test_a_dark_page_is_too_dark() -> None:
    frame, _ = shot(fill=0.8)
    assert settle(ScanPipeline(), syn.exposure(frame, 0.3)).guidance is Guidance.TOO_DARK


def test_a_dark_frame_with_no_page_found_says_too_dark_not_no_page() -> None:
    frame, _ = shot(fill=0.8)
    assert settle(ScanPipeline(), syn.exposure(frame, 0.08)).guidance is Guidance.TOO_DARK


def test_glare_is_too_much_light() -> None:
    frame, _ = shot(fill=0.8)
    verdict = settle(ScanPipeline(), syn.glare(frame, (0.5, 0.45), 0.12))
    assert verdict.guidance is Guidance.TOO_MUCH_LIGHT
    assert verdict.scores is not None and verdict.scores.glare > 0.01


def test_an_overexposed_page_is_too_much_light() -> None:
    frame, _ = shot(fill=0.8)
    assert settle(ScanPipeline(), syn.exposure(frame, 1.4)).guidance is Guidance.TOO_MUCH_LIGHT


@pytest.mark.parametrize("centre", [(0.15, 0.5), (0.85, 0.5), (0.5, 0.1)])
def test_a_page_cut_by_the_frame_edge_is_not_whole(centre: tuple[float, float]) -> None:
    frame, _ = shot(fill=0.85, centre=centre, angle_deg=0, tilt=0)
    assert settle(ScanPipeline(), frame).guidance is Guidance.NOT_WHOLE


def test_a_small_page_should_come_closer() -> None:
    frame, _ = shot(page_format=ID1, fill=0.3)
    assert settle(ScanPipeline(), frame).codes == (Guidance.MOVE_CLOSER,)


def test_a_page_larger_than_the_frame_should_move_away() -> None:
    frame, _ = shot(page_format=ID1, fill=1.25, angle_deg=0, tilt=0)
    assert settle(ScanPipeline(), frame).guidance is Guidance.MOVE_AWAY


def test_an_empty_tray_is_no_page() -> None:
    pipeline = ScanPipeline()
    for seed in range(3):
        verdict = pipeline.analyse(camera(syn.empty(HD, seed), seed))
        assert verdict.codes == (Guidance.NO_PAGE,)
        assert verdict.corners is None and verdict.scores is None


def test_a_moving_page_must_hold_still_then_is_ok() -> None:
    pipeline = ScanPipeline()
    moving = [
        pipeline.analyse(shot(fill=0.8, centre=(0.35 + 0.04 * i, 0.5), seed=2)[0]) for i in range(6)
    ]
    assert all(v.guidance is Guidance.HOLD_STILL for v in moving)
    assert all(v.scores is not None and v.scores.motion > 20 for v in moving[1:])
    still, _ = shot(fill=0.8, centre=(0.6, 0.5), seed=2)
    verdicts = [pipeline.analyse(still) for _ in range(4)]
    assert verdicts[0].guidance is Guidance.HOLD_STILL  # it just stopped
    assert verdicts[-1].ok


def test_several_problems_are_listed_in_priority_order() -> None:
    frame, _ = shot(fill=0.85, centre=(0.15, 0.5), angle_deg=0, tilt=0)
    verdict = settle(ScanPipeline(), syn.blur(syn.exposure(frame, 0.35), 2.0))
    assert verdict.codes[0] is Guidance.NOT_WHOLE
    assert Guidance.TOO_DARK in verdict.codes
    assert Guidance.OK not in verdict.codes


# --- calibration -------------------------------------------------------------------------
def test_calibration_learns_a_high_percentile_of_good_frames() -> None:
    calibration = Calibration(frames=10)
    assert not calibration.calibrated
    assert calibration.reference == DEFAULT_SHARPNESS_REFERENCE
    learned = [calibration.observe(v) for v in [0.5] * 3 + [0.7] * 7]
    assert learned == [False] * 9 + [True]  # True once, when it is learned
    assert calibration.calibrated
    assert calibration.reference == pytest.approx(0.7)  # the blurred frames do not count
    assert calibration.observe(0.7) is False


def test_calibration_round_trips_through_a_setting() -> None:
    calibration = Calibration(frames=2)
    calibration.observe(0.61)
    calibration.observe(0.61)
    restored = Calibration.from_json(calibration.to_json())
    assert restored.reference == pytest.approx(0.61)
    assert Calibration.from_json(None).reference == DEFAULT_SHARPNESS_REFERENCE
    assert Calibration.from_json("{not json").reference == DEFAULT_SHARPNESS_REFERENCE
    assert Calibration.from_json('{"reference": -3}').reference == DEFAULT_SHARPNESS_REFERENCE
    with pytest.raises(ValueError):
        Calibration(0)


def test_a_softer_camera_is_calibrated_rather_than_judged_blurry_for_ever() -> None:
    """A camera whose best frames are as soft as sigma 1.5 blur: the default reference calls
    them blurry; after calibration on its own good frames, its steady frames pass."""
    frame, _ = shot(fill=0.8)
    soft = syn.blur(frame, 1.5)
    pipeline = ScanPipeline(calibration=Calibration(frames=10))
    assert settle(pipeline, soft).guidance is Guidance.BLURRY
    for _ in range(10):
        pipeline.analyse(soft)
    assert pipeline.calibration.calibrated
    assert pipeline.analyse(soft).ok
    # ... and a really blurred frame on that camera is still blurry.
    assert settle(pipeline, syn.blur(frame, 4.0)).guidance is Guidance.BLURRY


def test_a_reference_from_the_settings_is_used_before_calibration() -> None:
    frame, _ = shot(fill=0.8)
    strict = ScanPipeline(calibration=Calibration(reference=5.0))
    assert settle(strict, frame).guidance is Guidance.BLURRY
    lenient = ScanPipeline(calibration=Calibration(reference=0.3))
    assert settle(lenient, syn.blur(frame, 2.0)).ok


def test_sharpness_does_not_depend_on_content_or_size() -> None:
    """The edge spread is the same for a card, a passport and a letter, near and far."""
    values = []
    for page_format in (A4, ID1, TD3):
        for fill in (0.5, 0.9):
            frame, _ = shot(FULL_HD, page_format, fill=fill, angle_deg=0, tilt=0)
            verdict = settle(ScanPipeline(), frame)
            assert verdict.scores is not None
            values.append(verdict.scores.sharpness)
    assert max(values) / min(values) < 1.25, values


# --- automatic capture --------------------------------------------------------------------
def test_auto_capture_after_k_ok_frames_and_not_while_moving() -> None:
    capture = AutoCapture(frames_required=4)
    for i in range(5):
        step = capture.feed(shot(fill=0.8, centre=(0.35 + 0.05 * i, 0.5))[0])
        assert step.captured is None and step.progress == 0
    frame, _ = shot(fill=0.8, centre=(0.6, 0.5))
    steps = [capture.feed(frame) for _ in range(8)]
    taken = [i for i, s in enumerate(steps) if s.captured is not None]
    # The first frame still moved from the last moving one; 3 more to count as still
    # (still_frames), which are OK frames 1 to 3; the 4th OK frame is taken.
    assert taken == [6]
    page = steps[6].captured
    assert page is not None and page.mode is CaptureMode.AUTO
    assert page.page_format is A4
    assert 0 < steps[3].progress < 1
    assert capture.waiting_for_change


def test_blurred_then_sharp_captures_only_the_sharp_frames() -> None:
    frame, _ = shot(fill=0.8)
    capture = AutoCapture(frames_required=3)
    blurred = [capture.feed(syn.blur(frame, 2.5)) for _ in range(10)]
    assert all(s.captured is None for s in blurred)
    assert blurred[-1].verdict.guidance is Guidance.BLURRY
    sharp = [capture.feed(frame) for _ in range(4)]
    assert sharp[2].captured is not None  # the page did not move: 3 OK frames suffice


def test_no_second_capture_of_the_same_page_until_it_changes() -> None:
    capture = AutoCapture(frames_required=2)
    page1, _ = shot(fill=0.8, seed=1)
    page2, _ = shot(fill=0.8, seed=7)
    assert sum(capture.feed(page1).captured is not None for _ in range(30)) == 1
    # The next page laid at the same place, without leaving the view: it is new content.
    assert sum(capture.feed(page2).captured is not None for _ in range(30)) == 1
    # Taken away, then shown again: captured again.
    capture.feed(camera(syn.empty(HD)))
    assert sum(capture.feed(page2).captured is not None for _ in range(30)) == 1


def test_retake_rearms_on_the_same_page() -> None:
    capture = AutoCapture(frames_required=2)
    frame, _ = shot(fill=0.8)
    assert sum(capture.feed(frame).captured is not None for _ in range(10)) == 1
    capture.rearm()
    assert sum(capture.feed(frame).captured is not None for _ in range(10)) == 1


def test_manual_capture_always_works() -> None:
    capture = AutoCapture()
    frame, _ = shot(fill=0.8)
    blurred = capture.capture(syn.blur(frame, 3))  # not what auto capture would take
    assert blurred.mode is CaptureMode.MANUAL and blurred.corners is not None
    empty = camera(syn.empty(HD))
    whole = capture.capture(empty)  # no page found: the whole frame
    assert whole.corners is None and whole.image.shape == empty.shape
    assert whole.image is not empty  # a copy: the frame buffer may be reused
    whole.clear()
    assert not whole.image.any()


def test_captured_page_resolution() -> None:
    spec = OutputSpec()
    assert spec.long_side(1000) == 1600  # towards 1600 px
    assert spec.long_side(600) == 1200  # upscaled at most twice
    assert spec.long_side(2000) == 2000  # the camera's own resolution
    assert spec.long_side(4000) == 2480  # capped (A4 at 300 dpi)
    frame, corners = shot(FULL_HD, fill=0.9)
    page = AutoCapture().capture(frame)
    w, h = quad_size(corners)
    assert max(page.image.shape[:2]) == spec.long_side(max(w, h))


def test_disabled_auto_capture_never_fires() -> None:
    capture = AutoCapture(frames_required=1, enabled=False)
    frame, _ = shot(fill=0.8)
    assert all(capture.feed(frame).captured is None for _ in range(10))


def test_the_sample_generator_s_passport_sequence_is_captured() -> None:
    """The MRZ reader's document generator (invented identities, OCR-B MRZ, table, motion
    blur, sensor noise, JPEG): a passport slides in, stops, and is captured as a TD3 page."""
    documents = pytest.importorskip("kiosk.devices.samples.documents")
    if not hasattr(documents, "frame_sequence") or not hasattr(documents, "make_document"):
        pytest.skip("the sample generator has no frame sequences")
    rng = np.random.default_rng(3)
    document = documents.make_document("passport", rng, 14.0, None)
    frames, _ = documents.frame_sequence(document, rng)
    capture = AutoCapture(ScanPipeline(formats=(TD3, ID1, A4)), frames_required=3)
    steps = [capture.feed(frame) for frame in frames]
    taken = [i for i, step in enumerate(steps) if step.captured is not None]
    assert len(taken) == 1
    assert taken[0] >= 10  # not while it was sliding in (the first 10 frames)
    page = steps[taken[0]].captured
    assert page is not None and page.page_format is TD3
