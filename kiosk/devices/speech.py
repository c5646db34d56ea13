"""Speech output: the interface the UI talks to, and two backends that need no audio.

The real engine, ``kiosk.devices.speech_espeak.Pyttsx3Speech`` (pyttsx3 over espeak-ng, in
a helper process that is silenced within 100 ms), implements the same interface.
``language`` is a kiosk language code ("fr", "en", "ar"); each backend maps it to its own
voice (see ``kiosk.i18n.Language.espeak_voice``). Every method must return at once:
speaking happens in the background.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from kiosk.i18n.bidi import strip_controls


class Speech(ABC):
    """Reads text aloud. ``say`` replaces whatever is being said (EN 301 549 5.1.3.4)."""

    @abstractmethod
    def say(self, text: str, language: str) -> None:
        """Start reading ``text`` in ``language``; interrupt the current utterance first."""

    @abstractmethod
    def stop(self) -> None:
        """Stop speaking now (EN 301 549 5.1.3.5: within 100 ms of any user action)."""

    @abstractmethod
    def set_rate(self, rate: float) -> None:
        """Speaking rate relative to normal: 1.0 is normal, 0.5 half as fast."""

    @abstractmethod
    def set_volume(self, volume: float) -> None:
        """Volume from 0.0 (silent) to 1.0 (loudest)."""

    @property
    @abstractmethod
    def busy(self) -> bool:
        """True while an utterance is being spoken."""

    def reset(self) -> None:
        """Back to the defaults for the next applicant (EN 301 549 5.1.3.13): silence,
        normal rate, full volume."""
        self.stop()
        self.set_rate(1.0)
        self.set_volume(1.0)

    def start(self) -> None:  # noqa: B027  (optional: most backends need nothing)
        """Get ready ahead of the first ``say`` (in the background). Default: nothing."""

    def close(self) -> None:  # noqa: B027  (optional: most backends hold nothing)
        """Release the backend (engine process, files) at exit. Default: nothing to do."""


def _check_rate(rate: float) -> float:
    if not 0.25 <= rate <= 4.0:
        raise ValueError(f"speech rate {rate} out of range 0.25-4.0")
    return float(rate)


def _check_volume(volume: float) -> float:
    if not 0.0 <= volume <= 1.0:
        raise ValueError(f"speech volume {volume} out of range 0.0-1.0")
    return float(volume)


class KeptSettingsSpeech(Speech):
    """A backend that keeps the rate and volume it is given (checked) in ``rate`` and
    ``volume``, for what it says next."""

    rate: float
    volume: float

    def set_rate(self, rate: float) -> None:
        self.rate = _check_rate(rate)

    def set_volume(self, volume: float) -> None:
        self.volume = _check_volume(volume)


class NullSpeech(KeptSettingsSpeech):
    """Says nothing (voice disabled on this kiosk, or no audio device)."""

    def __init__(self) -> None:
        self.rate = 1.0
        self.volume = 1.0

    def say(self, text: str, language: str) -> None:
        pass

    def stop(self) -> None:
        pass

    @property
    def busy(self) -> bool:
        return False


@dataclass(frozen=True)
class SpeechRequest:
    """One call made to a RecordingSpeech; ``at`` is a ``time.monotonic()`` timestamp."""

    action: str  # "say", "stop", "rate" or "volume"
    at: float
    text: str = ""
    language: str = ""
    value: float | None = None


class RecordingSpeech(Speech):
    """Records every request instead of speaking (tests and ``--fake-devices``).

    An utterance stays "busy" until ``stop()``, the next ``say()`` or ``finish()``
    (which a test calls to simulate the end of speech). Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[SpeechRequest] = []
        self.rate = 1.0
        self.volume = 1.0
        self._busy = False

    def _record(self, request: SpeechRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def say(self, text: str, language: str) -> None:
        text = strip_controls(text)  # bidi isolates are for the eye (kiosk.i18n.bidi)
        self._record(SpeechRequest("say", time.monotonic(), text=text, language=language))
        self._busy = bool(text.strip())

    def stop(self) -> None:
        self._record(SpeechRequest("stop", time.monotonic()))
        self._busy = False

    def set_rate(self, rate: float) -> None:
        self.rate = _check_rate(rate)
        self._record(SpeechRequest("rate", time.monotonic(), value=self.rate))

    def set_volume(self, volume: float) -> None:
        self.volume = _check_volume(volume)
        self._record(SpeechRequest("volume", time.monotonic(), value=self.volume))

    @property
    def busy(self) -> bool:
        return self._busy

    def finish(self) -> None:
        """Simulate the end of the current utterance."""
        self._busy = False

    # --- helpers for assertions ---------------------------------------------------
    @property
    def said(self) -> list[tuple[str, str]]:
        """(text, language) of every ``say`` request, oldest first."""
        with self._lock:
            return [(r.text, r.language) for r in self.requests if r.action == "say"]

    @property
    def last_said(self) -> tuple[str, str] | None:
        said = self.said
        return said[-1] if said else None

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
