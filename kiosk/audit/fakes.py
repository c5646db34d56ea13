"""Fake ports for driving the real window (from ``kiosk.testing``, the one set of fakes):
an in-memory store, a sealer that does not encrypt, a fixed clock; and valid sample answers
for every field type of the catalogue."""

from __future__ import annotations

import datetime as dt

from contract.catalogue import FieldSpec, FieldType
from kiosk.testing import NOW, FakeMonotonic, FakeSealer, MemoryStore

__all__ = ["NOW", "FakeMonotonic", "MemoryStore", "fake_sealer", "sample_value"]

fake_sealer = FakeSealer()  # JSON instead of HPKE; never told to fail


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
