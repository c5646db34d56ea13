"""Scanner pipeline figures: time per camera frame at 720p and 1080p on one core.

Target (issue 5): under 10 ms at 720p and under 15 ms at 1080p, so that a 30 fps camera,
not the code, is the limit. Frames are synthetic (kiosk.scan.synthetic): A4 letters, ID-1
cards and passport pages at several distances and angles, sharp, blurred, dark, with glare,
cut off, and the empty tray, through a lens blur, sensor noise and MJPG compression.
OpenCV runs on one thread (``cv2.setNumThreads(1)``).

Two clocks: *wall* (perf_counter) and *CPU* (the thread's own CPU time): on a loaded
machine the wall time includes waiting for a core, the CPU time does not.

Also printed: straightening a captured page at full resolution and compressing it to the
1 MB budget (once per page, not per frame).

    .venv/bin/python benchmarks/scanner.py [--rounds 20] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.scan import synthetic as syn
from kiosk.scan.compress import compress_page
from kiosk.scan.formats import A4, ID1, TD3
from kiosk.scan.pipeline import AutoCapture, ScanPipeline

SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}
TARGETS_MS = {"720p": 10.0, "1080p": 15.0}


def camera(frame: np.ndarray, seed: int) -> np.ndarray:
    noisy = syn.noise(syn.blur(frame, 0.6), 3, seed)
    ok, data = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def frames(size: tuple[int, int], count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    pages = {f: syn.render_page(f, max(size), seed=i) for i, f in enumerate((A4, ID1, TD3))}
    out = []
    for i in range(count):
        kind = i % 10
        if kind == 9:
            out.append(camera(syn.empty(size, i), i))
            continue
        page_format = (A4, ID1, TD3)[i % 3]
        frame, _ = syn.scene(
            size,
            page_format,
            page=pages[page_format],
            fill=float(rng.uniform(0.45, 0.95)),
            centre=(float(rng.uniform(0.4, 0.6)), float(rng.uniform(0.4, 0.6))),
            angle_deg=float(rng.uniform(-10, 10)),
            tilt=float(rng.uniform(0, 0.12)),
            seed=i,
        )
        if kind == 5:
            frame = syn.blur(frame, 2.0)
        elif kind == 6:
            frame = syn.exposure(frame, 0.35)
        elif kind == 7:
            frame = syn.glare(frame, (0.5, 0.45), 0.1)
        elif kind == 8:
            frame, _ = syn.scene(size, page_format, page=pages[page_format], fill=0.9,
                                 centre=(0.15, 0.5), seed=i)  # fmt: skip
        out.append(camera(frame, i))
    return out


def measure(batch: list[np.ndarray], rounds: int) -> tuple[list[float], list[float]]:
    pipeline = ScanPipeline()
    for frame in batch[:5]:  # warm-up: first calls allocate
        pipeline.analyse(frame)
    wall, cpu = [], []
    for _ in range(rounds):
        for frame in batch:
            t0, c0 = time.perf_counter(), time.thread_time()
            pipeline.analyse(frame)
            cpu.append((time.thread_time() - c0) * 1000)
            wall.append((time.perf_counter() - t0) * 1000)
    return wall, cpu


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def capture_figures(batch: list[np.ndarray]) -> tuple[float, float, int]:
    """Median ms to straighten a page at output resolution, to compress it; largest file."""
    straighten, compress, largest = [], [], 0
    for frame in batch[:9]:
        t0 = time.perf_counter()
        page = AutoCapture().capture(frame)
        straighten.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        out = compress_page(page.image)
        compress.append((time.perf_counter() - t0) * 1000)
        largest = max(largest, len(out))
    return statistics.median(straighten), statistics.median(compress), largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="passes over the frames")
    parser.add_argument("--frames", type=int, default=40, help="distinct frames per size")
    parser.add_argument("--quick", action="store_true", help="a few frames (CI: it still runs)")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    rounds, count = (2, 10) if args.quick else (args.rounds, args.frames)
    print(
        f"{'scanner, one core':<34}{'median':>9}{'p95':>9}{'CPU med':>9}{'CPU p95':>9}{'target':>9}"
    )
    verdicts = []
    for name, size in SIZES.items():
        batch = frames(size, count)
        wall, cpu = measure(batch, rounds)
        target = TARGETS_MS[name]
        verdicts.append(statistics.median(cpu) < target)
        print(
            f"{'ms per frame, ' + name:<34}{statistics.median(wall):>9.2f}{p95(wall):>9.2f}"
            f"{statistics.median(cpu):>9.2f}{p95(cpu):>9.2f}{'< ' + format(target, 'g'):>9}"
        )
        straighten_ms, compress_ms, largest = capture_figures(batch)
        print(f"{'  capture: straighten page, ms':<34}{straighten_ms:>9.1f}")
        print(f"{'  capture: JPEG under 1 MB, ms':<34}{compress_ms:>9.1f}")
        print(f"{'  capture: largest page, kB':<34}{largest / 1000:>9.0f}{'':>27}{'< 1000':>9}")
    print(f"frames per size: {count} x {rounds} rounds; targets met (CPU): {all(verdicts)}")


if __name__ == "__main__":
    main()
