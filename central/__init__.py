"""The reference central API (``kiosk-central``): FastAPI + SQLAlchemy.

It is the executable specification of the protocol in :mod:`contract.protocol`, the server of
the single-machine demo and the one the integration tests run on 127.0.0.1.
"""

from __future__ import annotations

from central.app import Settings, create_app

__all__ = ["Settings", "create_app"]
