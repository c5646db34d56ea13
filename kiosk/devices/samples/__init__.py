"""Sample documents for the fake camera and the tests: the generator (``documents``) and
the few files ``scripts/make_samples.py`` made with it (see ``manifest.json``)."""

from __future__ import annotations

from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent


def sample_path(name: str) -> Path:
    """The path of a shipped sample file, e.g. ``sample_path("passport.jpg")``."""
    path = SAMPLES_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"no sample {name!r} in {SAMPLES_DIR}")
    return path
