"""Admin mode for prefecture staff: its pages. What acts is ``kiosk.ui.controllers.admin``."""

from kiosk.ui.admin.screen import AdminScreen

__all__ = ["AdminScreen"]
