"""Accessible kiosk for residence-permit (titre de séjour) applications."""

__version__ = "0.1.0"
