"""The application factory of a worker process (``kiosk-central --workers N``): the entry
point migrated the database and put the settings in the environment; each worker builds its
app from them. Secrets come through the environment too, never the command line."""

from __future__ import annotations

import json
import os

from fastapi import FastAPI

from central.app import create_app
from central.settings import Settings

SETTINGS_ENV = "KIOSK_CENTRAL_WORKER_SETTINGS"


def app_from_environment() -> FastAPI:
    from central.__main__ import settings_from_json

    settings: Settings = settings_from_json(json.loads(os.environ[SETTINGS_ENV]), os.environ)
    return create_app(settings, run_migrations=False)
