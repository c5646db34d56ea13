"""The reference central API (``kiosk-central``): FastAPI + SQLAlchemy, a service of its own.

It is the executable specification of the protocol in :mod:`contract.protocol`, the server
of the single-machine demo and the one the integration tests run on 127.0.0.1. Layout:

* :mod:`central.app` — ``create_app(settings)``: the service, built from its settings;
* :mod:`central.settings` — every setting with its default;
* :mod:`central.deps` — what routes depend on (``Depends``): the service's context, who asks;
* :mod:`central.routers` — one module per resource (enrolment, applications, attachments,
  heartbeat, desk, admin, staff, status);
* :mod:`central.db` and ``central/migrations`` — the database and its Alembic migrations;
* :mod:`central.checks` — what is checked in an application once unsealed.

It never imports the kiosk (an import-linter contract checks it); both use :mod:`contract`.
Install it with the ``central`` extra (FastAPI, uvicorn, Argon2).
"""

from __future__ import annotations

from central.app import create_app
from central.settings import Settings

__all__ = ["Settings", "create_app"]
