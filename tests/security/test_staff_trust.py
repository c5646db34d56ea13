"""The server decides who did what: a staff session comes from sign-in, bound to the account
and the kiosk, and ends at sign-out and after its idle time; audit entries and admin actions
need it, and the server writes the actor and the time; an application's ``assisted`` block
must match an assisted session of that kiosk. Before, a kiosk token alone could seal
``assisted: ghost-mediator-999`` into an application and post audit rows as anyone, at any
date."""

from __future__ import annotations

import datetime as dt

from tests.security.conftest import ADMIN, Api


def _assisted(mediator: str, at: dt.datetime) -> dict[str, str]:
    return {
        "mediator_id": mediator,
        "consent_at": at.isoformat(),
        "consent_text_version": "1",
        "consent_language": "ar",
    }


def _audit_rows(api: Api) -> list[dict[str, str]]:
    resp = api.client.get("/v1/admin/staff/audit", headers=ADMIN)
    assert resp.status_code == 200
    rows: list[dict[str, str]] = resp.json()
    return rows


def test_sign_in_returns_a_staff_session_bound_to_the_kiosk(api: Api) -> None:
    api.add_staff("adm-1", role="staff")
    kiosk, other = api.enrol("a"), api.enrol("b")
    resp = api.sign_in(kiosk, "adm-1")
    assert resp.status_code == 200
    body = resp.json()
    assert len(body["session_token"]) >= 32 and body["session_timeout_s"] > 0
    session = body["session_token"]
    assert api.audit(kiosk, session, [{"action": "admin_sync_now"}]).status_code == 204
    # Another kiosk cannot use it; a kiosk without one cannot report anything.
    assert api.audit(other, session, [{"action": "admin_sync_now"}]).status_code == 401
    assert api.audit(kiosk, None, [{"action": "admin_sync_now"}]).status_code == 401
    assert api.audit(kiosk, "forged-session", [{"action": "admin_sync_now"}]).status_code == 401


def test_the_server_writes_the_actor_and_the_time(api: Api) -> None:
    api.add_staff("adm-1", role="staff")
    kiosk = api.enrol()
    session = api.staff_session(kiosk, "adm-1")
    forged = {"action": "admin_purge", "actor": "central-admin", "at": "2001-01-01T00:00:00Z"}
    assert api.audit(kiosk, session, [forged]).status_code == 422  # no actor, no time from a kiosk
    api.clock.advance(60)
    assert api.audit(kiosk, session, [{"action": "admin_purge", "detail": "3"}]).status_code == 204
    row = _audit_rows(api)[0]
    assert row["actor"] == "adm-1" and row["action"] == "admin_purge"
    assert row["kiosk_id"] == kiosk.kiosk_id
    assert dt.datetime.fromisoformat(row["at"]) == api.clock()
    assert not any(
        r["actor"] == "central-admin" and r["action"] == "admin_purge" for r in _audit_rows(api)
    )


def test_a_mediator_session_cannot_report_admin_actions(api: Api) -> None:
    api.add_staff("med-1")
    kiosk = api.enrol()
    session = api.staff_session(kiosk, "med-1")
    assert api.audit(kiosk, session, [{"action": "admin_settings_saved"}]).status_code == 403
    assert api.audit(kiosk, session, [{"action": "assist_start", "detail": "1"}]).status_code == 204


def test_sign_out_and_idle_time_end_the_session(api: Api) -> None:
    api.add_staff("adm-1", role="staff")
    kiosk = api.enrol()
    session = api.staff_session(kiosk, "adm-1")
    assert api.audit(kiosk, session, [{"action": "sign_out", "detail": "ended"}]).status_code == 204
    assert api.audit(kiosk, session, [{"action": "admin_sync_now"}]).status_code == 401
    assert "sign_out" in [r["action"] for r in _audit_rows(api) if r["actor"] == "adm-1"]

    session = api.staff_session(kiosk, "adm-1")
    timeout = api.sign_in(kiosk, "adm-1").json()["session_timeout_s"]
    api.clock.advance(timeout * 2 + 1)  # idle: the server's own limit (twice the kiosk's)
    assert api.audit(kiosk, session, [{"action": "admin_sync_now"}]).status_code == 401


def test_a_forged_assisted_block_is_refused(api: Api) -> None:
    """The application is kept (the applicant's receipt stays valid) but the claim is
    refused: stored as rejected_invalid, with the reason for staff, and no assisted_by."""
    kiosk = api.enrol()
    app_uuid, resp = api.deliver(
        kiosk, changes={"assisted": _assisted("ghost-mediator-999", api.clock())}
    )
    assert resp.status_code == 201, resp.text
    assert api.client.get(f"/v1/applications/{app_uuid}", headers=kiosk.auth).status_code == 200
    row = api.admin_application(app_uuid)
    assert row["assisted_by"] is None
    assert row["validity"] == "rejected_invalid"
    assert any(p["field"] == "assisted" for p in row["problems"]), row["problems"]


def test_an_assisted_block_matching_a_session_of_the_kiosk_is_kept(api: Api) -> None:
    api.add_staff("med-7")
    api.add_staff("med-8")
    kiosk, other = api.enrol("a"), api.enrol("b")
    session = api.staff_session(kiosk, "med-7")
    assert api.audit(kiosk, session, [{"action": "assist_start", "detail": "1"}]).status_code == 204
    api.clock.advance(300)
    app_uuid, resp = api.deliver(kiosk, changes={"assisted": _assisted("med-7", api.clock())})
    assert resp.status_code == 201, resp.text
    row = api.admin_application(app_uuid)
    assert (row["assisted_by"], row["validity"]) == ("med-7", "valid"), row["problems"]
    # Not for another mediator, nor from another kiosk.
    _uuid, _resp = api.deliver(kiosk, changes={"assisted": _assisted("med-8", api.clock())})
    assert api.admin_application(_uuid)["assisted_by"] is None
    _uuid, _resp = api.deliver(other, changes={"assisted": _assisted("med-7", api.clock())})
    assert api.admin_application(_uuid)["assisted_by"] is None


def test_every_part_of_an_assisted_application_must_match(api: Api) -> None:
    """A mediator joins, hands over to another (issue 16's parts): each part must fall in an
    assisted session of that mediator on this kiosk; a part naming someone who was not
    there is refused."""
    api.add_staff("med-7")
    api.add_staff("med-8")
    kiosk = api.enrol()
    first = api.staff_session(kiosk, "med-7")
    assert api.audit(kiosk, first, [{"action": "assist_start"}]).status_code == 204
    started = api.clock()
    api.clock.advance(120)
    assert (
        api.audit(kiosk, first, [{"action": "assist_end", "detail": "taken_over"}]).status_code
        == 204
    )
    handed = api.clock()
    second = api.staff_session(kiosk, "med-8")
    assert api.audit(kiosk, second, [{"action": "assist_start"}]).status_code == 204
    api.clock.advance(120)
    one = {**_assisted("med-7", started), "ended_at": handed.isoformat(), "ended_by": "taken_over"}
    two = _assisted("med-8", handed)
    block = {**_assisted("med-7", started), "joined_in_progress": True, "parts": [one, two]}
    app_uuid, resp = api.deliver(kiosk, changes={"assisted": block})
    assert resp.status_code == 201, resp.text
    row = api.admin_application(app_uuid)
    assert (row["assisted_by"], row["validity"]) == ("med-7", "valid"), row["problems"]

    forged = {**block, "parts": [one, _assisted("med-9-ghost", handed)]}
    app_uuid, resp = api.deliver(kiosk, changes={"assisted": forged})
    row = api.admin_application(app_uuid)
    assert row["assisted_by"] is None and row["validity"] == "rejected_invalid"
    assert [p["field"] for p in row["problems"]] == ["assisted.parts.1"]
