"""The Qt UI: main window, one module per screen, shared widgets, theme, task runner.

Construction goes through the composition root, ``kiosk.ui.compose.build_kiosk`` (the
app, the audit, the screenshots, the benchmarks and the GUI tests)::

    app = QApplication(argv)
    kiosk = build_kiosk(settings, Overrides(store=..., speech=...))  # fakes: kiosk.testing
    kiosk.window.showFullScreen()
    app.aboutToQuit.connect(kiosk.session.shutdown)
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from kiosk.ui.controller import SessionController
from kiosk.ui.main_window import MainWindow
from kiosk.ui.theme import Theme


def create_main_window(controller: SessionController, theme: Theme | None = None) -> MainWindow:
    """A window with every screen, attached to ``controller`` and showing its screen."""
    window = MainWindow(theme or Theme())
    controller.attach(window)
    return window


def build_ui(
    app: QApplication, controller: SessionController, theme: Theme | None = None
) -> MainWindow:
    """Apply the application-wide style (Fusion: same look on every machine), then build
    the window. The theme's stylesheet and fonts are set on the window itself."""
    app.setStyle("Fusion")
    return create_main_window(controller, theme)


__all__ = ["MainWindow", "SessionController", "Theme", "build_ui", "create_main_window"]
