"""Mediators and staff on the kiosk: sign-in (``StaffController``) and the assisted session
(``AssistController``).

``StaffController.request_sign_in(roles, on_done, on_cancel)`` shows the sign-in screen,
checks the identifier and PIN (or a badge read by the camera) with the staff directory on a
worker, shows "wrong" / "locked" / "unavailable", and calls ``on_done(member)`` on the GUI
thread for an allowed role. A signed-in person is signed out after ``session_timeout_s``
without any action on the kiosk. Sign-ins (ok or failed) are audited by the directory (the
central API); sign-outs and assisted sessions here, through ``audit``.

``AssistController.start(member)``: the applicant reads (and hears, in their language) what
the mediator may see and do, and agrees or refuses. A mediator may join an application in
progress: it is kept, and goes on from where the applicant was. Agreed, the consent (time,
text version, language, mediator id) and each assisted part (from which screen, until
which) go into the application's sealed payload, a banner (in the mediator's language)
shows on every screen, the kiosk's state is "assisted", by whom. "Terminer l'aide" asks the
applicant, in their language, whether they carry on alone (the default, answers kept) or
stop (everything erased); the mediator is signed out either way. Any wipe (submitted,
abandoned, timed out) ends it too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from contract.pin_policy import DEFAULT_POLICY
from kiosk.i18n import SOURCE_LANGUAGE, Plural
from kiosk.staff import (
    ASSIST_END,
    ASSIST_START,
    SIGN_OUT,
    AuditLog,
    Role,
    SignInRefused,
    StaffDirectory,
    StaffMember,
    valid_pin,
)
from kiosk.ui.controllers.ports import AssistPorts, StaffPorts
from kiosk.ui.screens.assist import CONSENT_TEXT_VERSION
from kiosk.ui.screens.signin import (
    BADGE_HINT,
    BADGE_NO_CAMERA,
    SIGNIN_EMPTY,
    SIGNIN_LOCKED,
    SIGNIN_ROLE,
    SIGNIN_UNAVAILABLE,
    SIGNIN_WRONG,
    SIGNIN_WRONG_WAIT,
    SIGNIN_WRONG_WARN,
)

if TYPE_CHECKING:
    from kiosk.ui.camera_view import CameraFeed
    from kiosk.ui.controllers.session import SessionController
    from kiosk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

_MESSAGES = {"wrong": SIGNIN_WRONG, "locked": SIGNIN_LOCKED, "unavailable": SIGNIN_UNAVAILABLE}


def _allowed(member: StaffMember, roles: set[Role]) -> bool:
    # Prefecture staff may also assist an applicant.
    return member.role in roles or (member.role is Role.STAFF and Role.MEDIATOR in roles)


class StaffController(QObject):
    signed_in = Signal(object)  # StaffMember
    signed_out = Signal()
    refused = Signal(str)  # "wrong", "locked", "unavailable", "role", "empty" (tests wait)
    timed_out = Signal()

    def __init__(
        self,
        window: MainWindow,
        session: SessionController,
        ports: StaffPorts,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or session)
        self.window = window
        self.session = session
        self.directory: StaffDirectory = ports.directory
        self.audit: AuditLog = ports.audit
        self.badge_camera = ports.badge_camera
        self.current: StaffMember | None = None
        self.screen = window.signin
        self._roles: set[Role] = set()
        self._on_done: Callable[[StaffMember], None] | None = None
        self._on_cancel: Callable[[], None] | None = None
        self._feed: CameraFeed | None = None
        self._badges_tried: set[str] = set()  # each badge is tried once per sign-in
        self._decoding = False
        self.timer = QTimer(self)  # signed in: idle time before signing out
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(ports.session_timeout_s * 1000))
        self.timer.timeout.connect(self.expire)
        self.sign_in_timer = QTimer(self)  # the sign-in screen left open
        self.sign_in_timer.setSingleShot(True)
        self.sign_in_timer.setInterval(int(ports.sign_in_timeout_s * 1000))
        self.sign_in_timer.timeout.connect(self.cancel)
        self.monotonic = ports.monotonic
        self._wait_until = 0.0
        self.wait_timer = QTimer(self)  # a wait after wrong PINs, counted down on screen
        self.wait_timer.setInterval(1000)
        self.wait_timer.timeout.connect(self._tick_wait)
        s = self.screen
        s.sign_in_requested.connect(self.submit)
        s.badge_requested.connect(self.start_badge)
        s.cancel_requested.connect(self.cancel)
        window.user_active.connect(self._activity)

    @property
    def signing_in(self) -> bool:
        return self._on_done is not None

    # --- sign-in ----------------------------------------------------------------------
    def request_sign_in(
        self,
        roles: set[Role],
        on_done: Callable[[StaffMember], None],
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        self._roles = set(roles)
        self._badges_tried.clear()
        self._on_done, self._on_cancel = on_done, on_cancel
        w = self.window
        w.close_dialogs()
        w.osk.hide()
        self.session.pause_for_staff()  # an applicant's session waits underneath, kept
        self.screen.wipe()
        self.screen.retranslate(self.session.translator)
        w.stack.setCurrentWidget(self.screen)
        w.focus_ring.raise_()
        self.screen.entered()
        self.sign_in_timer.start()
        if self.session.voice_on:
            self.session.speak(self.screen.spoken_text())  # like any screen

    def submit(self, identifier: str, pin: str) -> None:
        if not self.signing_in or self.screen.busy:
            return
        identifier = identifier.strip()
        if not identifier or not valid_pin(pin):
            self._show_refusal("empty", SIGNIN_EMPTY)
            return
        self._check(self.directory.sign_in, identifier, pin)

    def _check(self, fn: Callable[..., StaffMember], *args: str) -> None:
        self.screen.show_message(None)
        self.screen.set_busy(True)
        self.session.tasks.run_cpu(fn, *args, on_done=self._checked, on_error=self._failed)

    def _checked(self, member: StaffMember) -> None:
        self.screen.set_busy(False)
        if not self.signing_in:
            return  # cancelled meanwhile: the sign-in is not used
        if not _allowed(member, self._roles):
            self.audit.record(member.identifier, "sign_in_refused_role", detail=member.role.value)
            self._flush()
            self._show_refusal("role", SIGNIN_ROLE)
            return
        on_done = self._on_done
        self._on_done = self._on_cancel = None
        self.sign_in_timer.stop()
        self.wait_timer.stop()
        self.stop_badge()
        self.screen.wipe()
        self.current = member
        self.timer.start()
        log.info("%s signed in (%s)", member.identifier, member.role.value)
        self.signed_in.emit(member)
        assert on_done is not None
        on_done(member)

    def _failed(self, exc: BaseException) -> None:
        self.screen.set_busy(False)
        if not self.signing_in:
            return
        if isinstance(exc, SignInRefused):
            reason, wait = exc.reason, exc.retry_after_s
        else:
            log.error("staff sign-in failed: %s", type(exc).__name__)
            reason, wait = "unavailable", None
        if reason in ("locked", "wrong") and wait:
            # A wait follows: said with its real length, counted down live.
            message = SIGNIN_LOCKED if reason == "locked" else SIGNIN_WRONG_WAIT
            self._wait_until = self.monotonic() + wait
            self._show_refusal(reason, message, seconds_left=wait)
            self.screen.show_wait(wait)
            self.wait_timer.start()
        elif reason == "wrong":
            # No wait yet: warn that waits will follow.
            self._show_refusal(reason, SIGNIN_WRONG_WARN, count=DEFAULT_POLICY.free_tries)
        else:
            self._show_refusal(reason, _MESSAGES.get(reason, SIGNIN_UNAVAILABLE))
        if self._feed is not None:
            self._decoding = False  # keep looking for a valid badge

    def _show_refusal(self, reason: str, message_id: str | Plural, **values: object) -> None:
        self.screen.show_message(message_id, **values)
        self.sign_in_timer.start()
        if self.session.voice_on:
            self.session.speak(self.screen.error.text())
        self.refused.emit(reason)

    def _tick_wait(self) -> None:
        left = self._wait_until - self.monotonic()
        if left <= 0 or not self.signing_in:
            self.wait_timer.stop()
            self.screen.show_wait(None)
            return
        self.screen.show_wait(left)

    def cancel(self) -> None:
        if not self.signing_in:
            return
        self.wait_timer.stop()
        on_cancel = self._on_cancel
        self._on_done = self._on_cancel = None
        self.sign_in_timer.stop()
        self.stop_badge()
        self.screen.wipe()
        if on_cancel is not None:
            on_cancel()
        else:
            self.session.show_session()  # the applicant's screen, or the idle one

    # --- badge ------------------------------------------------------------------------
    def start_badge(self) -> None:
        if not self.signing_in or self._feed is not None:
            return
        if self.badge_camera is None:
            self.screen.show_badge(BADGE_NO_CAMERA)
            return
        from kiosk.ui.camera_view import CameraFeed  # OpenCV: imported when first needed

        try:
            camera = self.badge_camera()
        except Exception as exc:
            log.error("no camera for the badge: %s", type(exc).__name__)
            self.screen.show_badge(BADGE_NO_CAMERA)
            return
        feed = CameraFeed(camera, preview_width=480, parent=self)
        feed.frame_ready.connect(self.screen.show_frame)
        feed.frame_arrived.connect(self._badge_frame)
        self._feed = feed
        self._decoding = False
        self.screen.show_badge(BADGE_HINT)
        feed.start()

    def stop_badge(self) -> None:
        self._badges_tried.clear()  # badge codes are secrets: not kept once done
        feed, self._feed = self._feed, None
        if feed is not None:
            feed.clear()
            feed.deleteLater()
        self.screen.show_badge(None)

    def _badge_frame(self) -> None:
        feed = self._feed
        if feed is None or self._decoding or self.screen.busy:
            return
        frame = feed.take_frame()
        if frame is None:
            return
        self._decoding = True
        from contract.badge import read_badge

        self.session.tasks.run_cpu(read_badge, frame, on_done=self._badge_read)

    def _badge_read(self, code: str | None) -> None:
        if self._feed is None or not self.signing_in:
            return
        if code is None or code in self._badges_tried:
            self._decoding = False  # nothing, or a badge already refused: not tried again
            return
        self._badges_tried.add(code)
        self._check(self.directory.sign_in_badge, code)

    # --- signed in --------------------------------------------------------------------
    def _activity(self) -> None:
        if self.current is not None:
            self.timer.start()
        elif self.signing_in:
            self.sign_in_timer.start()

    def expire(self) -> None:
        if self.current is not None:
            log.info("%s signed out after inactivity", self.current.identifier)
            self.sign_out("timeout")
            self.timed_out.emit()

    def sign_out(self, reason: str = "") -> None:
        member, self.current = self.current, None
        self.timer.stop()
        if member is None:
            return
        self.audit.record(member.identifier, SIGN_OUT, detail=reason)
        self._flush()
        self.signed_out.emit()

    def _flush(self) -> None:
        flush = getattr(self.audit, "flush", None)
        if flush is not None:
            self.session.tasks.run_cpu(
                flush, on_error=lambda e: log.info("audit kept for later: %s", type(e).__name__)
            )

    def shutdown(self) -> None:
        self.stop_badge()
        self.sign_out("shutdown")


class AssistController(QObject):
    started = Signal(object)  # StaffMember: the applicant agreed
    refused = Signal()  # the applicant refused
    ended = Signal(str)  # why: "handed_back", "ended" (stopped), "wiped", "signed_out"

    def __init__(
        self,
        window: MainWindow,
        session: SessionController,
        ports: AssistPorts,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or session)
        self.window = window
        self.session = session
        self.staff: StaffController = ports.staff
        self.audit: AuditLog = ports.audit
        self.status = ports.status  # the desk sees "assisted", and by whom
        self.clock = ports.clock or session.clock
        self.mediator_language = ports.mediator_language
        self.applicant_language = SOURCE_LANGUAGE
        self.screen = window.assist_consent
        self.end_screen = window.assist_end
        self.banner = window.assist_banner
        self.pending: StaffMember | None = None  # signed in, the applicant not asked yet
        self.mediator: StaffMember | None = None  # the applicant agreed
        self.consent: dict[str, str] | None = None
        self.joining = False  # the pending mediator joins an application in progress
        # The assisted parts of this application (a mediator may hand back, another join).
        self.parts: list[dict[str, Any]] = []
        self.joined_in_progress = False
        self.screen.answered.connect(self.answer)
        self.screen.language_chosen.connect(self._speak_consent)
        self.screen.repeat_requested.connect(self._speak_consent)
        self.end_screen.answered.connect(self.answer_end)
        self.banner.language_toggled.connect(self.toggle_language)
        self.banner.end_requested.connect(self.end)
        session.session_wiped.connect(self._wiped)
        self.staff.signed_out.connect(self._signed_out)

    @property
    def active(self) -> bool:
        return self.mediator is not None

    def _where(self) -> str:
        """Where the application stands, for the record ("step:contact", "check")."""
        s = self.session.session
        where = str(s.screen.value)
        step = getattr(s, "step", None)
        if where == "step" and step is not None:
            where = f"step:{step.id}"
        return where

    def start(self, member: StaffMember) -> None:
        """A mediator signed in: ask the applicant (in their language, spoken). Joining an
        application in progress keeps it: the applicant is told so, and comes back to it."""
        if self.active:  # another mediator takes over: the first one's part ends here
            self._close_part("taken_over")
            self.staff_audit(self.mediator, ASSIST_END, "taken_over")
            self.mediator = None
        self.pending = member
        self.joining = self.session.in_progress
        w = self.window
        w.close_dialogs()
        self.session.pause_for_staff()
        self.screen.show_mediator(member.display_name, member.identifier, joining=self.joining)
        self.screen.retranslate(self.session.translator)
        w.stack.setCurrentWidget(self.screen)
        w.focus_ring.raise_()
        self.screen.entered()
        self._speak_consent()

    def staff_audit(self, member: StaffMember | None, action: str, detail: str = "") -> None:
        if member is not None:
            self.audit.record(member.identifier, action, detail=detail)

    def _speak_consent(self) -> None:
        if self.pending is not None and self.window.stack.currentWidget() is self.screen:
            # Always spoken, whatever the voice setting: the applicant must know.
            self.session.speak(self.screen.spoken_text())

    def answer(self, agreed: bool) -> None:
        member = self.pending
        if member is None:
            return
        self.pending = None
        joining, self.joining = self.joining, False
        if not agreed:
            self.audit.record(member.identifier, "assist_refused")
            self.refused.emit()
            self.staff.sign_out("assist_refused")
            # Refusing help takes nothing away: an application in progress goes on.
            self.session.show_session()
            return
        language = self.session.translator.code
        self.applicant_language = language
        self.consent = {
            "mediator_id": member.identifier,
            "consent_at": self.clock().isoformat(),
            "consent_text_version": CONSENT_TEXT_VERSION,
            "consent_language": language,
        }
        self.mediator = member
        if not self.parts:
            self.joined_in_progress = joining
        self.parts.append({**self.consent, "from_screen": self._where()})
        self._record_assistance()
        self.audit.record(
            member.identifier, ASSIST_START, detail=f"{CONSENT_TEXT_VERSION}:{self._where()}"
        )
        self.staff._flush()
        self.banner.set_languages(self.applicant_language, self.mediator_language)
        self.banner.show_assisted(member.display_name)
        if self.status is not None:
            self.status.set_assisted_by(member.display_name)
            self.status.set_state("assisted")
        help_calls = self.session.help_slot.current
        if help_calls is not None:
            help_calls.link.close()  # the call is answered: the mediator is here
        self.started.emit(member)
        if joining:
            self.session.show_session()  # where the applicant was, answers kept
        else:
            self.session.start()

    def _record_assistance(self) -> None:
        """What goes into the sealed application: the first part's consent (who helped,
        when the applicant agreed, to which text, in which language), whether the
        mediator joined an application in progress, and every assisted part."""
        if not self.parts:
            self.session.assistance = None
            return
        first = self.parts[0]
        self.session.assistance = {
            **{k: first[k] for k in ("mediator_id", "consent_at", "consent_text_version",
                                     "consent_language")},
            "joined_in_progress": self.joined_in_progress,
            "parts": [dict(p) for p in self.parts],
        }  # fmt: skip

    def _close_part(self, why: str) -> None:
        if self.parts and "ended_at" not in self.parts[-1]:
            self.parts[-1].update(
                ended_at=self.clock().isoformat(), until_screen=self._where(), ended_by=why
            )
            self._record_assistance()

    def toggle_language(self) -> None:
        """The banner's button: the mediator's language for an explanation, and back."""
        if not self.active:
            return
        current = self.session.translator.code
        if current == self.mediator_language:
            target = self.applicant_language
        else:
            self.applicant_language = current  # the applicant may have changed it
            target = self.mediator_language
        self.banner.set_languages(self.applicant_language, self.mediator_language)
        self.session.choose_language(target)

    def end(self) -> None:
        """The banner's "Terminer l'aide": the applicant chooses, in their language, to
        carry on alone with their answers (the default) or to stop."""
        if self.pending is not None and not self.active:
            self._end("ended")
            self.session.show_session()
            return
        if not self.active:
            return
        if not self.session.in_progress:  # nothing started: nothing to ask
            self._end("ended")
            self.session.wipe()
            return
        if self.session.translator.code != self.applicant_language:
            self.session.choose_language(self.applicant_language)
        self._close_part("handed_back")
        self._end("handed_back", keep_record=True)
        w = self.window
        w.close_dialogs()
        self.session.pause_for_staff()
        self.end_screen.retranslate(self.session.translator)
        w.stack.setCurrentWidget(self.end_screen)
        w.focus_ring.raise_()
        self.end_screen.entered()
        self.session.speak(self.end_screen.spoken_text())  # the applicant must know

    def answer_end(self, carry_on: bool) -> None:
        if self.window.stack.currentWidget() is not self.end_screen:
            return
        if carry_on:
            self.session.show_session()
        else:
            self.ended.emit("stopped")
            self.session.wipe()

    def _wiped(self) -> None:
        if self.active or self.pending is not None:
            self._end("wiped")
        self.parts = []
        self.joined_in_progress = False
        self.pending = None

    def _signed_out(self) -> None:
        # Signed out by the timeout: the applicant carries on alone, their work kept (the
        # applicant's own inactivity time-out still protects an abandoned session).
        if self.active:
            self._close_part("signed_out")
            self._end("signed_out", keep_record=True)
            self.session.show_session()
        elif self.pending is not None:
            self._end("signed_out")
            self.session.show_session()

    def _end(self, why: str, *, keep_record: bool = False) -> None:
        member = self.mediator or self.pending
        was_active = self.mediator is not None
        self.mediator = self.pending = None
        self.consent = None
        if not keep_record:
            self.session.assistance = None
            self.parts = []
        self.applicant_language = SOURCE_LANGUAGE if not keep_record else self.applicant_language
        self.banner.wipe()
        self.window.assist_banner.hide()
        if self.status is not None:
            self.status.set_assisted_by(None)
            self.status.set_state("in_use" if self.session.in_progress else "idle")
        if member is not None and was_active:
            self.audit.record(member.identifier, ASSIST_END, detail=why)
        self.staff.sign_out(why)
        self.ended.emit(why)


def start_staff(window: MainWindow, controller: SessionController, settings: Any, demo: Any = None,
                status: Any = None) -> tuple[StaffController, AssistController]:  # fmt: skip
    """Composition (called by kiosk.app): sign-in through the central API with the kiosk's
    token (no PIN hash on the kiosk), the audit log spooled until delivered, the assisted
    session; the caller provides both to admin mode (``Kiosk.staff_slot``)."""
    from kiosk.staff.central import CentralAuditLog, CentralStaffDirectory

    def client() -> Any:
        from kiosk.link.connection import central_address, central_client
        from sync.enrolment import Enrolment

        enrolment = Enrolment.load(settings.enrolment_file)  # not enrolled: sign-in refused
        return central_client(
            settings,
            demo.url if demo else central_address(settings, enrolment),
            enrolment.token,
            read_timeout=min(settings.read_timeout_s, 20.0),  # someone waits at the screen
        )

    def badge_camera() -> Any:
        from kiosk.devices.camera import camera_from_settings

        return camera_from_settings(settings)

    audit = CentralAuditLog(settings.data_dir / "staff-audit.jsonl", client)
    directory = CentralStaffDirectory(client, on_session=audit.bind)  # audit sends the session
    staff = StaffController(
        window,
        controller,
        StaffPorts(
            directory,
            audit,
            session_timeout_s=settings.staff_session_timeout_s,
            badge_camera=badge_camera,
        ),
    )
    assist = AssistController(window, controller, AssistPorts(staff, audit, status=status))
    flush = QTimer(staff)  # audit entries kept while the network was down

    def flush_audit() -> None:
        if controller.tasks.closed:  # the kiosk is shutting down (or a test has ended)
            flush.stop()
            return
        controller.tasks.run_cpu(audit.flush, on_error=lambda _e: None)

    flush.timeout.connect(flush_audit)
    flush.start(int(max(settings.sync_interval_s, 10) * 1000))
    return staff, assist
