"""Sealed attachments, format v1 (contract.sealing, "KTA"): round trip, binding to the
application, the document and the page, every refusal, and a pinned test vector."""

from __future__ import annotations

import hashlib
import uuid as uuidlib

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from contract import sealing
from contract.sealing import SealError, SealFailure

VECTOR_KEY = X25519PrivateKey.from_private_bytes(
    hashlib.sha256(b"kiosk-titre-sejour sealing test vector v1").digest()
)
VECTOR_UUID = "6f1c2a3e-8b4d-4e5f-9a0b-1c2d3e4f5a6b"
VECTOR_ID = "passport/1"
VECTOR_PAGE = b"%PDF-1.4 page one"
VECTOR_BLOB = bytes.fromhex(
    "4b544101011ab218b3cf9a98df6f1c2a3e8b4d4e5f9a0b1c2d3e4f5a6b0a70617373706f72742f311a0a0a9d"
    "67eef104410f67f011ba4521f9874c7a605f96434c02af0030a4873c564b93c805050df57d774e2073230b02"
    "45731009227a85193ed05286fc88a57e1a"
)
PAGE = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40  # a "JPEG" of 10 KiB


def _seal(key: X25519PrivateKey, app_uuid: str, att_id: str = "passport/1") -> bytes:
    return sealing.seal_attachment(sealing.public_key_raw(key), app_uuid, att_id, PAGE)


def test_round_trip(key: X25519PrivateKey, app_uuid: str) -> None:
    blob = _seal(key, app_uuid)
    assert sealing.unseal_attachment(key, app_uuid, "passport/1", blob) == PAGE
    assert PAGE[4:64] not in blob
    assert _seal(key, app_uuid) != blob  # randomised: a new content address every time
    # overhead: header (30 + len(id)) + encapsulated key (32) + tag (16)
    assert len(blob) == len(PAGE) + 30 + len("passport/1") + 32 + 16


def test_attachment_id() -> None:
    assert sealing.attachment_id("passport", 2) == "passport/2"
    for bad in (0, -1, True):
        with pytest.raises(SealError):
            sealing.attachment_id("passport", bad)
    with pytest.raises(SealError):
        sealing.attachment_id("Passport!", 1)
    with pytest.raises(SealError):
        sealing.attachment_id("x" * 64, 1)


def test_header_is_readable_without_the_key(key: X25519PrivateKey, app_uuid: str) -> None:
    blob = _seal(key, app_uuid, "proof-of-address/3")
    header = sealing.read_attachment_header(blob[:128])  # a prefix is enough
    assert str(header.uuid) == app_uuid
    assert header.attachment_id == "proof-of-address/3"
    assert header.key_id == sealing.key_id(sealing.public_key_raw(key))
    assert header.size == 30 + len("proof-of-address/3")


@pytest.mark.parametrize(
    ("app", "att_id", "reason"),
    [
        ("other-uuid", "passport/1", SealFailure.UUID),
        ("same", "passport/2", SealFailure.UUID),
        ("same", "visa/1", SealFailure.UUID),
    ],
)
def test_a_page_cannot_move(
    key: X25519PrivateKey, app_uuid: str, app: str, att_id: str, reason: SealFailure
) -> None:
    blob = _seal(key, app_uuid)
    target = str(uuidlib.uuid4()) if app == "other-uuid" else app_uuid
    with pytest.raises(SealError) as exc:
        sealing.unseal_attachment(key, target, att_id, blob)
    assert exc.value.reason is reason


def test_rewriting_the_header_to_move_a_page_fails(key: X25519PrivateKey, app_uuid: str) -> None:
    blob = _seal(key, app_uuid, "passport/1")
    moved = blob.replace(b"passport/1", b"passport/2", 1)
    with pytest.raises(SealError) as exc:
        sealing.unseal_attachment(key, app_uuid, "passport/2", moved)
    assert exc.value.reason is SealFailure.TAMPERED
    other = str(uuidlib.uuid4())
    replayed = blob[:13] + uuidlib.UUID(other).bytes + blob[29:]
    with pytest.raises(SealError) as exc:
        sealing.unseal_attachment(key, other, "passport/1", replayed)
    assert exc.value.reason is SealFailure.TAMPERED


@pytest.mark.parametrize("offset", [45, 100, -1])
def test_tampering_is_detected(key: X25519PrivateKey, app_uuid: str, offset: int) -> None:
    blob = bytearray(_seal(key, app_uuid))
    blob[offset] ^= 0x01
    with pytest.raises(SealError) as exc:
        sealing.unseal_attachment(key, app_uuid, "passport/1", bytes(blob))
    assert exc.value.reason is SealFailure.TAMPERED


def test_wrong_key(key: X25519PrivateKey, app_uuid: str) -> None:
    blob = _seal(key, app_uuid)
    with pytest.raises(SealError) as exc:
        sealing.unseal_attachment(sealing.generate_private_key(), app_uuid, "passport/1", blob)
    assert exc.value.reason is SealFailure.KEY


@pytest.mark.parametrize(
    ("blob", "reason"),
    [
        (b"", SealFailure.MALFORMED),
        (b"KTS\x01\x01" + bytes(100), SealFailure.MALFORMED),  # an application, not a page
        (b"KTA\x09\x01" + bytes(100), SealFailure.VERSION),
        (b"KTA\x01\x07" + bytes(100), SealFailure.SUITE),
        (b"KTA\x01\x01" + bytes(24) + b"\x40" + b"a", SealFailure.MALFORMED),  # id cut short
        (b"KTA\x01\x01" + bytes(24) + b"\x02" + b"A!", SealFailure.MALFORMED),  # bad id
    ],
)
def test_malformed_headers(blob: bytes, reason: SealFailure) -> None:
    with pytest.raises(SealError) as exc:
        sealing.read_attachment_header(blob)
    assert exc.value.reason is reason


def test_truncated(key: X25519PrivateKey, app_uuid: str) -> None:
    blob = _seal(key, app_uuid)
    with pytest.raises(SealError) as exc:
        sealing.unseal_attachment(key, app_uuid, "passport/1", blob[:60])
    assert exc.value.reason is SealFailure.MALFORMED


def test_bad_arguments(key: X25519PrivateKey, app_uuid: str) -> None:
    pub = sealing.public_key_raw(key)
    with pytest.raises(SealError):
        sealing.seal_attachment(pub, app_uuid, "passport/1", b"")
    with pytest.raises(SealError):
        sealing.seal_attachment(pub[:31], app_uuid, "passport/1", b"x")
    with pytest.raises(SealError):
        sealing.seal_attachment(pub, "not-a-uuid", "passport/1", b"x")
    with pytest.raises(SealError):
        sealing.seal_attachment(pub, app_uuid, "", b"x")


@settings(max_examples=25, deadline=None)
@given(data=st.binary(min_size=1, max_size=4096), page=st.integers(min_value=1, max_value=999))
def test_round_trip_property(data: bytes, page: int) -> None:
    att_id = sealing.attachment_id("passport", page)
    blob = sealing.seal_attachment(sealing.public_key_raw(VECTOR_KEY), VECTOR_UUID, att_id, data)
    assert sealing.unseal_attachment(VECTOR_KEY, VECTOR_UUID, att_id, blob) == data


# --- the committed vector pins attachment format v1 --------------------------------------------


def test_committed_vector_still_opens() -> None:
    assert sealing.unseal_attachment(VECTOR_KEY, VECTOR_UUID, VECTOR_ID, VECTOR_BLOB) == VECTOR_PAGE


def test_committed_vector_layout() -> None:
    assert VECTOR_BLOB[:5] == b"KTA\x01\x01"
    header = sealing.read_attachment_header(VECTOR_BLOB)
    assert header.key_id == hashlib.sha256(sealing.public_key_raw(VECTOR_KEY)).digest()[:8]
    assert str(header.uuid) == VECTOR_UUID
    assert VECTOR_BLOB[29] == len(VECTOR_ID)
    assert VECTOR_BLOB[30 : 30 + len(VECTOR_ID)] == VECTOR_ID.encode()
    assert len(VECTOR_BLOB) == header.size + 32 + len(VECTOR_PAGE) + 16
