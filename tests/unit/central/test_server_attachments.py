"""The reference central API in-process: chunked, resumable, content-addressed attachments;
applications that wait for them; status history set by staff; kiosk heartbeats."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid as uuidlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contract.protocol import content_range
from contract.sealing import load_private_key, unseal
from tests.fixtures.central import (
    make_upload,
    sample_document,
    sample_page,
    sample_payload,
    seal_pages,
)

ADMIN = {"Authorization": "Bearer admin-secret"}
CHUNK = 4096


START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def kiosk(api: TestClient) -> dict[str, Any]:
    resp = api.post(
        "/v1/enrol",
        json={"code": "code-one-7K3M-9QXD-2PTV-H8WN", "kiosk_name": "k1", "software_version": "t"},
    )
    assert resp.status_code == 201, resp.text
    enrolment: dict[str, Any] = resp.json()
    enrolment["headers"] = {"Authorization": f"Bearer {enrolment['token']}"}
    return enrolment


def _sha(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def _chunk(
    api: TestClient, kiosk: dict[str, Any], blob: bytes, start: int, end: int, **kw: Any
) -> Any:
    sha = kw.pop("sha", _sha(blob))
    total = kw.pop("total", len(blob))
    headers = {
        **kiosk["headers"],
        "Content-Type": "application/octet-stream",
        "Content-Range": content_range(start, end, total),
    }
    return api.put(f"/v1/attachments/{sha}", content=blob[start:end], headers=headers)


def _upload_all(api: TestClient, kiosk: dict[str, Any], blob: bytes) -> None:
    for start in range(0, len(blob), CHUNK):
        resp = _chunk(api, kiosk, blob, start, min(start + CHUNK, len(blob)))
        assert resp.status_code == 200, resp.text
    assert resp.json()["complete"] is True


def _pages(kiosk: dict[str, Any], app_uuid: str, n: int = 2, size: int = 20_000) -> Any:
    doc = sample_document()
    return seal_pages(
        kiosk["public_key"], app_uuid, [(doc, i, sample_page(i, size)) for i in range(1, n + 1)]
    )


def _application(kiosk: dict[str, Any], refs: list[dict[str, Any]], **kw: Any) -> Any:
    app_uuid = kw.pop("app_uuid", None) or str(uuidlib.uuid4())
    payload = sample_payload(kiosk["kiosk_id"], app_uuid, START)  # on the server's clock
    payload["attachments"] = refs
    return make_upload(kiosk["public_key"], payload, **kw)


def _put_app(api: TestClient, kiosk: dict[str, Any], upload: Any) -> Any:
    return api.put(
        f"/v1/applications/{upload.uuid}",
        content=upload.model_dump_json(),
        headers={**kiosk["headers"], "Content-Type": "application/json"},
    )


# --- chunks --------------------------------------------------------------------------------------


def test_chunked_upload_resumes_after_a_partial_upload(
    api: TestClient, kiosk: dict[str, Any]
) -> None:
    _refs, (blob, _) = _pages(kiosk, str(uuidlib.uuid4()))
    sha = _sha(blob)
    assert api.get(f"/v1/attachments/{sha}", headers=kiosk["headers"]).status_code == 404
    for start in (0, CHUNK):
        resp = _chunk(api, kiosk, blob, start, start + CHUNK)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {
            "sha256": sha,
            "size": len(blob),
            "received": start + CHUNK,
            "complete": False,
        }
        assert resp.headers["Upload-Offset"] == str(start + CHUNK)
    # "the connection dropped": the kiosk asks where to resume
    state = api.get(f"/v1/attachments/{sha}", headers=kiosk["headers"]).json()
    assert state["received"] == 2 * CHUNK and not state["complete"]
    head = api.head(f"/v1/attachments/{sha}", headers=kiosk["headers"])
    assert head.status_code == 200
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"]) == (
        str(2 * CHUNK),
        str(len(blob)),
    )
    assert head.headers["X-Upload-Complete"] == "false"
    resp = _chunk(api, kiosk, blob, 2 * CHUNK, len(blob))
    assert resp.status_code == 200
    assert resp.json()["complete"] is True and resp.json()["received"] == len(blob)
    head = api.head(f"/v1/attachments/{sha}", headers=kiosk["headers"])
    assert head.headers["X-Upload-Complete"] == "true"


def test_a_gap_is_refused_with_the_offset_to_resume_from(
    api: TestClient, kiosk: dict[str, Any]
) -> None:
    _refs, (blob, _) = _pages(kiosk, str(uuidlib.uuid4()))
    resp = _chunk(api, kiosk, blob, CHUNK, 2 * CHUNK)
    assert resp.status_code == 409
    assert resp.json()["received"] == 0 and resp.headers["Upload-Offset"] == "0"
    _chunk(api, kiosk, blob, 0, CHUNK)
    resp = _chunk(api, kiosk, blob, 2 * CHUNK, 3 * CHUNK)
    assert resp.status_code == 409
    assert resp.json()["received"] == CHUNK
    assert "send it from offset 4096" in resp.json()["detail"]


def test_repeated_and_overlapping_chunks_are_harmless(
    api: TestClient, kiosk: dict[str, Any]
) -> None:
    _refs, (blob, _) = _pages(kiosk, str(uuidlib.uuid4()))
    _chunk(api, kiosk, blob, 0, CHUNK)
    again = _chunk(api, kiosk, blob, 0, CHUNK)  # the answer to the first was lost
    assert again.status_code == 200 and again.json()["received"] == CHUNK
    overlap = _chunk(api, kiosk, blob, CHUNK // 2, CHUNK + CHUNK // 2)
    assert overlap.status_code == 200 and overlap.json()["received"] == CHUNK + CHUNK // 2
    rest = _chunk(api, kiosk, blob, CHUNK, len(blob))
    assert rest.json()["complete"] is True


def test_a_hash_mismatch_discards_the_bytes(api: TestClient, kiosk: dict[str, Any]) -> None:
    _refs, (blob, _) = _pages(kiosk, str(uuidlib.uuid4()))
    damaged = blob[:100] + bytes([blob[100] ^ 1]) + blob[101:]
    _chunk(api, kiosk, damaged, 0, CHUNK, sha=_sha(blob))
    resp = _chunk(api, kiosk, damaged, CHUNK, len(blob), sha=_sha(blob))
    assert resp.status_code == 422
    assert resp.json()["errors"] == [
        {"field": "sha256", "message": "does not match the bytes received"}
    ]
    assert "discarded" in resp.json()["detail"]
    assert api.get(f"/v1/attachments/{_sha(blob)}", headers=kiosk["headers"]).status_code == 404
    _upload_all(api, kiosk, blob)  # the good bytes, from the start, are accepted


def test_a_complete_attachment_is_a_no_op(api: TestClient, kiosk: dict[str, Any]) -> None:
    _refs, (blob, _) = _pages(kiosk, str(uuidlib.uuid4()))
    whole = api.put(
        f"/v1/attachments/{_sha(blob)}",
        content=blob,
        headers={**kiosk["headers"], "Content-Type": "application/octet-stream"},
    )  # no Content-Range: the body is the whole attachment
    assert whole.status_code == 200 and whole.json()["complete"] is True
    for start, end in ((0, len(blob)), (0, CHUNK), (CHUNK, 2 * CHUNK)):
        resp = _chunk(api, kiosk, blob, start, end)
        assert resp.status_code == 200
        assert resp.json() == {
            "sha256": _sha(blob),
            "size": len(blob),
            "received": len(blob),
            "complete": True,
        }


@pytest.mark.parametrize(
    ("content_range_value", "body_size", "status", "field"),
    [
        ("bytes 0-99", 100, 422, "content-range"),
        ("bytes 10-5/100", 6, 422, "content-range"),
        ("bytes 0-99/100", 99, 422, "content-range"),
        ("items 0-99/100", 100, 422, "content-range"),
        (f"bytes 0-99/{64 * 1024 * 1024 + 1}", 100, 413, None),
    ],
)
def test_bad_chunks_are_refused(
    api: TestClient,
    kiosk: dict[str, Any],
    content_range_value: str,
    body_size: int,
    status: int,
    field: str | None,
) -> None:
    resp = api.put(
        f"/v1/attachments/{'ab' * 32}",
        content=b"x" * body_size,
        headers={
            **kiosk["headers"],
            "Content-Type": "application/octet-stream",
            "Content-Range": content_range_value,
        },
    )
    assert resp.status_code == status, resp.text
    if field:
        assert [e["field"] for e in resp.json()["errors"]] == [field]


def test_the_total_size_cannot_change(api: TestClient, kiosk: dict[str, Any]) -> None:
    _refs, (blob, _) = _pages(kiosk, str(uuidlib.uuid4()))
    _chunk(api, kiosk, blob, 0, CHUNK)
    resp = _chunk(api, kiosk, blob, CHUNK, 2 * CHUNK, total=len(blob) + 1)
    assert resp.status_code == 422
    assert f"announced with {len(blob)} bytes" in resp.json()["detail"]


def test_bad_hashes_in_the_path(api: TestClient, kiosk: dict[str, Any]) -> None:
    for bad in ("ABCD" * 16, "ab" * 31, "zz" * 32):
        resp = api.get(f"/v1/attachments/{bad}", headers=kiosk["headers"])
        assert resp.status_code == 422


def test_attachments_need_a_kiosk_token(api: TestClient) -> None:
    assert api.get(f"/v1/attachments/{'ab' * 32}").status_code == 401
    resp = api.put(
        f"/v1/attachments/{'ab' * 32}",
        content=b"x",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert resp.status_code == 401


def test_another_kiosk_cannot_see_or_append(api: TestClient, kiosk: dict[str, Any]) -> None:
    _refs, (blob, _) = _pages(kiosk, str(uuidlib.uuid4()))
    _chunk(api, kiosk, blob, 0, CHUNK)
    resp = api.post(
        "/v1/enrol",
        json={"code": "code-two-7K3M-9QXD-2PTV-H8WN", "kiosk_name": "k2", "software_version": "t"},
    )
    other = {"headers": {"Authorization": f"Bearer {resp.json()['token']}"}}
    assert api.get(f"/v1/attachments/{_sha(blob)}", headers=other["headers"]).status_code == 404
    assert api.head(f"/v1/attachments/{_sha(blob)}", headers=other["headers"]).status_code == 404
    assert _chunk(api, other, blob, CHUNK, 2 * CHUNK).status_code == 409


# --- applications with attachments --------------------------------------------------------------


def test_an_application_waits_for_all_its_attachments(
    api: TestClient, kiosk: dict[str, Any], tmp_path: Path
) -> None:
    app_uuid = str(uuidlib.uuid4())
    refs, blobs = _pages(kiosk, app_uuid, n=2, size=20_000)
    upload = _application(kiosk, refs, app_uuid=app_uuid)
    assert upload.attachments == [r["sha256"] for r in refs]

    resp = _put_app(api, kiosk, upload)
    assert resp.status_code == 409
    assert resp.json()["missing"] == [_sha(b) for b in blobs]
    assert [e["field"] for e in resp.json()["errors"]] == ["attachments.0", "attachments.1"]

    _upload_all(api, kiosk, blobs[0])
    _chunk(api, kiosk, blobs[1], 0, CHUNK)  # partly there: still missing
    resp = _put_app(api, kiosk, upload)
    assert resp.status_code == 409 and resp.json()["missing"] == [_sha(blobs[1])]

    _upload_all(api, kiosk, blobs[1])
    resp = _put_app(api, kiosk, upload)
    assert resp.status_code == 201, resp.text
    receipt = resp.json()
    assert (
        _put_app(api, kiosk, upload).json()["central_reference"] == (receipt["central_reference"])
    )

    (stored,) = api.get("/v1/admin/applications", headers=ADMIN).json()
    assert stored["attachments"] == refs
    assert stored["payload"]["attachments"] == refs
    for ref, i in zip(refs, (1, 2), strict=True):
        page = api.get(
            f"/v1/admin/applications/{app_uuid}/attachments/{ref['sha256']}", headers=ADMIN
        )
        assert page.status_code == 200
        assert page.content == sample_page(i, 20_000)
        assert page.headers["content-type"] == "image/jpeg"
    # the server keeps pages sealed: its database holds no clear page
    key = load_private_key(tmp_path / "central" / "central_private_key.pem")
    assert unseal(key, app_uuid, upload.sealed_bytes())["attachments"] == refs
    db = (tmp_path / "central" / "central.db").read_bytes()
    wal = tmp_path / "central" / "central.db-wal"
    db += wal.read_bytes() if wal.exists() else b""
    assert sample_page(1, 20_000)[100:200] not in db


def test_admin_attachment_download_errors(api: TestClient, kiosk: dict[str, Any]) -> None:
    url = f"/v1/admin/applications/{uuidlib.uuid4()}/attachments/{'ab' * 32}"
    assert api.get(url).status_code == 401
    assert api.get(url, headers=ADMIN).status_code == 404


def _kept_invalid(api: TestClient, resp: Any, app_uuid: str) -> list[dict[str, str]]:
    """The application was kept as rejected_invalid (the receipt stays valid); its problems."""
    assert resp.status_code == 201, resp.text
    (row,) = [
        a for a in api.get("/v1/admin/applications", headers=ADMIN).json() if a["uuid"] == app_uuid
    ]
    assert row["validity"] == "rejected_invalid"
    problems: list[dict[str, str]] = row["problems"]
    return problems


def test_pages_sealed_for_another_application_are_refused(
    api: TestClient, kiosk: dict[str, Any]
) -> None:
    app_uuid = str(uuidlib.uuid4())
    refs, blobs = _pages(kiosk, str(uuidlib.uuid4()), n=1)  # sealed under another UUID
    _upload_all(api, kiosk, blobs[0])
    resp = _put_app(api, kiosk, _application(kiosk, refs, app_uuid=app_uuid))
    (problem,) = _kept_invalid(api, resp, app_uuid)
    assert problem["field"] == "attachments.0"
    assert "not as" in problem["message"]


def test_the_page_number_is_bound_too(api: TestClient, kiosk: dict[str, Any]) -> None:
    app_uuid = str(uuidlib.uuid4())
    refs, blobs = _pages(kiosk, app_uuid, n=1)
    _upload_all(api, kiosk, blobs[0])
    refs[0]["page_no"] = 7  # the listing says page 7, the sealed page says page 1
    resp = _put_app(api, kiosk, _application(kiosk, refs, app_uuid=app_uuid))
    assert _kept_invalid(api, resp, app_uuid)[0]["field"] == "attachments.0"


def test_the_clear_and_sealed_lists_must_agree(api: TestClient, kiosk: dict[str, Any]) -> None:
    app_uuid = str(uuidlib.uuid4())
    refs, blobs = _pages(kiosk, app_uuid, n=2)
    for blob in blobs:
        _upload_all(api, kiosk, blob)
    upload = _application(kiosk, refs, app_uuid=app_uuid, attachments=[refs[1]["sha256"]])
    resp = _put_app(api, kiosk, upload)
    assert "attachments" in [e["field"] for e in _kept_invalid(api, resp, app_uuid)]


def test_listed_pages_must_be_documents_of_the_procedure(
    api: TestClient, kiosk: dict[str, Any]
) -> None:
    app_uuid = str(uuidlib.uuid4())
    refs, blobs = seal_pages(kiosk["public_key"], app_uuid, [("selfie", 1, sample_page(1))])
    _upload_all(api, kiosk, blobs[0])
    resp = _put_app(api, kiosk, _application(kiosk, refs, app_uuid=app_uuid))
    assert "attachments.0.document_id" in [e["field"] for e in _kept_invalid(api, resp, app_uuid)]


def test_the_announced_size_must_be_right(api: TestClient, kiosk: dict[str, Any]) -> None:
    app_uuid = str(uuidlib.uuid4())
    refs, blobs = _pages(kiosk, app_uuid, n=1)
    _upload_all(api, kiosk, blobs[0])
    refs[0]["size"] += 1
    resp = _put_app(api, kiosk, _application(kiosk, refs, app_uuid=app_uuid))
    assert _kept_invalid(api, resp, app_uuid)[0]["field"] == "attachments.0.size"


# --- status --------------------------------------------------------------------------------------


def test_status_changes_are_kept_and_shown_to_the_kiosk(
    api: TestClient, kiosk: dict[str, Any]
) -> None:
    upload = _application(kiosk, [])
    assert _put_app(api, kiosk, upload).status_code == 201
    url = f"/v1/admin/applications/{upload.uuid}/status"
    mine = api.get(f"/v1/applications/{upload.uuid}", headers=kiosk["headers"]).json()
    assert mine["status"] == "received"
    assert [h["status"] for h in mine["history"]] == ["received"]

    steps = [
        ("being_examined", None),
        ("documents_requested", "justificatif de domicile illisible"),
        ("being_examined", None),
        ("decision_available", None),
        ("card_ready", "retrait au guichet 3"),
    ]
    for status, note in steps:
        resp = api.post(url, json={"status": status, "note": note}, headers=ADMIN)
        assert resp.status_code == 200, resp.text
        assert resp.json()["status"] == status
    # the same status again changes nothing
    again = api.post(url, json={"status": "card_ready"}, headers=ADMIN).json()
    assert len(again["history"]) == 6

    mine = api.get(f"/v1/applications/{upload.uuid}", headers=kiosk["headers"]).json()
    assert mine["status"] == "card_ready"
    assert [h["status"] for h in mine["history"]] == ["received"] + [s for s, _ in steps]
    assert all(h["note"] is None for h in mine["history"])  # staff notes stay central
    assert mine["status_changed_at"] == mine["history"][-1]["at"]
    times = [dt.datetime.fromisoformat(h["at"]) for h in mine["history"]]
    assert times == sorted(times)

    (admin_view,) = api.get("/v1/admin/applications", headers=ADMIN).json()
    assert admin_view["history"][2]["note"] == "justificatif de domicile illisible"


def test_status_errors(api: TestClient, kiosk: dict[str, Any]) -> None:
    url = f"/v1/admin/applications/{uuidlib.uuid4()}/status"
    assert api.post(url, json={"status": "being_examined"}).status_code == 401
    assert api.post(url, json={"status": "being_examined"}, headers=ADMIN).status_code == 404
    upload = _application(kiosk, [])
    _put_app(api, kiosk, upload)
    url = f"/v1/admin/applications/{upload.uuid}/status"
    resp = api.post(url, json={"status": "approved"}, headers=ADMIN)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "status"
    # a kiosk cannot set a status
    assert api.post(url, json={"status": "card_ready"}, headers=kiosk["headers"]).status_code == 401


# --- heartbeats ----------------------------------------------------------------------------------


def test_heartbeats_feed_the_fleet_view(api: TestClient, kiosk: dict[str, Any]) -> None:
    (fleet,) = api.get("/v1/admin/kiosks", headers=ADMIN).json()
    assert fleet["last_heartbeat_at"] is None and fleet["backlog"] == {}
    beat = {
        "software_version": "1.2.3",
        "sent_at": "2026-11-20T09:00:00+00:00",
        "backlog": {"sealed": 2, "uploading": 1, "failed": 0},
        "device_health": {"printer": "ok", "scanner": "no paper"},
        "last_error": "TransientError HTTP 503",
    }
    resp = api.post("/v1/heartbeat", json=beat, headers=kiosk["headers"])
    assert resp.status_code == 200, resp.text
    (fleet,) = api.get("/v1/admin/kiosks", headers=ADMIN).json()
    assert fleet["software_version"] == "1.2.3"
    assert fleet["backlog"] == beat["backlog"]
    assert fleet["device_health"] == beat["device_health"]
    assert fleet["last_error"] == "TransientError HTTP 503"
    assert fleet["last_heartbeat_at"] == resp.json()["received_at"]
    assert fleet["last_seen"] is not None
    # the next one replaces it
    beat2 = {**beat, "backlog": {"sealed": 0}, "last_error": None}
    api.post("/v1/heartbeat", json=beat2, headers=kiosk["headers"])
    (fleet,) = api.get("/v1/admin/kiosks", headers=ADMIN).json()
    assert fleet["backlog"] == {"sealed": 0} and fleet["last_error"] is None


@pytest.mark.parametrize(
    "change",
    [
        {"backlog": {"sealed": -1}},
        {"backlog": {"Sealed!": 1}},
        {"sent_at": "2026-11-20T09:00:00"},  # naive
        {"last_error": "x" * 501},
        {"extra": 1},
    ],
)
def test_bad_heartbeats_are_refused(
    api: TestClient, kiosk: dict[str, Any], change: dict[str, Any]
) -> None:
    beat = {"software_version": "1", "sent_at": "2026-11-20T09:00:00+00:00", **change}
    assert api.post("/v1/heartbeat", json=beat, headers=kiosk["headers"]).status_code == 422


def test_heartbeats_need_a_kiosk_token(api: TestClient) -> None:
    beat = {"software_version": "1", "sent_at": "2026-11-20T09:00:00+00:00"}
    assert api.post("/v1/heartbeat", json=beat).status_code == 401
    assert api.post("/v1/heartbeat", json=beat, headers=ADMIN).status_code == 401
