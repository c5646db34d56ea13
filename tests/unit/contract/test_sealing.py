"""Sealing format v1 (contract.sealing): round trip, every refusal, and a pinned test vector."""

from __future__ import annotations

import hashlib
import json
import stat
import uuid as uuidlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from contract import sealing
from contract.sealing import SealError, SealFailure

# A fixed key pair: the vector below must open with it for as long as format v1 exists.
VECTOR_KEY = X25519PrivateKey.from_private_bytes(
    hashlib.sha256(b"kiosk-titre-sejour sealing test vector v1").digest()
)
VECTOR_PUBLIC_KEY = "sLNq4htQMtnH929Z9YRrL4_tPYx5pDx4kEakK5CS3hg"
VECTOR_UUID = "6f1c2a3e-8b4d-4e5f-9a0b-1c2d3e4f5a6b"
VECTOR_PAYLOAD = {
    "payload_version": 1,
    "uuid": VECTOR_UUID,
    "answers": {"surname": "Test-Vecteur", "city": "Besançon"},
    "note": "العربية",
}
VECTOR_BLOB = bytes.fromhex(
    "4b545301011ab218b3cf9a98df6f1c2a3e8b4d4e5f9a0b1c2d3e4f5a6bc7e046d4744a0e5524189eb4bf539c"
    "f1c4240927ead0ae0a2ffdad3f9b50e8340db77264f8468c7c355f6b0691357dd96bf6c2e4da5d98240ba746"
    "9801a22bca54d0456b935ca1a14ce43c263343728d591f2f6f0877ebe693117d251fef4af8004e675386343f"
    "3fd1d04a2c65eeea5940166249cc6b4e697dfe90454409c52b94422277d02de51f455e1291ebe53408dad4e5"
    "d731f3969d6c7bc8b86b3af375671b83ab5e37f54152e01486cfa3f810ddb864dff72d51c4dac22097db1cad"
    "d0e01281"
)


def test_round_trip(key: X25519PrivateKey, app_uuid: str) -> None:
    payload = {"uuid": app_uuid, "answers": {"surname": "Nguyễn", "city": "Saint-Étienne"}}
    blob = sealing.seal(sealing.public_key_raw(key), app_uuid, payload)
    assert blob[:4] == b"KTS\x01"
    assert blob[4] == sealing.SUITE_X25519_SHA256_AES256GCM
    assert sealing.unseal(key, app_uuid, blob) == payload
    assert sealing.unseal(key, uuidlib.UUID(app_uuid), blob) == payload


def test_sealing_is_randomised_and_hides_the_content(key: X25519PrivateKey, app_uuid: str) -> None:
    payload = {"surname": "DUPONT-UNIQUE-MARKER"}
    a = sealing.seal(sealing.public_key_raw(key), app_uuid, payload)
    b = sealing.seal(sealing.public_key_raw(key), app_uuid, payload)
    assert a != b
    assert b"DUPONT" not in a
    assert b"surname" not in a


def test_header_is_readable_without_the_key(key: X25519PrivateKey, app_uuid: str) -> None:
    blob = sealing.seal(sealing.public_key_raw(key), app_uuid, {"a": 1})
    header = sealing.read_header(blob)
    assert header.version == 1
    assert str(header.uuid) == app_uuid
    assert header.key_id == sealing.key_id(sealing.public_key_raw(key))


@pytest.mark.parametrize("offset", [sealing.HEADER_SIZE, sealing.HEADER_SIZE + 40, -1])
def test_tampered_ciphertext_is_refused(key: X25519PrivateKey, app_uuid: str, offset: int) -> None:
    blob = bytearray(sealing.seal(sealing.public_key_raw(key), app_uuid, {"a": 1}))
    blob[offset] ^= 0x01
    with pytest.raises(SealError, match="altered or corrupted") as exc:
        sealing.unseal(key, app_uuid, bytes(blob))
    assert exc.value.reason is SealFailure.TAMPERED


def test_truncated_package_is_refused(key: X25519PrivateKey, app_uuid: str) -> None:
    blob = sealing.seal(sealing.public_key_raw(key), app_uuid, {"a": 1})
    with pytest.raises(SealError) as exc:
        sealing.unseal(key, app_uuid, blob[:-1])
    assert exc.value.reason is SealFailure.TAMPERED
    with pytest.raises(SealError, match="truncated"):
        sealing.unseal(key, app_uuid, blob[:40])


def test_wrong_uuid_is_refused(key: X25519PrivateKey, app_uuid: str) -> None:
    blob = sealing.seal(sealing.public_key_raw(key), app_uuid, {"a": 1})
    other = str(uuidlib.uuid4())
    with pytest.raises(SealError, match=f"sealed for application {app_uuid}, not {other}") as exc:
        sealing.unseal(key, other, blob)
    assert exc.value.reason is SealFailure.UUID


def test_replay_under_another_uuid_by_rewriting_the_header_fails(
    key: X25519PrivateKey, app_uuid: str
) -> None:
    """The UUID is in the HPKE info: changing the clear header cannot re-target a package."""
    blob = sealing.seal(sealing.public_key_raw(key), app_uuid, {"a": 1})
    other = uuidlib.uuid4()
    forged = blob[:13] + other.bytes + blob[sealing.HEADER_SIZE :]
    with pytest.raises(SealError) as exc:
        sealing.unseal(key, other, forged)
    assert exc.value.reason is SealFailure.TAMPERED


def test_wrong_key_is_refused(key: X25519PrivateKey, app_uuid: str) -> None:
    blob = sealing.seal(sealing.public_key_raw(key), app_uuid, {"a": 1})
    with pytest.raises(SealError, match="sealed for another key") as exc:
        sealing.unseal(sealing.generate_private_key(), app_uuid, blob)
    assert exc.value.reason is SealFailure.KEY


def test_wrong_key_with_a_forged_key_id_still_fails(key: X25519PrivateKey, app_uuid: str) -> None:
    other = sealing.generate_private_key()
    blob = sealing.seal(sealing.public_key_raw(key), app_uuid, {"a": 1})
    forged = blob[:5] + sealing.key_id(sealing.public_key_raw(other)) + blob[13:]
    with pytest.raises(SealError) as exc:
        sealing.unseal(other, app_uuid, forged)
    assert exc.value.reason is SealFailure.TAMPERED


@pytest.mark.parametrize(
    ("offset", "byte", "message", "reason"),
    [
        (3, b"\x02", "unsupported sealing format version 2", SealFailure.VERSION),
        (4, b"\x09", "unknown cipher suite 9", SealFailure.SUITE),
    ],
    ids=["version", "suite"],
)
def test_unknown_version_or_suite_is_refused(
    key: X25519PrivateKey,
    app_uuid: str,
    offset: int,
    byte: bytes,
    message: str,
    reason: SealFailure,
) -> None:
    """The header's version (byte 3) or cipher suite (byte 4) changed to one not known."""
    blob = sealing.seal(sealing.public_key_raw(key), app_uuid, {"a": 1})
    with pytest.raises(SealError, match=message) as exc:
        sealing.unseal(key, app_uuid, blob[:offset] + byte + blob[offset + 1 :])
    assert exc.value.reason is reason


@pytest.mark.parametrize("blob", [b"", b"KT", b"PK\x03\x04" + bytes(100), b"{}"])
def test_not_a_package(key: X25519PrivateKey, app_uuid: str, blob: bytes) -> None:
    with pytest.raises(SealError, match="not a sealed application") as exc:
        sealing.unseal(key, app_uuid, blob)
    assert exc.value.reason is SealFailure.MALFORMED


def test_bad_arguments(key: X25519PrivateKey) -> None:
    with pytest.raises(SealError, match="is not a UUID"):
        sealing.seal(sealing.public_key_raw(key), "not-a-uuid", {})
    with pytest.raises(SealError, match="32 bytes"):
        sealing.seal(b"short", str(uuidlib.uuid4()), {})
    with pytest.raises(SealError, match="cannot be written as JSON"):
        sealing.seal(sealing.public_key_raw(key), str(uuidlib.uuid4()), {"x": object()})
    with pytest.raises(SealError, match="cannot be written as JSON"):
        sealing.seal(sealing.public_key_raw(key), str(uuidlib.uuid4()), {"x": float("nan")})


def test_plaintext_is_canonical_json() -> None:
    assert sealing.canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


@settings(max_examples=25, deadline=None)
@given(
    payload=st.dictionaries(
        st.text(max_size=10),
        st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none()),
        max_size=8,
    )
)
def test_round_trip_property(payload: dict[str, object]) -> None:
    app_uuid = "0b7d3c4e-1111-4222-8333-444455556666"
    blob = sealing.seal(sealing.public_key_raw(VECTOR_KEY), app_uuid, payload)
    assert sealing.unseal(VECTOR_KEY, app_uuid, blob) == payload


# --- the committed vector pins format v1 --------------------------------------------------------


def test_vector_public_key() -> None:
    assert sealing.encode_public_key(VECTOR_KEY) == VECTOR_PUBLIC_KEY
    assert sealing.decode_public_key(VECTOR_PUBLIC_KEY) == sealing.public_key_raw(VECTOR_KEY)


def test_committed_vector_still_opens() -> None:
    assert sealing.unseal(VECTOR_KEY, VECTOR_UUID, VECTOR_BLOB) == VECTOR_PAYLOAD


def test_committed_vector_layout() -> None:
    header = sealing.read_header(VECTOR_BLOB)
    assert VECTOR_BLOB[:3] == b"KTS"
    assert (header.version, header.suite) == (1, 1)
    assert header.key_id == hashlib.sha256(sealing.public_key_raw(VECTOR_KEY)).digest()[:8]
    assert str(header.uuid) == VECTOR_UUID
    # header + enc (32) + canonical JSON + GCM tag (16)
    plaintext = json.dumps(
        VECTOR_PAYLOAD, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert len(VECTOR_BLOB) == sealing.HEADER_SIZE + 32 + len(plaintext) + 16


# --- keys ---------------------------------------------------------------------------------------


def test_private_key_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "k" / "central_private_key.pem"
    created = sealing.load_or_create_private_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    again = sealing.load_or_create_private_key(path)
    assert sealing.public_key_raw(again) == sealing.public_key_raw(created)
    assert not list(path.parent.glob(".*.tmp"))


def test_private_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    sealing.save_private_key(sealing.generate_private_key(), path)
    path.chmod(0o644)
    with pytest.raises(sealing.KeyFileError, match="readable by other users"):
        sealing.load_private_key(path)


def test_private_key_file_errors(tmp_path: Path) -> None:
    with pytest.raises(sealing.KeyFileError, match="cannot read"):
        sealing.load_private_key(tmp_path / "missing.pem")
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"not a key")
    bad.chmod(0o600)
    with pytest.raises(sealing.KeyFileError, match="not a PEM private key"):
        sealing.load_private_key(bad)


def test_public_key_encoding_errors() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        sealing.decode_public_key("AAAA")
    with pytest.raises(ValueError, match="32 bytes"):
        sealing.encode_public_key(b"\x00" * 31)
