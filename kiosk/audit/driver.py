"""Drives the real kiosk window offscreen, with fake devices, through every screen of
every procedure (and the dialogs), in each language, text size and theme, and runs
every check on each state."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QPoint, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from kiosk.audit.checks import STATIC_CHECKS, check_language
from kiosk.audit.context import Context, accessible_name, grab, owner, settle
from kiosk.audit.interaction import (
    check_activation,
    check_focus_order,
    ensure_active,
    measure_rings,
    wait_until,
)
from kiosk.audit.kiosk_checks import (
    InactivityProbe,
    Visit,
    check_consistent_help,
    check_errors,
    check_inactivity,
    check_speech,
)
from kiosk.audit.model import (
    CHECKS_BY_ID,
    AuditResult,
    CheckRecord,
    Outcome,
    Screenshot,
    WidgetInfo,
)
from kiosk.audit.path_checks import EARLY_VISIT_CHECKS, VISIT_CHECKS
from kiosk.audit.tours import unaudited
from kiosk.ui.gc_guard import GuiThreadCollector

if TYPE_CHECKING:
    from contract.catalogue import Procedure, Step
    from kiosk.audit.fakes import FakeMonotonic
    from kiosk.devices.speech import RecordingSpeech
    from kiosk.domain.session import Screen
    from kiosk.i18n import Translator
    from kiosk.ui.controllers.session import SessionController
    from kiosk.ui.main_window import MainWindow

WINDOW_SIZE = (1280, 1024)
THEMES = ("normal", "high")
SCREENSHOT_EXTRA_LANGUAGES = ("fr", "ar")  # also at 200 % and in high contrast


D = TypeVar("D", bound=QWidget)


class AuditError(RuntimeError):
    """The audit could not drive the kiosk (not an accessibility finding)."""


_QUIET = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
)


def _qt_messages(mode: QtMsgType, context: object, message: str) -> None:
    if not message.startswith(_QUIET):
        print(f"qt: {message}", file=sys.stderr)


def application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    qInstallMessageHandler(_qt_messages)  # the offscreen platform's noise, once per window
    app = QApplication(["kiosk-audit"])
    global _COLLECTOR
    # As in the kiosk: Python's collector frees Qt objects on the GUI thread only (a Qt
    # object freed on a worker thread kills the process in Qt's event loop).
    _COLLECTOR = GuiThreadCollector(app)
    return app


_COLLECTOR: GuiThreadCollector | None = None


def press(button: QAbstractButton) -> None:
    """Press ``button`` as an applicant does (a mouse press: the window reports the user
    action, which stops the speech and lets the narrator speak at once), not with a
    programmatic click() (which, while speech plays, leaves the narrator silent: timing-
    dependent)."""
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


@contextlib.contextmanager
def _instead(obj: object, name: str, replacement: Callable[..., object]) -> Iterator[None]:
    """Within the block, ``obj.<name>`` is ``replacement`` (an attribute of the instance
    over its class's method); after it, the class's method again."""
    setattr(obj, name, replacement)
    try:
        yield
    finally:
        delattr(obj, name)


@dataclass
class Kiosk:
    """The real window and controller, on fake ports, voice on."""

    window: MainWindow
    controller: SessionController
    speech: RecordingSpeech
    clock: FakeMonotonic | None
    narration: bool

    @classmethod
    def build(cls) -> Kiosk:
        from contract.catalogue import load_catalogue
        from kiosk.audit.fakes import NOW, FakeMonotonic, MemoryStore, fake_sealer
        from kiosk.config import Settings
        from kiosk.devices.speech import RecordingSpeech
        from kiosk.ui.compose import Overrides, build_kiosk

        application()  # the QApplication, before any widget
        speech = RecordingSpeech()
        clock = FakeMonotonic()
        built = build_kiosk(
            Settings(fullscreen=False, voice=True),
            Overrides(
                catalogue=load_catalogue(),
                store=MemoryStore(),
                sealer=fake_sealer,
                speech=speech,
                clock=lambda: NOW,
                monotonic=clock,
                kiosk_id=lambda: "kiosk-audit",
                full=False,
            ),
        )
        window, controller = built.window, built.session
        narration = False
        try:
            from kiosk.ui.narration import Narrator

            Narrator(controller, window, debounce_ms=0)
            narration = True
        except (ImportError, TypeError):
            pass
        window.resize(*WINDOW_SIZE)
        window.show()
        window.activateWindow()
        if not wait_until(lambda: window.isVisible() and QApplication.activeWindow() is window, 5):
            raise AuditError("the kiosk window did not become active")
        # Nothing is painted to the (invisible) screen: renderings are taken with grab().
        window.setUpdatesEnabled(False)
        # Setting a stylesheet re-polishes every widget of the window (~0.1 s): skip the
        # calls that would set the very same stylesheet again (each wipe between two
        # procedures would otherwise cost two).
        set_sheet = window.setStyleSheet

        def set_if_changed(sheet: str) -> None:
            if sheet != window.styleSheet():
                set_sheet(sheet)

        # On purpose, for the audit's whole run (not a block: see ``_instead``).
        window.setStyleSheet = set_if_changed  # type: ignore[method-assign]
        return cls(window, controller, speech, clock, narration)

    @contextlib.contextmanager
    def keeping_language(self, language: str) -> Iterator[None]:
        """The controller's wipes within the block keep ``language`` for the next
        applicant (see ``wipe``)."""
        session = self.controller.session
        forget = session.wipe

        def wipe_keeping_language() -> None:
            forget()
            session.language = language

        with _instead(session, "wipe", wipe_keeping_language):
            yield

    # --- speech -------------------------------------------------------------------------
    def mark(self) -> int:
        return len(self.speech.requests)

    def said(self, mark: int) -> list[tuple[str, str]]:
        return [(r.text, r.language) for r in self.speech.requests[mark:] if r.action == "say"]

    # --- state --------------------------------------------------------------------------
    @property
    def screen(self) -> Screen:
        return self.controller.session.screen

    def reset(self, language: str, scale: float, high_contrast: bool, speak: bool = True) -> int:
        """The welcome screen of a new session in ``language``, size and theme; returns
        the speech mark. The wipe puts the window in ``language`` (``wipe``); ``speak``:
        the applicant then chooses it on the welcome screen (which speaks it), else it is
        not chosen again (that would translate the whole window a second time)."""
        from kiosk.ui.theme import Theme

        w, c = self.window, self.controller
        theme = Theme(scale=scale, high_contrast=high_contrast)
        w.close_dialogs()
        # The kiosk's configured look: wiping the session keeps it (no re-styling).
        if hasattr(c, "theme_default"):
            c.theme_default = theme
        self.wipe(language)
        if c.theme != theme:
            c.set_theme(theme)
        mark = self.mark()
        if speak:
            with self.in_language(language):
                c.choose_language(language)
        settle()
        return mark

    def wipe(self, language: str) -> None:
        """The controller's wipe (the session ends), the next applicant keeping
        ``language``: the window is not translated and restyled to French on the way
        (the wipe's default) only to be translated and restyled again when the language
        is chosen (a full restyle of the window costs ~0.25 s CPU, a retranslation of
        every screen about as much). What is audited after it is the same: the caller
        chooses the language again where the applicant would.

        A window already in ``language`` is not translated into it again (``in_language``).
        """
        with self.keeping_language(language), self.in_language(language):
            self.controller.wipe()

    @contextlib.contextmanager
    def in_language(self, language: str) -> Iterator[None]:
        """Within the block, a window already in ``language`` is not translated into it
        again (the wipe's and the language choice's translation of every screen): each
        screen's own wipe puts back its texts in its language. Measured: the same check
        results on every state, Arabic 200 % high contrast 36.4 -> 34.4 s of CPU."""
        w = self.window
        current = getattr(getattr(w, "_tr", None), "code", None)
        if current != language or "retranslate" not in type(w).__dict__:
            yield
            return
        translate = w.retranslate

        def retranslate_unless_in(tr: Translator) -> None:
            if tr.code != language:
                translate(tr)

        with _instead(w, "retranslate", retranslate_unless_in):
            yield

    def inactivity_probe(self) -> InactivityProbe | None:
        from kiosk.domain.session import Screen

        monitor = getattr(self.controller, "inactivity", None)
        if monitor is None or self.clock is None or not hasattr(monitor, "tick"):
            return None
        clock = self.clock
        return InactivityProbe(
            monitor=monitor,
            advance=clock.advance,
            dialog=lambda: getattr(self.window, "inactivity_dialog", None),
            on_screen=lambda: self.screen is not Screen.WELCOME,
            mark=self.mark,
            said=self.said,
        )

    def close(self) -> None:
        w, c = self.window, self.controller
        w.close_dialogs()
        c.shutdown()
        w.close()
        w.deleteLater()
        settle()
        application().setLayoutDirection(Qt.LayoutDirection.LeftToRight)

    # --- the walk -----------------------------------------------------------------------
    def visits(
        self,
        language: str,
        scale: float,
        high_contrast: bool,
        problems: list[str],
        every_procedure: bool | Callable[[int], bool] = True,
    ) -> Iterator[Visit]:
        """Every state, one after the other; the caller audits each before the next.

        Each procedure of the catalogue is walked from the welcome screen through its
        steps. A state rendered the same way as one already visited in this walk (a step
        shared by several procedures, the consent) is not visited again. The screens laid
        out alike for every procedure but filled with its own data (documents, check
        answers, receipt) are visited for each procedure when ``every_procedure`` (or,
        if it is a function, for the procedures whose index it accepts), and always for
        the procedure with the most to show (most documents, then most questions).
        A procedure the kiosk cannot be driven through is reported in ``problems`` and
        the walk goes on."""
        seen: set[tuple[object, ...]] = set()
        procedures = list(self.controller.catalogue.procedures)
        fullest = max(procedures, key=lambda p: (len(p.documents), len(p.field_ids)))
        for index, procedure in enumerate(procedures):
            to_receipt = (
                every_procedure(index) if callable(every_procedure) else every_procedure
            ) or procedure is fullest
            steps = {("step", st.id, tuple(f.id for f in st.fields)) for st in procedure.steps}
            if not to_receipt and index > 0 and steps <= seen:
                continue  # nothing of it left to see in this walk: not even gone through
            try:
                yield from self._procedure_visits(
                    language,
                    scale,
                    high_contrast,
                    procedure,
                    index == 0,
                    seen,
                    to_receipt=to_receipt,
                )
            except AuditError as exc:
                problems.append(f"{procedure.id}: {exc}")

    def _procedure_visits(
        self,
        language: str,
        scale: float,
        high_contrast: bool,
        procedure: Procedure,
        first: bool,
        seen: set[tuple[object, ...]],
        *,
        to_receipt: bool = True,
    ) -> Iterator[Visit]:
        from kiosk.audit.fakes import sample_value
        from kiosk.domain.session import Screen

        w = self.window
        pid = procedure.id

        def new(*signature: object) -> bool:
            if signature in seen:
                return False
            seen.add(signature)
            return True

        mark = self.reset(language, scale, high_contrast, speak=first)
        if first:
            yield self._screen_visit("welcome", mark)
            header = w.welcome.header
            mark = self.mark()
            press(header.language_button)
            dialog = self._wait_dialog(lambda: header.language_dialog)
            yield self._dialog_visit("dialog-language", dialog, mark, dialog.accessibleName())
            dialog.reject()
            header.language_dialog = None
            settle()
            mark = self.mark()
            press(header.help_button)
            help_dialog = self._wait_dialog(lambda: w.help_dialog)
            yield self._dialog_visit("dialog-help", help_dialog, mark, help_dialog.text.text())
            w.close_dialogs()
            settle()
        mark = self.mark()
        w.welcome.start_button.click()
        self._wait(lambda: self.screen is Screen.PROCEDURE, "the procedure screen")
        if first:
            yield self._screen_visit("procedure", mark)
        mark = self.mark()
        w.procedure.card(pid).click()
        step_screen = w.step
        names: dict[str, tuple[object, ...]] = {}
        for _ in range(100):
            screen = self.screen
            self._wait_shown(
                screen, f"the {screen} screen shown (the window shows {w.current_screen_id})"
            )
            if screen is Screen.STEP:
                step = self._wait_step_shown()
                signature = ("step", step.id, tuple(f.id for f in step.fields))
                state = (
                    step.id
                    if names.setdefault(step.id, signature) == signature
                    else f"{step.id}@{pid}"
                )
                fresh = new(*signature)
                if fresh:
                    yield self._screen_visit(state, mark)
                    for row in step_screen.rows:
                        row.set_value("")
                    mark = self.mark()
                    step_screen.continue_button.click()
                    settle()
                    if self.screen is Screen.STEP and step_screen.summary.isVisible():
                        yield self._screen_visit(f"{state}-errors", mark, kind="errors")
                if self.screen is Screen.STEP and step_screen.step is step:
                    for row in step_screen.rows:
                        row.set_value(sample_value(row.spec))
                    mark = self.mark()
                    step_screen.continue_button.click()
                    settle()
                    if self.screen is Screen.STEP and step_screen.summary.isVisible():
                        raise AuditError(f"the audit's sample answers do not pass step {step.id}")
            elif screen is Screen.BEFORE:
                # "Avant de commencer": once (each procedure's looks alike: its
                # documents' names, its duration), as the first procedure's.
                if new("before"):
                    yield self._screen_visit(f"before@{pid}", mark)
                mark = self.mark()
                w.before.start_button.click()
                self._wait(lambda: self.screen is not Screen.BEFORE, "the first question")
            elif not to_receipt:
                return  # its questions are seen; its other screens look like the fullest's
            elif screen is Screen.CONSENT:
                consent = w.consent
                if new("consent"):
                    yield self._screen_visit("consent", mark)
                consent.checkbox.setChecked(False)
                mark = self.mark()
                consent.submit_button.click()
                settle()
                if new("consent-errors"):
                    yield self._screen_visit("consent-errors", mark, kind="errors")
                consent.checkbox.setChecked(True)
                mark = self.mark()
                consent.submit_button.click()
                self._wait(
                    lambda: self.screen is not Screen.CONSENT,
                    "the end of the consent",
                    timeout_s=10,
                )
            elif screen is Screen.RECEIPT:
                yield self._screen_visit(f"receipt@{pid}", mark)
                return
            else:
                # Check answers, documents, and any screen added since: visit it, then its
                # primary action (the first button of the screen's action row).
                name = str(getattr(screen, "value", screen))
                if new(name, pid):
                    yield self._screen_visit(f"{name}@{pid}", mark)
                action = self._primary_action(w.current_screen)
                if action is None:
                    raise AuditError(f"no action to leave the {name} screen")
                mark = self.mark()
                action.click()
                self.wait_left(screen, f"the screen after {name}")
        raise AuditError("the procedure never reached its receipt")

    # --- for the tours (kiosk.audit.tours) ----------------------------------------------
    def tour_visits(
        self, language: str, scale: float, high_contrast: bool, problems: list[str]
    ) -> Iterator[Visit]:
        """The states of every registered tour (the screens the walk does not reach)."""
        from kiosk.audit.tours import TOURS

        for t in TOURS:
            try:
                yield from t.run(
                    self, lambda: self.reset(language, scale, high_contrast, speak=False)
                )
            except AuditError as exc:
                problems.append(f"the {t.name} tour: {exc}")
            except Exception as exc:  # a screen changed under the tour: report, go on
                problems.append(f"the {t.name} tour: it crashed: {type(exc).__name__}: {exc}")
                with contextlib.suppress(Exception):
                    self.reset(language, scale, high_contrast, speak=False)

    def screen_visit(self, state: str, mark: int, kind: str = "screen") -> Visit:
        return self._screen_visit(state, mark, kind)

    def wait(self, predicate: Callable[[], bool], what: str, timeout_s: float = 1.0) -> None:
        self._wait(predicate, what, timeout_s)

    def wait_left(self, screen: Screen, what: str) -> None:
        """Until the session is on another screen than ``screen``."""
        self._wait(lambda: self.screen is not screen, what)

    def _wait_shown(self, screen: Screen, what: str) -> None:
        """Until the window shows the session's ``screen``."""
        self._wait(lambda: self.window.current_screen_id is screen, what)

    def _wait_step_shown(self) -> Step:
        """Until the step screen shows the session's step; that step."""
        wanted = self.controller.session.step
        step_screen = self.window.step

        def shown() -> bool:
            return (
                step_screen.step is not None
                and wanted is not None
                and step_screen.step.id == wanted.id
            )

        self._wait(shown, f"step {wanted.id if wanted else '?'} shown")
        assert step_screen.step is not None
        return step_screen.step

    def wait_screen(self, screen: object, timeout_s: float = 2.0) -> None:
        self._wait(
            lambda: self.screen is screen and self.window.current_screen_id is screen,
            f"the {screen} screen",
            timeout_s,
        )
        settle()

    def primary_action(self, screen: QWidget) -> QAbstractButton | None:
        return self._primary_action(screen)

    def advance_to(self, target: object, procedure_index: int = 0) -> None:
        """From the welcome screen, through a procedure (sample answers, each screen's
        primary action) until the ``target`` screen shows."""
        from kiosk.audit.fakes import sample_value
        from kiosk.domain.session import Screen

        w = self.window
        procedure = self.controller.catalogue.procedures[procedure_index]
        w.welcome.start_button.click()
        self.wait_screen(Screen.PROCEDURE)
        w.procedure.card(procedure.id).click()
        for _ in range(100):
            screen = self.screen
            self._wait_shown(screen, f"the {screen} screen")
            if screen is target:
                settle()
                return
            if screen is Screen.STEP:
                step = w.step
                for row in step.rows:
                    row.set_value(sample_value(row.spec))
                action: QAbstractButton | None = step.continue_button
            elif screen is Screen.CONSENT:
                w.consent.checkbox.setChecked(True)
                action = w.consent.submit_button
            else:
                action = self._primary_action(w.current_screen)
            if action is None or screen is Screen.RECEIPT:
                break
            before = (screen, w.step.step)
            action.click()

            def moved(before: tuple[Screen, Step | None] = before) -> bool:
                return (self.screen, w.step.step) != before

            self._wait(moved, f"the screen after {screen}", timeout_s=10)
        raise AuditError(f"the {target} screen is never reached in {procedure.id}")

    @staticmethod
    def _primary_action(screen: QWidget) -> QAbstractButton | None:
        """The first button (in reading order) of the screen's action row."""
        primary = getattr(screen, "primary_action", None)
        if callable(primary):  # BaseScreen: its action bar (issue 15)
            return primary()
        actions = getattr(screen, "action_row", None)
        column = getattr(screen, "column", None)
        if actions is None or column is None:
            return None
        area = actions.geometry()  # in the column's coordinates
        found = [
            b
            for b in column.findChildren(QAbstractButton)
            if b.isVisible() and b.isEnabled() and area.contains(b.mapTo(column, b.rect().center()))
        ]
        rtl = screen.layoutDirection() == Qt.LayoutDirection.RightToLeft
        found.sort(
            key=lambda b: (
                -b.mapTo(column, b.rect().topRight()).x()
                if rtl
                else b.mapTo(column, b.rect().topLeft()).x()
            )
        )
        return found[0] if found else None

    def _dialog_visit(self, state: str, dialog: QWidget, mark: int, must_say: str) -> Visit:
        """A dialog shown since ``mark``, which must have said ``must_say``."""
        return Visit(state, "dialog", dialog, said=self.said(mark), must_say=[must_say])

    def _screen_visit(self, state: str, mark: int, kind: str = "screen") -> Visit:
        settle()
        focus = owner(QApplication.focusWidget())
        return Visit(state, kind, self.window, self.window.current_screen, self.said(mark), focus)

    def _wait(self, predicate: Callable[[], bool], what: str, timeout_s: float = 1.0) -> None:
        if not wait_until(predicate, timeout_s):
            raise AuditError(f"the kiosk did not reach {what}")

    def _wait_dialog(self, get: Callable[[], D | None]) -> D:
        def shown() -> bool:
            dialog = get()
            return dialog is not None and dialog.isVisible()

        self._wait(shown, "the dialog")
        dialog = get()
        assert dialog is not None
        settle()
        return dialog


@dataclass
class Options:
    languages: list[str]
    scales: list[float]
    themes: list[str]
    out: Path | None = None
    quick: bool = False
    screenshots: bool = True
    # Only the screenshots of the states where a check failed are written (CI: the PNG
    # encoding was a fifth of a normal-theme unit's CPU). The grab is taken all the same:
    # the pixel checks read it.
    failure_screenshots: bool = False
    # Documents, check answers and receipt of every procedure in every size and theme
    # (the default); False: of every procedure at 100 % in the normal theme, and of the
    # fullest procedure elsewhere (same layout, other data).
    every_procedure: bool = True
    # With every_procedure False: besides 100 % normal, each procedure's own screens are
    # also audited in one other (size, theme), rotating with the procedure and the
    # language, so that every procedure meets every size and theme in some language.
    rotate: bool = False
    progress: Callable[[str], None] | None = None
    # Several processes share the units (see ``units``): True when this one takes the
    # unit of that index (None: it audits them all).
    claim: Callable[[int], bool] | None = None


def units(languages: list[str], themes: list[str]) -> list[tuple[str, str]]:
    """The audit's units of work, (language, theme), every text size of one unit in one
    process (sizes are compared with 100 %), the heaviest first so that processes sharing
    them end together: right-to-left languages (their layout is also checked mirrored), then
    the normal theme (Tab walks, narration, screenshots), then the rest in order."""
    from kiosk.i18n import LANGUAGES

    def weight(unit: tuple[str, str]) -> tuple[int, int]:
        language, theme = unit
        lang = LANGUAGES.get(language)
        return (0 if lang is not None and lang.rtl else 1, 0 if theme == "normal" else 1)

    return sorted(((lang, theme) for lang in languages for theme in themes), key=weight)


@dataclass
class Runner:
    """Audits each visit of each (language, scale, theme) and collects the records."""

    options: Options
    result: AuditResult = field(default_factory=AuditResult)
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    _activated: set[tuple[object, str]] = field(default_factory=set)
    # The Tab cycles walked back with Shift+Tab, by state, in this unit (check_focus_order).
    _walked: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def run(self) -> AuditResult:
        started = time.monotonic()
        opts = self.options
        kiosk = Kiosk.build()
        try:
            self.result.languages = list(opts.languages)
            self.result.scales = list(opts.scales)
            self.result.themes = list(opts.themes)
            self.result.metrics["narration"] = kiosk.narration
            self.result.metrics["coverage"] = coverage_text(opts)
            for index, (language, theme) in enumerate(units(opts.languages, opts.themes)):
                if opts.claim is not None and not opts.claim(index):
                    continue  # another process audits it
                t0, c0 = time.monotonic(), time.process_time()
                # Each size is compared with 100 % of the same language and theme only.
                self.sizes.clear()
                self._walked.clear()
                for scale in sorted(opts.scales):
                    self._combination(kiosk, language, scale, theme)
                if opts.progress:
                    opts.progress(
                        f"{language} {theme}: {time.monotonic() - t0:.1f} s "
                        f"({time.process_time() - c0:.1f} s of CPU)"
                    )
        finally:
            kiosk.close()
        self.result.seconds = time.monotonic() - started
        return self.result

    # --- one language x scale x theme -----------------------------------------------
    def _combination(self, kiosk: Kiosk, language: str, scale: float, theme: str) -> None:
        high = theme == "high"
        reference: list[str] | None = None
        where = (language, scale, theme)
        problems: list[str] = []
        every = self._every_procedure(language, scale, theme)
        visited: set[str] = set()

        def audit_all(visits: Iterator[Visit]) -> None:
            nonlocal reference
            for visit in visits:
                if visit.state not in self.result.states:
                    self.result.states.append(visit.state)
                if visit.screen is not None:
                    visited.add(type(visit.screen).__name__)
                reference = self._audit_visit(kiosk, visit, where, reference)
                # Hold no widget past its state: the kiosk deletes screens' widgets with
                # deleteLater(), and a Python reference kept alive across that deletion
                # can crash PySide (Shiboken releasing the wrapper of a destroyed child).
                visit.root = visit.screen = visit.focus = None  # type: ignore[assignment]
                del visit

        audit_all(kiosk.visits(language, scale, high, problems, every_procedure=every))
        self._inactivity(kiosk, where)  # on the screen the walk ended on (its receipt)
        audit_all(kiosk.tour_visits(language, scale, high, problems))
        for name in unaudited(kiosk.window.all_screens, visited):
            problems.append(
                f"the {name} screen: it has no audit state (register a tour for it in "
                "kiosk/audit/tours.py)"
            )
        walk = Outcome(checked=1)
        for problem in problems:
            walk.fail("coverage", f"the audit could not reach {problem}")
        self._record("coverage", "(walk)", where, walk)

    def _every_procedure(
        self, language: str, scale: float, theme: str
    ) -> bool | Callable[[int], bool]:
        """Which procedures' own screens (documents, check answers, receipt) this
        (language, size, theme) audits: all of them, only the fullest (False), or, when
        rotating, those whose turn it is."""
        opts = self.options
        if opts.every_procedure or (scale == 1.0 and theme == "normal"):
            return True
        if not opts.rotate:
            return False
        from kiosk.i18n import LANGUAGES

        others = [
            (s, t) for t in ("normal", "high") for s in (1.0, 1.5, 2.0) if (s, t) != (1.0, "normal")
        ]
        if (scale, theme) not in others:
            return True
        turn = others.index((scale, theme))
        shift = list(LANGUAGES).index(language) if language in LANGUAGES else 0
        return lambda index: (index + shift) % len(others) == turn

    def _inactivity(self, kiosk: Kiosk, where: tuple[str, float, str]) -> None:
        """The timeout warning, shown on an applicant's screen (not the welcome one, which
        has nothing to forget)."""
        from kiosk.domain.session import Screen

        language, scale, theme = where
        if kiosk.screen is Screen.WELCOME:
            kiosk.reset(language, scale, theme == "high")
            kiosk.window.welcome.start_button.click()
            wait_until(lambda: kiosk.screen is not Screen.WELCOME, 1.0)
        probe = kiosk.inactivity_probe()

        def audit_dialog(dialog: QWidget, said: list[tuple[str, str]]) -> None:
            from kiosk.ui.widgets import NoticeDialog

            assert isinstance(dialog, NoticeDialog)  # the inactivity warning
            visit = Visit(
                "inactivity-warning", "dialog", dialog, said=said, must_say=[dialog.text.text()]
            )
            self._audit_visit(kiosk, visit, where, None)

        if probe is not None and kiosk.screen is not None:
            if "inactivity-warning" not in self.result.states:
                self.result.states.append("inactivity-warning")
        # The time-out wipes the session; the next applicant here keeps the audited
        # language (as ``Kiosk.wipe``): the check looks at the screen the wipe leaves,
        # not its language, and a round trip through French would translate and re-style
        # the whole window twice.
        with kiosk.keeping_language(language):
            outcome = self._guard(
                lambda: check_inactivity(language, probe, audit_dialog), "timeout-warning"
            )
        self._record(
            "timeout-warning", "inactivity-warning" if probe else "(session)", where, outcome
        )

    def _audit_visit(
        self, kiosk: Kiosk, visit: Visit, where: tuple[str, float, str], reference: list[str] | None
    ) -> list[str] | None:
        language, scale, theme = where
        window = kiosk.window
        ctx = Context(
            visit.root,
            language,
            scale=scale,
            high_contrast=theme == "high",
            state=visit.state,
            theme=kiosk.controller.theme,
            container=window.frameGeometry() if visit.kind == "dialog" else None,
            reference_sizes=self.sizes,
            # Colours do not move widgets: mirroring is compared in the normal theme.
            mirror=theme == "normal",
            mirror_root=visit.screen if visit.kind != "dialog" else None,
        )
        state = visit.state
        # 13 first: the focus as the failed submission left it.
        errors: Outcome | None = None
        if visit.kind == "errors":
            errors = self._guard(lambda: check_errors(ctx, visit), "error-identification")
            self._record("error-identification", state, where, errors)
        # 21 first too: what is in view as the action left it (the checks below tab
        # through the controls and scroll the page).
        early = {
            c.id: self._guard(functools.partial(c.run, ctx, visit), c.id)
            for c in VISIT_CHECKS
            if c.id in EARLY_VISIT_CHECKS
        }
        neutral = self._neutral(visit.root)
        neutral()
        settle()
        picture = self._screenshot(kiosk, visit, where, ctx)
        outcomes: dict[str, Outcome] = dict(early)
        for check in STATIC_CHECKS:
            outcomes[check.id] = self._guard(functools.partial(check.run, ctx), check.id)
        outcomes["language"] = self._guard(lambda: check_language(ctx, visit.said), "language")
        for path_check in VISIT_CHECKS:  # issue 15's checks (kiosk.audit.path_checks)
            if path_check.id in early:
                continue
            outcomes[path_check.id] = self._guard(
                functools.partial(path_check.run, ctx, visit), path_check.id
            )
        ring = outcomes["non-text-contrast"]
        narrated: list[tuple[str, WidgetInfo, list[tuple[str, str]]]] = []
        narrate = kiosk.narration and scale == 1.0 and theme == "normal"
        marks = [kiosk.mark()]

        def on_press() -> None:
            marks[0] = kiosk.mark()

        def on_stop(widget: QWidget) -> None:
            if narrate:
                settle(2)
                narrated.append((accessible_name(widget), ctx.info(widget), kiosk.said(marks[0])))

        if visit.state == "inactivity-warning":
            # Any key press is an action: it extends the session and closes the warning.
            outcomes["focus-order"] = Outcome(
                not_applicable="a key press closes the warning (check 16)"
            )
            self._guard(lambda: measure_rings(ctx, neutral, ring), "non-text-contrast")
        elif theme == "high":
            # Colours do not change the order of the controls: Tab is walked in the normal
            # theme; here only the focus ring is measured (its colours are the theme's).
            outcomes["focus-order"] = Outcome(
                not_applicable="walked in the normal theme (colours do not move the focus)"
            )
            self._guard(lambda: measure_rings(ctx, neutral, ring), "non-text-contrast")
        else:
            # Shift+Tab: once per Tab cycle of a state in this unit (check_focus_order).
            outcomes["focus-order"] = self._guard(
                lambda: check_focus_order(
                    ctx,
                    neutral=neutral,
                    ring=ring,
                    on_press=on_press,
                    on_stop=on_stop,
                    walked=self._walked,
                ),
                "focus-order",
            )
        neutral()
        screen_kind = (where, type(visit.screen).__name__)
        if (
            visit.kind != "dialog"
            and visit.screen is not None
            and screen_kind not in self._activated
        ):
            # The same header button on every screen: pressed once per kind of screen.
            self._activated.add(screen_kind)
            header = visit.screen.header  # type: ignore[attr-defined]
            outcomes["keyboard-activation"] = self._guard(
                lambda: check_activation(
                    ctx,
                    header.help_button,
                    lambda: window.help_dialog is not None and window.help_dialog.isVisible(),
                    window.close_dialogs,
                ),
                "keyboard-activation",
            )
        if visit.kind != "dialog" and visit.screen is not None:
            screen = visit.screen
            header = screen.header  # type: ignore[attr-defined]
            c, h = self._guard_pair(
                lambda: check_consistent_help(ctx, screen, reference), "consistent-help"
            )
            outcomes["consistent-help"] = c
            reference = h if h is not None else reference

            def repeat() -> list[tuple[str, str]]:
                mark = kiosk.mark()
                header.listen_button.click()
                settle()
                return kiosk.said(mark)

        else:
            repeat = None  # type: ignore[assignment]
        outcomes["speech-output"] = self._guard(
            lambda: check_speech(
                ctx, visit, repeat, narrated if narrate else None, kiosk.narration
            ),
            "speech-output",
        )
        neutral()
        failed = any(o.violations for o in outcomes.values()) or bool(errors and errors.violations)
        if picture is not None and failed:
            self._write_screenshot(picture, visit.state, where)
        for check_id, outcome in outcomes.items():
            self._record(check_id, state, where, outcome)
        return reference

    # --- helpers ----------------------------------------------------------------------
    @staticmethod
    def _neutral(root: QWidget) -> Callable[[], None]:
        """Focus somewhere that draws no focus ring (the window itself)."""

        def go() -> None:
            ensure_active(root)
            root.setFocus(Qt.FocusReason.OtherFocusReason)
            settle(1)

        return go

    def _guard(self, run: Callable[[], Outcome], check_id: str) -> Outcome:
        t0, c0 = time.monotonic(), time.process_time()
        try:
            return run()
        except Exception as exc:  # an audit bug must show in the report, not stop it
            out = Outcome(checked=1)
            out.fail(
                check_id,
                f"the check crashed: {type(exc).__name__}: {exc}",
                traceback.format_exc(limit=3)[-300:],
            )
            return out
        finally:
            timing = self.result.metrics.setdefault("seconds_by_check", {})
            timing[check_id] = round(timing.get(check_id, 0.0) + time.monotonic() - t0, 3)
            cpu = self.result.metrics.setdefault("cpu_seconds_by_check", {})
            cpu[check_id] = round(cpu.get(check_id, 0.0) + time.process_time() - c0, 3)

    def _guard_pair(
        self, run: Callable[[], tuple[Outcome, list[str]]], check_id: str
    ) -> tuple[Outcome, list[str] | None]:
        try:
            return run()
        except Exception as exc:
            out = Outcome(checked=1)
            out.fail(check_id, f"the check crashed: {type(exc).__name__}: {exc}")
            return out, None

    def _record(
        self, check_id: str, state: str, where: tuple[str, float, str], outcome: Outcome
    ) -> None:
        assert check_id in CHECKS_BY_ID, check_id
        language, scale, theme = where
        for v in outcome.violations:
            v.check = check_id
            v.state = state
            v.language = v.language or language
            v.scale = scale
            v.theme = theme
        self.result.records.append(
            CheckRecord(
                check=check_id,
                state=state,
                language=language,
                scale=scale,
                theme=theme,
                status=outcome.status,
                checked=outcome.checked,
                violations=outcome.violations,
                not_applicable=outcome.not_applicable,
                notes=outcome.notes[:5],
            )
        )

    # --- screenshots ------------------------------------------------------------------
    def _wants_screenshot(self, language: str, scale: float, theme: str) -> bool:
        if not self.options.screenshots or self.options.out is None:
            return False
        if scale == 1.0 and theme == "normal":
            return True
        if language in SCREENSHOT_EXTRA_LANGUAGES:
            return (scale == 2.0 and theme == "normal") or (scale == 1.0 and theme == "high")
        return False

    def _screenshot(
        self, kiosk: Kiosk, visit: Visit, where: tuple[str, float, str], ctx: Context
    ) -> QImage | None:
        """The state's screenshot; its rendering of the audited root is handed to
        ``ctx`` (the pixel checks that come next would grab the very same). Written at
        once, or, with ``failure_screenshots``, returned for the caller to write if a
        check of the state fails."""
        language, scale, theme = where
        if not self._wants_screenshot(language, scale, theme):
            return None
        assert self.options.out is not None
        window: QWidget = kiosk.window
        image = grab(window)
        if visit.kind == "dialog":
            # The dialog is a window of its own: paint it where it sits over the kiosk.
            offset = visit.root.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0))
            dialog = grab(visit.root)
            ctx.seed(visit.root, dialog)
            painter = QPainter(image)
            painter.setOpacity(0.35)
            painter.fillRect(image.rect(), Qt.GlobalColor.black)
            painter.setOpacity(1.0)
            painter.drawImage(offset, dialog)
            painter.end()
        elif visit.root is window:
            ctx.seed(window, image)
        if self.options.failure_screenshots:
            return image
        self._write_screenshot(image, visit.state, where)
        return None

    def _write_screenshot(self, image: QImage, state: str, where: tuple[str, float, str]) -> None:
        assert self.options.out is not None
        language, scale, theme = where
        name = f"{state.replace('/', '_')}--{language}--{round(scale * 100)}--{theme}.png"
        folder = self.options.out / "screens"
        folder.mkdir(parents=True, exist_ok=True)
        # Opaque RGB and zlib's faster levels: half the encoding time of the default, for
        # files about as small (a screenshot per state and language adds up in CI).
        # The format as str: PySide6 6.11's stubs say bytes, but at run time a bytes format
        # with a quality is refused (ValueError: "called with wrong argument values").
        rgb = image.convertToFormat(QImage.Format.Format_RGB888)
        rgb.save(str(folder / name), "PNG", 80)  # type: ignore[call-overload]
        self.result.screenshots.append(Screenshot(state, language, scale, theme, f"screens/{name}"))


def coverage_text(opts: Options) -> str:
    """What the run covers, in words (for the report)."""
    own = (
        "in every language, text size and theme"
        if opts.every_procedure
        else "at 100 % in the normal theme in every language"
        + (", and in one other size and theme per language, rotating" if opts.rotate else "")
        + " (elsewhere those of the procedure with the most to show)"
    )
    return (
        "every question screen of every procedure and its error state, the welcome, "
        "procedure, consent screens, the help, language and inactivity dialogs and every "
        "screen of kiosk.audit.tours in every language, text size and theme; each "
        f"procedure's documents, check-answers and receipt screens {own}"
    )


def run_audit(options: Options) -> AuditResult:
    return Runner(options).run()
