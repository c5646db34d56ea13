"""kiosk.staff: the throttle policy, the fake directory, badges, the audit spool."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import qrcode

from contract.badge import make_badge_code, parse_badge_code, read_badge
from contract.pin_policy import DEFAULT_POLICY, ThrottlePolicy
from kiosk.staff import MemoryAuditLog, Role, SignInRefused, valid_pin
from kiosk.staff.central import CentralAuditLog
from kiosk.staff.fake import FakeStaffDirectory
from kiosk.testing import FakeClock

YEAR_S = 365 * 24 * 3600


class Clock(FakeClock):
    def __init__(self) -> None:
        super().__init__(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC))


def test_policy_grows_then_caps() -> None:
    p = DEFAULT_POLICY
    delays = [p.delay_after(f) for f in range(12)]
    assert delays[:3] == [0, 0, 0]
    assert delays[3:9] == [30, 60, 120, 240, 480, 900]
    assert all(d == 900 for d in delays[8:])


def test_expected_time_formula_matches_brute_force_average() -> None:
    p = ThrottlePolicy(free_tries=2, first_delay_s=1, factor=2, max_delay_s=10)
    n = 40
    average = sum(p.time_to_try(k) for k in range(1, n + 1)) / n
    assert p.expected_seconds_to_guess(n) == pytest.approx(average)


def test_a_6_digit_pin_takes_over_a_year_to_guess() -> None:
    assert DEFAULT_POLICY.expected_seconds_to_guess(10**6) > YEAR_S
    # and a policy without delays would not pass this test
    assert ThrottlePolicy(max_delay_s=0.1, first_delay_s=0.1).expected_seconds_to_guess() < YEAR_S


def test_valid_pin() -> None:
    assert valid_pin("123456") and valid_pin("12345678")
    assert not valid_pin("12345") and not valid_pin("12345a") and not valid_pin("١٢٣٤٥٦")


def test_fake_directory_right_wrong_locked_and_audited() -> None:
    clock, audit = Clock(), MemoryAuditLog()
    d = FakeStaffDirectory(audit=audit, clock=clock)
    d.add("med-0042", "482913", "Amina B.")
    assert d.sign_in("med-0042", "482913").role is Role.MEDIATOR
    for _ in range(3):
        with pytest.raises(SignInRefused) as wrong:
            d.sign_in("med-0042", "000000")
        assert wrong.value.reason == "wrong"
    with pytest.raises(SignInRefused) as locked:
        d.sign_in("med-0042", "482913")  # even the right PIN waits
    assert locked.value.reason == "locked"
    assert locked.value.retry_after_s == pytest.approx(30)
    clock.advance(31)
    assert d.sign_in("med-0042", "482913").display_name == "Amina B."
    assert audit.actions("med-0042") == ["sign_in"] + ["sign_in_failed"] * 4 + ["sign_in"]
    with pytest.raises(SignInRefused) as unknown:
        d.sign_in("nobody", "482913")
    assert unknown.value.reason == "wrong"


def test_fake_directory_offline() -> None:
    d = FakeStaffDirectory(available=False)
    d.add("med-1", "111111", "M")
    with pytest.raises(SignInRefused) as exc:
        d.sign_in("med-1", "111111")
    assert exc.value.reason == "unavailable"


def test_badge_code_round_trip_through_a_camera_frame() -> None:
    code = make_badge_code("staff-7")
    assert parse_badge_code(code) == ("staff-7", code.split(":")[2])
    assert parse_badge_code("hello") is None
    img = qrcode.make(code).get_image().convert("L")
    frame = np.array(img, dtype=np.uint8)
    frame = np.pad(frame, 40, constant_values=255)
    assert read_badge(frame) == code
    assert read_badge(np.full((200, 200), 255, np.uint8)) is None


def test_badge_sign_in_on_fake() -> None:
    d = FakeStaffDirectory()
    code = make_badge_code("staff-7")
    d.add("staff-7", "246810", "Paul", Role.STAFF, badge_secret=code.split(":")[2])
    assert d.sign_in_badge(code).role is Role.STAFF
    with pytest.raises(SignInRefused):
        d.sign_in_badge(make_badge_code("staff-7"))


def test_audit_spool_keeps_entries_until_delivered(tmp_path: Path) -> None:
    sent: list[object] = []

    class Client:
        up = False

        def _request(self, method: str, path: str, body: object, headers: dict[str, str]) -> None:
            if not Client.up:
                raise OSError("network down")
            sent.append((body, headers))

        def close(self) -> None:
            pass

    log = CentralAuditLog(tmp_path / "audit.jsonl", Client)  # type: ignore[arg-type]
    log.bind("med-1", "session-of-med-1")  # CentralStaffDirectory does it at sign-in
    log.record("med-1", "assist_start")
    log.record("med-1", "assist_end")
    log.record("med-1", "sign_out")
    log.record("med-1", "admin_after_sign_out")  # no session any more: kept aside, not sent
    assert log.flush() == 0
    assert [e.action for e in log.pending()] == [
        "assist_start",
        "assist_end",
        "sign_out",
        "admin_after_sign_out",
    ]
    assert (tmp_path / "audit.jsonl").stat().st_mode & 0o077 == 0
    Client.up = True
    assert log.flush() == 3
    assert log.pending() == [] and len(sent) == 1
    body, headers = sent[0]
    assert headers == {"X-Staff-Session": "session-of-med-1"}
    assert [e.action for e in body.entries] == ["assist_start", "assist_end", "sign_out"]  # type: ignore[attr-defined]
    kept = (tmp_path / "audit.jsonl.undelivered").read_text()
    assert "admin_after_sign_out" in kept and "session-of-med-1" not in kept
