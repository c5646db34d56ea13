from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.store.crypto import HEADER_SIZE, KEY_SIZE, KeyRing, key_id_for
from kiosk.store.errors import KeyFileError, TamperedDataError, UnknownKeyError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_file_created_0600_in_0700_dir(tmp_path: Path) -> None:
    key_path = tmp_path / "a" / "keys" / "kiosk.key"
    ring = KeyRing.open(key_path)
    assert key_path.is_file()
    assert mode(key_path) == 0o600
    assert mode(key_path.parent) == 0o700
    assert mode(key_path.parent.parent) == 0o700
    assert len(key_path.read_bytes()) == KEY_SIZE
    assert ring.current_id == key_id_for(key_path.read_bytes())
    # no temporary file left behind
    assert sorted(p.name for p in key_path.parent.iterdir()) == ["kiosk.key"]


def test_key_is_stable_across_loads(tmp_path: Path) -> None:
    key_path = tmp_path / "kiosk.key"
    first = KeyRing.open(key_path)
    blob = first.encrypt(b"secret", b"ctx")
    second = KeyRing.open(key_path)
    assert second.current_id == first.current_id
    assert second.decrypt(blob, b"ctx") == b"secret"


def test_concurrent_creation_keeps_the_first_key(tmp_path: Path) -> None:
    key_path = tmp_path / "kiosk.key"
    KeyRing.open(key_path)
    original = key_path.read_bytes()
    KeyRing._create_key_file(key_path)  # a second process losing the race
    assert key_path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["kiosk.key"]


def test_world_readable_key_file_is_refused(tmp_path: Path) -> None:
    key_path = tmp_path / "kiosk.key"
    KeyRing.open(key_path)
    os.chmod(key_path, 0o644)
    with pytest.raises(KeyFileError, match="0600"):
        KeyRing.open(key_path)


def test_malformed_key_file_is_refused(tmp_path: Path) -> None:
    key_path = tmp_path / "kiosk.key"
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"short")
    os.close(fd)
    with pytest.raises(KeyFileError, match="malformed"):
        KeyRing.open(key_path)


def test_ciphertext_format(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path / "kiosk.key")
    blob = ring.encrypt(b"hello", b"ctx")
    assert blob[0] == 1
    assert blob[1:9].hex() == ring.current_id
    assert KeyRing.key_id_of(blob) == ring.current_id
    assert len(blob) == HEADER_SIZE + len(b"hello") + 16
    assert b"hello" not in blob
    # random nonce: same plaintext encrypts differently
    assert ring.encrypt(b"hello", b"ctx") != blob


@pytest.mark.parametrize("position", [0, 3, 12, HEADER_SIZE + 1, -1])
def test_any_modified_byte_is_detected(tmp_path: Path, position: int) -> None:
    ring = KeyRing.open(tmp_path / "kiosk.key")
    blob = bytearray(ring.encrypt(b"some answers", b"ctx"))
    blob[position] ^= 0x01
    with pytest.raises((TamperedDataError, UnknownKeyError)):
        ring.decrypt(bytes(blob), b"ctx")


def test_wrong_context_and_truncation_are_detected(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path / "kiosk.key")
    blob = ring.encrypt(b"some answers", b"draft-1")
    with pytest.raises(TamperedDataError):
        ring.decrypt(blob, b"draft-2")
    with pytest.raises(TamperedDataError):
        ring.decrypt(blob[:-1], b"draft-1")
    with pytest.raises(TamperedDataError):
        ring.decrypt(blob[:10], b"draft-1")


def test_rotation_keeps_old_keys_readable(tmp_path: Path) -> None:
    key_path = tmp_path / "kiosk.key"
    ring = KeyRing.open(key_path)
    old_id = ring.current_id
    old_blob = ring.encrypt(b"old", b"c")
    new_id = ring.rotate()
    assert new_id != old_id
    assert ring.current_id == new_id
    assert ring.key_ids == {old_id, new_id}
    retired = tmp_path / f"kiosk.key.{old_id}"
    assert retired.is_file()
    assert mode(retired) == 0o600
    assert mode(key_path) == 0o600
    new_blob = ring.encrypt(b"new", b"c")
    assert KeyRing.key_id_of(new_blob) == new_id
    assert ring.decrypt(old_blob, b"c") == b"old"
    # a fresh process sees both keys
    reloaded = KeyRing.open(key_path)
    assert reloaded.current_id == new_id
    assert reloaded.decrypt(old_blob, b"c") == b"old"
    assert reloaded.decrypt(new_blob, b"c") == b"new"
    # without the retired key file the old data is unreadable, with a clear error
    retired.unlink()
    with pytest.raises(UnknownKeyError):
        KeyRing.open(key_path).decrypt(old_blob, b"c")


def test_rotation_by_another_process_is_picked_up(tmp_path: Path) -> None:
    key_path = tmp_path / "kiosk.key"
    ours = KeyRing.open(key_path)
    theirs = KeyRing.open(key_path)
    theirs.rotate()
    blob = theirs.encrypt(b"x", b"c")
    assert ours.decrypt(blob, b"c") == b"x"


@pytest.fixture(scope="module")
def shared_ring(tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    return KeyRing.open(tmp_path_factory.mktemp("ring") / "kiosk.key")


@given(plaintext=st.binary(max_size=2000), context=st.binary(max_size=64))
def test_round_trip(shared_ring: KeyRing, plaintext: bytes, context: bytes) -> None:
    assert shared_ring.decrypt(shared_ring.encrypt(plaintext, context), context) == plaintext
