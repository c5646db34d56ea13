"""The Qt binding must not corrupt Python's reference counts (PySide6 6.12.0 did, on 3.11)."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QPushButton

pytestmark = pytest.mark.gui


def test_void_calls_do_not_release_none(qtbot) -> None:  # type: ignore[no-untyped-def]
    button = QPushButton()
    qtbot.addWidget(button)
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        button.setText("x")
        button.setEnabled(True)
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    # A healthy binding leaves them about where they were; 6.12.0 loses 1000 on None.
    assert all(a >= b - 50 for a, b in zip(after, before, strict=True)), (before, after)
