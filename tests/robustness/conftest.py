"""Fixtures of the robustness tests: directories in RAM (kills and faults are the subject,
not the disk's speed: a SIGKILLed process loses nothing the kernel already has, on tmpfs as
on a disk) and a central server of their own."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.central import CentralServer, start_central, stop_central

SHM = Path("/dev/shm")


def ram_tmpdir(prefix: str) -> Path:
    """A new directory on tmpfs when there is one, else in the system's temp dir."""
    base = SHM if SHM.is_dir() else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


@pytest.fixture
def ram_dir() -> Iterator[Path]:
    path = ram_tmpdir("kiosk-robust-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def robust_server() -> Iterator[CentralServer]:
    """A central server (SQLite on tmpfs) for one module."""
    path = ram_tmpdir("kiosk-central-")
    central = start_central(path, n_codes=0)
    try:
        yield central
    finally:
        stop_central(central.process)
        shutil.rmtree(path, ignore_errors=True)
