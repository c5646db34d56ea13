"""A damaged database is refused, and left exactly as it was found."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest

from kiosk.store import CorruptDatabaseError, Store, StoreError
from tests.unit.store.conftest import T0


def snapshot(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def populated(data_dir: Path) -> bytes:
    with Store.open(data_dir) as store:
        for i in range(40):
            store.drafts.save(f"d{i}", None, "fr", {"text": "x" * 2000}, T0)
            store.outbox.enqueue(f"o{i}", "p", bytes(range(256)) * 8, T0)
    assert not (data_dir / "kiosk.db-wal").exists()  # checkpointed at close
    return (data_dir / "kiosk.db").read_bytes()


def assert_refused(data_dir: Path) -> CorruptDatabaseError:
    before = snapshot(data_dir)
    with pytest.raises(CorruptDatabaseError) as info:
        Store.open(data_dir)
    assert snapshot(data_dir) == before
    message = str(info.value)
    assert "refuses to run" in message
    assert "backup" in message and "support" in message
    assert str(data_dir / "kiosk.db") in message
    return info.value


def test_garbage_file_is_refused(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o700)
    (data_dir / "kiosk.db").write_bytes(b"this is not a database, just garbage\n" * 200)
    error = assert_refused(data_dir)
    assert "not a database" in str(error)
    assert isinstance(error, StoreError)


def test_truncated_database_is_refused(data_dir: Path) -> None:
    content = populated(data_dir)
    assert len(content) > 16 * 4096
    (data_dir / "kiosk.db").write_bytes(content[: len(content) // 2])
    assert_refused(data_dir)


def test_database_truncated_inside_first_page_is_refused(data_dir: Path) -> None:
    content = populated(data_dir)
    (data_dir / "kiosk.db").write_bytes(content[:1000])
    assert_refused(data_dir)


def test_damaged_page_is_refused(data_dir: Path) -> None:
    content = bytearray(populated(data_dir))
    page = 4096
    content[3 * page : 3 * page + 200] = b"\xff" * 200  # clobber a b-tree page header
    (data_dir / "kiosk.db").write_bytes(bytes(content))
    assert_refused(data_dir)


def test_damage_only_quick_check_sees_is_refused(data_dir: Path) -> None:
    # A page the header counts but no b-tree uses: SQLite would happily run on this
    # file; only the integrity check notices.
    content = bytearray(populated(data_dir))
    pages = len(content) // 4096
    content[28:32] = struct.pack(">I", pages + 1)
    content += bytes(4096)
    (data_dir / "kiosk.db").write_bytes(bytes(content))
    error = assert_refused(data_dir)
    assert "never used" in str(error)


def test_wrong_freelist_count_is_refused(data_dir: Path) -> None:
    content = bytearray(populated(data_dir))
    content[36:40] = struct.pack(">I", 5)
    (data_dir / "kiosk.db").write_bytes(bytes(content))
    error = assert_refused(data_dir)
    assert "freelist" in str(error)


def test_healthy_database_opens(data_dir: Path) -> None:
    populated(data_dir)
    with Store.open(data_dir) as store:
        assert store.outbox.backlog()["sealed"] == 40


def test_empty_file_is_a_new_database(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o700)
    (data_dir / "kiosk.db").write_bytes(b"")
    with Store.open(data_dir) as store:
        assert store.outbox.backlog()["sealed"] == 0
