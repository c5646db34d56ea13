"""Storage does not fill: unfinished uploads are capped per kiosk, and a scheduled retention
job expires unfinished and unreferenced uploads, old help calls, heartbeats and audit rows,
with its figures in the log. Before, 10 unfinished 8 MiB uploads grew the database by 88 MB in
2.4 s and nothing ever expired."""

from __future__ import annotations

import logging
import uuid as uuidlib

import pytest

from central.retention import run_retention
from tests.fixtures.central import sample_document, sample_page, seal_pages
from tests.security.conftest import ADMIN, Api, fake_sha256

DAY = 24 * 3600


def _start_upload(api: Api, auth: dict[str, str], label: str, total: int = 8 * 1024 * 1024) -> int:
    resp = api.client.put(
        f"/v1/attachments/{fake_sha256(label)}",
        content=b"x" * 1024,
        headers={**auth, "Content-Range": f"bytes 0-1023/{total}"},
    )
    return resp.status_code


def test_unfinished_uploads_are_capped_per_kiosk(api: Api) -> None:
    kiosk, other = api.enrol("a"), api.enrol("b")
    answers = [_start_upload(api, kiosk.auth, f"u{i}") for i in range(40)]
    assert answers.count(200) < 40 and answers[-1] == 429, answers
    assert _start_upload(api, other.auth, "other") == 200  # the cap is per kiosk


def test_the_retention_job_expires_what_is_past_its_time(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api.add_staff("med-1")
    kiosk = api.enrol("old", site="Bobigny")
    assert _start_upload(api, kiosk.auth, "old-unfinished") == 200
    _app, resp = api.deliver(kiosk, pages=1)  # a page referenced by an application: kept
    assert resp.status_code == 201
    refs, blobs = seal_pages(  # a complete page that no application lists
        kiosk.public_key, str(uuidlib.uuid4()), [(sample_document(), 1, sample_page(99))]
    )
    lonely = api.client.put(
        f"/v1/attachments/{refs[0]['sha256']}", content=blobs[0], headers=kiosk.auth
    )
    assert lonely.status_code == 200 and lonely.json()["complete"]
    call = str(uuidlib.uuid4())
    assert (
        api.client.post("/v1/help-calls", json={"call_id": call}, headers=kiosk.auth).status_code
        == 201
    )
    api.sign_in(kiosk, "med-1", "000000")  # an audit row

    api.clock.advance(400 * DAY)
    fresh = api.enrol("fresh", site="Bobigny")
    assert _start_upload(api, fresh.auth, "fresh-unfinished") == 200
    api.sign_in(fresh, "med-1", "000000")

    caplog.set_level(logging.INFO, logger="kiosk.central.retention")
    report = run_retention(api.app.state.central)
    assert report.unfinished_uploads == 1
    assert report.unreferenced_uploads == 1
    assert report.help_calls == 1
    assert report.heartbeats == 1
    assert report.audit_rows >= 1
    line = next(r.getMessage() for r in caplog.records if "retention" in r.getMessage())
    assert "unfinished uploads 1" in line and "help calls 1" in line, line

    audit = api.client.get("/v1/admin/staff/audit", headers=ADMIN).json()
    assert [r["kiosk_id"] for r in audit] == [fresh.kiosk_id]
    assert api.client.get(f"/v1/help-calls/{call}", headers=kiosk.auth).status_code == 404
    # What is still in use stays: the fresh upload, the delivered application and its page.
    assert (
        api.client.head(
            f"/v1/attachments/{fake_sha256('fresh-unfinished')}", headers=fresh.auth
        ).status_code
        == 200
    )
    assert api.admin_application(_app)["attachments"]
    assert run_retention(api.app.state.central).total == 0  # a second run finds nothing
