"""The central API: ``create_app(settings)`` builds the service from its settings (database,
migrated to the latest schema; sealing key; catalogue) and mounts one router per resource
(:mod:`central.routers`). Nothing is global: tests run several servers side by side.

Every error response has the :class:`contract.protocol.Problem` shape (:mod:`central.problems`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy.orm import Session

from central.db import EnrolmentCodeRow, make_engine, migrate
from central.deps import Central, token_hash
from central.problems import install_handlers
from central.routers import (
    admin,
    applications,
    attachments,
    desk,
    enrolment,
    heartbeat,
    staff,
    status,
)
from central.routers.enrolment import normalise_code
from central.settings import PRIVATE_KEY_FILE, Settings
from contract import __version__
from contract.catalogue import load_catalogue
from contract.sealing import encode_public_key, load_or_create_private_key

log = logging.getLogger("kiosk.central")

__all__ = ["Settings", "create_app"]


def create_app(settings: Settings, *, run_migrations: bool = True) -> FastAPI:
    """The application. ``run_migrations=False`` when the entry point migrated already
    (several workers must not race to do it)."""
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_key = load_or_create_private_key(data_dir / PRIVATE_KEY_FILE)
    engine = make_engine(settings.resolved_database_url())
    if run_migrations:
        migrate(engine)
    hasher = settings.staff_hasher or PasswordHasher()
    central = Central(
        settings=settings,
        engine=engine,
        private_key=private_key,
        public_key=encode_public_key(private_key),
        catalogue=load_catalogue(settings.catalogue_path),
        staff_hasher=hasher,
        dummy_pin_hash=hasher.hash("not-a-pin-000000"),
    )
    with Session(engine) as s, s.begin():
        for code in settings.enrolment_codes:
            h = token_hash(normalise_code(code))
            if s.get(EnrolmentCodeRow, h) is None:
                s.add(EnrolmentCodeRow(code_sha256=h, created_at=central.now()))

    app = FastAPI(
        title="Kiosk titre de séjour — central API",
        version=__version__,
        description=(
            "Reference implementation of the central API that kiosks deliver sealed "
            "residence-permit applications to. Every error has the Problem shape."
        ),
    )
    app.state.central = central
    app.state.engine = engine
    install_handlers(app)
    for module in (enrolment, applications, attachments, heartbeat, desk, admin, staff, status):
        app.include_router(module.router)
    return app
