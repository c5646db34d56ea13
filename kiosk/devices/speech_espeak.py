"""The real voice: pyttsx3 over espeak-ng, in a helper process that can always be silenced.

``Pyttsx3Speech`` is the GUI side. It never blocks its caller: ``say`` and ``stop`` put a
command on a queue; a supervisor thread starts the engine process (``espeak_engine``) when
needed, writes the commands to it, reads its events and keeps the timings.

How a stop stays under 100 ms (EN 301 549 5.1.3.5) whatever pyttsx3 does:

1. the engine reads its commands on a thread of their own, so a stop is never queued
   behind synthesis: it kills the player (or ends the null sink) and acknowledges;
2. if that acknowledgement has not arrived ``kill_after`` seconds (50 ms) after ``stop()``
   was called, the supervisor kills the engine's whole process group (engine and player)
   with SIGKILL. A new engine is started by the next ``say`` (lazily). An engine that has
   not yet reported "ready" cannot be sounding: it is left to start (its acknowledgement
   comes as soon as it reads its commands) rather than killed and started again.

A crashed engine (its pipe closes) is noticed at once and replaced by the next ``say``.
Every utterance and every stop is recorded with ``time.monotonic()`` timestamps (the same
clock in the engine process) for tests and benchmarks: see ``Utterance`` and ``StopRecord``.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.devices.speech import KeptSettingsSpeech
from kiosk.i18n.bidi import strip_controls

log = logging.getLogger(__name__)

DEFAULT_WPM = 175  # espeak-ng's own default speed, words per minute
MIN_WPM, MAX_WPM = 80, 450  # espeak-ng's limits
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def unavailable_reason() -> str | None:
    """Why the real engine cannot run here, or None if it can."""
    if importlib.util.find_spec("pyttsx3") is None:
        return "pyttsx3 is not installed"
    for name in ("libespeak-ng.so.1", "libespeak.so.1"):  # the names pyttsx3 loads
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return None
    return "libespeak-ng is not installed (Debian package espeak-ng)"


def words_per_minute(rate: float) -> int:
    """A relative rate (1.0 = normal) as espeak-ng words per minute."""
    return max(MIN_WPM, min(MAX_WPM, round(DEFAULT_WPM * rate)))


def _memory_dir() -> str | None:
    """A directory in memory for the WAVs (they may hold an applicant's answers)."""
    # tmpfs; mkdtemp makes a private (0700), unpredictable directory in it.
    for candidate in (os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"):  # noqa: S108
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK):
            return candidate
    return None


@dataclass
class Utterance:
    """One ``say`` and what became of it. Times are ``time.monotonic()`` seconds."""

    id: int
    text: str
    language: str
    voice: str  # the espeak voice id asked for
    rate_wpm: int
    volume: float
    requested_at: float  # say() was called
    sent_at: float | None = None  # written to the engine process
    engine_pid: int | None = None  # ... of this pid
    synth_started_at: float | None = None  # the engine began the first sentence
    first_sample_at: float | None = None  # the first sentence's WAV is written and measured
    first_sound_offset: float | None = None  # its first non-silent sample, seconds in
    voice_used: str = ""  # the voice espeak-ng reports having used
    wav: str = ""  # the first sentence's WAV (kept only with keep_wavs)
    sample_rate: int = 0
    channels: int = 0
    duration: float = 0.0  # seconds of audio synthesised so far (all sentences)
    chunks: list[dict[str, Any]] = field(default_factory=list)
    play_started_at: float | None = None
    done_at: float | None = None  # played to its end
    stopped_at: float | None = None  # a stop (or the next say) ended it
    error: str | None = None

    @property
    def first_sound_at(self) -> float | None:
        """When its first non-silent sample is (or would be) heard."""
        if self.play_started_at is None or self.first_sound_offset is None:
            return None
        return self.play_started_at + self.first_sound_offset

    @property
    def finished(self) -> bool:
        return self.done_at is not None or self.stopped_at is not None or self.error is not None


@dataclass
class StopRecord:
    """One stop: asked at ``requested_at``, silence confirmed at ``confirmed_at`` (the
    engine's acknowledgement arrived, or its process group was killed)."""

    utterance: int
    requested_at: float
    confirmed_at: float | None = None
    silent_at: float | None = None  # the engine's own time of silence (when it acknowledged)
    killed: bool = False
    starting: bool = False  # the engine was still starting (it could not have sounded)
    acknowledged: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def latency(self) -> float | None:
        return None if self.confirmed_at is None else self.confirmed_at - self.requested_at


class _Resources:
    """What must be released even if ``close()`` is never called (held apart from the
    speech object so that ``weakref.finalize`` does not keep it alive)."""

    def __init__(self, wav_dir: Path, own_dir: bool) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.wav_dir = wav_dir
        self.own_dir = own_dir

    def kill(self, proc: subprocess.Popen[bytes] | None) -> None:
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # the engine and its player
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=2)
        if proc.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                proc.stdin.close()

    def release(self) -> None:
        self.kill(self.proc)
        if self.own_dir:
            shutil.rmtree(self.wav_dir, ignore_errors=True)


class Pyttsx3Speech(KeptSettingsSpeech):
    """Speech through pyttsx3 + espeak-ng in a helper process (see the module docstring).

    ``voices`` maps a kiosk language code to an exact espeak-ng voice id (default: from
    ``kiosk.i18n.LANGUAGES``). ``player``: "auto" (probed by the engine at start), "null"
    (no sound card: takes each WAV's duration), "null-fast", "aplay", "paplay", "pw-play".
    ``keep_wavs`` keeps the WAVs for measurement (tests, benchmarks).
    """

    def __init__(
        self,
        voices: Mapping[str, str] | None = None,
        *,
        player: str = "auto",
        wav_dir: str | os.PathLike[str] | None = None,
        keep_wavs: bool = False,
        kill_after: float = 0.05,
        synth_timeout: float = 5.0,
        history: int = 200,
        python: str = sys.executable,
    ) -> None:
        if voices is None:
            from kiosk.i18n import LANGUAGES

            voices = {code: lang.espeak_voice for code, lang in LANGUAGES.items()}
        self.voices = dict(voices)
        self.player_choice = player
        self.keep_wavs = keep_wavs
        self.kill_after = kill_after
        self.synth_timeout = synth_timeout
        self.python = python
        self.rate = 1.0
        self.volume = 1.0
        self.utterances: deque[Utterance] = deque(maxlen=history)
        self.stops: deque[StopRecord] = deque(maxlen=history)
        self.on_event: Callable[[dict[str, Any]], None] | None = None  # engine thread
        self.player: str | None = None  # the player the engine chose, once it is ready
        self.engine_pid: int | None = None
        self.engines_started = 0
        self._cond = threading.Condition()
        self._commands: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._current: Utterance | None = None
        self._busy = False
        self._next_id = 0
        self._killed: set[int] = set()  # pids killed on purpose (not crashes)
        self._ready: set[int] = set()  # pids that reported "ready"
        if wav_dir is None:
            own_dir = True
            wav_path = Path(tempfile.mkdtemp(prefix="kiosk-speech-", dir=_memory_dir()))
        else:
            own_dir = False
            wav_path = Path(wav_dir)
            wav_path.mkdir(parents=True, exist_ok=True)
        self.wav_dir = wav_path
        self._res = _Resources(wav_path, own_dir)
        self._finalizer = weakref.finalize(self, self._res.release)
        self._closed = False
        self._supervisor = threading.Thread(
            target=self._supervise, name="speech-supervisor", daemon=True
        )
        self._supervisor.start()

    @staticmethod
    def available() -> bool:
        return unavailable_reason() is None

    # --- the Speech interface (GUI thread; never blocks) ------------------------------
    def say(self, text: str, language: str) -> None:
        voice = self.voices.get(language)
        if voice is None:
            log.error("no espeak voice for language %r: not spoken", language)
            self.stop()
            return
        self.stop()
        text = strip_controls(text)  # bidi isolates are for the eye (kiosk.i18n.bidi)
        if not text.strip() or self._closed:
            return
        with self._cond:
            self._next_id += 1
            utterance = Utterance(
                self._next_id,
                text,
                language,
                voice,
                words_per_minute(self.rate),
                self.volume,
                time.monotonic(),
            )
            self.utterances.append(utterance)
            self._current = utterance
            self._busy = True
        self._commands.put(("say", utterance))

    def stop(self) -> None:
        now = time.monotonic()
        with self._cond:
            current = self._current
            if not self._busy or current is None:
                return
            self._busy = False
            current.stopped_at = now
            record = StopRecord(current.id, now)
            self.stops.append(record)
        self._commands.put(("stop", record))

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._busy

    def start(self) -> None:
        """Start the engine process now (in the background) so the first ``say`` is quick."""
        self._commands.put(("start",))

    def close(self) -> None:
        """Stop speaking, end the engine process and delete the WAVs. Idempotent."""
        if self._closed:
            return
        self.stop()
        self._closed = True
        self._commands.put(("quit",))
        self._supervisor.join(timeout=5)
        self._finalizer()

    # --- hooks for tests and benchmarks -----------------------------------------------
    @property
    def last_utterance(self) -> Utterance | None:
        with self._cond:
            return self.utterances[-1] if self.utterances else None

    def wait_for(self, predicate: Callable[[], object], timeout: float) -> bool:
        """Wait (never longer than ``timeout`` s) until ``predicate()`` is true; it is
        evaluated each time the engine reports something."""
        with self._cond:
            return bool(self._cond.wait_for(predicate, timeout))

    @property
    def engine_alive(self) -> bool:
        proc = self._res.proc
        return proc is not None and proc.poll() is None

    # --- supervisor thread ------------------------------------------------------------
    def _supervise(self) -> None:
        while True:
            try:
                command = self._commands.get(timeout=0.25)
            except queue.Empty:
                self._watchdog()
                continue
            kind = command[0]
            if kind == "quit":
                break
            try:
                if kind == "start":
                    self._engine()
                elif kind == "say":
                    self._send_say(command[1])
                elif kind == "stop":
                    self._stop(command[1])
            except Exception:
                log.exception("speech engine supervisor: %s failed", kind)
        self._shutdown()

    def _engine(self) -> subprocess.Popen[bytes]:
        """The running engine process; a new one if there is none or it died."""
        proc = self._res.proc
        if proc is not None and proc.poll() is None:
            return proc
        if proc is not None:
            self._res.kill(proc)  # reap it, and any player it left behind
        argv = [self.python, "-m", "kiosk.devices.espeak_engine"]
        argv += ["--wav-dir", str(self.wav_dir), "--player", self.player_choice]
        if self.keep_wavs:
            argv.append("--keep-wavs")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p
        )
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,  # its own process group: one killpg silences all
        )
        self._res.proc = proc
        self.engines_started += 1
        with self._cond:
            self.engine_pid = proc.pid
        threading.Thread(
            target=self._read, args=(proc,), name=f"speech-events-{proc.pid}", daemon=True
        ).start()
        return proc

    def _write(self, proc: subprocess.Popen[bytes], command: dict[str, Any]) -> bool:
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(command, ensure_ascii=False).encode() + b"\n")
            proc.stdin.flush()
        except (OSError, ValueError):
            return False
        return True

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        self._killed.add(proc.pid)
        self._res.kill(proc)

    def _send_say(self, utterance: Utterance) -> None:
        with self._cond:
            if self._current is not utterance or utterance.finished:
                return  # replaced or stopped before it was sent
        command = {
            "op": "say",
            "id": utterance.id,
            "text": utterance.text,
            "voice": utterance.voice,
            "wpm": utterance.rate_wpm,
            "volume": utterance.volume,
        }
        for _attempt in range(2):
            proc = self._engine()
            utterance.sent_at = time.monotonic()
            utterance.engine_pid = proc.pid
            if self._write(proc, command):
                return
            log.warning("speech engine pipe closed: restarting it")
            self._kill(proc)
        self._fail(utterance, "the speech engine does not start")

    def _stop(self, record: StopRecord) -> None:
        proc = self._res.proc
        if proc is None or proc.poll() is not None:
            self._res.kill(proc)  # a dead engine may have left its player running
            self._confirm(record, killed=False)
            return
        if self._write(proc, {"op": "stop", "id": record.utterance}):
            if proc.pid not in self._ready:
                # Still starting (Python, pyttsx3): nothing can sound before it is ready,
                # and killing it would only delay the next say. It acknowledges as soon
                # as it reads its commands.
                record.starting = True
                if record.acknowledged.wait(self.synth_timeout):
                    return
            else:
                remaining = record.requested_at + self.kill_after - time.monotonic()
                if record.acknowledged.wait(max(0.0, remaining)):
                    return
        log.warning("speech engine did not confirm a stop in time: killing it")
        self._kill(proc)
        self._confirm(record, killed=True)

    def _confirm(self, record: StopRecord, *, killed: bool) -> None:
        with self._cond:
            if record.confirmed_at is None:
                record.confirmed_at = time.monotonic()
                record.killed = killed
            record.acknowledged.set()
            self._cond.notify_all()

    def _fail(self, utterance: Utterance, reason: str) -> None:
        with self._cond:
            if utterance.error is None and not utterance.finished:
                utterance.error = reason
            if self._current is utterance:
                self._busy = False
            self._cond.notify_all()

    def _watchdog(self) -> None:
        """An engine that takes the request but never produces audio is killed."""
        with self._cond:
            u = self._current
            stuck = (
                u is not None
                and not u.finished
                and u.sent_at is not None
                and u.first_sample_at is None
                and time.monotonic() - u.sent_at > self.synth_timeout
            )
        proc = self._res.proc
        if stuck and u is not None and proc is not None:
            log.error("speech engine produced nothing in %.1f s: killing it", self.synth_timeout)
            self._kill(proc)
            self._fail(u, "synthesis timed out")

    def _shutdown(self) -> None:
        proc = self._res.proc
        if proc is not None and proc.poll() is None:
            self._write(proc, {"op": "quit"})
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.5)
        if proc is not None:
            self._kill(proc)

    # --- events from the engine (one reader thread per engine process) ---------------
    def _find(self, utterance_id: Any) -> Utterance | None:
        for u in reversed(self.utterances):
            if u.id == utterance_id:
                return u
        return None

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        with proc.stdout:
            for raw in proc.stdout:
                try:
                    event = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    if event.get("ev") == "ready":
                        self._ready.add(proc.pid)
                    self._on_event(event)
        code = proc.wait()
        with self._cond:
            u = self._current
            if u is not None and u.engine_pid == proc.pid and not u.finished:
                u.error = "the speech engine stopped"
                self._busy = False
            self._cond.notify_all()
        if proc.pid not in self._killed and not self._closed:
            log.warning("speech engine exited unexpectedly (code %s); restarted on next use", code)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("ev")
        now = time.monotonic()
        with self._cond:
            u = self._find(event.get("id"))
            if kind == "ready":
                self.player = str(event.get("player"))
            elif kind == "synth" and u is not None:
                u.chunks.append(event)
                u.duration += float(event.get("duration") or 0.0)
                if u.first_sample_at is None:
                    u.synth_started_at = event.get("started")
                    u.first_sample_at = event.get("written")
                    u.first_sound_offset = event.get("first_sound")
                    u.voice_used = str(event.get("voice", ""))
                    u.wav = str(event.get("wav", ""))
                    u.sample_rate = int(event.get("sample_rate", 0))
                    u.channels = int(event.get("channels", 0))
            elif kind == "play" and u is not None:
                if u.play_started_at is None:
                    u.play_started_at = event.get("at")
            elif kind == "done" and u is not None:
                u.done_at = event.get("at", now)
                if self._current is u:
                    self._busy = False
            elif kind == "stopped":
                for record in reversed(self.stops):
                    if record.utterance == event.get("id") and record.confirmed_at is None:
                        record.confirmed_at = now
                        record.silent_at = event.get("at")
                        record.acknowledged.set()
                        break
            elif kind == "error":
                log.warning("speech engine: %s", event.get("message"))
                if u is not None and u.error is None:
                    u.error = str(event.get("message"))
                    if self._current is u:
                        self._busy = False
            self._cond.notify_all()
        callback = self.on_event
        if callback is not None:
            callback(event)
