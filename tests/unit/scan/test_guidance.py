"""Guidance codes, their messages, and the filters between verdicts and the applicant."""

from __future__ import annotations

from kiosk.i18n import Translator
from kiosk.scan.guidance import (
    MESSAGES,
    PRIORITY,
    Guidance,
    GuidanceFilter,
    SpeechLimiter,
    message_id,
)


def test_every_code_has_a_message_and_a_rank() -> None:
    assert set(MESSAGES) == set(Guidance) == set(PRIORITY)
    assert PRIORITY[-1] is Guidance.OK
    for code in Guidance:
        text = message_id(code)
        assert text and text.endswith(".")
        assert len(text) < 80  # short enough to read at a glance


def test_every_message_is_translated_in_english_and_arabic() -> None:
    for code in ("en", "ar"):
        tr = Translator(code)
        for text in MESSAGES.values():
            assert tr.has(text), (code, text)


def test_the_filter_waits_for_a_steady_code() -> None:
    f = GuidanceFilter(frames=3)
    assert f.update(Guidance.NO_PAGE) is Guidance.NO_PAGE  # the first code shows at once
    assert f.update(Guidance.HOLD_STILL) is Guidance.NO_PAGE
    assert f.update(Guidance.BLURRY) is Guidance.NO_PAGE  # flicker: nothing changes
    assert f.update(Guidance.HOLD_STILL) is Guidance.NO_PAGE
    assert f.update(Guidance.HOLD_STILL) is Guidance.NO_PAGE
    assert f.update(Guidance.HOLD_STILL) is Guidance.HOLD_STILL
    assert f.update(Guidance.OK) is Guidance.OK  # OK at once: the photo is coming
    f.reset()
    assert f.shown is None
    assert f.update(Guidance.BLURRY) is Guidance.BLURRY


def test_speech_only_on_change_and_not_more_than_every_two_seconds() -> None:
    now = [100.0]
    limiter = SpeechLimiter(2.0, clock=lambda: now[0])
    assert limiter.allow("Approchez")
    assert not limiter.allow("Approchez")  # the same message is not repeated
    now[0] += 0.5
    assert not limiter.allow("Ne bougez plus")  # too soon
    now[0] += 1.6
    assert limiter.allow("Ne bougez plus")  # 2.1 s later, the pending change is said
    now[0] += 10
    assert not limiter.allow("Ne bougez plus")
    limiter.reset()
    assert limiter.allow("Ne bougez plus")
