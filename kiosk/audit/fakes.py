"""Fake ports for driving the real window: an in-memory store, a sealer that does not
encrypt, a fixed clock, and valid sample answers for every field type of the catalogue."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from typing import Any

from contract.catalogue import FieldSpec, FieldType

NOW = dt.datetime(2026, 11, 26, 13, 5, tzinfo=dt.UTC)


@dataclass
class Entry:
    local_reference: str
    created_at: dt.datetime


class MemoryStore:
    """The store methods the controller uses, in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.drafts: dict[str, dict[str, str]] = {}
        self.enqueued: list[str] = []
        self.resume_codes: dict[str, str] = {}

    def save_draft(
        self, uuid: str, procedure_id: str, language: str, answers: dict[str, str], now: dt.datetime
    ) -> None:
        with self._lock:
            self.drafts[uuid] = dict(answers)

    def delete_draft(self, uuid: str) -> None:
        with self._lock:
            self.drafts.pop(uuid, None)

    def save_resume(
        self, uuid: str, code: str, birth_date: dt.date | str, expires_at: dt.datetime
    ) -> None:
        with self._lock:
            self.resume_codes[code] = uuid

    def resume(self, code: str, birth_date: dt.date | str, now: dt.datetime) -> Any:
        from kiosk.store.errors import ResumeError

        raise ResumeError("the audit resumes nothing")

    def enqueue(self, uuid: str, procedure_id: str, sealed: bytes, now: dt.datetime) -> Entry:
        with self._lock:
            self.enqueued.append(uuid)
            return Entry(f"K7-2026-{len(self.enqueued):05d}", now)


def fake_sealer(uuid: str, payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


class FakeMonotonic:
    """A monotonic clock the audit moves by hand (inactivity timer)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def sample_value(spec: FieldSpec, today: dt.date | None = None) -> str:
    """A value the field's validation accepts (as typed by an applicant): the domain's
    own samples (``kiosk.domain.samples``) when there, else a few built-in ones."""
    today = today or NOW.date()
    try:
        from kiosk.domain.samples import sample_value as domain_sample
    except ImportError:
        return _fallback_sample(spec, today)
    return domain_sample(spec, today)


_SAMPLES: dict[str, str] = {
    "text": "12 rue de la Paix",
    "name": "Benkirane",
    "country": "MA",
    "passport_number": "XK4815162",
    "postal_code": "75002",
    "phone": "06 47 11 23 58",
    "email": "amina@example.fr",
}


def _fallback_sample(spec: FieldSpec, today: dt.date) -> str:
    if spec.type is FieldType.DATE:
        age = max(spec.min_age or 0, min(30, spec.max_age if spec.max_age is not None else 30))
        return f"01/01/{today.year - age}"  # exactly ``age`` years old today
    return _SAMPLES.get(str(spec.type), "")[: spec.max_length]
