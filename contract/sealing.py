"""Sealing of submitted applications to the central API's public key (HPKE, RFC 9180).

A submitted application leaves the kiosk only as a *sealed package*: the kiosk can write it
but never read it back; only the holder of the central X25519 private key can open it.

Format, version 1 (all integers are single bytes)::

    offset  size  field
    0       3     magic b"KTS" ("kiosk titre de séjour")
    3       1     format version = 1
    4       1     suite id = 1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM
    5       8     recipient key id = SHA-256(raw X25519 public key)[:8]
    13      16    application UUID (its 16 RFC 4122 bytes)
    29      ...   HPKE single-shot output: enc (32 bytes) || AES-256-GCM ciphertext and tag

The plaintext is the application payload as canonical JSON (UTF-8, sorted keys, no
whitespace). The HPKE ``info`` is ``INFO_LABEL + header`` (the 29 bytes above), so the
format version, the suite, the recipient key and the application UUID are all
authenticated: a package cannot be opened under another UUID (replay), another version or
another suite, and changing any header byte makes decryption fail. The key id and the UUID
are in clear in the header only so that errors can say *why* a package cannot be opened
("sealed for another key", "sealed for another application") instead of a bare failure.

Attachments (scanned document pages), format version 1, are sealed separately, one page per
*sealed attachment*, so that they can be uploaded in chunks and resumed::

    offset  size  field
    0       3     magic b"KTA" ("kiosk titre de séjour, attachment")
    3       1     format version = 1
    4       1     suite id = 1 (as above)
    5       8     recipient key id
    13      16    application UUID
    29      1     n = length of the attachment id (1..64)
    30      n     attachment id, ASCII: "<document id>/<page number>", e.g. "passport/1"
    30+n    ...   HPKE single-shot output: enc (32 bytes) || ciphertext and tag

The plaintext is the page's bytes as scanned (JPEG, PNG or PDF). The HPKE ``info`` is
``ATTACHMENT_INFO_LABEL + header``, so a page is bound to its application *and* to its place
in it: it cannot be moved to another application, another document or another page number.
The application payload lists each attachment with the SHA-256 of its sealed bytes (its
content address on the wire), its size and content type.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
import uuid as uuidlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

MAGIC = b"KTS"
ATTACHMENT_MAGIC = b"KTA"
ATTACHMENT_INFO_LABEL = b"kiosk-titre-sejour/sealed-attachment"
MAX_ATTACHMENT_ID = 64
FORMAT_VERSION = 1
SUITE_X25519_SHA256_AES256GCM = 1
INFO_LABEL = b"kiosk-titre-sejour/sealed-application"
KEY_ID_SIZE = 8
HEADER_SIZE = len(MAGIC) + 1 + 1 + KEY_ID_SIZE + 16
PUBLIC_KEY_SIZE = 32
_ENC_SIZE = 32  # X25519 encapsulated key
_TAG_SIZE = 16  # AES-GCM tag

_SUITES: dict[int, hpke.Suite] = {
    SUITE_X25519_SHA256_AES256GCM: hpke.Suite(
        hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM
    ),
}
SUPPORTED_FORMATS = (FORMAT_VERSION,)


class SealFailure(StrEnum):
    """Why a package cannot be opened (``SealError.reason``)."""

    MALFORMED = "malformed"
    VERSION = "version"
    SUITE = "suite"
    KEY = "key"
    UUID = "uuid"
    TAMPERED = "tampered"
    CONTENT = "content"


class SealError(ValueError):
    """A package cannot be sealed or opened; the message says why in plain English."""

    def __init__(self, message: str, reason: SealFailure) -> None:
        super().__init__(message)
        self.reason = reason


class KeyFileError(ValueError):
    """A private key file is missing, unreadable, of the wrong type or too widely readable."""


@dataclass(frozen=True)
class SealedHeader:
    version: int
    suite: int
    key_id: bytes
    uuid: uuidlib.UUID


# --- keys -----------------------------------------------------------------------------------


def generate_private_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def public_key_raw(key: X25519PrivateKey | X25519PublicKey) -> bytes:
    """The 32 raw bytes of the public key (of a private key's public half)."""
    pub = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def encode_public_key(key: bytes | X25519PrivateKey | X25519PublicKey) -> str:
    """Base64url (RFC 4648 §5, no padding) of the raw X25519 public key, as sent on the wire."""
    raw = key if isinstance(key, bytes) else public_key_raw(key)
    if len(raw) != PUBLIC_KEY_SIZE:
        raise ValueError(f"an X25519 public key has {PUBLIC_KEY_SIZE} bytes, not {len(raw)}")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_public_key(text: str) -> bytes:
    """Inverse of :func:`encode_public_key` (padding optional); checks the length."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the public key is not valid base64url: {exc}") from None
    if len(raw) != PUBLIC_KEY_SIZE:
        raise ValueError(f"an X25519 public key has {PUBLIC_KEY_SIZE} bytes, not {len(raw)}")
    return raw


def key_id(public_raw: bytes) -> bytes:
    return hashlib.sha256(public_raw).digest()[:KEY_ID_SIZE]


def save_private_key(key: X25519PrivateKey, path: Path | str) -> None:
    """Write the key as an unencrypted PKCS#8 PEM file readable by its owner only (0600).

    The file is written beside its final name and renamed, so a crash never leaves half a key.
    """
    path = Path(path)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private(path, pem)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a hidden temporary file, synced, then renamed),
    readable by its owner only (mode 0600, whatever the umask): keys and tokens."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def load_private_key(path: Path | str) -> X25519PrivateKey:
    """Read a PEM X25519 private key; refuse a file that group or others can read."""
    path = Path(path)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the private key: {exc.strerror}") from None
    if mode & 0o077:
        raise KeyFileError(
            f"{path}: the private key is readable by other users (mode {mode:04o}); "
            "run `chmod 600` on it"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path}: not a PEM private key: {exc}") from None
    if not isinstance(key, X25519PrivateKey):
        raise KeyFileError(f"{path}: the key is not an X25519 key")
    return key


def load_or_create_private_key(path: Path | str) -> X25519PrivateKey:
    """Load the key at ``path``, generating and saving a new one (0600) the first time."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        save_private_key(generate_private_key(), path)
    return load_private_key(path)


# --- sealing ---------------------------------------------------------------------------------


def canonical_json(payload: dict[str, Any]) -> bytes:
    """UTF-8 JSON with sorted keys and no insignificant whitespace."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _parse_uuid(value: str | uuidlib.UUID) -> uuidlib.UUID:
    if isinstance(value, uuidlib.UUID):
        return value
    try:
        return uuidlib.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise SealError(f"{value!r} is not a UUID", SealFailure.MALFORMED) from None


def _header(version: int, suite: int, kid: bytes, app_uuid: uuidlib.UUID) -> bytes:
    return MAGIC + bytes([version, suite]) + kid + app_uuid.bytes


def seal(public_key_raw: bytes, uuid: str | uuidlib.UUID, payload: dict[str, Any]) -> bytes:
    """Seal ``payload`` (a JSON-serialisable dict) for the holder of the private key."""
    app_uuid = _parse_uuid(uuid)
    if len(public_key_raw) != PUBLIC_KEY_SIZE:
        raise SealError(
            f"an X25519 public key has {PUBLIC_KEY_SIZE} bytes, not {len(public_key_raw)}",
            SealFailure.KEY,
        )
    try:
        plaintext = canonical_json(payload)
    except (TypeError, ValueError) as exc:
        raise SealError(
            f"the payload cannot be written as JSON: {exc}", SealFailure.CONTENT
        ) from None
    header = _header(
        FORMAT_VERSION, SUITE_X25519_SHA256_AES256GCM, key_id(public_key_raw), app_uuid
    )
    recipient = X25519PublicKey.from_public_bytes(public_key_raw)
    suite = _SUITES[SUITE_X25519_SHA256_AES256GCM]
    return header + suite.encrypt(plaintext, recipient, info=INFO_LABEL + header)


def _read_prefix(blob: bytes, magic: bytes, min_size: int, what: str, noun: str) -> tuple[int, int]:
    """(version, suite) from the clear prefix both kinds of header start with (``magic``, the
    format version, the cipher suite), checked; SealError if the blob is not a sealed
    ``what``, of a version or suite this software does not read, or shorter than
    ``min_size`` (the messages call it the sealed ``noun``)."""
    if len(blob) < len(magic) + 1 or not blob.startswith(magic):
        raise SealError(
            f"this is not a sealed {what} (it does not start with the {magic.decode()} marker)",
            SealFailure.MALFORMED,
        )
    version = blob[len(magic)]
    if version not in SUPPORTED_FORMATS:
        supported = ", ".join(str(v) for v in SUPPORTED_FORMATS)
        raise SealError(
            f"unsupported sealing format version {version} (this software reads version "
            f"{supported})",
            SealFailure.VERSION,
        )
    if len(blob) < min_size:
        raise SealError(
            f"the sealed {noun} is truncated ({len(blob)} bytes)", SealFailure.MALFORMED
        )
    suite = blob[len(magic) + 1]
    if suite not in _SUITES:
        raise SealError(f"unknown cipher suite {suite} in the sealed {noun}", SealFailure.SUITE)
    return version, suite


def read_header(blob: bytes) -> SealedHeader:
    """Parse and check the clear header (magic, version, suite) without decrypting."""
    version, suite = _read_prefix(
        blob, MAGIC, HEADER_SIZE + _ENC_SIZE + _TAG_SIZE, "application", "package"
    )
    kid = blob[5 : 5 + KEY_ID_SIZE]
    return SealedHeader(version, suite, kid, uuidlib.UUID(bytes=blob[13:HEADER_SIZE]))


def _check_recipient(
    header: SealedHeader | AttachmentHeader,
    private_key: X25519PrivateKey,
    expected: uuidlib.UUID,
    noun: str,
) -> None:
    """SealError unless the sealed ``noun`` was sealed to this key, for application
    ``expected``."""
    own_kid = key_id(public_key_raw(private_key))
    if header.key_id != own_kid:
        raise SealError(
            f"the {noun} was sealed for another key (key id {header.key_id.hex()}), "
            f"not for this key ({own_kid.hex()})",
            SealFailure.KEY,
        )
    if header.uuid != expected:
        raise SealError(
            f"the {noun} was sealed for application {header.uuid}, not {expected}",
            SealFailure.UUID,
        )


def unseal(private_key: X25519PrivateKey, uuid: str | uuidlib.UUID, blob: bytes) -> dict[str, Any]:
    """Open a package sealed by :func:`seal` for application ``uuid``; raise SealError if not."""
    expected = _parse_uuid(uuid)
    header = read_header(blob)
    _check_recipient(header, private_key, expected, "package")
    head = blob[:HEADER_SIZE]
    try:
        plaintext = _SUITES[header.suite].decrypt(
            blob[HEADER_SIZE:], private_key, info=INFO_LABEL + head
        )
    except InvalidTag:
        raise SealError(
            "the package has been altered or corrupted (authentication failed)",
            SealFailure.TAMPERED,
        ) from None
    try:
        payload = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SealError("the sealed content is not UTF-8 JSON", SealFailure.CONTENT) from None
    if not isinstance(payload, dict):
        raise SealError("the sealed content is not a JSON object", SealFailure.CONTENT)
    return payload


def sha256_hex(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


# --- attachments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentHeader:
    version: int
    suite: int
    key_id: bytes
    uuid: uuidlib.UUID
    attachment_id: str
    size: int  # bytes of the header itself


_ATTACHMENT_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-/")


def attachment_id(document_id: str, page_no: int) -> str:
    """The id a page is sealed under: ``"<document id>/<page number>"``."""
    if not isinstance(page_no, int) or isinstance(page_no, bool) or page_no < 1:
        raise SealError(
            f"a page number is a positive integer, not {page_no!r}", SealFailure.CONTENT
        )
    text = f"{document_id}/{page_no}"
    _check_attachment_id(text)
    return text


def _check_attachment_id(text: str) -> bytes:
    if (
        not isinstance(text, str)
        or not 1 <= len(text) <= MAX_ATTACHMENT_ID
        or not set(text) <= _ATTACHMENT_ID_CHARS
    ):
        raise SealError(
            f"an attachment id is 1 to {MAX_ATTACHMENT_ID} characters among a-z 0-9 _ - /",
            SealFailure.MALFORMED,
        )
    return text.encode("ascii")


def _attachment_header(
    version: int, suite: int, kid: bytes, app_uuid: uuidlib.UUID, att_id: bytes
) -> bytes:
    return (
        ATTACHMENT_MAGIC
        + bytes([version, suite])
        + kid
        + app_uuid.bytes
        + bytes([len(att_id)])
        + att_id
    )


def seal_attachment(
    public_key_raw: bytes, uuid: str | uuidlib.UUID, attachment_id: str, data: bytes
) -> bytes:
    """Seal one page (``data``, any bytes) of application ``uuid`` under ``attachment_id``."""
    app_uuid = _parse_uuid(uuid)
    att_id = _check_attachment_id(attachment_id)
    if len(public_key_raw) != PUBLIC_KEY_SIZE:
        raise SealError(
            f"an X25519 public key has {PUBLIC_KEY_SIZE} bytes, not {len(public_key_raw)}",
            SealFailure.KEY,
        )
    if not isinstance(data, bytes | bytearray | memoryview) or not len(data):
        raise SealError("an attachment must be non-empty bytes", SealFailure.CONTENT)
    header = _attachment_header(
        FORMAT_VERSION, SUITE_X25519_SHA256_AES256GCM, key_id(public_key_raw), app_uuid, att_id
    )
    recipient = X25519PublicKey.from_public_bytes(public_key_raw)
    suite = _SUITES[SUITE_X25519_SHA256_AES256GCM]
    return header + suite.encrypt(bytes(data), recipient, info=ATTACHMENT_INFO_LABEL + header)


def read_attachment_header(blob: bytes) -> AttachmentHeader:
    """Parse and check the clear header of a sealed attachment without decrypting.

    Only the first ``30 + 64`` bytes are needed (a prefix of the blob is enough)."""
    base = len(ATTACHMENT_MAGIC) + 2 + KEY_ID_SIZE + 16
    version, suite = _read_prefix(blob, ATTACHMENT_MAGIC, base + 1, "attachment", "attachment")
    n = blob[base]
    if len(blob) < base + 1 + n:
        raise SealError("the sealed attachment is truncated", SealFailure.MALFORMED)
    try:
        att_id = bytes(blob[base + 1 : base + 1 + n]).decode("ascii")
        _check_attachment_id(att_id)
    except (UnicodeDecodeError, SealError):
        raise SealError(
            "the attachment id in the header is malformed", SealFailure.MALFORMED
        ) from None
    return AttachmentHeader(
        version=version,
        suite=suite,
        key_id=bytes(blob[5 : 5 + KEY_ID_SIZE]),
        uuid=uuidlib.UUID(bytes=bytes(blob[13:base])),
        attachment_id=att_id,
        size=base + 1 + n,
    )


def unseal_attachment(
    private_key: X25519PrivateKey, uuid: str | uuidlib.UUID, attachment_id: str, blob: bytes
) -> bytes:
    """Open a page sealed by :func:`seal_attachment`; raise SealError if it cannot be."""
    expected = _parse_uuid(uuid)
    header = read_attachment_header(blob)
    if len(blob) < header.size + _ENC_SIZE + _TAG_SIZE:
        raise SealError(
            f"the sealed attachment is truncated ({len(blob)} bytes)", SealFailure.MALFORMED
        )
    _check_recipient(header, private_key, expected, "attachment")
    if header.attachment_id != attachment_id:
        raise SealError(
            f"the attachment was sealed as {header.attachment_id!r}, not {attachment_id!r}",
            SealFailure.UUID,
        )
    head = blob[: header.size]
    try:
        return _SUITES[header.suite].decrypt(
            blob[header.size :], private_key, info=ATTACHMENT_INFO_LABEL + head
        )
    except InvalidTag:
        raise SealError(
            "the attachment has been altered or corrupted (authentication failed)",
            SealFailure.TAMPERED,
        ) from None
