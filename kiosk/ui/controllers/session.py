"""The session controller: the applicant's session, shown.

It owns the applicant's ``ApplicantSession`` (the Qt-free state machine), listens to the
screens' signals, decides which screen shows, and says it. It is built from its ports
(``SessionPorts``: catalogue, store, submitter, speech, kiosk id, clocks, the receipt's
devices, the slots of the scanner and the help call) and the window it drives; it builds
the flows it hands parts of the screens to, each from its own ports and this controller
as their :class:`~kiosk.ui.controllers.ports.FlowHost`: the guide and documents
(``application``), save and resume (``resume``), photographs (``scan``), the receipt and
"Suivre ma demande" (``receipt``) and submitting (``submission``). Store writes and
sealing run on the task runner's worker; their results come back on the GUI thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import weakref
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.domain.session import ApplicantSession, Screen
from kiosk.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, Translator
from kiosk.ui.controllers.application import ApplicationFlow
from kiosk.ui.controllers.idle import IdleGuard
from kiosk.ui.controllers.ports import SessionPorts, Slot
from kiosk.ui.controllers.receipt import ReceiptController
from kiosk.ui.controllers.resume import ResumeFlow
from kiosk.ui.controllers.scan import ScanFlow
from kiosk.ui.controllers.steps import StepsFlow
from kiosk.ui.controllers.submission import SubmitController, draft_failed
from kiosk.ui.inactivity import InactivityMonitor
from kiosk.ui.tasks import TaskRunner
from kiosk.ui.theme import Theme

if TYPE_CHECKING:
    from kiosk.ui.controllers.help_call import HelpCallController
    from kiosk.ui.controllers.scanner import ScanController
    from kiosk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

HELP_TITLE = N_("Aide")
HELP_TEXT = N_("Pour demander de l'aide, allez au guichet de l'accueil.")


class SessionController(QObject):
    application_submitted = Signal(str)  # uuid, once it is safely in the outbox
    session_wiped = Signal()
    text_scale_changed = Signal(float)

    def __init__(
        self, ports: SessionPorts, window: MainWindow, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        options = ports.options
        self.ports = ports
        self.catalogue, self.store, self.speech = ports.catalogue, ports.store, ports.speech
        self.clock = ports.clock
        self.window = window
        self.voice_default = self.voice_on = options.voice_on
        self.on_screen_keyboard = options.on_screen_keyboard
        self.tasks = ports.tasks or TaskRunner(self)
        self.session = ApplicantSession(ports.catalogue)
        self.translator = Translator(SOURCE_LANGUAGE)
        self.theme = self.theme_default = window.theme  # the next applicant starts with it
        # What applicants are offered (kiosk.config: languages, procedures; () = every one).
        self.languages_offered: tuple[str, ...] = tuple(LANGUAGES)
        self.procedures_offered: tuple[str, ...] = ()
        self.submitting: str | None = None  # uuid of the application being sealed/queued
        # An assisted session's consent (kiosk.ui.controllers.staff.AssistController): it
        # goes into the sealed payload as "assisted"; None when the applicant is alone.
        self.assistance: dict[str, Any] | None = None
        # Counts what the controller said or silenced: the narrator of the focused control
        # gives way when the action that moved the focus spoke for itself.
        self.speech_serial = 0
        # Inactivity on applicant screens (not the welcome screen): warn, then wipe.
        # ``monotonic`` is the clock it measures with (a fake one in tests).
        self.inactivity = InactivityMonitor(
            options.inactivity_timeout_s, options.inactivity_warning_s, ports.monotonic, parent=self
        )
        me = weakref.proxy(self)  # the flows' callbacks: no reference cycle keeps it alive
        self.idle = IdleGuard(self, self.inactivity, self.speech, lambda: me.personalised(), self)
        # Photographs documents once the composition root provides the scanner (OpenCV
        # loads slowly); the "Aide" button calls the reception desk once it provides the
        # help call (without it, a notice says to ask at the desk).
        self.scanner_slot: Slot[ScanController] = ports.scanner or Slot(self)
        self.help_slot: Slot[HelpCallController] = ports.help_calls or Slot(self)
        self.receipt = ReceiptController(self, ports.receipt, self.store, self.tasks, self)
        self.scan = ScanFlow(self, self.scanner_slot, self.store, self.tasks, self)
        days = options.draft_retention_days  # a draft saved for later is kept
        self.resume = ResumeFlow(self, self.store, self.tasks, days, self.receipt, self)
        self.application = ApplicationFlow(self, self.scan, self)
        self.steps = StepsFlow(
            self,
            self.store,
            self.tasks,
            self.scan,
            self.application.after_step,
            lambda: me.leave_to_welcome(),
            lambda: me.procedures_offered,
            self,
        )
        self.submission = SubmitController(
            self, self.store, ports.submit, ports.kiosk_id, self.tasks, self
        )
        self.submission.application_submitted.connect(self.application_submitted)
        self._attach(window)

    @property
    def scanner(self) -> ScanController | None:
        return self.scanner_slot.current

    # --- wiring -----------------------------------------------------------------------
    def connect_header(self, screen: Any) -> None:
        """The header does the same on every screen (language, text size, contrast, voice,
        "Écouter", "Arrêter", "Aide")."""
        screen.language_chosen.connect(self.choose_language)
        screen.text_size_requested.connect(self.next_text_size)
        screen.high_contrast_toggled.connect(self.set_high_contrast)
        screen.voice_toggled.connect(self.set_voice)
        screen.repeat_requested.connect(self.repeat)
        screen.stop_requested.connect(self.stop_speech)
        screen.help_requested.connect(self.show_help)

    def _attach(self, window: MainWindow) -> None:
        """Connect the window's screens; show the current screen."""
        for screen in window.all_screens:
            self.connect_header(screen)
            screen.back_requested.connect(self.back)
        self.steps.attach(window)  # from "Commencer" to the check-answers screen
        window.consent.submit_requested.connect(self.submission.submit)
        window.receipt.finished.connect(self.wipe)
        self.application.attach(window)  # guide, documents, family
        self.resume.attach(window)  # save and resume
        self.scan.attach(window)  # photographing the passport and documents
        self.receipt.attach(window)  # printing the receipt; "Suivre ma demande"
        window.user_active.connect(self.idle.user_active)
        window.osk.key_spoken.connect(self.say_if_voice)
        window.set_osk_available(self.on_screen_keyboard)
        window.set_languages(self.languages_offered)
        window.show_voice(self.voice_on)
        window.retranslate(self.translator)
        self.render()

    @property
    def w(self) -> MainWindow:
        return self.window

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.clock().astimezone().date()

    # --- rendering --------------------------------------------------------------------
    def render(self, *, speak: bool = True) -> None:
        """Show the screen the session is on, filled from the session."""
        if self.scan.instead():
            return  # the passport first: it answers the identity questions
        w, s = self.window, self.session
        screen = s.screen
        if screen is Screen.WELCOME:
            w.welcome.show_state(s.language, self.voice_on)
        elif screen is Screen.PROCEDURE:
            w.procedure.show_procedures(
                self._offered_procedures(), guide=self.catalogue.guide is not None
            )
        elif screen is Screen.BEFORE:
            assert s.procedure is not None
            camera = self.scan.scanning()
            w.before.show_procedure(
                s.procedure.title,
                [d.label for d in s.documents()],
                s.expected_minutes(photos=camera),
                camera=camera,
            )
        elif screen is Screen.STEP:
            assert s.procedure is not None and s.step is not None
            w.step.show_step(s.step, s.step_index + 1, len(s.procedure.steps), s.answers)
            w.step.show_save(self.resume.can_save())
        elif screen is Screen.CHECK:
            assert s.procedure is not None
            w.check.show_answers(s.procedure, s.answers)
        elif screen is Screen.CONSENT:
            w.consent.reset(s.consent_given)
        elif not self.receipt.render(screen) and not self.resume.render(screen):
            self.application.render(screen)  # the receipt and status, save and resume: above
        w.show_screen(screen)
        if screen is Screen.WELCOME:
            self.inactivity.disarm()  # nothing to forget yet
        else:
            self.inactivity.arm()
        if speak and self.voice_on:
            self.say(w.current_screen.spoken_text())

    def retranslate(self, code: str) -> None:
        """The screens in the language ``code``, if they are not already."""
        if self.translator.code != code:
            self.translator = Translator(code)
            self.window.retranslate(self.translator)

    # --- what is offered ----------------------------------------------------------------
    def offer(self, languages: tuple[str, ...], procedures: tuple[str, ...] = ()) -> None:
        """Restrict the languages and procedures applicants see (admin settings)."""
        self.languages_offered = tuple(c for c in languages if c in LANGUAGES) or (SOURCE_LANGUAGE,)
        self.procedures_offered = tuple(procedures)
        self.window.set_languages(self.languages_offered)

    def _offered_procedures(self) -> list[Any]:
        offered = self.procedures_offered
        return [p for p in self.catalogue.procedures if not offered or p.id in offered]

    # --- speech -----------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.speech_serial += 1
        self.speech.stop()
        if text:
            self.speech.say(text, self.translator.code)

    speak = say  # says ``text`` now, in the screen's language, instead of what is being said

    def say_if_voice(self, text: str) -> None:
        if self.voice_on:
            self.say(text)

    def repeat(self) -> None:
        """The "Écouter" button: read the current screen now, voice toggle or not."""
        self.say(self._screen_text())

    def _screen_text(self) -> str:
        """The screen's title and instruction, then the errors it shows (5.1.3.15)."""
        w = self.window
        screen = w.current_screen
        parts = [screen.spoken_text()]
        if screen is w.step and w.step.summary.links:
            parts.append(w.step.summary.spoken_text())
        elif screen is w.consent:
            parts.append(w.consent.error_text())
        return " ".join(p for p in parts if p)

    def stop_speech(self) -> None:
        """The "Arrêter" button."""
        self.speech_serial += 1
        self.speech.stop()

    def set_voice(self, on: bool) -> None:
        """The voice toggle (in every header, and on the welcome screen)."""
        self.voice_on = on
        self.window.show_voice(on)
        if on:
            self.say(self.window.current_screen.spoken_text())
        else:
            self.speech.stop()

    def personalised(self) -> bool:
        """The settings differ from the kiosk's defaults (what a wipe resets)."""
        return (
            self.translator.code != SOURCE_LANGUAGE
            or self.theme != self.theme_default
            or self.voice_on != self.voice_default
            or getattr(self.speech, "rate", 1.0) != 1.0
            or getattr(self.speech, "volume", 1.0) != 1.0
        )

    # --- header -----------------------------------------------------------------------
    def choose_language(self, code: str) -> None:
        if code not in self.languages_offered:
            return  # not offered on this kiosk
        self.session.choose_language(code)
        self.translator = Translator(code)
        w = self.window
        w.retranslate(self.translator)
        if self.session.screen is Screen.WELCOME:
            w.welcome.show_state(code, self.voice_on)
        self.say_if_voice(w.current_screen.spoken_text())

    def next_text_size(self) -> None:
        self.set_theme(self.theme.next_scale())

    def set_high_contrast(self, on: bool) -> None:
        self.set_theme(dataclasses.replace(self.theme, high_contrast=on))

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.window.apply_theme(theme)
        self.text_scale_changed.emit(theme.scale)

    def show_help(self) -> None:
        if self.help_slot.current is not None:  # the reception desk is reachable: call it
            self.help_slot.current.request()
            return
        tr = self.translator
        self.window.show_help(tr(HELP_TITLE), tr(HELP_TEXT))
        self.say_if_voice(tr(HELP_TEXT))

    # --- the flow (kiosk.ui.controllers.steps) ---------------------------------------------
    def start(self) -> None:
        self.steps.start()

    def choose_procedure(self, procedure_id: str) -> None:
        self.steps.choose_procedure(procedure_id)

    def begin(self) -> None:
        self.steps.begin()

    def back(self) -> None:
        self.steps.back()

    def submit_step(self, values: dict[str, str]) -> None:
        self.steps.submit_step(values)

    def confirm_answers(self) -> None:
        self.steps.confirm_answers()

    def leave_to_welcome(self) -> None:
        """Back to the welcome screen is leaving: the answers are forgotten, since the next
        person could press "Commencer" and find them (issue 7); language, text size and
        voice stay as this applicant set them."""
        language, voice, theme = self.session.language, self.voice_on, self.theme
        self.wipe()
        if theme != self.theme:
            self.set_theme(theme)
        if voice != self.voice_on:
            self.set_voice(voice)
        if language != self.session.language:
            self.choose_language(language)

    # --- staff over a session -----------------------------------------------------------
    @property
    def in_progress(self) -> bool:
        """An applicant has started (past the welcome screen): their work must be kept."""
        return self.session.screen is not Screen.WELCOME

    def pause_for_staff(self) -> None:
        """A staff screen (sign-in, admin mode, consent) covers the applicant's: their
        session does not time out underneath it; staff screens have their own time-outs.
        What the applicant typed on the question screen is kept, as "Retour" keeps it."""
        w = self.window
        if w.stack.currentWidget() is w.step and self.session.screen is Screen.STEP:
            self.session.keep_typed(w.step.values())
        self.inactivity.disarm()

    def show_session(self) -> None:
        """Back from a staff screen: the applicant's session where it was, answers kept;
        an idle kiosk's welcome (or out-of-service) screen afresh."""
        if not self.in_progress:
            self.wipe()
            return
        self.window.close_dialogs()
        self.render(speak=False)

    # --- forgetting -------------------------------------------------------------------
    def wipe(self) -> None:
        """Forget the applicant: session, every widget, language, text size, contrast,
        voice (with its volume and rate), on-screen keyboard."""
        s = self.session
        self.inactivity.disarm()
        self.speech.reset()  # silence, normal rate and volume (EN 301 549 5.1.3.13)
        if (
            s.procedure is not None
            and s.receipt is None
            and self.submitting != s.uuid
            and s.resume_code is None
        ):
            # An abandoned application not saved for later: nobody can resume it.
            self.tasks.run(self.store.drafts.delete, s.uuid, on_error=draft_failed)
        self.receipt.wipe()  # the status screen's camera
        s.wipe()
        self.assistance = None
        self.translator = Translator(s.language)
        self.voice_on = self.voice_default
        w = self.window
        w.wipe()
        w.show_voice(self.voice_on)
        if self.theme != self.theme_default:
            self.set_theme(self.theme_default)
        w.retranslate(self.translator)
        self.render(speak=False)
        self.session_wiped.emit()

    def shutdown(self) -> None:
        """Let queued store writes finish (call at exit)."""
        self.inactivity.disarm()
        # Every timer of its parts (staff sign-in, help call, admin mode...) stops with it: a
        # timer still running when its owner is garbage-collected on another thread leaves
        # Qt's event loop a dangling timer (the SIGSEGV of the staff tests).
        for timer in self.findChildren(QTimer):
            timer.stop()
        self.speech.stop()
        self.receipt.shutdown()
        self.tasks.shutdown(wait=True)
