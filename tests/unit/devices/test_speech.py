"""The speech interface, its test-friendly backends, and the real engine (pyttsx3 over
espeak-ng in a helper process, playing to the null sink: no sound card is needed)."""

from __future__ import annotations

import os
import signal
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.devices.espeak_engine import (
    NullPlayer,
    audio_outputs,
    chunks,
    make_player,
    measure_wav,
)
from kiosk.devices.speech import NullSpeech, RecordingSpeech, Speech
from kiosk.devices.speech_espeak import (
    DEFAULT_WPM,
    Pyttsx3Speech,
    Utterance,
    unavailable_reason,
    words_per_minute,
)
from kiosk.i18n import LANGUAGES

STOP_BOUND_S = 0.100  # EN 301 549 5.1.3.5, asserted as such
WAIT_S = 10.0  # deadline for the engine to report (a loaded 2-core machine)

# About 40 s of speech: still being synthesised/played when it is stopped.
LONG_FR = " ".join(
    f"Phrase numéro {n}. Cette borne sert à demander ou à renouveler un titre de séjour."
    for n in range(1, 13)
)


@pytest.mark.parametrize("backend", [NullSpeech, RecordingSpeech])
def test_backends_implement_the_interface(backend: type[Speech]) -> None:
    speech = backend()
    assert isinstance(speech, Speech)
    speech.start()
    speech.say("Bonjour", "fr")
    speech.stop()
    assert speech.busy is False
    speech.set_rate(0.8)
    speech.set_volume(0.5)
    with pytest.raises(ValueError):
        speech.set_volume(1.5)
    with pytest.raises(ValueError):
        speech.set_rate(0)
    speech.reset()  # the next applicant: normal rate, full volume (EN 301 549 5.1.3.13)
    assert (speech.rate, speech.volume) == (1.0, 1.0)  # type: ignore[attr-defined]
    speech.close()


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


# --- pieces of the engine that need no engine ------------------------------------------
def test_text_is_cut_into_sentences_in_every_script() -> None:
    assert chunks("Bonjour. Ça va ? Oui !") == ["Bonjour.", "Ça va ?", "Oui !"]
    assert chunks("مرحبًا. كيف حالك؟ جيد") == ["مرحبًا.", "كيف حالك؟", "جيد"]
    assert chunks("   ") == []
    long = "mot " * 200
    assert all(len(c) <= 240 for c in chunks(long)) and " ".join(chunks(long)) == long.strip()


def test_without_a_sound_device_the_null_sink_is_chosen() -> None:
    nothing = audio_outputs(which=lambda _name: None, exists=lambda _path: False)
    assert nothing == []
    everything = audio_outputs(which=lambda name: f"/usr/bin/{name}", exists=lambda _p: True)
    if os.environ.get("XDG_RUNTIME_DIR"):
        assert everything[0] == "pw-play"
    assert "aplay" in everything
    if not audio_outputs():  # this machine (CI): no /dev/snd, no sound server
        assert isinstance(make_player("auto"), NullPlayer)
    with pytest.raises(ValueError):
        make_player("speakers")


def test_measure_wav_finds_the_first_sound(tmp_path: Path) -> None:
    path = tmp_path / "t.wav"
    silence, sound = b"\x00\x00" * 2205, b"\x10\x27" * 2205  # 0.1 s each; 10000 = loud
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(silence + sound)
    info = measure_wav(path)
    assert (info.frames, info.sample_rate, info.channels) == (4410, 22050, 1)
    assert info.first_sound_s == pytest.approx(0.1)
    assert info.duration_s == pytest.approx(0.2)


def test_rate_is_words_per_minute_around_espeaks_default() -> None:
    assert words_per_minute(1.0) == DEFAULT_WPM == 175
    assert words_per_minute(0.5) == 88 and words_per_minute(1.5) == 262
    assert words_per_minute(0.25) == 80 and words_per_minute(4.0) == 450  # espeak's limits


# --- the real engine ---------------------------------------------------------------------
needs_espeak = pytest.mark.skipif(
    unavailable_reason() is not None, reason=f"no real speech engine: {unavailable_reason()}"
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Pyttsx3Speech]:
    speech = Pyttsx3Speech(player="null", wav_dir=tmp_path / "wavs", keep_wavs=True)
    events: list[dict[str, Any]] = []
    speech.on_event = events.append
    speech.events = events  # type: ignore[attr-defined]
    yield speech
    speech.close()
    assert not speech.engine_alive


def _until(predicate: Any, timeout: float = WAIT_S) -> bool:
    """Poll ``predicate`` (something no event reports) until true or the deadline."""
    deadline, tick = time.monotonic() + timeout, threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            return False
        tick.wait(0.002)
    return True


def _process_state(pid: int) -> str:
    """R, S, T (stopped)... from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        return fh.read().rsplit(")", 1)[1].split()[0]


def _say(engine: Pyttsx3Speech, text: str, language: str) -> Utterance:
    """Ask ``engine`` to say ``text`` in ``language``: the utterance it queued."""
    engine.say(text, language)
    utterance = engine.last_utterance
    assert utterance is not None
    return utterance


def _wait(speech: Pyttsx3Speech, predicate: Any, what: str) -> None:
    assert speech.wait_for(predicate, WAIT_S), f"the engine did not report: {what}"


@needs_espeak
def test_exact_voice_per_language_and_a_mono_22050_hz_wav(engine: Pyttsx3Speech) -> None:
    t0 = time.monotonic()
    engine.say("Bienvenue.", "fr")
    assert time.monotonic() - t0 < 0.05  # say() only enqueues: the GUI never waits
    fr = engine.last_utterance
    assert fr is not None
    _wait(engine, lambda: fr.first_sample_at or fr.error, "French audio")
    ar = _say(engine, "مرحبًا. هذا الجهاز لطلب بطاقة الإقامة.", "ar")
    assert ar is not fr
    _wait(engine, lambda: ar.first_sample_at or ar.error, "Arabic audio")
    assert fr.error is None and ar.error is None
    assert (fr.voice, fr.voice_used) == ("roa/fr", "roa/fr")
    assert (ar.voice, ar.voice_used) == ("sem/ar", "sem/ar")  # exact: not a prefix match
    assert ar.voice == LANGUAGES["ar"].espeak_voice
    for u in (fr, ar):
        with wave.open(u.wav, "rb") as wav:
            assert wav.getnchannels() == 1
            assert wav.getframerate() == 22050
            assert wav.getsampwidth() == 2
            assert wav.getnframes() > 22050 * 0.3  # a word is longer than 0.3 s
        assert u.first_sound_offset is not None and u.first_sound_offset < 0.5
        assert u.requested_at <= u.synth_started_at <= u.first_sample_at  # type: ignore[operator]
    assert engine.player == "null"


@needs_espeak
def test_stop_silences_the_engine_within_100_ms_then_it_speaks_again(
    engine: Pyttsx3Speech,
) -> None:
    engine.start()
    long = _say(engine, LONG_FR, "fr")
    _wait(engine, lambda: long.play_started_at is not None, "playback")
    assert engine.busy
    engine.stop()
    record = engine.stops[-1]
    assert not engine.busy  # at once, from the caller's point of view
    _wait(engine, lambda: record.confirmed_at is not None, "silence")
    assert record.latency is not None and record.latency < STOP_BOUND_S, record
    assert not record.killed  # the engine acknowledged: no restart needed
    assert record.silent_at is not None and record.silent_at - record.requested_at < STOP_BOUND_S
    assert long.done_at is None  # it was not played to its end
    n_events = len(engine.events)  # type: ignore[attr-defined]

    short = _say(engine, "Bonjour.", "fr")
    _wait(engine, lambda: short.play_started_at is not None, "the next utterance")
    # Nothing of the stopped utterance sounded after the stop.
    later = engine.events[n_events:]  # type: ignore[attr-defined]
    assert not [e for e in later if e.get("ev") == "play" and e.get("id") == long.id]
    assert engine.engines_started == 1


@needs_espeak
def test_a_new_say_replaces_what_is_being_said(engine: Pyttsx3Speech) -> None:
    first = _say(engine, LONG_FR, "fr")
    _wait(engine, lambda: first.play_started_at is not None, "playback")
    second = _say(engine, "Welcome.", "en")
    _wait(engine, lambda: second.done_at is not None, "the second utterance played")
    assert first.stopped_at is not None and first.done_at is None
    assert engine.stops[-1].utterance == first.id
    assert engine.stops[-1].latency is not None and engine.stops[-1].latency < STOP_BOUND_S
    assert second.voice_used == "gmw/en"
    assert not engine.busy


@needs_espeak
def test_an_engine_that_does_not_answer_is_killed_within_100_ms(engine: Pyttsx3Speech) -> None:
    u = _say(engine, LONG_FR, "fr")
    _wait(engine, lambda: u.play_started_at is not None, "playback")
    pid = engine.engine_pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # hung: it cannot acknowledge
    assert _until(lambda: _process_state(pid) == "T"), "the engine did not stop"
    engine.stop()
    record = engine.stops[-1]
    _wait(engine, lambda: record.confirmed_at is not None, "kill")
    assert record.killed
    assert record.latency is not None and record.latency < STOP_BOUND_S, record
    _wait(engine, lambda: not engine.engine_alive, "the process reaped")
    # The next say starts a new engine.
    again = _say(engine, "Bonjour.", "fr")
    _wait(engine, lambda: again.first_sample_at or again.error, "audio from a new engine")
    assert again.error is None and engine.engine_pid != pid and engine.engines_started == 2


@needs_espeak
def test_a_crashed_engine_is_restarted_on_the_next_say(engine: Pyttsx3Speech) -> None:
    u = _say(engine, "Bonjour.", "fr")
    _wait(engine, lambda: u.first_sample_at is not None, "audio")
    pid = engine.engine_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    _wait(engine, lambda: not engine.engine_alive, "the crash noticed")
    again = _say(engine, "مرحبًا", "ar")
    _wait(engine, lambda: again.first_sample_at or again.error, "audio after the crash")
    assert again.error is None and again.voice_used == "sem/ar"
    assert engine.engine_pid != pid and engine.engines_started == 2


@needs_espeak
def test_rate_and_volume_apply_to_the_next_say_and_reset(engine: Pyttsx3Speech) -> None:
    text = "Cette borne sert à demander ou à renouveler un titre de séjour."
    durations = {}
    for rate in (1.0, 1.5):
        engine.set_rate(rate)
        engine.set_volume(0.5)
        u = _say(engine, text, "fr")
        _wait(engine, lambda u=u: u.first_sample_at or u.error, f"audio at rate {rate}")
        assert u.rate_wpm == words_per_minute(rate) and u.volume == 0.5
        durations[rate] = u.duration
    assert durations[1.5] < durations[1.0] * 0.85
    engine.reset()
    assert (engine.rate, engine.volume, engine.busy) == (1.0, 1.0, False)
    engine.say("Bonjour.", "fr")
    u = engine.last_utterance
    assert u is not None and u.rate_wpm == DEFAULT_WPM and u.volume == 1.0


@needs_espeak
def test_unknown_language_is_not_spoken_in_another_voice(engine: Pyttsx3Speech) -> None:
    engine.say("Hallo", "xx")
    assert engine.last_utterance is None and not engine.busy
