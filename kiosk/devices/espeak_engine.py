"""The speech engine process: pyttsx3 over espeak-ng, driven through two pipes.

``Pyttsx3Speech`` (in ``speech_espeak``) runs this module as a child process::

    python -m kiosk.devices.espeak_engine --wav-dir DIR [--player auto|null|null-fast|aplay...]

so that the GUI side can always silence it, if need be by killing its process group (pyttsx3
cannot reliably interrupt itself). stdin carries one JSON command per line, stdout one JSON
event per line; every timestamp is ``time.monotonic()``, which on Linux is the same clock in
every process.

Commands::

    {"op": "say", "id": 7, "text": "...", "voice": "roa/fr", "wpm": 175, "volume": 1.0}
    {"op": "stop", "id": 7}          # silence now, acknowledged by a "stopped" event
    {"op": "quit"}

Events: ``ready``, ``synth`` (one per chunk: the WAV is written and measured), ``play``
(playback of a chunk started), ``done`` (the utterance was played to its end), ``stopped``
(the stop is done: the player is killed, nothing more of that utterance will sound),
``error``.

Text is synthesised sentence by sentence (``save_to_file`` + ``runAndWait``, which needs no
sound card) while the previous sentence plays, so the first sound comes after the first
sentence only. WAVs are written to ``--wav-dir`` (a memory file system: they may hold an
applicant's answers) and deleted once played unless ``--keep-wavs``.

Players, probed at start (``auto``): ``pw-play`` when a PipeWire socket exists, ``paplay``
when a PulseAudio server does, ``aplay`` when a sound card does; otherwise the null sink,
which plays nothing but takes the WAV's duration (so that "speaking" lasts as long as on a
kiosk). ``null-fast`` returns at once (benchmarks of throughput).

This module imports neither Qt nor the rest of the kiosk: it starts in ~0.1 s.
"""

from __future__ import annotations

import argparse
import array
import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# A sample whose magnitude is above 1 % of full scale counts as sound.
SILENCE_THRESHOLD = 328
# Sentence ends in the kiosk's scripts (Latin, Arabic, Persian, CJK), then a space or the end.
_SENTENCE_END = re.compile(r"(?<=[.!?;:…؟؛。！？])\s+|\n+")
MAX_CHUNK = 240  # characters; a longer sentence is cut at a space


# --- WAV measurement ------------------------------------------------------------------
@dataclass(frozen=True)
class WavInfo:
    frames: int
    sample_rate: int
    channels: int
    sample_width: int
    first_sound_s: float | None  # offset of the first non-silent sample; None: all silent

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def measure_wav(path: str | os.PathLike[str]) -> WavInfo:
    """Frames, format and the offset of the first non-silent sample of a 16-bit WAV."""
    with wave.open(os.fspath(path), "rb") as wav:
        rate, channels, width, frames = (
            wav.getframerate(),
            wav.getnchannels(),
            wav.getsampwidth(),
            wav.getnframes(),
        )
        first: float | None = None
        if width == 2:
            index = 0
            while first is None:
                block = wav.readframes(4096)
                if not block:
                    break
                samples = array.array("h")
                samples.frombytes(block)
                if sys.byteorder == "big":
                    samples.byteswap()
                for i, value in enumerate(samples):
                    if value > SILENCE_THRESHOLD or value < -SILENCE_THRESHOLD:
                        first = (index + i // channels) / rate
                        break
                index += len(samples) // channels
    return WavInfo(frames, rate, channels, width, first)


def chunks(text: str, limit: int = MAX_CHUNK) -> list[str]:
    """Sentences of ``text``, none longer than ``limit`` (cut at a space if possible)."""
    out: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            out.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            out.append(sentence)
    return out


# --- players ----------------------------------------------------------------------------
class Player:
    """Plays one WAV at a time. ``begin`` starts, ``wait`` blocks until the end (True) or
    a ``stop`` from another thread (False)."""

    name = "player"

    def begin(self, path: Path, info: WavInfo) -> None:
        raise NotImplementedError

    def wait(self) -> bool:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class CommandPlayer(Player):
    """``aplay``, ``paplay`` or ``pw-play`` in a child process (killed to stop)."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.name = Path(argv[0]).name
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopped = False

    def begin(self, path: Path, info: WavInfo) -> None:
        with self._lock:
            self._stopped = False
            self._proc = subprocess.Popen(
                [*self.argv, str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def wait(self) -> bool:
        proc = self._proc
        if proc is None:
            return False
        code = proc.wait()
        with self._lock:
            self._proc = None
            return code == 0 and not self._stopped

    def stop(self) -> None:
        with self._lock:
            proc, self._stopped = self._proc, True
            if proc is not None and proc.poll() is None:
                proc.kill()
        if proc is not None:
            with contextlib.suppress(ChildProcessError):
                proc.wait()


class NullPlayer(Player):
    """No audio device: plays nothing. ``realtime`` takes the WAV's duration, as a sound
    card would, so that stopping "playback" is exercised like on a kiosk."""

    def __init__(self, realtime: bool = True) -> None:
        self.realtime = realtime
        self.name = "null" if realtime else "null-fast"
        self._done = threading.Event()
        self._duration = 0.0

    def begin(self, path: Path, info: WavInfo) -> None:
        self._done = threading.Event()
        self._duration = info.duration_s if self.realtime else 0.0

    def wait(self) -> bool:
        return not self._done.wait(self._duration)

    def stop(self) -> None:
        self._done.set()


PLAYER_COMMANDS = {
    "pw-play": ["pw-play"],
    "paplay": ["paplay"],
    "aplay": ["aplay", "-q"],
}


def _runtime_dir() -> Path | None:
    value = os.environ.get("XDG_RUNTIME_DIR")
    return Path(value) if value else None


def audio_outputs(
    which: Callable[[str], str | None] = shutil.which,
    exists: Callable[[Path], bool] = Path.exists,
) -> list[str]:
    """Players that can sound on this machine, best first (the probe behind ``auto``)."""
    found: list[str] = []
    runtime = _runtime_dir()
    if which("pw-play") and runtime is not None and exists(runtime / "pipewire-0"):
        found.append("pw-play")
    pulse = os.environ.get("PULSE_SERVER") or (
        runtime is not None and exists(runtime / "pulse" / "native")
    )
    if which("paplay") and pulse:
        found.append("paplay")
    if which("aplay") and exists(Path("/dev/snd")):
        found.append("aplay")
    return found


def make_player(choice: str = "auto") -> Player:
    if choice == "null":
        return NullPlayer(realtime=True)
    if choice == "null-fast":
        return NullPlayer(realtime=False)
    if choice == "auto":
        outputs = audio_outputs()
        return CommandPlayer(PLAYER_COMMANDS[outputs[0]]) if outputs else NullPlayer()
    if choice in PLAYER_COMMANDS:
        return CommandPlayer(PLAYER_COMMANDS[choice])
    raise ValueError(f"unknown player {choice!r}")


# --- the engine -------------------------------------------------------------------------
@dataclass
class _Chunk:
    utterance: int
    index: int
    path: Path
    last: bool
    retry: bool = False  # an empty WAV is synthesised again
    info: WavInfo | None = None


class Engine:
    """Three threads: commands (stdin), synthesis (the caller's), playback."""

    def __init__(self, out: IO[bytes], wav_dir: Path, player: Player, keep_wavs: bool) -> None:
        self._out = out
        self._out_lock = threading.Lock()
        self.wav_dir = wav_dir
        self.player = player
        self.keep_wavs = keep_wavs
        self.lock = threading.Lock()  # guards ``active`` and starting/stopping playback
        self.active: int | None = None  # the utterance that may sound
        self.jobs: queue.Queue[dict[str, Any]] = queue.Queue()
        self.plays: queue.Queue[_Chunk] = queue.Queue()
        self.tts: Any = None
        self.voices: set[str] = set()
        self._settings: dict[str, Any] = {}
        self._chunk: _Chunk | None = None
        self._voice_used = ""
        self._synth_started = 0.0

    def start_tts(self) -> None:
        """pyttsx3 and espeak-ng (~50 ms). The command thread already runs: a stop sent
        meanwhile is acknowledged at once (nothing can sound yet)."""
        import pyttsx3  # the engine process only

        self.tts = pyttsx3.init("espeak")
        self.voices = {v.id for v in self.tts.getProperty("voices")}
        self.tts.connect("finished-utterance", self._on_written)
        self._warm_up()

    def _warm_up(self) -> None:
        """One throwaway synthesis: espeak-ng's first one (its thread and parameters
        settling) is slower and was seen to ignore the rate just set."""
        self._apply("roa/fr" if "roa/fr" in self.voices else "gmw/en", 175, 1.0)
        path = self.wav_dir / "warm-up.wav"
        self._wait_idle()
        self.tts.save_to_file("a", str(path))
        self.tts.runAndWait()
        self._wait_idle()
        with contextlib.suppress(OSError):
            path.unlink()
        self._voice_used = ""

    def _wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until espeak-ng's own thread has nothing left to do.

        pyttsx3's espeak driver runs espeak-ng asynchronously and is racy: ``runAndWait``
        returns once synthesis has *started*, and it first calls ``stop()``, which cancels
        whatever espeak-ng has not yet done (a rate or voice just set: ignored). Nor does
        it check which synthesis a callback belongs to (a late one ends the next). So:
        idle before ``runAndWait`` (nothing to cancel) and after it (the WAV is complete).
        ``espeak_Synchronize`` would do, but it polls every 20 ms."""
        from pyttsx3.drivers import _espeak

        deadline = time.monotonic() + timeout
        while _espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(0.0005)

    # --- events -----------------------------------------------------------------------
    def emit(self, event: str, **fields: Any) -> None:
        line = json.dumps({"ev": event, **fields}, ensure_ascii=False) + "\n"
        with self._out_lock, contextlib.suppress(BrokenPipeError, ValueError):
            self._out.write(line.encode())
            self._out.flush()

    def is_active(self, utterance: int) -> bool:
        with self.lock:
            return self.active == utterance

    # --- commands (their own thread: a stop is never queued behind synthesis) ---------
    def read_commands(self, stream: IO[bytes]) -> None:
        for raw in stream:
            try:
                command = json.loads(raw)
                op = command["op"]
            except (ValueError, KeyError, TypeError):
                self.emit("error", id=None, message="bad command")
                continue
            if op == "say":
                with self.lock:
                    self.active = int(command["id"])
                    self.player.stop()
                self.jobs.put(command)
            elif op == "stop":
                received = time.monotonic()
                with self.lock:
                    self.active = None
                    self.player.stop()
                self.emit("stopped", id=command.get("id"), at=time.monotonic(), received=received)
            elif op == "quit":
                break
        # The GUI side closed the pipe or quit: stop sounding and leave at once.
        with self.lock:
            self.active = None
            self.player.stop()
        os._exit(0)

    # --- synthesis (main thread) --------------------------------------------------------
    def synthesise_forever(self) -> None:
        while True:
            job = self.jobs.get()
            with contextlib.suppress(queue.Empty):
                while True:  # only the latest request matters
                    job = self.jobs.get_nowait()
            self.synthesise(job)

    def _apply(self, voice: str, wpm: int, volume: float) -> None:
        wanted = {"voice": voice, "rate": wpm, "volume": volume}
        for name, value in wanted.items():
            if self._settings.get(name) != value:
                self.tts.setProperty(name, value)  # queued: applied by the next runAndWait
                self._settings[name] = value
                if name == "voice":
                    self._voice_used = ""  # read back from espeak after the next synthesis

    def synthesise(self, job: dict[str, Any]) -> None:
        utterance = int(job["id"])
        voice = str(job["voice"])
        if voice not in self.voices:
            # Exact ids only: never let espeak fall back on a prefix or a default voice.
            self.emit("error", id=utterance, message=f"no espeak voice {voice!r}")
            return
        parts = chunks(str(job["text"]))
        if not parts:
            self.emit("done", id=utterance, at=time.monotonic())
            return
        self._apply(voice, int(job["wpm"]), float(job["volume"]))
        for index, text in enumerate(parts):
            if not self.is_active(utterance):
                return
            path = self.wav_dir / f"u{utterance}-{index}.wav"
            last = index == len(parts) - 1
            for attempt in range(2):
                self._wait_idle()
                self._chunk = _Chunk(utterance, index, path, last, retry=attempt == 0)
                self._synth_started = time.monotonic()
                self.tts.save_to_file(text, str(path))
                self.tts.runAndWait()
                self._wait_idle()
                if self._chunk is None:
                    break  # written, measured and handed to the player
            else:
                self._chunk = None
                self.emit("error", id=utterance, message="synthesis produced no audio")
                return

    def _on_written(self, name: Any = None, completed: bool = True) -> None:
        """pyttsx3's "finished-utterance": the WAV is written and closed. Called inside
        espeak's callback, before ``runAndWait`` returns (it sleeps 10 ms more)."""
        chunk = self._chunk
        if chunk is None or not completed:
            return  # not ours, or cancelled: synthesised again or reported as an error
        written = time.monotonic()
        try:
            if not self._voice_used:
                self._voice_used = str(self.tts.getProperty("voice") or "")
            info = measure_wav(chunk.path)
        except Exception as exc:  # a broken WAV must not kill the engine
            self._chunk = None
            self.emit("error", id=chunk.utterance, message=f"bad WAV: {type(exc).__name__}")
            return
        if info.frames == 0 and chunk.retry:
            return  # an empty WAV for a non-empty sentence: synthesise it once more
        self._chunk = None
        chunk.info = info
        self.emit(
            "synth",
            id=chunk.utterance,
            chunk=chunk.index,
            last=chunk.last,
            started=self._synth_started,
            written=written,
            wav=str(chunk.path),
            frames=info.frames,
            sample_rate=info.sample_rate,
            channels=info.channels,
            duration=info.duration_s,
            first_sound=info.first_sound_s,
            voice=self._voice_used,
            measured=time.monotonic(),
        )
        self.plays.put(chunk)

    # --- playback ---------------------------------------------------------------------
    def play_forever(self) -> None:
        while True:
            chunk = self.plays.get()
            finished = False
            with self.lock:
                playing = self.active == chunk.utterance and chunk.info is not None
                if playing:
                    assert chunk.info is not None
                    self.player.begin(chunk.path, chunk.info)
            if playing:
                self.emit("play", id=chunk.utterance, chunk=chunk.index, at=time.monotonic())
                finished = self.player.wait()
            if not self.keep_wavs:
                with contextlib.suppress(OSError):
                    chunk.path.unlink()
            if finished and chunk.last:
                with self.lock:
                    if self.active == chunk.utterance:
                        self.active = None
                self.emit("done", id=chunk.utterance, at=time.monotonic())


def _protocol_stdout() -> IO[bytes]:
    """A private copy of stdout for events; fd 1 itself goes to /dev/null (pyttsx3 prints
    "Audio saved to ..." for every file)."""
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (lives as long as the process)
    return out


def _threads(engine: Engine) -> Iterator[threading.Thread]:
    yield threading.Thread(
        target=engine.read_commands, args=(sys.stdin.buffer,), name="commands", daemon=True
    )
    yield threading.Thread(target=engine.play_forever, name="playback", daemon=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kiosk speech engine (pyttsx3 + espeak-ng)")
    parser.add_argument("--wav-dir", type=Path, required=True)
    parser.add_argument("--player", default="auto")
    parser.add_argument("--keep-wavs", action="store_true")
    args = parser.parse_args(argv)
    out = _protocol_stdout()
    started = time.monotonic()
    player = make_player(args.player)
    engine = Engine(out, args.wav_dir, player, args.keep_wavs)
    for thread in _threads(engine):
        thread.start()
    engine.start_tts()
    engine.emit(
        "ready",
        pid=os.getpid(),
        player=player.name,
        voices=len(engine.voices),
        init_s=time.monotonic() - started,
    )
    engine.synthesise_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
