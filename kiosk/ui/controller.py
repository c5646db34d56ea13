"""The session controller: the only part of the UI that acts.

It owns the applicant's ``ApplicantSession`` (the Qt-free state machine), listens to the
screens' signals, decides which screen shows, and does every side effect through the ports
it was given: ``store`` (draft and outbox), ``sealer`` (encrypts the application for the
central API), ``speech``, ``kiosk_id`` and ``clock``. Store writes and sealing run on the
task runner's worker; their results come back on the GUI thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from contract.catalogue import Catalogue
from contract.validation import FieldError
from kiosk.devices.speech import Speech
from kiosk.domain.session import ApplicantSession, Receipt, Screen
from kiosk.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, Translator
from kiosk.ui.flow import ApplicationFlow
from kiosk.ui.inactivity import InactivityMonitor, spoken_warning
from kiosk.ui.receipt_flow import ReceiptFlow
from kiosk.ui.scan_flow import ScanFlow
from kiosk.ui.tasks import TaskRunner
from kiosk.ui.theme import Theme

if TYPE_CHECKING:
    from kiosk.devices.camera import Camera
    from kiosk.devices.printer import Printer
    from kiosk.ui.help_call import HelpCallController
    from kiosk.ui.main_window import MainWindow
    from kiosk.ui.scan_controller import ScanController

log = logging.getLogger(__name__)

SERVICE_NOT_READY = N_(
    "Votre demande n'est pas envoyée. La borne a un problème. "
    "Réessayez ou demandez de l'aide à l'accueil."
)
HELP_TITLE = N_("Aide")
HELP_TEXT = N_("Pour demander de l'aide, allez au guichet de l'accueil.")


class OutboxEntry(Protocol):
    local_reference: str
    created_at: dt.datetime


class StorePort(Protocol):
    """What the controller needs from ``kiosk.store.Store`` (or ``kiosk.testing.MemoryStore``):
    its repositories ``drafts``, ``pages``, ``resume_codes`` and ``outbox``."""

    @property
    def drafts(self) -> Any: ...
    @property
    def pages(self) -> Any: ...
    @property
    def resume_codes(self) -> Any: ...
    @property
    def outbox(self) -> Any: ...


Sealer = Callable[[str, dict[str, Any]], bytes]


class SessionController(ApplicationFlow, ScanFlow, ReceiptFlow, QObject):
    application_submitted = Signal(str)  # uuid, once it is safely in the outbox
    session_wiped = Signal()
    text_scale_changed = Signal(float)

    def __init__(
        self,
        catalogue: Catalogue,
        store: StorePort,
        sealer: Sealer,
        kiosk_id: Callable[[], str],
        speech: Speech,
        clock: Callable[[], dt.datetime],
        *,
        voice_on: bool = False,
        tasks: TaskRunner | None = None,
        inactivity_timeout_s: float = 120,
        inactivity_warning_s: float = 30,
        monotonic: Callable[[], float] = time.monotonic,
        on_screen_keyboard: bool = True,
        draft_retention_days: int = 30,
        printer: Printer | None = None,
        status_service: Any = None,  # kiosk.link.status_service.StatusService or a fake
        qr_camera: Callable[[], Camera] | None = None,
        site_name: str = "Préfecture",
        auto_print: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        # The receipt's ports (kiosk.ui.receipt_flow): None, "the printer does not answer",
        # no status lookups, no QR code reading.
        self.printer = printer
        self.status_service = status_service
        self.qr_camera = qr_camera
        self.site_name = site_name
        self.auto_print = auto_print
        self.draft_retention_days = draft_retention_days  # drafts saved for later
        self.catalogue = catalogue
        self.store = store
        self.sealer = sealer
        self.kiosk_id = kiosk_id
        self.speech = speech
        self.clock = clock
        self.voice_default = voice_on
        self.voice_on = voice_on
        self.tasks = tasks or TaskRunner(self)
        self.session = ApplicantSession(catalogue)
        self.translator = Translator(SOURCE_LANGUAGE)
        self.theme = Theme()
        self.theme_default = self.theme  # what the next applicant starts with
        self.on_screen_keyboard = on_screen_keyboard
        self.window: MainWindow | None = None
        # Photographs documents: ``scanner.scan([(id, label, pages), ...])``; set by the
        # composition root (kiosk.app) once the welcome screen is up (OpenCV loads slowly).
        self.scanner: ScanController | None = None
        # The "Aide" button calls the reception desk (kiosk.ui.help_call), once the
        # composition root has set it; without it, a notice says to ask at the desk.
        self.help_calls: HelpCallController | None = None
        # What applicants are offered (kiosk.config: languages, procedures; () = every one).
        self.languages_offered: tuple[str, ...] = tuple(LANGUAGES)
        self.procedures_offered: tuple[str, ...] = ()
        self._submitting: str | None = None  # uuid of the application being sealed/queued
        # An assisted session's consent (kiosk.ui.staff_controller.AssistController): it
        # goes into the sealed payload as "assisted"; None when the applicant is alone.
        self.assistance: dict[str, Any] | None = None
        # Counts what the controller said or silenced: the narrator of the focused control
        # gives way when the action that moved the focus spoke for itself.
        self.speech_serial = 0
        # Inactivity on applicant screens (not the welcome screen): warn, then wipe.
        # ``monotonic`` is the clock it measures with (a fake one in tests).
        self.inactivity = InactivityMonitor(
            inactivity_timeout_s, inactivity_warning_s, monotonic, parent=self
        )
        self.inactivity.warning.connect(self._inactivity_warning)
        self.inactivity.countdown.connect(self._inactivity_countdown)
        self.inactivity.extended.connect(self._inactivity_extended)
        self.inactivity.expired.connect(self._inactivity_expired)

    # --- wiring -----------------------------------------------------------------------
    def attach(self, window: MainWindow) -> None:
        """Connect the window's screens; show the current screen."""
        self.window = window
        self.theme = self.theme_default = window.theme
        for screen in window.all_screens:
            screen.language_chosen.connect(self.choose_language)
            screen.text_size_requested.connect(self.next_text_size)
            screen.high_contrast_toggled.connect(self.set_high_contrast)
            screen.voice_toggled.connect(self.set_voice)
            screen.repeat_requested.connect(self.repeat)
            screen.stop_requested.connect(self.stop_speech)
            screen.help_requested.connect(self.show_help)
            screen.back_requested.connect(self.back)
        window.welcome.start_requested.connect(self.start)
        window.procedure.procedure_chosen.connect(self.choose_procedure)
        window.before.begin_requested.connect(self.begin)
        window.step.step_submitted.connect(self.submit_step)
        window.check.edit_requested.connect(self.edit)
        window.check.answers_confirmed.connect(self.confirm_answers)
        window.consent.submit_requested.connect(self.submit)
        window.receipt.finished.connect(self.wipe)
        self._attach_flow(window)  # guide, documents, save and resume, family
        self._attach_scan(window)  # photographing the passport and documents
        self._attach_receipt(window)  # printing the receipt; "Suivre ma demande"
        window.user_active.connect(self._user_active)
        window.osk.key_spoken.connect(self._say_if_voice)
        window.set_osk_available(self.on_screen_keyboard)
        window.set_languages(self.languages_offered)
        window.show_voice(self.voice_on)
        window.retranslate(self.translator)
        self._render()

    @property
    def _w(self) -> MainWindow:
        if self.window is None:
            raise RuntimeError("attach() a MainWindow first")
        return self.window

    def _now(self) -> dt.datetime:
        return self.clock()

    def _today(self) -> dt.date:
        return self.clock().astimezone().date()

    # --- rendering --------------------------------------------------------------------
    def _render(self, *, speak: bool = True) -> None:
        """Show the screen the session is on, filled from the session."""
        if self._scan_instead():
            return  # the passport first: it answers the identity questions
        w, s = self._w, self.session
        screen = s.screen
        if screen is Screen.WELCOME:
            w.welcome.show_state(s.language, self.voice_on)
        elif screen is Screen.PROCEDURE:
            w.procedure.show_procedures(
                self._offered_procedures(), guide=self.catalogue.guide is not None
            )
        elif screen is Screen.BEFORE:
            assert s.procedure is not None
            camera = self._scanning()
            w.before.show_procedure(
                s.procedure.title,
                [d.label for d in s.documents()],
                s.expected_minutes(photos=camera),
                camera=camera,
            )
        elif screen is Screen.STEP:
            assert s.procedure is not None and s.step is not None
            w.step.show_step(s.step, s.step_index + 1, len(s.procedure.steps), s.answers)
            w.step.show_save(self._can_save())
        elif screen is Screen.CHECK:
            assert s.procedure is not None
            w.check.show_answers(s.procedure, s.answers)
        elif screen is Screen.CONSENT:
            w.consent.reset(s.consent_given)
        elif screen is Screen.RECEIPT:
            assert s.receipt is not None and s.procedure is not None
            content = self.receipt_content()
            w.receipt.show_receipt(
                s.receipt.local_reference,
                s.receipt.submitted_at,
                # As the paper lists them: photographed here, and to bring (skipped too).
                content.documents_missing if content else [d.label for d in s.documents()],
                content.documents_provided if content else (),
                content.deadline if content else None,
            )
            self._render_receipt_flow(screen)  # prints once by itself when it can
        elif not self._render_receipt_flow(screen):  # the status screen
            self._render_flow(screen)
        w.show_screen(screen)
        if screen is Screen.WELCOME:
            self.inactivity.disarm()  # nothing to forget yet
        else:
            self.inactivity.arm()
        if speak and self.voice_on:
            self._say(w.current_screen.spoken_text())

    # --- what is offered ----------------------------------------------------------------
    def offer(self, languages: tuple[str, ...], procedures: tuple[str, ...] = ()) -> None:
        """Restrict the languages and procedures applicants see (admin settings)."""
        self.languages_offered = tuple(c for c in languages if c in LANGUAGES) or (SOURCE_LANGUAGE,)
        self.procedures_offered = tuple(procedures)
        if self.window is not None:
            self.window.set_languages(self.languages_offered)

    def _offered_procedures(self) -> list[Any]:
        offered = self.procedures_offered
        return [p for p in self.catalogue.procedures if not offered or p.id in offered]

    # --- speech -----------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.speech_serial += 1
        self.speech.stop()
        if text:
            self.speech.say(text, self.translator.code)

    def speak(self, text: str) -> None:
        """Say ``text`` now, in the screen's language, instead of what is being said."""
        self._say(text)

    def _say_if_voice(self, text: str) -> None:
        if self.voice_on:
            self._say(text)

    def repeat(self) -> None:
        """The "Écouter" button: read the current screen now, voice toggle or not."""
        self._say(self._screen_text())

    def _screen_text(self) -> str:
        """The screen's title and instruction, then the errors it shows (5.1.3.15)."""
        w = self._w
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
        self._w.show_voice(on)
        if on:
            self._say(self._w.current_screen.spoken_text())
        else:
            self.speech.stop()

    def _user_active(self) -> None:
        if self.speech.busy:
            self.speech.stop()
        self.inactivity.activity()
        if self.session.screen is Screen.WELCOME and not self.inactivity.armed:
            # Someone is at the welcome screen: what they change there (language, text
            # size, contrast, voice, volume) must not carry over to the next person.
            self.inactivity.arm()

    def _personalised(self) -> bool:
        """The settings differ from the kiosk's defaults (what a wipe resets)."""
        return (
            self.translator.code != SOURCE_LANGUAGE
            or self.theme != self.theme_default
            or self.voice_on != self.voice_default
            or getattr(self.speech, "rate", 1.0) != 1.0
            or getattr(self.speech, "volume", 1.0) != 1.0
        )

    # --- inactivity -------------------------------------------------------------------
    def _inactivity_warning(self, seconds: int) -> None:
        """Shown, focused and spoken whatever the voice setting: the applicant may have
        stepped away from the screen (WCAG 2.2.1, EN 301 549 5.1.3.1)."""
        if self.session.screen is Screen.WELCOME and not self._personalised():
            self.inactivity.disarm()  # the welcome screen as the kiosk starts: nothing to reset
            return
        dialog = self._w.show_inactivity_warning(seconds)
        dialog.continue_requested.connect(self.extend_session)
        self._say(spoken_warning(self.translator, seconds))

    def _inactivity_countdown(self, seconds: int) -> None:
        dialog = self._w.inactivity_dialog
        if dialog is not None:
            dialog.set_seconds(seconds)
        if seconds == 10:
            self._say_if_voice(spoken_warning(self.translator, seconds))

    def extend_session(self) -> None:
        """The warning's "Continuer" (or Escape): the applicant gets the full time again."""
        self.inactivity.activity()

    def _inactivity_extended(self) -> None:
        self._w.close_inactivity_warning()
        self.speech.stop()

    def _inactivity_expired(self) -> None:
        log.info("no activity for %d s: the session is wiped", self.inactivity.timeout_s)
        self.wipe()

    # --- header -----------------------------------------------------------------------
    def choose_language(self, code: str) -> None:
        if code not in self.languages_offered:
            return  # not offered on this kiosk
        self.session.choose_language(code)
        self.translator = Translator(code)
        w = self._w
        w.retranslate(self.translator)
        if self.session.screen is Screen.WELCOME:
            w.welcome.show_state(code, self.voice_on)
        self._say_if_voice(w.current_screen.spoken_text())

    def next_text_size(self) -> None:
        self.set_theme(self.theme.next_scale())

    def set_high_contrast(self, on: bool) -> None:
        self.set_theme(dataclasses.replace(self.theme, high_contrast=on))

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._w.apply_theme(theme)
        self.text_scale_changed.emit(theme.scale)

    def show_help(self) -> None:
        if self.help_calls is not None:  # the reception desk is reachable: call it
            self.help_calls.request()
            return
        tr = self.translator
        self._w.show_help(tr(HELP_TITLE), tr(HELP_TEXT))
        self._say_if_voice(tr(HELP_TEXT))

    # --- the flow ---------------------------------------------------------------------
    def start(self) -> None:
        self.session.start(self._now())
        self._render()

    def choose_procedure(self, procedure_id: str) -> None:
        if self.procedures_offered and procedure_id not in self.procedures_offered:
            return
        self.session.choose_procedure(procedure_id)
        self._render()

    def begin(self) -> None:
        """ "Commencer" on the "before you start" page."""
        if self.session.screen is Screen.BEFORE:
            self.session.begin()
            self._render()

    def back(self) -> None:
        if self._scan_back():
            return
        s = self.session
        if s.screen is Screen.CONSENT and self._submitting:
            return
        if s.screen is Screen.STEP and not s.editing_from_check:
            # Going back keeps what was typed on this page (nothing to type twice).
            s.keep_typed(self._w.step.values())
        s.back()
        if s.screen is Screen.WELCOME and (s.answers or s.procedure is not None):
            self._leave_to_welcome()
            return
        self._render()

    def _leave_to_welcome(self) -> None:
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

    def submit_step(self, values: dict[str, str]) -> None:
        s = self.session
        if s.screen is not Screen.STEP:
            return
        step = s.step
        if self._mrz_mismatch(values):
            return  # shown once: the same answers again go through
        errors = s.submit_step(values, self._today())
        if errors:
            self._show_errors(errors)
            return
        assert s.procedure is not None and step is not None
        self.tasks.run(
            self.store.drafts.save,
            s.uuid,
            s.procedure.id,
            s.language,
            dict(s.answers),
            self._now(),
            on_error=self._draft_failed,
        )
        self._render()
        self._after_step({f.id for f in step.fields})  # e.g. the renewal deadline

    def _show_errors(self, errors: list[FieldError]) -> None:
        step = self._w.step
        step.show_errors(errors)
        self._say_if_voice(step.summary.spoken_text())

    def _draft_failed(self, exc: BaseException) -> None:
        # The applicant can go on: the draft is a convenience, the outbox is what counts.
        log.error("saving the draft failed: %s", type(exc).__name__)

    def edit(self, step_id: str) -> None:
        if self.session.screen is not Screen.CHECK:
            return
        self.session.edit(step_id)
        self._render()

    def confirm_answers(self) -> None:
        s = self.session
        if s.screen is not Screen.CHECK:
            return
        missing = s.missing_answers(self._today())
        if missing:
            # Cannot happen through the screens; never submit an invalid answer anyway.
            assert s.procedure is not None
            first = next(
                st.id
                for st in s.procedure.steps
                if any(f.id == missing[0].field_id for f in st.fields)
            )
            s.edit(first)
            self._render(speak=False)
            self._show_errors(missing)
            return
        s.confirm_answers()
        self._render()

    def submit(self, accepted: bool) -> None:
        """Seal the application and put it in the outbox, once (the uuid is the key)."""
        s = self.session
        if s.screen is not Screen.CONSENT or self._submitting is not None:
            return  # a double click, or a click while the first one is in flight
        consent = self._w.consent
        problems = s.give_consent(accepted)
        if problems:
            consent.show_error(problems[0])
            self._say_if_voice(consent.error_text())
            return
        assert s.procedure is not None
        now = self._now()
        payload = s.payload(self.kiosk_id(), now)
        if self.assistance is not None:
            payload["assisted"] = dict(self.assistance)
        uuid, procedure_id = s.uuid, s.procedure.id
        self._submitting = uuid
        consent.show_error(None)
        consent.set_busy(True)
        self.tasks.run(
            self._seal_and_enqueue,
            uuid,
            procedure_id,
            payload,
            now,
            on_done=lambda entry: self._submitted(uuid, procedure_id, entry),
            on_error=lambda exc: self._submit_failed(uuid, exc),
        )

    def _seal_and_enqueue(
        self, uuid: str, procedure_id: str, payload: dict[str, Any], now: dt.datetime
    ) -> OutboxEntry:
        """Runs on the store worker."""
        submit = getattr(self.sealer, "submit", None)
        if submit is not None:  # kiosk.link.Sealer: the photographed pages go with it
            return submit(self.store, uuid, procedure_id, payload, now)  # type: ignore[no-any-return]
        sealed = self.sealer(uuid, payload)
        return self.store.outbox.enqueue(uuid, procedure_id, sealed, now)

    def _submitted(self, uuid: str, procedure_id: str, entry: OutboxEntry) -> None:
        self._submitting = None
        # The clear draft is no longer needed once the sealed copy is queued.
        self.tasks.run(self.store.drafts.delete, uuid, on_error=self._draft_failed)
        self.application_submitted.emit(uuid)
        s = self.session
        if s.uuid != uuid:
            return  # the session was wiped meanwhile
        s.submitted(
            Receipt(entry.local_reference, entry.created_at, procedure_id, s.receipt_secret)
        )
        self._w.consent.set_busy(False)
        self._render()

    def _submit_failed(self, uuid: str, exc: BaseException) -> None:
        self._submitting = None
        log.error("sealing or queueing the application failed: %s", type(exc).__name__)
        if self.session.uuid != uuid or self.session.screen is not Screen.CONSENT:
            return
        consent = self._w.consent
        consent.set_busy(False)
        consent.show_error(SERVICE_NOT_READY, about_box=False)
        self._say_if_voice(consent.error_text())

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
        if (
            w is not None
            and w.stack.currentWidget() is w.step
            and self.session.screen is Screen.STEP
        ):
            self.session.keep_typed(w.step.values())
        self.inactivity.disarm()

    def show_session(self) -> None:
        """Back from a staff screen: the applicant's session where it was, answers kept;
        an idle kiosk's welcome (or out-of-service) screen afresh."""
        if not self.in_progress:
            self.wipe()
            return
        if self.window is not None:
            self.window.close_dialogs()
        self._render(speak=False)

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
            and self._submitting != s.uuid
            and s.resume_code is None
        ):
            # An abandoned application not saved for later: nobody can resume it.
            self.tasks.run(self.store.drafts.delete, s.uuid, on_error=self._draft_failed)
        self._wipe_receipt_flow()  # the status screen's camera
        s.wipe()
        self.assistance = None
        self.translator = Translator(s.language)
        self.voice_on = self.voice_default
        w = self._w
        w.wipe()
        w.show_voice(self.voice_on)
        if self.theme != self.theme_default:
            self.set_theme(self.theme_default)
        w.retranslate(self.translator)
        self._render(speak=False)
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
        self.shutdown_receipt()
        self.tasks.shutdown(wait=True)
