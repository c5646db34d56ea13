"""TLS between kiosk and central API, for real: a throwaway CA and certificates made here,
the central server on HTTPS (``--tls-cert/--tls-key``, optionally ``--tls-client-ca``), the
client refusing an unknown CA and accepting the one given as ``ca_bundle``."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract.sealing import seal
from kiosk.link.sync_service import sync_main
from kiosk.store import Store
from sync.client import CentralClient, TLSError, TransientError
from sync.enrolment import Enrolment, enrol
from tests.fixtures.central import CentralServer, sample_payload, start_central, stop_central
from tests.fixtures.pki import Pki, make_pki

pytestmark = pytest.mark.integration

SERVER = [sys.executable, "-m", "central"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def https_server(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    server = start_central(
        tmp_path_factory.mktemp("central-tls"),
        tls=(pki.server_cert, pki.server_key),
        ca_bundle=pki.ca,
    )
    try:
        yield server
    finally:
        stop_central(server.process)


def test_the_server_speaks_https(https_server: CentralServer) -> None:
    assert https_server.url.startswith("https://127.0.0.1:")


def test_an_unknown_ca_is_refused(https_server: CentralServer, pki: Pki) -> None:
    for client in (
        CentralClient(https_server.url),  # the system's CAs do not know the prefecture's
        CentralClient(https_server.url, ca_bundle=pki.other_ca),
    ):
        with pytest.raises(TLSError, match="certificate verify failed") as exc:
            client.health()
        assert "check the CA bundle" in str(exc.value)


def test_the_ca_bundle_is_accepted_end_to_end(
    https_server: CentralServer, pki: Pki, tmp_path: Path
) -> None:
    data_dir = tmp_path / "kiosk"
    client = CentralClient(https_server.url, ca_bundle=pki.ca)
    assert client.health().status == "ok"
    enrolment = enrol(
        client, https_server.new_enrolment_code(), "Accueil TLS", data_dir / "enrolment.json"
    )
    with Store.open(data_dir / "store") as store:
        app_uuid = str(uuidlib.uuid4())
        now = dt.datetime.now(dt.UTC)
        payload = sample_payload(enrolment.kiosk_id, app_uuid, now)
        store.outbox.enqueue(
            app_uuid, "renewal-student", seal(enrolment.public_key_raw, app_uuid, payload), now
        )
    # kiosk-sync without the CA: nothing is lost, staff are alerted
    assert sync_main(["--data-dir", str(data_dir), "--once"]) == 0
    with Store.open(data_dir / "store") as store:
        assert store.settings.get("sync_alert") == "tls"
        entry = store.outbox.entry(app_uuid)
        assert entry is not None and entry.state == "failed" and entry.next_attempt_at
        assert "TLS" in (entry.last_error or "")
        store.outbox.mark_failed(app_uuid, "retry now", now, now)  # due again at once
    # with the prefecture's CA bundle it goes through
    rc = sync_main(["--data-dir", str(data_dir), "--once", "--ca-bundle", str(pki.ca)])
    assert rc == 0
    with Store.open(data_dir / "store") as store:
        assert store.outbox.entry(app_uuid).state == "acknowledged"  # type: ignore[union-attr]
        assert store.settings.get("sync_alert") == ""
    received = [a for a in https_server.applications() if a["kiosk_id"] == enrolment.kiosk_id]
    assert [a["uuid"] for a in received] == [app_uuid]


def test_a_client_certificate_can_be_required(pki: Pki, tmp_path: Path) -> None:
    server = start_central(
        tmp_path / "central-mtls",
        tls=(pki.server_cert, pki.server_key),
        ca_bundle=pki.ca,
        extra_args=["--tls-client-ca", str(pki.client_ca)],
        client_cert=(pki.client_cert, pki.client_key),
    )
    try:
        anonymous = CentralClient(server.url, ca_bundle=pki.ca, connect_timeout=5, read_timeout=5)
        with pytest.raises(TransientError):  # TLS 1.3: refused at the handshake's end
            anonymous.health()
        kiosk = CentralClient(
            server.url, ca_bundle=pki.ca, client_cert=(pki.client_cert, pki.client_key)
        )
        assert kiosk.health().status == "ok"
        enrolment = enrol(kiosk, server.new_enrolment_code(), "Accueil mTLS", tmp_path / "e.json")
        assert isinstance(enrolment, Enrolment)
    finally:
        stop_central(server.process)


def test_unreadable_tls_files_are_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    tls = ["--tls-cert", str(bogus), "--tls-key", str(bogus)]
    result = subprocess.run(
        [*SERVER, "--data-dir", str(tmp_path / "c"), "--port", "0", *tls],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot load the TLS certificate or key" in result.stderr
    assert "Traceback" not in result.stderr
    half = subprocess.run(
        [*SERVER, "--data-dir", str(tmp_path / "c"), "--tls-cert", str(bogus)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert half.returncode == 2 and "go together" in half.stderr
