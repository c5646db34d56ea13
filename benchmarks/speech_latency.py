"""Speech latency with the real engine (pyttsx3 + espeak-ng in its helper process).

For ~20 screen changes in French and in Arabic (the controller renders the next screen of an
offscreen window, voice on), prints the time from the screen change to:

- the speech request (``say()`` called by the controller);
- the first audio sample produced by espeak-ng: the first sentence's WAV is written and
  measured (its first non-silent sample exists). Target: under 200 ms.
- the start of playback (null sink when there is no sound card).

Each screen change interrupts the previous screen's speech, as an applicant tapping on does;
those stops, and stops of a long text being played, give the stop latency: from ``stop()``
to the engine's confirmation that it is silent (EN 301 549 5.1.3.5: under 100 ms).

    .venv/bin/python benchmarks/speech_latency.py [--iterations 20] [--quick]
                                                  [--player null] [--save-wavs DIR]

``--save-wavs DIR`` writes what each language's welcome and procedure screens say, as one
WAV each, to listen to (or ``sox FILE -n stat``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import time
import wave
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication

from contract.catalogue import load_catalogue
from kiosk.config import Settings
from kiosk.devices.speech_espeak import Pyttsx3Speech, Utterance, unavailable_reason
from kiosk.domain.session import Screen
from kiosk.testing import MemoryStore
from kiosk.ui.compose import Overrides, build_kiosk

WAIT_S = 10.0
LONG_TEXT = " ".join(["Cette borne sert à demander ou à renouveler un titre de séjour."] * 15)


def ms(values: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    data = sorted(v * 1000 for v in values)
    p95 = data[min(len(data) - 1, round(0.95 * (len(data) - 1)))]
    return statistics.median(data), p95


def wait(speech: Pyttsx3Speech, predicate: Any, what: str) -> None:
    if not speech.wait_for(predicate, WAIT_S):
        raise SystemExit(f"the speech engine did not report {what} within {WAIT_S} s")


def save_screen_wav(u: Utterance, speech: Pyttsx3Speech, path: Path) -> None:
    """All the sentences of one screen's speech, as one WAV."""
    wait(speech, lambda: any(c.get("last") for c in u.chunks), "the last sentence")
    with wave.open(str(path), "wb") as out:
        for i, chunk in enumerate(sorted(u.chunks, key=lambda c: c["chunk"])):
            with wave.open(chunk["wav"], "rb") as part:
                if i == 0:
                    out.setparams(part.getparams())
                out.writeframes(part.readframes(part.getnframes()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=20, help="screen changes per language")
    parser.add_argument("--quick", action="store_true", help="3 changes (CI: the script runs)")
    parser.add_argument("--player", default="null", help="null (default), auto, aplay...")
    parser.add_argument("--save-wavs", type=Path, default=None)
    args = parser.parse_args()
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"no real speech engine: {reason}")
    n = 3 if args.quick else args.iterations

    app = QApplication.instance() or QApplication(sys.argv[:1])
    t_start = time.monotonic()
    speech = Pyttsx3Speech(player=args.player, keep_wavs=args.save_wavs is not None)
    speech.start()
    wait(speech, lambda: speech.player is not None, "ready")
    cold_start = time.monotonic() - t_start
    kiosk = build_kiosk(
        Settings(fullscreen=False, voice=True),
        Overrides(
            catalogue=load_catalogue(),
            store=MemoryStore(),  # the screens used here never reach the store
            sealer=lambda _uuid, _payload: b"",
            speech=speech,
            clock=lambda: dt.datetime.now(dt.UTC),
            kiosk_id=lambda: "bench",
            full=False,
            app_style=False,
        ),
    )
    controller, window = kiosk.session, kiosk.window
    window.resize(1280, 960)
    window.show()
    app.processEvents()

    rows: list[tuple[str, list[float], list[float], list[float]]] = []
    screen_stops: list[float] = []
    if args.save_wavs:
        args.save_wavs.mkdir(parents=True, exist_ok=True)
    for language in ("fr", "ar"):
        controller.choose_language(language)
        to_request: list[float] = []
        to_sample: list[float] = []
        to_play: list[float] = []
        for i in range(n):
            forward = controller.session.screen is Screen.WELCOME
            stops_before = len(speech.stops)
            t0 = time.monotonic()
            controller.start() if forward else controller.back()
            app.processEvents()
            u = speech.last_utterance
            assert u is not None and u.requested_at >= t0
            wait(speech, lambda u=u: u.play_started_at is not None or u.error, "playback")
            if u.error:
                raise SystemExit(f"speech failed: {u.error}")
            assert u.first_sample_at is not None and u.play_started_at is not None
            assert u.voice_used == speech.voices[language], u.voice_used
            to_request.append(u.requested_at - t0)
            to_sample.append(u.first_sample_at - t0)
            to_play.append(u.play_started_at - t0)
            if args.save_wavs and i < 2:
                name = "welcome" if not forward else "procedure"
                save_screen_wav(u, speech, args.save_wavs / f"{language}-{name}.wav")
            for record in list(speech.stops)[stops_before:]:
                wait(speech, lambda r=record: r.confirmed_at is not None, "a stop")
                if not record.starting and record.latency is not None:
                    screen_stops.append(record.latency)
        rows.append((language, to_request, to_sample, to_play))

    # Stops of a long text being played.
    long_stops: list[float] = []
    killed = 0
    for _ in range(n):
        speech.say(LONG_TEXT, "fr")
        u = speech.last_utterance
        assert u is not None
        wait(speech, lambda u=u: u.play_started_at is not None, "playback")
        speech.stop()
        record = speech.stops[-1]
        wait(speech, lambda r=record: r.confirmed_at is not None, "a stop")
        assert record.latency is not None
        long_stops.append(record.latency)
        killed += record.killed

    print(f"speech engine: pyttsx3 + espeak-ng, player {speech.player}, {n} changes/language")
    print(f"{'figure (ms)':<52}{'median':>9}{'p95':>9}{'target':>9}")
    for language, to_request, to_sample, to_play in rows:
        for label, values, target in (
            ("screen change -> speech request", to_request, ""),
            ("screen change -> first audio sample (WAV)", to_sample, "< 200"),
            ("screen change -> playback starts", to_play, ""),
        ):
            median, p95 = ms(values)
            print(f"{f'{language}: {label}':<52}{median:>9.1f}{p95:>9.1f}{target:>9}")
    for label, values in (
        ("stop on a screen change -> silent", screen_stops),
        ("stop of a long text -> silent", long_stops),
    ):
        median, p95 = ms(values)
        print(f"{label:<52}{median:>9.1f}{p95:>9.1f}{'< 100':>9}")
    print(f"{'engine cold start -> ready':<52}{cold_start * 1000:>9.1f}{'':>9}{'':>9}")
    if killed:
        print(f"({killed} stop(s) needed the engine to be killed)")
    if args.save_wavs:
        for path in sorted(args.save_wavs.glob("*.wav")):
            print(f"saved {path}")
        if shutil.which("sox") is None:
            print("(install sox to measure them: sox FILE -n stat)")
    controller.shutdown()
    speech.close()
    window.close()


if __name__ == "__main__":
    main()
