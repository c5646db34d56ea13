"""Drafts saved for later and resumed with a code and the date of birth."""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat
from pathlib import Path

import pytest

from kiosk.store import (
    ResumeCodeInUseError,
    ResumeError,
    ResumeThrottledError,
    Store,
    StoreError,
)
from kiosk.store.resume import FREE_FAILURES, throttle_delay_s
from tests.unit.store.conftest import T0

CODE = "7K3M9QXD"
BIRTH = "2001-03-12"
ANSWERS = {"surname": "Benkirane", "birth_date": BIRTH, "city": "Paris"}
LATER = T0 + dt.timedelta(days=30)


@pytest.fixture
def saved(store: Store) -> Store:
    store.drafts.save("app-1", "renewal-student", "ar", ANSWERS, T0)
    store.resume_codes.save("app-1", CODE, BIRTH, LATER)
    return store


def test_right_code_and_birth_date_give_the_draft_back(saved: Store) -> None:
    draft = saved.resume_codes.resume(CODE, BIRTH, T0 + dt.timedelta(days=3))
    assert draft.uuid == "app-1"
    assert draft.procedure_id == "renewal-student" and draft.language == "ar"
    assert draft.answers == ANSWERS
    # Typed the way people type it, and with a date object.
    again = saved.resume_codes.resume(
        " 7k3m-9qxd ", dt.date(2001, 3, 12), T0 + dt.timedelta(days=4)
    )
    assert again.uuid == "app-1"


def test_wrong_code_and_wrong_birth_date_get_the_same_error(saved: Store) -> None:
    with pytest.raises(ResumeError) as wrong_code:
        saved.resume_codes.resume("7K3M9QXE", BIRTH, T0)
    with pytest.raises(ResumeError) as wrong_birth:
        saved.resume_codes.resume(CODE, "2001-03-13", T0)
    with pytest.raises(ResumeError) as nonsense:
        saved.resume_codes.resume("", "not a date", T0)
    assert type(wrong_code.value) is type(wrong_birth.value) is type(nonsense.value)
    assert str(wrong_code.value) == str(wrong_birth.value) == str(nonsense.value)
    assert CODE not in str(wrong_code.value) and BIRTH not in str(wrong_birth.value)


def test_an_expired_draft_cannot_be_resumed_and_is_deleted(saved: Store) -> None:
    with pytest.raises(ResumeError):
        saved.resume_codes.resume(CODE, BIRTH, LATER)
    assert saved.drafts.load("app-1") is None


def test_expired_drafts_are_purged(store: Store) -> None:
    store.drafts.save("old", "renewal-student", "fr", ANSWERS, T0)
    store.resume_codes.save("old", CODE, BIRTH, T0 + dt.timedelta(days=1))
    store.drafts.save("new", "renewal-student", "fr", ANSWERS, T0)
    store.resume_codes.save("new", "22223333", BIRTH, T0 + dt.timedelta(days=10))
    store.drafts.save("unsaved", "renewal-student", "fr", ANSWERS, T0)
    assert store.drafts.purge_expired(T0 + dt.timedelta(days=2)) == 1
    assert store.drafts.load("old") is None
    assert store.drafts.load("new") is not None and store.drafts.load("unsaved") is not None


def test_throttling_after_repeated_failures(saved: Store) -> None:
    now = T0
    for _ in range(FREE_FAILURES - 1):
        with pytest.raises(ResumeError):
            saved.resume_codes.resume("22222222", BIRTH, now)
    with pytest.raises(ResumeError):  # the 5th failure starts the wait
        saved.resume_codes.resume("22222222", BIRTH, now)
    assert saved.resume_codes.failures() == FREE_FAILURES
    # Even the right code must wait: the wait says nothing about the code.
    with pytest.raises(ResumeThrottledError) as wait:
        saved.resume_codes.resume(CODE, BIRTH, now + dt.timedelta(seconds=10))
    assert wait.value.retry_after_s == 20
    now += dt.timedelta(seconds=30)
    with pytest.raises(ResumeError):  # 6th failure: 60 s
        saved.resume_codes.resume("22222222", BIRTH, now)
    with pytest.raises(ResumeThrottledError) as wait:
        saved.resume_codes.resume(CODE, BIRTH, now + dt.timedelta(seconds=59))
    assert wait.value.retry_after_s == 1
    assert saved.resume_codes.resume(CODE, BIRTH, now + dt.timedelta(seconds=60)).uuid == "app-1"
    assert saved.resume_codes.failures() == 0  # a success resets the count


def test_the_delay_doubles_up_to_an_hour() -> None:
    assert [throttle_delay_s(n) for n in range(4, 9)] == [0, 30, 60, 120, 240]
    assert throttle_delay_s(100) == 3600


def test_failures_are_forgotten_after_a_day(saved: Store) -> None:
    for _ in range(FREE_FAILURES - 1):
        with pytest.raises(ResumeError):
            saved.resume_codes.resume("22222222", BIRTH, T0)
    with pytest.raises(ResumeError):
        saved.resume_codes.resume("22222222", BIRTH, T0 + dt.timedelta(days=2))
    assert saved.resume_codes.failures() == 1


def test_saving_again_replaces_the_code_and_codes_are_unique(saved: Store) -> None:
    saved.resume_codes.save("app-1", "22223333", BIRTH, LATER)
    with pytest.raises(ResumeError):
        saved.resume_codes.resume(CODE, BIRTH, T0)
    assert saved.resume_codes.resume("22223333", BIRTH, T0).uuid == "app-1"
    saved.drafts.save("app-2", "duplicate", "fr", ANSWERS, T0)
    with pytest.raises(ResumeCodeInUseError):
        saved.resume_codes.save("app-2", "22223333", BIRTH, LATER)
    with pytest.raises(StoreError):
        saved.resume_codes.save("missing", "44445555", BIRTH, LATER)


def test_autosaves_keep_the_resume_code(saved: Store) -> None:
    saved.drafts.save("app-1", "renewal-student", "ar", {**ANSWERS, "city": "Lyon"}, T0)
    assert saved.resume_codes.resume(CODE, BIRTH, T0).answers["city"] == "Lyon"


def test_submitting_deletes_the_saved_draft(saved: Store) -> None:
    saved.outbox.enqueue("app-1", "renewal-student", b"sealed", T0)
    with pytest.raises(ResumeError):
        saved.resume_codes.resume(CODE, BIRTH, T0)


def test_nothing_in_clear_on_disk(saved: Store, data_dir: Path) -> None:
    db = saved.db_path
    saved.close()
    raw = db.read_bytes() + b"".join(p.read_bytes() for p in db.parent.glob("kiosk.db-*"))
    assert CODE.encode() not in raw and BIRTH.encode() not in raw
    assert b"Benkirane" not in raw
    conn = sqlite3.connect(db)
    try:
        lookup, digest, salt = conn.execute(
            "SELECT resume_lookup, resume_hash, resume_salt FROM draft"
        ).fetchone()
    finally:
        conn.close()
    assert len(lookup) == 64 and CODE not in lookup
    assert len(digest) == 32 and len(salt) == 16
    key = data_dir / "keys" / "resume.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_naive_datetimes_are_refused(saved: Store) -> None:
    with pytest.raises(ValueError):
        saved.resume_codes.resume(CODE, BIRTH, dt.datetime(2025, 3, 1, 9, 0))
    with pytest.raises(ValueError):
        saved.resume_codes.save("app-1", CODE, BIRTH, dt.datetime(2025, 3, 1, 9, 0))
