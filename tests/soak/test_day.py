"""A day at the kiosk (issue 14): applicants one after another through the real screens
(pytest-qt, offscreen), with a fast clock, the real encrypted store, HPKE sealing, the
voice's real engine process (espeak-ng, no sound card), the fake printer and the fake
camera showing the last receipt printed ("Suivre ma demande" by QR code), the app's sync
thread, and the real central API on 127.0.0.1 behind a proxy that drops every tenth
request. Outcomes are mixed (tests/soak/day.py: submitted, abandoned, timed out, saved then
resumed, assisted by a mediator, status lookups).

It asserts, over the day:

* resident memory grows by less than 20 MB after the warm-up (a tenth of the day);
* no thread and no file descriptor is left behind (counted after the warm-up and at the end);
* the voice's engine process, killed mid-day, is started again and speaks;
* the outbox drains (every submitted application acknowledged by the central API, once);
* the store's file is back to its floor (a new store's size) after the retention purge:
  nothing of the day is left in it, audit events included, and its free pages are given
  back to the file system;
* after each applicant, nothing of theirs is left in the window, the session or the
  controller (tests/gui/test_privacy.py's walk), and their draft is gone from the store.

CI runs 50 applicants (``KIOSK_SOAK_APPLICANTS``, default 50); ``make soak`` runs 500 and
prints the figures (README, "A day at the kiosk").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import re
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import pytestqt.exceptions

from contract.catalogue import load_catalogue
from kiosk.config import load_settings
from kiosk.devices.speech_espeak import Pyttsx3Speech, unavailable_reason
from kiosk.health.checks import pid_alive
from kiosk.link.sealer import Sealer
from kiosk.link.status_service import StatusService
from kiosk.link.sync_runner import SyncThread
from kiosk.staff import MemoryAuditLog, Role
from kiosk.staff.fake import FakeStaffDirectory
from kiosk.store import Store
from kiosk.ui.compose import StaffParts, receipt_devices
from sync.client import CentralClient
from sync.enrolment import Enrolment, enrol
from tests.fixtures.central import CentralServer
from tests.gui.conftest import NOW, FakeMonotonic, Kiosk, session_kiosk
from tests.gui.test_privacy import applicant_traces
from tests.robustness.faultproxy import FaultProxy
from tests.soak.day import Day, SimClock, malloc_trim, open_fds, rss_kb

pytestmark = [pytest.mark.gui, pytest.mark.integration, pytest.mark.slow]

# Descriptors the end of the day may hold beyond its warm start: a round of the sync thread
# in flight (a socket, a database connection). A leak of the day grows past it.
FD_SLACK = 2

APPLICANTS = int(os.environ.get("KIOSK_SOAK_APPLICANTS", "50"))
WARM_UP = max(10, APPLICANTS // 10)
if APPLICANTS <= WARM_UP:  # the figures are taken after the warm-up: a shorter day has none
    raise ValueError(f"KIOSK_SOAK_APPLICANTS must be over {WARM_UP}, not {APPLICANTS}")
PIN = "482913"


def _threads() -> Counter[str]:
    """The process's threads by kind (their names without numbers: the voice's engine
    thread is named after its process), less the test's proxy (a thread per connection)."""
    return Counter(
        re.sub(r"\d+", "#", t.name) for t in threading.enumerate() if "(_serve)" not in t.name
    )


_KEPT = {"alembic_version", "setting"}  # the schema's version, the kiosk's own settings


def _rows(db_dir: Path) -> dict[str, int]:
    import sqlite3

    conn = sqlite3.connect(f"file:{db_dir / 'kiosk.db'}?mode=ro", uri=True)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
    finally:
        conn.close()


def _live_bytes(db_dir: Path) -> int:
    """Bytes of the store's database in use (pages minus the free list)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db_dir / 'kiosk.db'}?mode=ro", uri=True)
    try:
        pages, free, size = (
            conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count", "page_size")
        )
    finally:
        conn.close()
    return int((pages - free) * size)


def _file_bytes(db_dir: Path) -> int:
    """The store's bytes on disk: the database file and its write-ahead log."""
    return sum(
        p.stat().st_size for p in (db_dir / "kiosk.db", db_dir / "kiosk.db-wal") if p.exists()
    )


@pytest.mark.timeout(120 + 20 * APPLICANTS)  # ~2-3 s an applicant on an idle core
def test_a_day_at_the_kiosk(qtbot: Any, tmp_path: Path, central_server: CentralServer) -> None:
    reason = unavailable_reason()
    if reason is not None:
        pytest.fail(f"the soak needs the real voice (espeak-ng, pyttsx3): {reason}")
    proxy = FaultProxy(
        ("127.0.0.1", int(central_server.url.rsplit(":", 1)[1])),
        faults={},
        script=(["pass"] * 9 + ["drop"]) * (APPLICANTS * 30),
    )
    clock = SimClock(NOW)
    settings = load_settings(
        overrides={
            "data_dir": tmp_path / "kiosk",
            "central_url": proxy.url,
            "sync_interval_s": 1,
            "fake_devices": True,  # the fake printer and the fake camera (as the demo)
            "voice": True,
        },
        environ={},
    )
    with CentralClient(central_server.url) as client:
        enrol(client, central_server.new_enrolment_code(), "kiosk-soak", settings.enrolment_file)
    kiosk_id = Enrolment.load(settings.enrolment_file).kiosk_id
    store = Store.open(settings.db_dir)
    store.checkpoint()
    floor = _file_bytes(settings.db_dir)  # a new store: the schema, nothing else
    monotonic = FakeMonotonic()
    speech = Pyttsx3Speech(player="null-fast")
    speech.start()
    sealer = Sealer(settings.enrolment_file)
    audit = MemoryAuditLog(kiosk_id=kiosk_id)
    directory = FakeStaffDirectory(audit=audit, clock=clock)
    directory.add("med-0042", PIN, "Amina B.", Role.MEDIATOR)
    built = session_kiosk(
        catalogue=load_catalogue(),
        store=store,
        sealer=sealer,
        kiosk_id=lambda: kiosk_id,
        speech=speech,
        clock=clock,
        voice_on=True,
        monotonic=monotonic,
        draft_retention_days=settings.draft_retention_days,
        receipt=receipt_devices(settings, None),  # fake printer, QR camera, lookups
        site_name=settings.site_name,
        auto_print=settings.print_receipt_automatically,
        staff=StaffParts(directory, audit, assist={"clock": clock}),
    )
    controller, window, staff = built.session, built.window, built.staff
    assert staff is not None and built.assist is not None
    assist = built.assist
    assert isinstance(controller.receipt.status, StatusService)
    qtbot.addWidget(window)
    window.resize(1280, 1024)
    window.show()
    qtbot.waitExposed(window)
    kiosk = Kiosk(window, controller, store, sealer, speech, qtbot, monotonic)  # type: ignore[arg-type]

    signed: list[Any] = []

    def start_assisted(k: Kiosk) -> None:
        staff.request_sign_in({Role.MEDIATOR}, signed.append, lambda: None)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.signin)
        screen = window.signin
        for row, text in ((screen.identifier_row, "med-0042"), (screen.pin_row, PIN)):
            row.editor.setFocus()
            row.editor.clear()
            qtbot.keyClicks(row.editor, text)
        with qtbot.waitSignal(staff.signed_in, timeout=10_000):
            k.click(screen.sign_in_button)
        assist.start(signed[-1])
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.assist_consent)

    def acknowledged_reference() -> str | None:
        for uuid in reversed(day.submitted):
            entry = store.outbox.entry(uuid)
            if entry is not None and entry.state == "acknowledged":
                return str(entry.local_reference)
        return None

    sync = SyncThread(settings, store, clock=clock)
    day = Day(kiosk, clock, start_assisted, acknowledged_reference, after_applicant=sync.wake)
    sync.start()
    figures: dict[str, Any] = {}
    try:
        t0 = time.monotonic()
        for n in range(APPLICANTS):
            if n == WARM_UP:
                # Counted with the voice's engine running, as at the end (its pipes).
                speech.say("Bonjour.", "fr")
                qtbot.waitUntil(lambda: pid_alive(speech.engine_pid), timeout=20_000)
                gc.collect()
                figures["rss_warm_untrimmed_kb"] = rss_kb()
                malloc_trim()
                figures["rss_warm_kb"] = rss_kb()
                threads_warm = _threads()
                fds_warm = open_fds()
            if n == APPLICANTS // 2:
                # The voice's engine dies mid-day: the next sentence starts a new one.
                speech.say("Bonjour.", "fr")
                qtbot.waitUntil(lambda: pid_alive(speech.engine_pid), timeout=20_000)
                killed, started = speech.engine_pid, speech.engines_started
                with contextlib.suppress(ProcessLookupError):  # it may have been stopped
                    os.kill(killed, signal.SIGKILL)  # type: ignore[arg-type]
                speech.say("Bonjour.", "fr")
                qtbot.waitUntil(
                    lambda killed=killed, started=started: (
                        speech.engines_started > started
                        and speech.engine_pid != killed
                        and pid_alive(speech.engine_pid)
                    ),
                    timeout=20_000,
                )
            outcome = day.applicant(n)
            names = [day.identity["surname"], day.identity["passport_number"]]
            # Nothing of this applicant is left anywhere the next one could see it...
            assert applicant_traces(window, controller, names) == [], (n, outcome, names)
            # ...nor in the store, unless saved for later with a code.
            if day.uuid is not None and outcome != "saved":
                qtbot.waitUntil(
                    lambda uuid=day.uuid: store.drafts.load(uuid) is None, timeout=10_000
                )
        figures["seconds"] = round(time.monotonic() - t0)
        gc.collect()
        figures["rss_end_untrimmed_kb"] = rss_kb()
        malloc_trim()
        figures["rss_end_kb"] = rss_kb()

        # The outbox drains through the dropping proxy: every application acknowledged.
        # The kiosk's clock goes on after the last applicant (5 s a look): an upload the
        # proxy dropped near the end waits for its retry time (up to 30 s after a first
        # failure), which a clock stopped at the end of the day never reached (CI: the
        # drain timed out after 120 s once in five runs).
        def drained() -> bool:
            clock.advance(dt.timedelta(seconds=5))
            sync.wake()
            return store.outbox.backlog().get("acknowledged", 0) == len(day.submitted) and not [
                e for e in store.outbox.pending() if e.state != "acknowledged"
            ]

        qtbot.waitUntil(drained, timeout=120_000)
        received = central_server.applications()
        assert sorted(a["uuid"] for a in received) == sorted(day.submitted)  # each once
        assert proxy.faults_injected.get("drop", 0) >= len(day.submitted) // 10

        # Retention: acknowledged applications, drafts and audit events past their time
        # are purged, and the store goes back to its floor.
        store.checkpoint()
        figures["store_before_purge_bytes"] = _file_bytes(settings.db_dir)
        figures["store_live_before_purge_bytes"] = _live_bytes(settings.db_dir)
        retention = max(
            settings.draft_retention_days,
            settings.acknowledged_retention_days,
            settings.audit_retention_days,
        )
        clock.advance(dt.timedelta(days=retention + 1))
        sync.purge()
        store.checkpoint()  # whatever the sync thread wrote since (its alert setting)
        figures["store_floor_bytes"] = floor
        figures["store_after_purge_bytes"] = _file_bytes(settings.db_dir)
        assert sum(store.outbox.backlog().values()) == 0, store.outbox.backlog()
        # Nothing of the day is left: no outbox entry, page, draft, resume code or audit
        # event; and the file is a new store's size again (the purge gave the pages back).
        rows = _rows(settings.db_dir)
        assert {t: n for t, n in rows.items() if n and t not in _KEPT} == {}, rows
        assert figures["store_after_purge_bytes"] <= floor, figures

        # The voice still works, on its restarted engine.
        speech.say("Au revoir.", "fr")
        qtbot.waitUntil(lambda: pid_alive(speech.engine_pid), timeout=20_000)

        speech.say("Au revoir.", "fr")
        qtbot.waitUntil(lambda: pid_alive(speech.engine_pid), timeout=20_000)
        threads_end = _threads()
        # The voice has one events thread while its engine process runs (it is stopped and
        # started again whenever speech is interrupted): one at most, at any time.
        assert threads_end.pop("speech-events-#", 0) <= 1, threads_end
        threads_warm.pop("speech-events-#", None)
        leaked = {k: n for k, n in threads_end.items() if n > threads_warm.get(k, 0)}
        assert not leaked, (threads_warm, threads_end)
        # The sync thread keeps running: a round in flight may hold a socket or a database
        # connection (once in five runs, one descriptor more at the end, not yet explained).
        # A leak of the day grows with the applicants (50 here): at most FD_SLACK more.
        try:
            qtbot.waitUntil(lambda: len(open_fds()) <= len(fds_warm) + FD_SLACK, timeout=10_000)
        except (AssertionError, TimeoutError, pytestqt.exceptions.TimeoutError):
            fds_end = open_fds()
            raise AssertionError(
                {
                    "new": {k: v for k, v in fds_end.items() if fds_warm.get(k) != v},
                    "gone": {k: v for k, v in fds_warm.items() if fds_end.get(k) != v},
                }
            ) from None
        growth_mb = (figures["rss_end_kb"] - figures["rss_warm_kb"]) / 1024
        figures["rss_growth_mb"] = round(growth_mb, 1)
        # Found by this test: every receipt's page image, QPdfWriter or QPrinter was kept
        # for good (kiosk.render.receipt_pdf.laid_out_on), 1.7 MB an applicant.
        assert growth_mb < 20, figures
    finally:
        sync.stop()
        controller.shutdown()
        speech.close()
        store.close()
        proxy.close()
        print(
            f"\nsoak: {APPLICANTS} applicants; {day.counts}; status found {day.status_found}; {figures}"
        )
