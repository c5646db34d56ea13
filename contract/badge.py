"""Staff badges: a QR code holding the account's identifier and a long random secret.

``KSTAFF1:<identifier>:<secret>``. The central API keeps only an Argon2 hash of the secret,
as for the PIN, and the same lockout applies. :func:`read_badge` looks for one in a camera
frame (``cv2.QRCodeDetector``); it is Qt-free and cheap enough to run on every few frames.
"""

from __future__ import annotations

import secrets
from typing import Any

PREFIX = "KSTAFF1"


def make_badge_code(identifier: str, secret: str | None = None) -> str:
    return f"{PREFIX}:{identifier}:{secret or secrets.token_urlsafe(24)}"


def parse_badge_code(code: str) -> tuple[str, str] | None:
    """``(identifier, secret)``, or None if ``code`` is not a staff badge."""
    parts = code.strip().split(":")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or len(parts[2]) < 16:
        return None
    return parts[1], parts[2]


def read_badge(frame: Any) -> str | None:
    """The badge code in a BGR (or grey) frame, or None."""
    import cv2

    try:
        text, _points, _straight = cv2.QRCodeDetector().detectAndDecode(frame)
    except cv2.error:
        return None
    if text and parse_badge_code(text) is not None:
        return str(text)
    return None
