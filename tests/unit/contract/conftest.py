"""Fixtures of the sealing tests: the central API's private key, and an application's UUID."""

from __future__ import annotations

import uuid as uuidlib

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from contract import sealing


@pytest.fixture
def key() -> X25519PrivateKey:
    return sealing.generate_private_key()


@pytest.fixture
def app_uuid() -> str:
    return str(uuidlib.uuid4())
