"""TLS between kiosk and central API, for real: a throwaway CA and certificates made here,
the central server on HTTPS (``--tls-cert/--tls-key``, optionally ``--tls-client-ca``), the
client refusing an unknown CA and accepting the one given as ``ca_bundle``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import subprocess
import sys
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from contract.sealing import seal
from kiosk.link import sync_main
from kiosk.store import Store
from sync.client import CentralClient, TLSError, TransientError
from sync.enrolment import Enrolment, enrol
from tests.fixtures.central import CentralServer, sample_payload, start_central, stop_central

pytestmark = pytest.mark.integration

SERVER = [sys.executable, "-m", "central"]


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_ca: Path
    client_cert: Path
    client_key: Path
    other_ca: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return path


def _write_cert(cert: x509.Certificate, path: Path) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _ca(name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], name: str, *, server: bool
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    ca_cert, ca_key = ca
    key = _key()
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(ca_key, hashes.SHA256()), key


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    prefecture = _ca("Préfecture test CA")
    server_cert, server_key = _leaf(prefecture, "central.test", server=True)
    kiosks = _ca("Kiosk fleet test CA")
    client_cert, client_key = _leaf(kiosks, "kiosk-1", server=False)
    other, _other_key = _ca("Someone else's CA")
    return Pki(
        ca=_write_cert(prefecture[0], d / "ca.pem"),
        server_cert=_write_cert(server_cert, d / "server.pem"),
        server_key=_write_key(server_key, d / "server.key"),
        client_ca=_write_cert(kiosks[0], d / "client-ca.pem"),
        client_cert=_write_cert(client_cert, d / "client.pem"),
        client_key=_write_key(client_key, d / "client.key"),
        other_ca=_write_cert(other, d / "other-ca.pem"),
    )


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
