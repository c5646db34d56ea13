"""The kiosk's enrolment file (sync.enrolment)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any, cast

import pytest

from contract import sealing
from contract.protocol import EnrolResponse
from sync.client import CentralClient
from sync.enrolment import Enrolment, EnrolmentError, enrol

PUBLIC_KEY = sealing.encode_public_key(sealing.generate_private_key())


def _enrolment() -> Enrolment:
    return Enrolment(
        kiosk_id="kiosk-1",
        token="s3cret-token",
        server_url="https://c.example",
        public_key=PUBLIC_KEY,
    )


def test_save_and_load(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "enrolment.json"
    _enrolment().save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Enrolment.load(path) == _enrolment()
    assert Enrolment.load(path).public_key_raw == sealing.decode_public_key(PUBLIC_KEY)
    # saving again replaces atomically and keeps 0600
    _enrolment().save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(path.parent.glob(".*.tmp"))


def test_repr_hides_the_token() -> None:
    assert "s3cret" not in repr(_enrolment())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not enrolled"),
        ("{", "cannot read"),
        ("[]", "not a JSON object"),
        ('{"kiosk_id": "k"}', "has no 'token'"),
        (
            '{"kiosk_id": "k", "token": "t", "server_url": "u", "public_key": "AAAA"}',
            "32 bytes",
        ),
    ],
)
def test_load_errors(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "enrolment.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(EnrolmentError, match=message):
        Enrolment.load(path)


class FakeClient:
    base_url = "https://central.example"

    def __init__(self, answer: EnrolResponse) -> None:
        self.answer = answer
        self.token: str | None = None
        self.calls: list[tuple[str, str, str | None]] = []

    def enrol(self, code: str, kiosk_name: str, previous_token: str | None = None) -> EnrolResponse:
        self.calls.append((code, kiosk_name, previous_token))
        return self.answer


def test_enrol_saves_and_arms_the_client(tmp_path: Path) -> None:
    client = FakeClient(
        EnrolResponse(kiosk_id="kiosk-9", token="tok", public_key=PUBLIC_KEY, sealing_format=1)
    )
    path = tmp_path / "enrolment.json"
    result = enrol(cast(CentralClient, client), "CODE-1234", "Accueil 2", path)
    assert client.calls == [("CODE-1234", "Accueil 2", None)]
    assert result.server_url == "https://central.example"
    assert client.token == "tok"
    saved: dict[str, Any] = json.loads(path.read_text())
    assert saved["kiosk_id"] == "kiosk-9"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Enrolled again: the kiosk sends its current token, so the server keeps its identity.
    enrol(cast(CentralClient, client), "CODE-5678", "Accueil 2", path)
    assert client.calls[-1] == ("CODE-5678", "Accueil 2", "tok")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"public_key": "AAAA"}, "public key is unusable"),
        ({"sealing_format": 7}, "sealing format 7"),
    ],
)
def test_enrol_refuses_an_unusable_answer(
    tmp_path: Path, answer: dict[str, Any], message: str
) -> None:
    fields: dict[str, Any] = {
        "kiosk_id": "k",
        "token": "t",
        "public_key": PUBLIC_KEY,
        "sealing_format": 1,
    }
    client = FakeClient(EnrolResponse(**(fields | answer)))
    with pytest.raises(EnrolmentError, match=message):
        enrol(cast(CentralClient, client), "CODE-1234", "k", tmp_path / "e.json")
    assert not (tmp_path / "e.json").exists()
