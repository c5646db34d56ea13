"""Crash test: the submit-and-sync path killed with SIGKILL at every step, then restarted.

A forked child (imports already done, so a run costs milliseconds) opens the kiosk's store
on a data directory shared by all its runs, submits the planned applications that are not
in the outbox yet (draft, pages, seal, enqueue) and runs the real ``SyncAgent`` against the
real central server on 127.0.0.1 until the outbox is acknowledged. Kill points:

* **hooks**: every SQL statement and every COMMIT the store issues (labelled with the store
  method running: ``save_draft``, ``add_page``, ``enqueue``, ``mark_uploading``,
  ``mark_attachment_uploaded``, ``mark_delivered``, ``mark_acknowledged``...), every HTTP
  request before it is sent, every ``sendall`` of a request (half of the bytes go out, then
  the kill: a chunk cut in the middle), and every HTTP response once received (the server
  has stored the chunk or the application, the kiosk has not recorded it). The child
  SIGKILLs itself at the k-th hook;
* **timers**: the parent SIGKILLs the child after a random delay (anywhere, including
  inside SQLite's commit or fsync).

After each kill a new child (same data directory) carries on; a last one runs to the end.
Then: every planned application is at the central API exactly once, its pages open to the
bytes scanned, nothing else arrived, ``PRAGMA integrity_check`` is ok, the outbox is all
acknowledged and no clear draft or page is left.
"""

from __future__ import annotations

import collections
import contextlib
import os
import random
import select
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import event

from kiosk.store import AuditTrail, Drafts, LocalSettings, Outbox, Pages, Store
from sync.client import CentralClient
from sync.enrolment import Enrolment, enrol
from tests.fixtures.central import CentralServer
from tests.robustness.workload import (
    PlannedApp,
    check_central,
    check_kiosk,
    drain,
    plan_apps,
    submit_missing,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHUNK = 8 * 1024
SEED = 20261127
RUNS = 200  # SIGKILLs in all
# The store's steps, labelled with the name the SQL they write is known by in the report.
STORE_STEPS = {
    "entry": (Outbox, "entry"),
    "save_draft": (Drafts, "save"),
    "add_page": (Pages, "add"),
    "pages": (Pages, "of"),
    "enqueue": (Outbox, "enqueue"),
    "due": (Outbox, "due"),
    "mark_uploading": (Outbox, "mark_uploading"),
    "attachment_data": (Outbox, "attachment_data"),
    "mark_attachment_uploaded": (Outbox, "mark_attachment_uploaded"),
    "mark_attachments_missing": (Outbox, "mark_attachments_missing"),
    "mark_delivered": (Outbox, "mark_delivered"),
    "mark_acknowledged": (Outbox, "mark_acknowledged"),
    "mark_failed": (Outbox, "mark_failed"),
    "audit": (AuditTrail, "record"),
    "get_setting": (LocalSettings, "get"),
    "set_setting": (LocalSettings, "set"),
    "backlog": (Outbox, "backlog"),
}
# Steps the kill points must cover (the list).
REQUIRED = {
    "save_draft:INSERT",  # mid draft write
    "save_draft:COMMIT",
    "add_page:INSERT",
    "enqueue:INSERT",  # mid enqueue transaction
    "enqueue:DELETE",
    "enqueue:COMMIT",
    "due:SELECT",  # after enqueue, before upload
    "mark_uploading:UPDATE",
    "http:PUT attachments:sendall",  # mid chunk
    "http:PUT attachments:response",  # the server has the chunk, the kiosk does not know
    "mark_attachment_uploaded:UPDATE",
    "mark_delivered:UPDATE",
    "http:PUT applications:sendall",
    "http:PUT applications:response",  # stored centrally, acknowledgement not recorded
    "mark_acknowledged:UPDATE",  # mid acknowledgement write
    "mark_acknowledged:COMMIT",
}


# --- the child ----------------------------------------------------------------------------


class Hooks:
    """Counts the kill points of this process and SIGKILLs it at the ``kill_at``-th,
    after writing the point's label to ``report_fd``."""

    def __init__(self, kill_at: int | None, report_fd: int) -> None:
        self.kill_at = kill_at
        self.report_fd = report_fd
        self.count = 0
        self.trace: list[str] = []
        self.phase: list[str] = ["-"]
        self.request = "-"

    def tick(self, label: str, before_kill: Callable[[], None] | None = None) -> None:
        self.count += 1
        self.trace.append(label)
        if self.count == self.kill_at:
            os.write(self.report_fd, f"{label}\n".encode())
            if before_kill is not None:
                before_kill()
            os.kill(os.getpid(), signal.SIGKILL)

    def install(self, store: Store) -> None:
        hooks = self

        def before_execute(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
            hooks.tick(f"{hooks.phase[-1]}:{statement.split(None, 1)[0].upper()}")

        def before_commit(_conn: Any) -> None:
            hooks.tick(f"{hooks.phase[-1]}:COMMIT")

        event.listen(store.database.engine, "before_cursor_execute", before_execute)
        event.listen(store.database.engine, "commit", before_commit)

        for name, (repository, method) in STORE_STEPS.items():
            real = getattr(repository, method)

            def wrapper(self: Any, *args: Any, _real: Any = real, _name: str = name, **kw: Any):
                hooks.phase.append(_name)
                try:
                    return _real(self, *args, **kw)
                finally:
                    hooks.phase.pop()

            setattr(repository, method, wrapper)

        real_send = requests.Session.send

        def send(session: requests.Session, request: requests.PreparedRequest, **kw: Any) -> Any:
            kind = (request.path_url or "").split("/")[2:3] or ["?"]
            hooks.request = f"http:{request.method} {kind[0]}"
            hooks.tick(f"{hooks.request}:before")
            resp = real_send(session, request, **kw)
            hooks.tick(f"{hooks.request}:response")
            return resp

        requests.Session.send = send  # type: ignore[method-assign,assignment]

        real_sendall = socket.socket.sendall

        def sendall(sock: socket.socket, data: Any, *args: Any) -> None:
            view = memoryview(data)
            half = view[: max(1, len(view) // 2)]
            hooks.tick(f"{hooks.request}:sendall", lambda: real_sendall(sock, half))
            real_sendall(sock, data, *args)

        socket.socket.sendall = sendall  # type: ignore[method-assign,assignment]


def child(
    data_dir: Path, url: str, apps: Sequence[PlannedApp], kill_at: int | None, report_fd: int
) -> None:
    """The kiosk: submit what is missing, then sync until all is acknowledged. Never returns."""
    code = 1
    try:
        store = Store.open(data_dir / "store")
        hooks = Hooks(kill_at, report_fd)
        hooks.install(store)
        submit_missing(store, data_dir, apps)
        token = Enrolment.load(data_dir / "enrolment.json").token
        client = CentralClient(url, token, connect_timeout=5, read_timeout=20)
        drain(store, client, data_dir=data_dir, chunk_size=CHUNK)
        (data_dir / "trace.txt").write_text("\n".join(hooks.trace))
        os.write(report_fd, f"done {hooks.count}\n".encode())
        code = 0
    except BaseException:
        with open(data_dir / "child-error.txt", "a") as f:
            traceback.print_exc(file=f)
    finally:
        os._exit(code)


class Runner:
    """Forks kiosk children on one data directory and records how they ended."""

    def __init__(self, data_dir: Path, url: str, apps: Sequence[PlannedApp]) -> None:
        self.data_dir = data_dir
        self.url = url
        self.apps = apps
        self.labels: collections.Counter[str] = collections.Counter()
        self.kills = 0

    def run(self, kill_at: int | None = None, kill_after: float | None = None) -> str:
        """One child; returns "killed", or "done N" (N: the kill points it went through)."""
        r, w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(r)
            child(self.data_dir, self.url, self.apps, kill_at, w)
        os.close(w)
        if kill_after is not None:
            # SIGKILL at an arbitrary moment of the child's work (kill points cover those
            # it could signal), unless it has written its result and ended before then.
            finished, _, _ = select.select([r], [], [], kill_after)
            if not finished:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        with os.fdopen(r) as f:
            said = f.read().strip()
        if os.WIFSIGNALED(status):
            assert os.WTERMSIG(status) == signal.SIGKILL
            self.kills += 1
            self.labels[said or "timer"] += 1
            return "killed"
        error = self.data_dir / "child-error.txt"
        assert os.WEXITSTATUS(status) == 0, error.read_text() if error.exists() else status
        return said

    def finish(self) -> list[str]:
        """A child with no kill: it must complete. Returns the labels of its kill points."""
        said = self.run()
        assert said.startswith("done"), said
        return (self.data_dir / "trace.txt").read_text().splitlines()


# --- the test -----------------------------------------------------------------------------


def _enrolled_dir(server: CentralServer, base: Path) -> tuple[Path, str]:
    data_dir = base / "kiosk"
    client = CentralClient(server.url)
    enrolment = enrol(client, server.new_enrolment_code(), "Crash", data_dir / "enrolment.json")
    client.close()
    return data_dir, enrolment.kiosk_id


def test_sigkill_at_every_step_loses_and_duplicates_nothing(
    robust_server: CentralServer, ram_dir: Path
) -> None:
    server = robust_server
    rng = random.Random(SEED)
    data_dir, kiosk_id = _enrolled_dir(server, ram_dir)
    Store.open(ram_dir / "warm").close()  # alembic's scripts loaded once, before the forks
    all_apps: list[PlannedApp] = []
    labels: collections.Counter[str] = collections.Counter()
    kills = 0
    t0 = time.monotonic()

    # 1. Systematic sweep: one application with a page of two chunks, killed at each step
    #    (the first and the last time it comes), each time on a fresh application in the
    #    same store; the restarted child is killed again at a random point, then a third
    #    one finishes.
    def one_app() -> list[PlannedApp]:
        return plan_apps(rng, 1, pages=(1, 1), size=(CHUNK + 100, 2 * CHUNK - 100))

    probe = one_app()
    all_apps += probe
    trace = Runner(data_dir, server.url, probe).finish()
    # every step, at its first and last occurrence (e.g. the first and the last chunk)
    firsts = {label: i for i, label in reversed(list(enumerate(trace, start=1)))}
    lasts = {label: i for i, label in enumerate(trace, start=1)}
    points = sorted(set(firsts.values()) | set(lasts.values()))
    for k in points:
        apps = one_app()
        all_apps += apps
        runner = Runner(data_dir, server.url, apps)
        if runner.run(kill_at=k) == "killed":
            runner.run(kill_at=rng.randint(1, len(trace)))
            runner.finish()
        labels += runner.labels
        kills += runner.kills
    sweep_kills = kills
    sweep_s = time.monotonic() - t0

    # 2. Random campaigns: three applications with 1-3 pages each, killed again and again
    #    (at a random hook, or by the parent after a random delay) while they progress.
    while kills < RUNS:
        apps = plan_apps(rng, 3, pages=(1, 3), size=(2_000, 3 * CHUNK))
        all_apps += apps
        runner = Runner(data_dir, server.url, apps)
        for _ in range(10):
            if rng.random() < 0.6:
                runner.run(kill_at=rng.randint(1, 2 * len(trace)))
            else:
                runner.run(kill_after=rng.uniform(0.0, 0.4))
        runner.finish()
        labels += runner.labels
        kills += runner.kills

    elapsed = time.monotonic() - t0
    with Store.open(data_dir / "store") as store:
        check_kiosk(store, len(all_apps))
    counts = check_central(server, kiosk_id, all_apps)
    print(
        f"\ncrash test: {kills} SIGKILLs ({sweep_kills} in the sweep of {len(points)} kill "
        f"points in {sweep_s:.1f} s, {kills - sweep_kills} random), {counts['applications']} applications, "
        f"{counts['pages']} pages, {elapsed:.1f} s"
    )
    for label, n in sorted(labels.items()):
        print(f"  {n:4d}  {label}")
    assert kills >= RUNS
    missed = REQUIRED - set(labels)
    assert not missed, f"kill points never reached: {sorted(missed)}"
