"""``kiosk --desk``: the reception desk's window on the reception PC."""

from __future__ import annotations

import logging
import signal
import sys
from typing import Any

from kiosk.config import Settings

log = logging.getLogger(__name__)


def run_desk(settings: Settings, language: str = "fr") -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.desk.client import DeskClient
    from kiosk.desk.window import DeskWindow
    from kiosk.ui.theme import Theme

    app: Any = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("kiosk-titre-sejour-desk")
    app.setStyle("Fusion")
    if not settings.desk_token:
        log.warning("no desk_token: the central API will refuse the desk")
    client = DeskClient(
        settings.central_url,
        settings.desk_token,
        ca_bundle=settings.ca_bundle,
        timeout=(settings.connect_timeout_s, settings.read_timeout_s),
        desk_name=settings.desk_name,
        site=settings.desk_site,
    )
    window = DeskWindow(
        client,
        language=language,
        theme=Theme(scale=settings.text_scale, high_contrast=settings.high_contrast),
    )
    app.aboutToQuit.connect(window.shutdown)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: app.quit())
    ticker = QTimer(app)  # lets Python run its signal handlers
    ticker.timeout.connect(lambda: None)
    ticker.start(250)
    window.resize(1200, 900)
    window.show()
    window.start()
    return int(app.exec())
