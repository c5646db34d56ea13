"""Test configuration shared by every suite."""

from __future__ import annotations

import os

# Qt must never look for a display in tests; set before anything imports PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_ACCESSIBILITY", "1")
# The throwaway CUPS scheduler scripts/test starts (scripts/cups-test-server.sh): set before
# anything asks libcups, which reads CUPS_SERVER once per process (tests/gui/test_cups_printer.py).
if os.environ.get("KIOSK_TEST_CUPS"):
    os.environ["CUPS_SERVER"] = os.path.join(os.environ["KIOSK_TEST_CUPS"], "cups.sock")

pytest_plugins = ["tests.fixtures.central"]
