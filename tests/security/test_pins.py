"""PINs as the best services keep them: throttled across accounts per kiosk and per address,
the same answer and the same work for known and unknown identifiers, a failure count that
decays and resets after a success, and Argon2 never inside a write transaction. Before: 57
PINs in a minute over 19 accounts, unknown identifiers told apart, an account locked for
ever by one wrong try every 15 minutes, and a sign-in flood locking the whole database."""

from __future__ import annotations

import os
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event

from central.deps import PinChecks
from tests.security.conftest import PIN, Api, Clock, make_api

WRONG = "000000"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _shape(resp: Any) -> tuple[int, str, str | None]:
    return resp.status_code, resp.json()["detail"], resp.headers.get("Retry-After")


def test_one_pin_sprayed_over_many_accounts_is_throttled_per_kiosk(api: Api) -> None:
    for i in range(20):
        api.add_staff(f"med-{i:02d}")
    kiosk = api.enrol()
    answers = [api.sign_in(kiosk, f"med-{i:02d}", WRONG).status_code for i in range(20)]
    assert answers.count(403) <= 10, answers  # then 429 for every account, PIN unseen
    assert answers[-1] == 429
    # Another kiosk elsewhere is not blocked by it... (per address: see below)
    api.clock.advance(3600)
    assert api.sign_in(kiosk, "med-19", PIN).status_code == 200  # the window passed


def test_spraying_from_several_kiosks_is_throttled_per_address(api: Api) -> None:
    for i in range(30):
        api.add_staff(f"med-{i:02d}")
    kiosks = [api.enrol(f"k{i}") for i in range(3)]
    answers = [api.sign_in(kiosks[i % 3], f"med-{i:02d}", WRONG).status_code for i in range(30)]
    assert answers.count(403) <= 20, answers  # the test client is one address


def test_known_and_unknown_identifiers_get_the_same_answers(api: Api) -> None:
    api.add_staff("med-real")
    kiosk = api.enrol()
    known, unknown = [], []
    for _ in range(6):
        known.append(_shape(api.sign_in(kiosk, "med-real", WRONG)))
        unknown.append(_shape(api.sign_in(kiosk, "med-ghost", WRONG)))
        api.clock.advance(1)
    assert known == unknown
    assert {status for status, _d, _r in known} == {403, 429}  # the lockout applies to both


def test_known_and_unknown_identifiers_take_the_same_time(tmp_path: Path, clock: Clock) -> None:
    """With the real Argon2 parameters: both run one verification; medians of interleaved
    tries within a factor of 1.5 (the machine is shared: a loose bound)."""
    calls: list[str] = []
    real = PasswordHasher()

    class Spy(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            calls.append("verify")
            return real.verify(hash, password)

    with make_api(tmp_path, clock, staff_hasher=Spy()) as api:
        api.add_staff("med-real")
        kiosk = api.enrol()
        times: dict[str, list[float]] = {"med-real": [], "med-ghost": []}
        for _ in range(3):
            for who in times:
                calls.clear()
                t = time.perf_counter()
                resp = api.sign_in(kiosk, who, WRONG)
                times[who].append(time.perf_counter() - t)
                assert resp.status_code == 403
                assert calls == ["verify"], (who, calls)
                clock.advance(3600)  # no lockout in the way: the same path each time
    ratio = statistics.median(times["med-real"]) / statistics.median(times["med-ghost"])
    assert 1 / 1.5 < ratio < 1.5, times


def test_failures_decay_and_a_success_resets_them(api: Api) -> None:
    api.add_staff("med-1")
    kiosk = api.enrol()
    retry = None
    for _ in range(8):  # one wrong try each time it is allowed again: 15 min at most
        resp = api.sign_in(kiosk, "med-1", WRONG)
        assert resp.status_code == 403
        retry = int(resp.headers.get("Retry-After") or 0)
        api.clock.advance(retry)
    assert retry and retry >= 60
    api.clock.advance(24 * 3600)  # a day without a try: the count is forgotten
    resp = api.sign_in(kiosk, "med-1", WRONG)
    assert resp.status_code == 403 and resp.headers.get("Retry-After") is None
    # A success resets it at once.
    api.sign_in(kiosk, "med-1", WRONG)
    api.sign_in(kiosk, "med-1", WRONG)
    api.clock.advance(3600)
    assert api.sign_in(kiosk, "med-1", PIN).status_code == 200
    resp = api.sign_in(kiosk, "med-1", WRONG)
    assert resp.status_code == 403 and resp.headers.get("Retry-After") is None


def test_pin_checks_take_their_turn(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sign-ins arriving together (eight kiosks at once) are checked one at a time in a
    worker, on a thread of lower priority: before, ten Argon2 checks at once (64 MiB, four
    threads each) took every core and the other kiosks' heartbeats waited seconds
    (benchmarks/central_load.py)."""
    running, most, arrived = 0, 0, 0
    changed = threading.Condition()
    niceness: set[int] = set()
    kiosk_count = 8
    real_run = PinChecks.run

    def counted_run(self: PinChecks, check: Callable[[], bool]) -> bool:
        nonlocal arrived
        with changed:
            arrived += 1
            changed.notify_all()
        return real_run(self, check)

    monkeypatch.setattr(PinChecks, "run", counted_run)

    class Slow(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            """Holds its turn until every sign-in has asked for one (they then wait in
            line) or another check runs beside it (the failure): a check that takes a
            while, as Argon2's real parameters do, without a fixed sleep."""
            nonlocal running, most
            with changed:
                running += 1
                most = max(most, running)
                niceness.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
                changed.notify_all()
                changed.wait_for(lambda: arrived == kiosk_count or running > 1, timeout=10)
                running -= 1
            return FAST.verify(hash, password)

    with make_api(tmp_path, clock, staff_hasher=Slow(1, 1024, 1)) as api:
        kiosks = [api.enrol(f"k{i}") for i in range(kiosk_count)]
        statuses: list[int] = []
        threads = [
            threading.Thread(
                target=lambda i=i: statuses.append(
                    api.sign_in(kiosks[i], f"med-ghost-{i}", WRONG).status_code
                )
            )
            for i in range(len(kiosks))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert statuses == [403] * kiosk_count
    assert arrived == kiosk_count and most == 1
    assert niceness == {min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)}


def test_argon2_never_runs_inside_a_write_transaction(tmp_path: Path, clock: Clock) -> None:
    """While the PIN is checked, another process can take the database's write lock."""
    db = tmp_path / "central" / "central.db"
    free: list[bool] = []
    real = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    class Probe(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            conn = sqlite3.connect(db, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                free.append(True)
            except sqlite3.OperationalError:
                free.append(False)
            finally:
                conn.close()
            return real.verify(hash, password)

    with make_api(tmp_path, clock, staff_hasher=Probe()) as api:
        api.add_staff("med-1")
        kiosk = api.enrol()
        api.sign_in(kiosk, "med-1", WRONG)
        api.sign_in(kiosk, "med-ghost", WRONG)
        assert api.sign_in(kiosk, "med-1", PIN).status_code == 200
    assert free == [True, True, True]


def test_requests_do_not_each_write_last_seen(api: Api) -> None:
    kiosk = api.enrol()
    writes: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE KIOSKS"):
            writes.append(statement)

    engine = api.app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(30):
            api.clock.advance(1)  # 30 s of requests: last_seen is written once a minute at most
            resp = api.client.get(f"/v1/attachments/{'0' * 64}", headers=kiosk.auth)
            assert resp.status_code == 404
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(writes) <= 1, writes
