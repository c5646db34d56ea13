"""The MRZ locator's grouping of text lines into MRZ blocks, on lines given directly."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from kiosk.scan.mrz_locate import Line, group_blocks


def _line(cx: float, cy: float, length: float, height: float, degrees: float) -> Line:
    box = cv2.boxPoints(((cx, cy), (length, height), degrees)).astype(np.float32)
    return Line((cx, cy), length, height, math.radians(degrees) % math.pi, box)


@pytest.mark.parametrize("upper, lower", [(0.0, 0.0), (179.8, 0.0), (0.0, 179.8), (0.2, 179.9)])
def test_two_mrz_lines_pair_whichever_sense_their_angles_were_measured_in(
    upper: float, lower: float
) -> None:
    # A line's angle is known modulo 180 degrees: a TD3 held level may have one line
    # measured at 179.8 and the other at 0.0. Each used to see the other "above" itself,
    # and no 2-line block was made (camera frame 87 of seed 3: a 28 px TD3 not found).
    lines = [_line(1170, 73, 1228, 30, upper), _line(1172, 118, 1224, 28, lower)]
    best = group_blocks(lines)[0]
    assert best.lines == 2
    assert abs(float(best.quad[:, 1].mean()) - 95.5) < 5


def test_the_first_and_last_lines_of_a_td1_make_a_three_line_block() -> None:
    # The middle line of a TD1 lost (merged by blur, or under glare): its first and last
    # lines, two spacings apart, still make a 3-line block around all three.
    lines = [_line(500, 100, 600, 20, 0.0), _line(500, 164, 600, 20, 0.0)]
    best = group_blocks(lines)[0]
    assert best.lines == 3
    assert best.quad[:, 1].min() < 95 and best.quad[:, 1].max() > 169
