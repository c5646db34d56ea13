"""Mediators and staff at the central API, in-process: accounts, sign-in, lockout kept per
account across kiosks, the audit log, and the brute-force bound (issue 7)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from central import Settings, create_app
from central.settings import Limits
from contract.badge import make_badge_code
from contract.pin_policy import DEFAULT_POLICY
from kiosk.testing import FakeClock
from tests.unit.central.api import CODES, enrol

ADMIN = {"Authorization": "Bearer admin-secret"}
YEAR_S = 365 * 24 * 3600
PIN = "482913"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def api_settings() -> dict[str, Any]:
    # A throwaway database: 1,000 sign-ins without a sync each. Not the request rate
    # limits (tests/security/test_rate_limits.py): the PIN policy alone, whatever the
    # machine's speed (1,000 guesses in a few seconds).
    unlimited = Limits(
        kiosk_rate_per_s=1e6,
        kiosk_burst=10**6,
        address_rate_per_s=1e6,
        address_burst=10**6,
        sign_in_rate_per_s=1e6,
        sign_in_burst=10**6,
    )
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return {"staff_hasher": hasher, "limits": unlimited}


def _kiosk(api: TestClient, code: str = CODES[0]) -> dict[str, str]:
    return {"Authorization": f"Bearer {enrol(api, code)['token']}"}


def _account(api: TestClient, identifier: str = "med-0042", **extra: Any) -> dict[str, Any]:
    body = {"identifier": identifier, "display_name": "Amina B.", "role": "mediator", "pin": PIN}
    resp = api.post("/v1/admin/staff", json={**body, **extra}, headers=ADMIN)
    assert resp.status_code == 201, resp.text
    result: dict[str, Any] = resp.json()
    return result


def _sign_in(api: TestClient, kiosk: dict[str, str], pin: str, who: str = "med-0042") -> Any:
    return api.post("/v1/staff/sign-in", json={"identifier": who, "pin": pin}, headers=kiosk)


def _audit(api: TestClient, actor: str | None = None) -> list[dict[str, Any]]:
    params = {"limit": 10_000, **({"actor": actor} if actor else {})}
    resp = api.get("/v1/admin/staff/audit", params=params, headers=ADMIN)
    assert resp.status_code == 200, resp.text
    return list(reversed(resp.json()))


def test_create_account_keeps_only_a_hash(api: TestClient, tmp_path: Path) -> None:
    account = _account(api)
    assert account["role"] == "mediator" and "pin" not in account
    assert api.post("/v1/admin/staff", json={}, headers=ADMIN).status_code == 422
    again = {"identifier": "med-0042", "display_name": "X", "role": "mediator", "pin": PIN}
    assert api.post("/v1/admin/staff", json=again, headers=ADMIN).status_code == 409
    short = {**again, "identifier": "med-9", "pin": "12345"}
    assert api.post("/v1/admin/staff", json=short, headers=ADMIN).status_code == 422
    assert api.post("/v1/admin/staff", json=again).status_code == 401
    db = (tmp_path / "central" / "central.db").read_bytes()
    assert PIN.encode() not in db


def test_sign_in_right_wrong_and_audit(api: TestClient) -> None:
    _account(api)
    kiosk = _kiosk(api)
    ok = _sign_in(api, kiosk, PIN)
    assert ok.status_code == 200, ok.text
    assert ok.json()["identifier"] == "med-0042" and ok.json()["session_timeout_s"] > 0
    bad = _sign_in(api, kiosk, "000000")
    assert bad.status_code == 403 and "Retry-After" not in bad.headers
    unknown = _sign_in(api, kiosk, PIN, who="nobody")
    assert unknown.status_code == 403
    assert _sign_in(api, {}, PIN).status_code == 401  # only enrolled kiosks
    entries = _audit(api)
    assert [(e["actor"], e["action"]) for e in entries[-3:]] == [
        ("med-0042", "sign_in"),
        ("med-0042", "sign_in_failed"),
        ("nobody", "sign_in_failed"),
    ]
    kiosk_id = entries[-1]["kiosk_id"]
    assert kiosk_id and all(e["kiosk_id"] == kiosk_id for e in entries[-3:])


def test_lockout_follows_the_account_to_another_kiosk(api: TestClient, clock: FakeClock) -> None:
    _account(api)
    first, second = _kiosk(api), _kiosk(api, "code-two-7K3M-9QXD-2PTV-H8WN")
    for _ in range(3):
        assert _sign_in(api, first, "111111").status_code == 403
    locked = _sign_in(api, second, PIN)  # the right PIN, elsewhere: still locked
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) == 30
    clock.advance(30)
    assert _sign_in(api, second, PIN).status_code == 200
    # the count starts again after a success
    assert _sign_in(api, first, "111111").status_code == 403
    assert _sign_in(api, first, PIN).status_code == 200


def test_badge_sign_in(api: TestClient) -> None:
    code = make_badge_code("staff-7")
    _account(api, "staff-7", role="staff", badge_secret=code.split(":")[2])
    kiosk = _kiosk(api)
    ok = api.post("/v1/staff/sign-in", json={"badge": code}, headers=kiosk)
    assert ok.status_code == 200 and ok.json()["role"] == "staff"
    forged = api.post(
        "/v1/staff/sign-in", json={"badge": make_badge_code("staff-7")}, headers=kiosk
    )
    assert forged.status_code == 403


def test_kiosk_reports_events_with_the_staff_session(api: TestClient) -> None:
    """Who and when are the server's: the kiosk sends the person's session, not an actor."""
    _account(api)
    kiosk = _kiosk(api)
    session = _sign_in(api, kiosk, PIN).json()["session_token"]
    with_session = {**kiosk, "X-Staff-Session": session}
    entries = [{"action": "assist_start"}, {"action": "sign_out", "detail": "timeout"}]
    resp = api.post("/v1/staff/audit", json={"entries": entries}, headers=with_session)
    assert resp.status_code == 204, resp.text
    got = _audit(api, "med-0042")
    assert [e["action"] for e in got] == ["sign_in", "assist_start", "sign_out"]
    assert api.post("/v1/staff/audit", json={"entries": entries}).status_code == 401
    forged = [{"actor": "med-0042", "action": "sign_out", "at": "0001-01-01T00:00:00+01:00"}]
    session = _sign_in(api, kiosk, PIN).json()["session_token"]
    resp = api.post(
        "/v1/staff/audit", json={"entries": forged}, headers={**kiosk, "X-Staff-Session": session}
    )
    assert resp.status_code == 422, resp.text  # not a server error, and no actor or time taken


def test_brute_force_1000_guesses_take_over_a_year_expected(
    api: TestClient, clock: FakeClock
) -> None:
    """An attacker at a kiosk tries 1,000 wrong PINs as fast as the server lets them (the
    fake clock jumps each wait). The time they needed is exactly the policy's, and from the
    policy the expected time to find a 6-digit PIN is over a year. Every checked try is
    audited; a try refused while throttled is not looked at (nor written to the log)."""
    _account(api)
    kiosk = _kiosk(api)
    start = clock.now
    refused_while_locked = 0
    guesses = 0
    pin = 0
    while guesses < 1000:
        guess = f"{pin:06d}"
        if guess == PIN:
            pin += 1
            continue
        resp = _sign_in(api, kiosk, guess)
        if resp.status_code == 429:
            refused_while_locked += 1
            clock.advance(int(resp.headers["Retry-After"]))
            continue
        assert resp.status_code == 403, resp.text
        guesses += 1
        pin += 1
        if "Retry-After" in resp.headers:
            if guesses % 50 == 0:  # sometimes try too early: refused without checking
                assert _sign_in(api, kiosk, PIN).status_code == 429
                refused_while_locked += 1
            clock.advance(int(resp.headers["Retry-After"]))
    elapsed = (clock.now - start).total_seconds()
    assert elapsed == pytest.approx(DEFAULT_POLICY.time_to_try(1001))
    assert elapsed > 9 * 24 * 3600  # 1,000 guesses: more than 9 days
    rate = (elapsed - DEFAULT_POLICY.time_to_try(100)) / 901  # steady seconds per guess
    assert rate == pytest.approx(DEFAULT_POLICY.max_delay_s)
    expected = DEFAULT_POLICY.expected_seconds_to_guess(10**6)
    assert expected > YEAR_S
    assert 500_000 * rate > YEAR_S  # the same from the measured steady rate
    audit = _audit(api, "med-0042")
    failed = [e for e in audit if e["action"] == "sign_in_failed"]
    assert len(failed) == 1000 and {e["detail"] for e in failed} == {"pin"}
    assert refused_while_locked >= 19


def test_cli_adds_an_account_the_api_signs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from central.__main__ import main

    data = tmp_path / "central"
    monkeypatch.setattr("sys.stdin", io.StringIO("4711\n"))
    args = ["staff", "add", "--data-dir", str(data), "--identifier", "med-7", "--name", "Lina"]
    assert main([*args, "--pin-stdin"]) == 2
    assert "4711" not in capsys.readouterr().err  # the PIN is never echoed
    monkeypatch.setattr("sys.stdin", io.StringIO(PIN + "\n"))
    badge = tmp_path / "badge.png"
    assert main([*args, "--pin-stdin", "--badge", str(badge)]) == 0
    assert badge.stat().st_mode & 0o077 == 0
    assert main(["staff", "list", "--data-dir", str(data)]) == 0
    assert "med-7\tmediator\tLina" in capsys.readouterr().out
    app = create_app(Settings(data_dir=data, enrolment_codes=["code-cli-7K3M-9QXD-2PTV-H8WN"]))
    with TestClient(app) as api:
        kiosk = _kiosk(api, "code-cli-7K3M-9QXD-2PTV-H8WN")
        assert _sign_in(api, kiosk, PIN, who="med-7").status_code == 200
    app.state.engine.dispose()


def test_an_unknown_identifier_is_checked_against_a_hash_at_the_hashers_own_cost() -> None:
    """Unknown identifiers cost what known ones do: their PIN is checked against a hash at
    the hasher's parameters. At argon2's defaults it is the shipped one (no hash made at
    each start); it follows the defaults if a new argon2 changes them, and a hasher of
    other parameters gets one of its own."""
    from argon2 import PasswordHasher, extract_parameters
    from argon2.exceptions import VerifyMismatchError

    from central.app import dummy_pin_hash

    def cost(p: Any) -> tuple[object, ...]:
        return (p.type, p.time_cost, p.memory_cost, p.parallelism, p.hash_len, p.salt_len)

    default = PasswordHasher()
    shipped = dummy_pin_hash(default)
    assert cost(extract_parameters(shipped)) == cost(default)
    assert dummy_pin_hash(default) == shipped  # the same string: made once, not per start
    with pytest.raises(VerifyMismatchError):
        default.verify(shipped, PIN)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    own = dummy_pin_hash(cheap)
    assert own != shipped and cost(extract_parameters(own)) == cost(cheap)
