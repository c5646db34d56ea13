"""The kiosk's enrolment: its id and token at the central API, and the key to seal to.

Kept as a small JSON file readable by its owner only (0600); the token is a secret.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from contract.sealing import SUPPORTED_FORMATS, decode_public_key, write_private
from sync.client import CentralClient

ENROLMENT_FILE = "enrolment.json"


class EnrolmentError(ValueError):
    """The enrolment file is missing or invalid, or the server's answer cannot be used."""


@dataclass(frozen=True)
class Enrolment:
    kiosk_id: str
    token: str
    server_url: str
    public_key: str  # base64url raw X25519 public key of the central API
    sealing_format: int = 1

    def __repr__(self) -> str:  # never print the token
        return (
            f"Enrolment(kiosk_id={self.kiosk_id!r}, server_url={self.server_url!r}, "
            f"token=<hidden>, sealing_format={self.sealing_format})"
        )

    @property
    def public_key_raw(self) -> bytes:
        return decode_public_key(self.public_key)

    def save(self, path: Path | str) -> None:
        """Write atomically, mode 0600."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(asdict(self), indent=2, sort_keys=True).encode("utf-8") + b"\n"
        write_private(path, data)

    @classmethod
    def load(cls, path: Path | str) -> Enrolment:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise EnrolmentError(
                f"{path}: this kiosk is not enrolled; run "
                "`kiosk-sync --data-dir DIR --enrol-code CODE --server URL`"
            ) from None
        except (OSError, ValueError) as exc:
            raise EnrolmentError(f"{path}: cannot read the enrolment: {exc}") from None
        if not isinstance(data, dict):
            raise EnrolmentError(f"{path}: the enrolment is not a JSON object")
        try:
            enrolment = cls(
                kiosk_id=str(data["kiosk_id"]),
                token=str(data["token"]),
                server_url=str(data["server_url"]),
                public_key=str(data["public_key"]),
                sealing_format=int(data.get("sealing_format", 1)),
            )
            _ = enrolment.public_key_raw
        except KeyError as exc:
            raise EnrolmentError(f"{path}: the enrolment has no {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise EnrolmentError(f"{path}: the enrolment is invalid: {exc}") from None
        return enrolment


def enrol(
    client: CentralClient,
    code: str,
    kiosk_name: str,
    path: Path | str,
    *,
    site: str | None = None,
) -> Enrolment:
    """Exchange a one-time code for a token, save the enrolment (0600) and return it.

    A kiosk enrolled already with the same server sends its current token: the server keeps
    its id (pages half uploaded and applications not yet sent carry on) and revokes the old
    token. The client's token is set, so the same client can deliver applications right away.
    """
    previous = None
    try:
        current = Enrolment.load(path)
        if current.server_url.rstrip("/") == client.base_url.rstrip("/"):
            previous = current.token
    except EnrolmentError:
        pass
    if site is None:
        answer = client.enrol(code, kiosk_name, previous_token=previous)
    else:
        answer = client.enrol(code, kiosk_name, previous_token=previous, site=site)
    if answer.sealing_format not in SUPPORTED_FORMATS:
        raise EnrolmentError(
            f"the server asks for sealing format {answer.sealing_format}, "
            f"this kiosk writes {', '.join(map(str, SUPPORTED_FORMATS))}: update the kiosk"
        )
    try:
        decode_public_key(answer.public_key)
    except ValueError as exc:
        raise EnrolmentError(f"the server's public key is unusable: {exc}") from None
    enrolment = Enrolment(
        kiosk_id=answer.kiosk_id,
        token=answer.token,
        server_url=client.base_url,
        public_key=answer.public_key,
        sealing_format=answer.sealing_format,
    )
    enrolment.save(path)
    client.token = enrolment.token
    return enrolment
