"""Qt-free synchronisation: wire protocol, sealing, API client, outbox agent, reference server.

Nothing in this package imports PySide6 (an import-linter contract checks it).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kiosk-titre-sejour")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"
