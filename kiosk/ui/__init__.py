"""The Qt UI: main window, one module per screen, shared widgets, theme, task runner.

Construction (what ``kiosk.app`` does)::

    app = QApplication(argv)
    controller = SessionController(catalogue=..., store=..., sealer=..., kiosk_id=...,
                                   speech=..., clock=...)
    window = build_ui(app, controller)          # or create_main_window(controller)
    window.showFullScreen()
    app.aboutToQuit.connect(controller.shutdown)
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
