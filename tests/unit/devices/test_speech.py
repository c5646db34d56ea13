"""The speech interface and its two test-friendly backends."""

from __future__ import annotations

import pytest

from kiosk.devices.speech import NullSpeech, RecordingSpeech, Speech


@pytest.mark.parametrize("backend", [NullSpeech, RecordingSpeech])
def test_backends_implement_the_interface(backend: type[Speech]) -> None:
    speech = backend()
    assert isinstance(speech, Speech)
    speech.say("Bonjour", "fr")
    speech.stop()
    assert speech.busy is False
    speech.set_rate(0.8)
    speech.set_volume(0.5)
    with pytest.raises(ValueError):
        speech.set_volume(1.5)
    with pytest.raises(ValueError):
        speech.set_rate(0)


def test_recording_speech_records_requests_in_order_with_timestamps() -> None:
    speech = RecordingSpeech()
    speech.say("Bienvenue", "fr")
    assert speech.busy
    speech.say("مرحبًا", "ar")
    speech.stop()
    speech.say("Welcome", "en")
    speech.finish()
    assert not speech.busy
    assert speech.said == [("Bienvenue", "fr"), ("مرحبًا", "ar"), ("Welcome", "en")]
    assert speech.last_said == ("Welcome", "en")
    assert [r.action for r in speech.requests] == ["say", "say", "stop", "say"]
    times = [r.at for r in speech.requests]
    assert times == sorted(times)
    speech.clear()
    assert speech.requests == [] and speech.last_said is None


def test_saying_nothing_is_not_busy() -> None:
    speech = RecordingSpeech()
    speech.say("   ", "fr")
    assert not speech.busy
