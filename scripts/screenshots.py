"""Renders the applicant's screens (offscreen, fake devices) to look at them, and copies
those the README uses to docs/screenshots/.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--out DIR] [--only NAME]

For French at 100 % and Arabic at 200 % in high contrast, on a 4:3 screen (1280 x 1024)
and a 16:9 one (1920 x 1080): the welcome screen, "before you start", the identity
question after "Continuer" on empty fields, a question with an answer chosen, a
photographed page under review, check answers and the receipt.
Everything goes to out/screenshots/ (``<screen>--<lang>-<size>[-hc]--<w>x<h>.png``); the
screens of DOC_SCREENS are copied to docs/screenshots/, quantised (ImageMagick's
``convert``) and optimised (``optipng``) when those are installed."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QDeadlineTimer, QThread
from PySide6.QtWidgets import QApplication

from contract.catalogue import load_catalogue
from kiosk.config import Settings
from kiosk.devices.speech import RecordingSpeech
from kiosk.domain.samples import sample_value
from kiosk.domain.session import Screen
from kiosk.testing import FakeSealer, MemoryStore
from kiosk.ui.choice import ChoiceRow
from kiosk.ui.compose import Overrides, build_kiosk
from kiosk.ui.main_window import MainWindow
from kiosk.ui.theme import Theme

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
NOW = dt.datetime(2026, 11, 26, 13, 5, tzinfo=dt.UTC)
CONFIGS = (("fr", 1.0, False), ("ar", 2.0, True))
SIZES = ((1280, 1024), (1920, 1080))
PROCEDURE = "renewal-student"
# What docs/screenshots/ keeps (and the README shows): every shot of these screens, in both
# configurations and both sizes, as quantised PNGs (a few tens of kB each).
DOC_SCREENS = (
    "welcome",
    "before",
    "identity-error",
    "chosen-answer",
    "photo-review",
    "check",
    "receipt",
)


def settle(app: QApplication, rounds: int = 8) -> None:
    for _ in range(rounds):
        app.sendPostedEvents()
        app.processEvents()


def wait(app: QApplication, done: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = QDeadlineTimer(int(seconds * 1000))
    while not done():
        if deadline.hasExpired():
            raise TimeoutError("the kiosk did not get there")
        app.processEvents()
        QThread.msleep(10)
    settle(app)


class Walk:
    """One kiosk window, driven through the applicant's path with its controller."""

    def __init__(self, app: QApplication, language: str, scale: float, hc: bool) -> None:
        self.app = app
        self.store = MemoryStore()
        kiosk = build_kiosk(
            Settings(fullscreen=False),
            Overrides(
                catalogue=load_catalogue(),
                store=self.store,
                sealer=FakeSealer(),
                speech=RecordingSpeech(),
                clock=lambda: NOW,
                kiosk_id=lambda: "kiosk-demo",
                full=False,
            ),
        )
        self.controller = kiosk.session
        self.window: MainWindow = kiosk.window
        self.language, self.theme = language, Theme(scale=scale, high_contrast=hc)

    def resize(self, size: tuple[int, int]) -> None:
        self.window.resize(*size)
        self.window.show()
        settle(self.app)

    def welcome(self) -> None:
        c = self.controller
        c.wipe()
        c.choose_language(self.language)
        c.set_theme(self.theme)
        settle(self.app)

    def before(self) -> None:
        self._choose_procedure()
        settle(self.app)

    def _choose_procedure(self, *, begin: bool = False) -> None:
        """From a fresh welcome screen to PROCEDURE's "before you start" screen (with
        ``begin``: on to its first question)."""
        c = self.controller
        self.welcome()
        c.start()
        c.choose_procedure(PROCEDURE)
        if begin:
            c.begin()

    def chosen_answer(self) -> None:
        """A question with answers to touch, one chosen (it must not look like a button
        to press: issue 15)."""
        c = self.controller
        self._choose_procedure(begin=True)
        for _ in range(20):
            s = c.session
            if s.step is None or any(f.values for f in s.step.fields):
                break
            c.submit_step({f.id: sample_value(f, NOW.date()) for f in s.step.fields})
            settle(self.app)
        step = self.window.step
        row = next(r for r in step.rows if isinstance(r, ChoiceRow))
        row.set_value(row.spec.values[0])
        settle(self.app)

    def identity_error(self) -> None:
        c = self.controller
        self._choose_procedure(begin=True)
        settle(self.app)
        c.submit_step({})  # empty: the error summary
        settle(self.app)

    def _answer_steps(self) -> None:
        c = self.controller
        for _ in range(20):
            s = c.session
            if s.screen is not Screen.STEP or s.step is None:
                return
            values = {f.id: sample_value(f, NOW.date()) for f in s.step.fields}
            c.submit_step(values)
            settle(self.app)

    def photo_review(self) -> None:
        from kiosk.scan import synthetic as syn
        from kiosk.scan.formats import A4
        from kiosk.ui.camera_view import bgr_to_qimage

        self._choose_procedure(begin=True)
        self._answer_steps()
        frame, _ = syn.scene((1280, 960), A4, fill=0.8, seed=11)
        w = self.window
        # The review as the scan controller shows it (the page cut out of the frame).
        w.show_scan()
        w.scan.show_document("Justificatif de domicile de moins de 6 mois", 3, 5, 1, 1)
        w.scan.show_review(bgr_to_qimage(frame[60:900, 300:980].copy(), 1200))
        settle(self.app)

    def check(self) -> None:
        c = self.controller
        self._choose_procedure(begin=True)
        self._answer_steps()
        c.application.confirm_documents()
        settle(self.app)

    def receipt(self) -> None:
        c = self.controller
        self.check()
        c.confirm_answers()
        settle(self.app)
        c.submission.submit(True)
        wait(self.app, lambda: c.session.screen is Screen.RECEIPT)
        wait(self.app, lambda: self.window.current_screen_id is Screen.RECEIPT)

    def grab(self, path: Path) -> None:
        settle(self.app)
        self.window.grab().save(str(path))

    def close(self) -> None:
        self.controller.shutdown()
        self.window.close()
        self.window.deleteLater()
        settle(self.app)


SCREENS: dict[str, Callable[[Walk], None]] = {
    "welcome": Walk.welcome,
    "before": Walk.before,
    "chosen-answer": Walk.chosen_answer,
    "identity-error": Walk.identity_error,
    "photo-review": Walk.photo_review,
    "check": Walk.check,
    "receipt": Walk.receipt,
}


def optimise(path: Path) -> None:
    """Smaller PNGs for the repository: 64 colours (ImageMagick) are plenty for flat
    screens with anti-aliased text; then optipng, when installed."""
    convert = shutil.which("convert")
    if convert:
        subprocess.run(
            [convert, str(path), "-dither", "None", "-colors", "64", f"PNG8:{path}"], check=False
        )
    tool = shutil.which("optipng")
    if tool:
        subprocess.run([tool, "-quiet", "-o2", str(path)], check=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--only", action="append", choices=sorted(SCREENS), default=None)
    p.add_argument("--no-docs", action="store_true", help="do not copy to docs/screenshots")
    args = p.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    args.out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for language, scale, hc in CONFIGS:
        walk = Walk(app, language, scale, hc)
        try:
            for size in SIZES:
                walk.resize(size)
                for name, show in SCREENS.items():
                    if args.only and name not in args.only:
                        continue
                    show(walk)
                    tag = f"{language}-{round(scale * 100)}{'-hc' if hc else ''}"
                    path = args.out / f"{name}--{tag}--{size[0]}x{size[1]}.png"
                    walk.grab(path)
                    written.append(path)
        finally:
            walk.close()
    if not args.no_docs:
        DOCS.mkdir(parents=True, exist_ok=True)
        for path in written:
            if path.name.split("--")[0] in DOC_SCREENS:
                target = DOCS / path.name
                shutil.copyfile(path, target)
                optimise(target)
    print(f"{len(written)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
