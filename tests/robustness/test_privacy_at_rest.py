"""Privacy at rest: after drafts, scanned pages, submissions and a sync, no file of the
kiosk's data directory (database, -wal, -shm, logs at DEBUG, enrolment, lock...) holds
any of the applicants' names, numbers, addresses or page bytes in clear, in UTF-8 or
UTF-16; nor do the logs. Only the kiosk key file is left out (it is the key)."""

from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.link.sealer import Sealer
from kiosk.logs import setup_logging
from kiosk.store import Store
from sync.client import CentralClient
from sync.enrolment import enrol
from tests.fixtures.central import CentralServer
from tests.robustness.workload import (
    JPEG_MAGIC,
    PlannedApp,
    check_central,
    document_id,
    drain,
    plan_apps,
    submit,
)

pytestmark = pytest.mark.integration

APPLICANTS = [
    {
        "surname": "Zyxwvutsrq",
        "given_names": "Qwertzuiop",
        "passport_number": "ZQ9081726",
        "phone": "06 98 76 54 32",
        "address_line": "17 impasse des Glycines Mauves",
        "city": "Vierzonville",
        "birth_date": "1987-11-23",
    },
    {
        "surname": "Ãçéñtûéĸ",
        "given_names": "Ŋørðhild",
        "passport_number": "XK5546372",
        "phone": "07 11 22 33 44",
        "address_line": "3 allée Pérpignanesque",
        "city": "Ouagadoumarseille",
        "birth_date": "1990-02-28",
    },
    {
        "surname": "حدادزيكو",
        "given_names": "نورهان",
        "passport_number": "LB7766554",
        "phone": "06 55 44 33 22",
        "address_line": "88 boulevard Tartempionnesque",
        "city": "Saint-Xylophone",
        "birth_date": "1979-07-04",
    },
    {
        "surname": "Kowalczykowski",
        "given_names": "Bożydarka",
        "passport_number": "PL3141592",
        "phone": "06 27 18 28 18",
        "address_line": "5 chemin du Moulin Quinconce",
        "city": "Brive-la-Gaillardise",
        "birth_date": "2001-12-31",
    },
]
PATTERN = bytes(range(7, 250, 3)) * 2  # a distinctive byte run, put in every page


def _page(rng: random.Random, n: int) -> bytes:
    """A "scan": JPEG magic, random bytes and a distinctive run (its pixels, say)."""
    body = rng.randbytes(20_000 + n * 1000)
    return JPEG_MAGIC + body[:9_000] + PATTERN + f"PIXELS-{n:04d}".encode() + body[9_000:]


def _needles(apps: list[PlannedApp]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for i, applicant in enumerate(APPLICANTS):
        for field, value in applicant.items():
            variants = {value, value.upper(), value.replace(" ", "")}
            for v in variants:
                for enc in ("utf-8", "utf-16-le", "utf-16-be"):
                    out[f"applicant {i} {field} {v!r} ({enc})"] = v.encode(enc)
    out["page pattern"] = PATTERN
    for app in apps:
        for n, page in enumerate(app.pages):
            for off in (100, len(page) // 2, len(page) - 40):
                out[f"{app.uuid} page {n} bytes at {off}"] = page[off : off + 24]
    return out


@pytest.fixture
def debug_logs(ram_dir: Path) -> Iterator[Path]:
    """The kiosk's own logging setup, at DEBUG, into the data directory; undone after."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    log_dir = ram_dir / "kiosk" / "logs"
    setup_logging(log_dir, logging.DEBUG)
    try:
        yield log_dir
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
                root.removeHandler(handler)
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)


def _scan(data_dir: Path, key_file: Path, needles: dict[str, bytes]) -> tuple[int, list[str]]:
    files = [p for p in sorted(data_dir.rglob("*")) if p.is_file() and p != key_file]
    found = []
    for path in files:
        raw = path.read_bytes()
        found += [
            f"{path.relative_to(data_dir)}: {name}" for name, n in needles.items() if n in raw
        ]
    return len(files), found


def test_no_personal_data_in_clear_on_disk_or_in_logs(
    robust_server: CentralServer, ram_dir: Path, debug_logs: Path
) -> None:
    data_dir = ram_dir / "kiosk"
    client = CentralClient(robust_server.url)
    enrolment = enrol(
        client, robust_server.new_enrolment_code(), "Privacy", data_dir / "enrolment.json"
    )
    client.close()
    rng = random.Random(42)
    apps = [
        PlannedApp(
            app.uuid,
            {**app.answers, **APPLICANTS[i]},
            tuple(_page(rng, i * 3 + n) for n in range(len(app.pages))),
        )
        for i, app in enumerate(plan_apps(rng, len(APPLICANTS), pages=(2, 3)))
    ]
    needles = _needles(apps)
    now = dt.datetime.now(dt.UTC)
    submitted, drafts = apps[:2], apps[2:]
    store_dir = data_dir / "store"
    key_file = store_dir / "keys" / "kiosk.key"
    with Store.open(store_dir) as store:
        sealer = Sealer(data_dir / "enrolment.json")
        for app in submitted:
            submit(store, sealer, enrolment.kiosk_id, app, now)
        for app in drafts:  # saved (twice: autosave), with their pages, never submitted
            store.drafts.save(app.uuid, "renewal-student", "fr", {"surname": "x"}, now)
            store.drafts.save(app.uuid, "renewal-student", "fr", app.answers, now)
            for n, page in enumerate(app.pages, start=1):
                store.pages.add(app.uuid, document_id(), n, page, now)
        # what the kiosk does with them reads back fine...
        draft = store.drafts.load(drafts[0].uuid)
        assert draft is not None and draft.answers["surname"] == "حدادزيكو"
        assert [p.data for p in store.pages.of(drafts[1].uuid)] == list(drafts[1].pages)
        # ...the submitted ones are delivered (the agent logs at DEBUG too)
        client = CentralClient(robust_server.url, enrolment.token)
        drain(store, client, data_dir=data_dir)
        client.close()
        assert key_file.exists()
        # while the store is open: database, -wal and -shm as they are
        n_open, found_open = _scan(data_dir, key_file, needles)
    n_closed, found_closed = _scan(data_dir, key_file, needles)
    check_central(robust_server, enrolment.kiosk_id, submitted)

    logs = sorted(debug_logs.glob("kiosk.log*"))
    assert logs and sum(p.stat().st_size for p in logs) > 0, "nothing was logged"
    print(
        f"\nprivacy: {n_open} files scanned (store open), {n_closed} after close, "
        f"{len(needles)} needles, {sum(p.stat().st_size for p in logs)} bytes of DEBUG logs"
    )
    assert not found_open, "\n".join(found_open[:20])
    assert not found_closed, "\n".join(found_closed[:20])
    # the needles are findable: the scan itself works
    probe = data_dir / "probe.bin"
    probe.write_bytes(b"..." + "Zyxwvutsrq".encode("utf-16-le") + PATTERN)
    assert len(_scan(data_dir, key_file, needles)[1]) == 2
