"""The one database under every repository of the kiosk's store: a SQLite engine in WAL mode
with ``synchronous=FULL`` (a submission acknowledged to the applicant survives a power
cut), every transaction a short ``BEGIN IMMEDIATE`` (the UI's store worker and the sync
agent, possibly in another process, serialise cleanly instead of failing on lock
upgrades; ``busy_timeout`` makes them wait up to 5 s), migrated by Alembic, checked for
damage before it is opened, and the kiosk key that encrypts what the repositories keep.

Space: the database is in incremental auto-vacuum mode, so that what the retention rules
delete goes back to the file system (:meth:`Database.reclaim`) instead of staying in the
file as free pages: a kiosk's store returns to its floor after the purge, however busy the
day was. Stores made before that are converted by one ``VACUUM`` when next opened.

Threading: usable from any thread, one transaction at a time per thread; nothing here
touches Qt. Error messages carry paths and SQLite's own words, never personal data.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.crypto import KeyRing, ensure_private_dir
from kiosk.store.errors import CorruptDatabaseError, StoreError

log = logging.getLogger(__name__)

DB_FILENAME = "kiosk.db"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 5000


class Transactions(Protocol):
    """What a repository needs: transactions on the database, and the kiosk key."""

    @property
    def keyring(self) -> KeyRing: ...

    def tx(self) -> contextlib.AbstractContextManager[Session]: ...

    def checkpoint(self) -> None: ...

    def reclaim(self) -> None: ...


class Repository:
    """One part of a kiosk's store (``store.drafts``, ``store.outbox``...): its queries, run
    in the transactions of ``db``."""

    def __init__(self, db: Transactions) -> None:
        self._db = db


# --- opening ------------------------------------------------------------------------------
def _corrupt_message(db_path: Path, problem: str) -> str:
    return (
        f"The kiosk database {db_path} is damaged ({problem}). The kiosk refuses to run on "
        "it so that no submitted application is lost, duplicated or overwritten; the file "
        "has not been modified. Staff: put this kiosk out of service, keep a copy of the "
        f"whole data directory {db_path.parent}, then restore the latest backup of it or "
        "contact support with this message."
    )


_CORRUPTION_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _CORRUPTION_CODES
    return type(exc) is sqlite3.DatabaseError


def check_integrity(db_path: Path) -> None:
    """Run ``PRAGMA quick_check`` on an existing database through a read-only
    connection. Raise CorruptDatabaseError if it is damaged or not a database at all;
    the database file itself is never written."""
    sidecars = [db_path.with_name(db_path.name + suffix) for suffix in ("-wal", "-shm")]
    existed = {p: p.exists() for p in sidecars}
    problem: str | None = None
    try:
        conn = sqlite3.connect(
            f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if not _is_corruption(exc):
            raise StoreError(f"cannot open the kiosk database {db_path}: {exc}") from exc
        problem = str(exc)
    else:
        if rows != [("ok",)]:
            problem = "integrity check: " + "; ".join(str(r[0]) for r in rows[:5])
    if problem is not None:
        # A read-only open of a WAL database may create empty -wal/-shm files: remove
        # the ones we created so the directory is left exactly as staff found it.
        for path in sidecars:
            if not existed[path]:
                path.unlink(missing_ok=True)
        raise CorruptDatabaseError(_corrupt_message(db_path, problem))


def _make_engine(db_path: Path) -> Engine:
    engine = create_engine(
        URL.create("sqlite", database=str(db_path)),
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,  # errors may be logged: never put parameter values there
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Before WAL: a new database takes the mode now; an older one keeps its mode
            # until _ensure_incremental_vacuum converts it.
            cursor.execute("PRAGMA auto_vacuum = INCREMENTAL")
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"cannot put the kiosk database in WAL mode (got {mode!r})")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA secure_delete = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front: no SQLITE_BUSY on a read-then-write upgrade.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _migrate(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except CommandError as exc:
        raise StoreError(
            f"cannot migrate the kiosk database ({exc}). It was probably written by a newer "
            "version of the kiosk software: reinstall that version or contact support."
        ) from exc


_INCREMENTAL = 2  # PRAGMA auto_vacuum's value for INCREMENTAL


def _ensure_incremental_vacuum(engine: Engine) -> None:
    """Convert a store made before incremental auto-vacuum (once: ``VACUUM`` rewrites the
    file, its temporary copy in memory so that nothing of it is left in a temporary
    file). Best effort: another process holding the database (``kiosk-sync``) makes it wait
    for the next opening, the store works either way."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            if cursor.execute("PRAGMA auto_vacuum").fetchone()[0] == _INCREMENTAL:
                return
            cursor.execute("PRAGMA temp_store = MEMORY")
            try:
                cursor.execute("VACUUM")
            except sqlite3.OperationalError as exc:  # busy: another process has it open
                log.warning("the kiosk database was not converted to auto-vacuum: %s", exc)
                return
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            cursor.close()
    finally:
        raw.close()


class Database:
    """The store's SQLite engine and kiosk key. Open with :meth:`Database.open`."""

    def __init__(self, engine: Engine, keyring: KeyRing, db_path: Path) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._keyring = keyring
        self._closed = False
        self.db_path = db_path

    @classmethod
    def open(cls, data_dir: Path, *, key_path: Path | None = None) -> Database:
        """Open (creating if needed) the database in ``data_dir``, migrated to the latest
        schema.

        Refuses a damaged database with :class:`CorruptDatabaseError`, without touching
        it. Directories it creates get mode 0700, the database file 0600.
        """
        data_dir = Path(data_dir)
        ensure_private_dir(data_dir)
        db_path = data_dir / DB_FILENAME
        if db_path.exists():
            check_integrity(db_path)
        else:
            with contextlib.suppress(FileExistsError):  # an empty file is an empty database
                os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        keyring = KeyRing.open(
            key_path if key_path is not None else data_dir / "keys" / "kiosk.key"
        )
        engine = _make_engine(db_path)
        try:
            _migrate(engine)
            _ensure_incremental_vacuum(engine)
        except sa_exc.DatabaseError as exc:
            engine.dispose()
            orig = exc.orig
            if isinstance(orig, sqlite3.DatabaseError) and _is_corruption(orig):
                raise CorruptDatabaseError(_corrupt_message(db_path, str(orig))) from exc
            raise StoreError(f"cannot open the kiosk database {db_path}: {orig}") from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, keyring, db_path)

    @property
    def keyring(self) -> KeyRing:
        return self._keyring

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close every connection (the last one checkpoints the WAL). Idempotent."""
        if not self._closed:
            self._closed = True
            self.engine.dispose()

    @contextlib.contextmanager
    def tx(self) -> Iterator[Session]:
        """One transaction (``BEGIN IMMEDIATE``), committed at the end of the block; the
        database's errors come out as :class:`StoreError` (or CorruptDatabaseError)."""
        if self._closed:
            raise StoreError("the store is closed")
        try:
            with self._sessions.begin() as session:
                yield session
        except sa_exc.DatabaseError as exc:
            orig = exc.orig
            if isinstance(orig, sqlite3.DatabaseError) and _is_corruption(orig):
                raise CorruptDatabaseError(_corrupt_message(self.db_path, str(orig))) from exc
            raise StoreError(f"database error: {orig}") from exc
        except sa_exc.SQLAlchemyError as exc:
            raise StoreError(f"database error: {type(exc).__name__}") from exc

    @contextlib.contextmanager
    def _raw_cursor(self) -> Iterator[Any]:
        """A cursor outside any transaction (for the pragmas that refuse to run in one)."""
        if self._closed:
            raise StoreError("the store is closed")
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
        finally:
            raw.close()

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and truncate it (best effort: a
        reader holding an old snapshot may keep part of it until next time)."""
        with self._raw_cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def reclaim(self) -> None:
        """Give the free pages back to the file system (after a purge: the file shrinks
        to what is still kept), then checkpoint and truncate the write-ahead log."""
        with self._raw_cursor() as cursor:
            # The pragma frees one page per step, and execute() steps once:
            # executescript() runs it to the end.
            cursor.executescript("PRAGMA incremental_vacuum;")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
