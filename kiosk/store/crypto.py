"""The kiosk key: encryption of data at rest (drafts).

Keys are 32 random bytes (AES-256-GCM). The current key lives in the key file
(default ``<data_dir>/keys/kiosk.key``); when it is rotated the previous key is kept
beside it as ``kiosk.key.<key id>`` so that data encrypted under it stays readable
until it has been re-encrypted (``Store.rekey_drafts``). Key files are created with
mode 0600 in a directory with mode 0700, and a key file that others can read is
refused.

Encrypted blob format (all lengths in bytes)::

    version (1, = 0x01) | key id (8) | nonce (12) | AES-GCM ciphertext + tag (16)

The associated data is the blob header (version, key id, nonce) followed by the
caller's context (the draft uuid), so a ciphertext moved to another record, or a
header edited to point at another key, fails authentication.

The key id is the first 8 bytes of SHA-256 over a fixed label and the key: it names
the key, reveals nothing useful about it, and is stable across restarts.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.store.errors import KeyFileError, TamperedDataError, UnknownKeyError

FORMAT_VERSION = 1
KEY_SIZE = 32
KEY_ID_SIZE = 8
NONCE_SIZE = 12
TAG_SIZE = 16
HEADER_SIZE = 1 + KEY_ID_SIZE + NONCE_SIZE
_KEY_ID_LABEL = b"kiosk-titre-sejour key id v1\x00"


def key_id_for(key: bytes) -> str:
    """The hex id (16 characters) of a key."""
    return hashlib.sha256(_KEY_ID_LABEL + key).digest()[:KEY_ID_SIZE].hex()


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) if missing; directories we create get mode 0700."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)
        os.chmod(directory, 0o700)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_new_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a file that must not exist yet, mode 0600, durably."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_key_file(path: Path) -> bytes:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise KeyFileError(f"key file {path} is missing") from None
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"key file {path} is not a regular file")
    if info.st_mode & 0o077:
        raise KeyFileError(
            f"key file {path} is readable or writable by other users "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); it must be 0600. "
            "Fix the permissions, or restore the kiosk's data directory from a backup."
        )
    key = path.read_bytes()
    if len(key) != KEY_SIZE:
        raise KeyFileError(f"key file {path} is malformed ({len(key)} bytes, expected {KEY_SIZE})")
    return key


class KeyRing:
    """The current kiosk key plus retired keys still needed to read older data."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._keys: dict[str, bytes] = {}
        self._current_id = ""
        self._load()

    # --- loading ----------------------------------------------------------------
    @classmethod
    def open(cls, path: Path) -> KeyRing:
        """Load the key file at ``path``, creating it (and a 0700 parent) if missing."""
        ensure_private_dir(path.parent)
        if not path.exists():
            cls._create_key_file(path)
        return cls(path)

    @staticmethod
    def _create_key_file(path: Path) -> None:
        """Create the key file atomically: write a temporary file with O_EXCL, then
        hard-link it into place (which fails if another process got there first)."""
        tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}")
        _write_new_file(tmp, secrets.token_bytes(KEY_SIZE))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it concurrently: use theirs
        finally:
            tmp.unlink()
        _fsync_dir(path.parent)

    def _retired_paths(self) -> list[Path]:
        pattern = re.compile(re.escape(self.path.name) + r"\.[0-9a-f]{16}")
        return sorted(p for p in self.path.parent.iterdir() if pattern.fullmatch(p.name))

    def _load(self) -> None:
        keys: dict[str, bytes] = {}
        for retired in self._retired_paths():
            key = _read_key_file(retired)
            keys[key_id_for(key)] = key
        current = _read_key_file(self.path)
        self._current_id = key_id_for(current)
        keys[self._current_id] = current
        self._keys = keys

    # --- properties -------------------------------------------------------------
    @property
    def current_id(self) -> str:
        return self._current_id

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    # --- rotation ---------------------------------------------------------------
    def rotate(self) -> str:
        """Make a new current key; the old one is kept as ``<key file>.<old id>``.
        Returns the new key id."""
        self._load()  # another process may have rotated already
        old_id = self._current_id
        retired = self.path.with_name(f"{self.path.name}.{old_id}")
        if not retired.exists():
            _write_new_file(retired, self._keys[old_id])
        tmp = self.path.with_name(f".{self.path.name}.tmp-{secrets.token_hex(4)}")
        _write_new_file(tmp, secrets.token_bytes(KEY_SIZE))
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        self._load()
        return self._current_id

    def derive_key(self, label: str) -> bytes:
        """A 32-byte key for another purpose (e.g. keyed hashes), derived from the current
        key: HMAC-SHA256(key, label). Different labels give independent keys."""
        return hmac.new(self._keys[self._current_id], label.encode("utf-8"), "sha256").digest()

    # --- encryption -------------------------------------------------------------
    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        """Encrypt under the current key; ``context`` (e.g. the draft uuid) is bound to
        the ciphertext as associated data and must be given again to decrypt."""
        nonce = secrets.token_bytes(NONCE_SIZE)
        header = bytes([FORMAT_VERSION]) + bytes.fromhex(self._current_id) + nonce
        aes = AESGCM(self._keys[self._current_id])
        return header + aes.encrypt(nonce, plaintext, header + context)

    @staticmethod
    def key_id_of(blob: bytes) -> str:
        """The id of the key a blob was encrypted under."""
        if len(blob) < HEADER_SIZE + TAG_SIZE or blob[0] != FORMAT_VERSION:
            raise TamperedDataError("encrypted data is truncated or of an unknown format")
        return blob[1 : 1 + KEY_ID_SIZE].hex()

    def decrypt(self, blob: bytes, context: bytes) -> bytes:
        key_id = self.key_id_of(blob)
        if key_id not in self._keys:
            self._load()  # rotated by another process since we loaded?
        key = self._keys.get(key_id)
        if key is None:
            raise UnknownKeyError(
                f"data was encrypted under key {key_id}, which this kiosk does not have"
            )
        header = blob[:HEADER_SIZE]
        nonce = blob[1 + KEY_ID_SIZE : HEADER_SIZE]
        try:
            return AESGCM(key).decrypt(nonce, blob[HEADER_SIZE:], header + context)
        except InvalidTag:
            raise TamperedDataError(
                "encrypted data failed authentication (modified, truncated or moved)"
            ) from None
