"""Admin mode for prefecture staff: the pages (``screen``) and what acts (``controller``)."""

from kiosk.ui.admin.controller import AdminController
from kiosk.ui.admin.screen import AdminScreen

__all__ = ["AdminController", "AdminScreen"]
