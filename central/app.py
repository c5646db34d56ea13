"""The central API: ``create_app(settings)`` builds the service from its settings (database,
migrated to the latest schema; sealing key; catalogue), puts the limits in front of it
(:class:`central.limits.Guard`) and mounts one router per resource (:mod:`central.routers`).
Nothing is global: tests run several servers side by side.

Every error response has the :class:`contract.protocol.Problem` shape (:mod:`central.problems`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from argon2 import Parameters, PasswordHasher, extract_parameters
from fastapi import FastAPI
from sqlalchemy.orm import Session

from central import retention
from central.db import EnrolmentCodeRow, make_engine, migrate
from central.deps import Central, PinChecks, token_hash
from central.limits import Guard
from central.problems import install_handlers
from central.routers import (
    admin,
    applications,
    attachments,
    commands,
    desk,
    enrolment,
    heartbeat,
    staff,
    status,
)
from central.routers.enrolment import code_bits, normalise_code
from central.settings import DATABASE_FILE, PRIVATE_KEY_FILE, Settings
from contract import __version__
from contract.catalogue import load_catalogue
from contract.sealing import encode_public_key, load_or_create_private_key

log = logging.getLogger("kiosk.central")

__all__ = ["Settings", "create_app"]
MIN_CODE_BITS = 80


def _private_database_files(settings: Settings) -> None:
    """The SQLite database is created 0600 (SQLite gives its -wal and -shm files the same
    mode); an existing one is made so."""
    if settings.database_url is not None:
        return
    db = Path(settings.data_dir) / DATABASE_FILE
    fd = os.open(db, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if path.exists():
            path.chmod(0o600)


# A hash of no PIN at argon2's default parameters, for ``dummy_pin_hash``: made once here
# rather than at each start (0.36 s of CPU and 64 MiB for a hash nobody ever matches).
_DEFAULT_DUMMY_PIN_HASH = "$argon2id$v=19$m=65536,t=3,p=4$JPNdDb07wYzfULJqQ06EjQ$vIzAoOCE3U44+pjCK119BUk6uLvImI7JoGFak/CZ9pE"


def dummy_pin_hash(hasher: PasswordHasher) -> str:
    """What an unknown identifier's PIN is checked against, so that it costs what a known
    one does: a hash at ``hasher``'s own parameters (the shipped one at the defaults)."""

    def cost(p: Parameters | PasswordHasher) -> tuple[object, ...]:
        return (p.type, p.time_cost, p.memory_cost, p.parallelism, p.hash_len, p.salt_len)

    same = cost(extract_parameters(_DEFAULT_DUMMY_PIN_HASH)) == cost(hasher)
    return _DEFAULT_DUMMY_PIN_HASH if same else hasher.hash("not-a-pin-000000")


def create_app(settings: Settings, *, run_migrations: bool = True) -> FastAPI:
    """The application. ``run_migrations=False`` when the entry point migrated already
    (several workers must not race to do it)."""
    weak = [c for c in settings.enrolment_codes if code_bits(c) < MIN_CODE_BITS]
    if weak:
        raise ValueError(
            f"{len(weak)} enrolment code(s) carry fewer than {MIN_CODE_BITS} bits: use codes "
            "of 16 letters or digits at least (POST /v1/admin/enrolment-codes makes them)"
        )
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data_dir.chmod(0o700)
    private_key = load_or_create_private_key(data_dir / PRIVATE_KEY_FILE)
    _private_database_files(settings)
    url = settings.resolved_database_url()
    engine = make_engine(url, durable=settings.sqlite_durable)
    if run_migrations:
        migrate(engine)
    _private_database_files(settings)
    hasher = settings.staff_hasher or PasswordHasher()
    central = Central(
        settings=settings,
        engine=engine,
        reader=make_engine(url, reader=True, durable=settings.sqlite_durable)
        if url.startswith("sqlite")
        else engine,
        private_key=private_key,
        public_key=encode_public_key(private_key),
        catalogue=load_catalogue(settings.catalogue_path),
        staff_hasher=hasher,
        dummy_pin_hash=dummy_pin_hash(hasher),
        pin_checks=PinChecks(settings.limits.concurrent_pin_checks),
    )
    with Session(engine) as s, s.begin():
        for code in settings.enrolment_codes:
            h = token_hash(normalise_code(code))
            if s.get(EnrolmentCodeRow, h) is None:
                s.add(EnrolmentCodeRow(code_sha256=h, created_at=central.now()))

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        every = settings.retention.interval_s
        async with anyio.create_task_group() as tg:
            if every > 0:
                tg.start_soon(retention.every, central, every)
            yield
            tg.cancel_scope.cancel()
        if central.reader is not central.engine:
            central.reader.dispose()

    docs = settings.docs
    app = FastAPI(
        title="Kiosk titre de séjour — central API",
        version=__version__,
        description=(
            "Reference implementation of the central API that kiosks deliver sealed "
            "residence-permit applications to. Every error has the Problem shape."
        ),
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        lifespan=lifespan,
    )
    app.state.central = central
    app.state.engine = engine
    install_handlers(app)
    for module in (
        enrolment, applications, attachments, heartbeat, desk, admin, staff, status, commands,
    ):  # fmt: skip
        app.include_router(module.router)
    app.add_middleware(Guard, central=central)
    return app
