"""The Qt UI: main window, one module per screen, shared widgets, theme, task runner, and
the controllers (``kiosk.ui.controllers``), each built from its typed ports.

Construction goes through the composition root, ``kiosk.ui.compose.build_kiosk`` (the
app, the audit, the screenshots, the benchmarks and the GUI tests)::

    app = QApplication(argv)
    kiosk = build_kiosk(settings, Overrides(store=..., speech=...))  # fakes: kiosk.testing
    kiosk.window.showFullScreen()
    app.aboutToQuit.connect(kiosk.session.shutdown)
"""

from __future__ import annotations

from kiosk.ui.main_window import MainWindow
from kiosk.ui.theme import Theme

__all__ = ["MainWindow", "Theme"]
