"""Admin mode's controller: opens on a staff sign-in reached by the discreet gesture, acts
on the admin pages' signals, writes every action to the staff audit log, closes itself
after ``admin_timeout_s`` without any action.

Its ports: ``staff`` (``kiosk.ui.controllers.staff.StaffController``: ``request_sign_in``,
``sign_out``), ``audit`` (``kiosk.staff.AuditLog``), ``store`` (backlog, retry, audit
events), ``sync`` (``wake``), ``purge`` (the retention rules, ``SyncThread.purge``),
``status`` (``kiosk.link.KioskStatus``: out of service, device health), ``selftests``,
``enrol`` (``kiosk.admin.enrol.enrol_kiosk``). Blocking work runs on the task runner.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from contract.states import OutboxState
from kiosk.admin import diagnostics, service
from kiosk.admin.selftest import SelfTests
from kiosk.admin.settings_file import EDITABLE, SettingsRefused, save, validate
from kiosk.i18n import counted
from kiosk.ui.admin.settings_form import LABELS as SETTING_LABELS
from kiosk.ui.controllers.ports import AdminPorts

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.ui.controllers.session import SessionController
    from kiosk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

SILENT_CHECKS = ("camera", "printer", "disk", "clock")
SYNC_WAIT_MS = 60_000  # how long "Synchroniser maintenant" waits for its round's outcome


def _at(when: dt.datetime) -> str:
    return when.astimezone().strftime("%d/%m/%Y à %H:%M:%S")


def sync_outcome_text(round_: Any) -> str:
    """What a sync round did, for staff (kiosk.link.SyncRound)."""
    at = _at(round_.at)
    if round_.outcome == "sent":
        return (
            f"Synchronisation faite le {at} : "
            f"{counted(round_.delivered, 'demande envoyée', 'demandes envoyées')}, "
            f"{round_.failed} en échec, {round_.remaining} encore à envoyer."
        )
    why = {
        "transient": "l'API centrale ne répond pas ; nouvel essai automatique plus tard",
        "auth": "l'API centrale refuse le jeton de cette borne : enrôlez-la de nouveau",
        "not_enrolled": "la borne n'est pas enrôlée (page Enrôlement)",
        "busy": "le service kiosk-sync envoie déjà la file ; il s'en charge",
    }.get(round_.outcome, "échec inattendu (voir les journaux du diagnostic)")
    return f"Synchronisation du {at} : {why}."


def _staff_roles() -> tuple[Any, Any]:
    from kiosk.staff import Role

    return Role.STAFF, Role.MEDIATOR


class AdminController(QObject):
    opened = Signal()
    closed = Signal(str)  # why: "closed", "timeout", "quit"
    refreshed = Signal()  # the backlog page was filled
    action_done = Signal(str)  # the admin_<verb> just finished (tests wait on it)

    def __init__(
        self,
        window: MainWindow,
        session: SessionController,
        ports: AdminPorts,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or session)
        from kiosk.ui.lockdown import Lockdown

        p = ports
        settings = p.settings
        self.window = window
        self.session = session
        self.staff = p.staff
        self.audit = p.audit
        self.settings = settings
        self.store = p.store
        self.config_path = p.config_path
        self.sync = p.sync
        self.purge_fn = p.purge
        self.purge_preview_fn = p.purge_preview
        self.status = p.status
        self.selftests = p.selftests or SelfTests(
            settings, session.speech, printer=session.receipt.printer
        )
        if p.enrol is None:
            from kiosk.admin.enrol import enrol_kiosk

            self.enrol_fn: Callable[[Any, str], str] = enrol_kiosk
        else:
            self.enrol_fn = p.enrol
        self.on_enrolled = p.on_enrolled
        self.assist = p.assist
        if p.staff_slot is not None:
            p.staff_slot.provided.connect(self._staff_provided)
            self._staff_provided(p.staff_slot.current)
        self.clock = p.clock
        self.quit_app = p.quit_app or QApplication.quit  # after close_allowed (see quit)
        self.tasks = p.tasks or session.tasks
        self.member: Any = None
        self._staff_connected = False
        self.signing_in = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(settings.admin_timeout_s * 1000)
        self.timer.timeout.connect(self.expire)
        self.refresh_later = QTimer(self)  # the backlog again, once a sync round had time
        self.refresh_later.setSingleShot(True)
        self.refresh_later.setInterval(2000)
        self.refresh_later.timeout.connect(self.refresh)
        self.sync_poll = QTimer(self)  # "Synchroniser maintenant": waiting for its round
        self.sync_poll.setInterval(250)
        self.sync_poll.timeout.connect(self._poll_sync)
        self._sync_waited = 0
        self._sync_rounds_before = 0
        window.user_active.connect(self._activity)
        self.lockdown = p.lockdown or Lockdown(window, window.staff_gesture_allowed, p.monotonic)
        self.lockdown.staff_requested.connect(self.request)
        # The admin screen is built on its first use (MainWindow.admin): connected then.
        window.admin_built.connect(self._connect)
        if window.built_admin is not None:
            self._connect(window.built_admin)
        self.service_file = service.path_in(settings.data_dir)
        state = service.load(self.service_file)
        self._apply_service(state.message if state else None, state.by if state else None)
        self._apply_offer(settings)
        # The desk's device health between staff visits: the silent checks (not the voice,
        # which speaks, nor the OCR, which is heavy) every ``health_every_s``.
        self.health_timer = QTimer(self)
        if p.health_every_s:
            self.health_timer.setInterval(int(p.health_every_s * 1000))
            self.health_timer.timeout.connect(self.check_health)
            self.health_timer.start()
            first = QTimer(self)  # a child: it stops with the kiosk (SessionController.shutdown)
            first.setSingleShot(True)
            first.timeout.connect(self.check_health)
            first.start(10_000)

    @property
    def screen(self) -> Any:
        """The admin screen (kiosk.ui.admin.AdminScreen), built on first use."""
        return self.window.admin

    def _connect(self, s: Any) -> None:
        s.close_requested.connect(self.close)
        s.quit_requested.connect(self.quit)
        s.refresh_requested.connect(self.refresh)
        s.retry_requested.connect(self.retry)
        s.sync_requested.connect(self.force_sync)
        s.selftest_requested.connect(self.selftest)
        s.settings_submitted.connect(self.save_settings)
        s.enrol_requested.connect(self.enrol)
        s.out_of_service_requested.connect(self.set_out_of_service)
        s.in_service_requested.connect(self.set_in_service)
        s.export_requested.connect(self.export)
        s.purge_preview_requested.connect(self.preview_purge)
        s.purge_requested.connect(self.purge)
        s.assist_requested.connect(self.assist_applicant)

    # --- opening and closing ----------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.member is not None

    def _staff_provided(self, parts: tuple[Any, Any] | None) -> None:
        """The sign-in and the assisted session, started after this controller
        (``kiosk.app``), through ``staff_slot``; the audit log is the sign-in's."""
        if parts is None:
            return
        self.staff, self.assist = parts
        if self.audit is None:
            self.audit = getattr(self.staff, "audit", None)

    def _resolve_ports(self) -> bool:
        if self.audit is None:
            self.audit = getattr(self.staff, "audit", None)
        if self.staff is None:
            log.warning("the staff gesture was made, but there is no staff sign-in here")
            return False
        if not self._staff_connected and hasattr(self.staff, "signed_out"):
            self.staff.signed_out.connect(self._staff_signed_out)
            self._staff_connected = True
        return True

    def _staff_signed_out(self) -> None:
        if self.is_open:
            self.close("signed_out")  # e.g. the sign-in's own time-out

    def request(self) -> None:
        """The staff gesture: ask for a staff sign-in, over the applicant's session if one
        is in progress (kept: cancelling or closing admin mode goes back to it)."""
        if self.is_open or self.signing_in or not self._resolve_ports():
            return
        self.signing_in = True
        staff_role, mediator_role = _staff_roles()
        roles = {staff_role} if self.assist is None else {staff_role, mediator_role}
        self.staff.request_sign_in(roles, self._signed_in, self._cancelled)

    def _cancelled(self) -> None:
        self.signing_in = False
        self.session.show_session()  # the applicant's screen, or the idle one

    def _signed_in(self, member: Any) -> None:
        self.signing_in = False
        staff_role, _ = _staff_roles()
        if member.role != staff_role and self.assist is not None:
            self.assist.start(member)  # a mediator: the assisted session is theirs
            return
        self.open(member)

    def open(self, member: Any) -> None:
        self.member = member
        self._record("admin_open")
        self.screen.show_member(member.display_name)
        self.screen.show_procedures([(p.id, p.title) for p in self.session.catalogue.procedures])
        self.screen.show_settings(self._shown_settings(self.settings))
        self.screen.show_enrolment(*self._enrolment_text())
        self.screen.show_purge(
            f"Les brouillons non terminés sont effacés après "
            f"{self.settings.draft_retention_days} jours ; les demandes reçues par l'API "
            f"centrale après {self.settings.acknowledged_retention_days} jours."
        )
        self.screen.show_service(self.window.out_of_service_message)
        self.screen.show_removable([str(p) for p in diagnostics.removable_dirs()])
        self.screen.assist_button.setVisible(self.assist is not None)
        for name, result in self.selftests.last.items():
            self.screen.show_check(name, result)
        self.session.pause_for_staff()
        self.window.show_admin()
        self.timer.start()
        self.refresh()
        self.opened.emit()

    def _activity(self) -> None:
        if self.is_open:
            self.timer.start()

    def expire(self) -> None:
        if self.is_open:
            self.close("timeout")

    def close(self, why: str = "closed") -> None:
        if not self.is_open:
            return
        self._record("admin_close", why)
        self.member = None
        self.timer.stop()
        self.refresh_later.stop()
        self.sync_poll.stop()
        self.screen.wipe()
        self.staff.sign_out()
        # The idle screen again, as for a new applicant; or the applicant's own, where it was.
        self.session.show_session()
        self.closed.emit(why)

    def assist_applicant(self) -> None:
        """A staff member helps the applicant beside them: admin mode closes, the staff
        stays signed in, the applicant is asked to agree (``AssistController``)."""
        member = self.member
        if member is None or self.assist is None:
            return
        self._record("admin_assist")
        self.member = None
        self.timer.stop()
        self.refresh_later.stop()
        self.screen.wipe()
        self.closed.emit("assist")
        self.assist.start(member)  # joins the applicant's session if one is in progress

    def quit(self) -> None:
        """Staff quit the application (the supervisor does not restart a clean exit)."""
        if not self.is_open:
            return
        self._record("admin_quit")
        self.close("quit")
        self.window.close_allowed = True
        self.quit_app()

    def _record(self, action: str, detail: str = "") -> None:
        actor = self.member.identifier if self.member is not None else "?"
        try:
            if self.audit is not None:
                self.audit.record(actor, action, detail=detail)
        except Exception:
            log.exception("audit log refused %s", action)
        log.info("admin: %s by %s %s", action, actor, detail)

    def _done(self, action: str, detail: str = "") -> None:
        self._record(action, detail)
        self.action_done.emit(action)

    # --- backlog ----------------------------------------------------------------------
    def refresh(self) -> None:
        if not self.is_open:
            return

        def read() -> tuple[dict[str, int], list[Any]]:
            return dict(self.store.outbox.backlog()), list(self.store.outbox.pending())

        def show(result: tuple[dict[str, int], list[Any]]) -> None:
            self.screen.show_backlog(*result, kept_days=self.settings.acknowledged_retention_days)
            if self.status is not None:
                self.screen.show_last_sync(self.status.snapshot().last_sync_ok_at)
            self.refreshed.emit()

        self.tasks.run(read, on_done=show, on_error=self._failed("backlog"))

    def _failed(self, what: str) -> Callable[[BaseException], None]:
        def report(exc: BaseException) -> None:
            log.error("admin %s failed: %s", what, type(exc).__name__)
            self.screen.show_backlog_status(f"Échec ({what}) : {type(exc).__name__}")

        return report

    def retry(self, uuid: str) -> None:
        if not self.is_open:
            return

        def done(_: object) -> None:
            if self.sync is not None:
                self.sync.wake()
            self.screen.show_backlog_status("Nouvel essai demandé.")
            self._done("admin_retry", uuid)
            self.refresh()

        self.tasks.run(self.store.outbox.retry_now, uuid, self.clock(), on_done=done,
                       on_error=self._failed("retry"))  # fmt: skip

    def force_sync(self) -> None:
        """Sync now: the sync thread is woken, and the page shows how its next round went
        (what was sent, or why not) and when the last successful one was."""
        if not self.is_open:
            return
        if self.sync is not None:
            self.sync.wake()
        self.screen.show_backlog_status("Synchronisation en cours…")
        self._done("admin_force_sync")
        if self.status is None:
            self.refresh_later.start()
            return
        self._sync_waited = 0
        self._sync_rounds_before = self.status.snapshot().sync_rounds
        self.sync_poll.start()

    def _poll_sync(self) -> None:
        if not self.is_open or self.status is None:
            self.sync_poll.stop()
            return
        snap = self.status.snapshot()
        self._sync_waited += 1
        if snap.sync_rounds > self._sync_rounds_before and snap.last_sync is not None:
            self.sync_poll.stop()
            self.screen.show_backlog_status(sync_outcome_text(snap.last_sync))
            self.screen.show_last_sync(snap.last_sync_ok_at)
            self.refresh()
        elif self._sync_waited * self.sync_poll.interval() >= SYNC_WAIT_MS:
            self.sync_poll.stop()
            self.screen.show_backlog_status(
                "La synchronisation n'a pas encore répondu : elle continue en arrière-plan."
            )
            self.refresh()

    # --- devices ----------------------------------------------------------------------
    def selftest(self, name: str) -> None:
        if not self.is_open:
            return
        names = [name] if name else list(self.selftests.checks)
        for n in names:
            self.screen.show_check(n, None)
            self.tasks.run_cpu(self.selftests.run, n, on_done=functools.partial(self._checked, n))

    def check_health(self) -> None:
        """Run the silent self-tests in the background and report them to the desk."""
        for name in SILENT_CHECKS:
            if name in self.selftests.checks:
                self.tasks.run_cpu(self.selftests.run, name, on_done=self._health_checked)

    def _health_checked(self, _result: Any) -> None:
        if self.status is not None:
            self.status.set_device_health(self.selftests.health())

    def _checked(self, name: str, result: Any) -> None:
        self.screen.show_check(name, result)
        if self.status is not None:
            self.status.set_device_health(self.selftests.health())
        self._done("admin_selftest", f"{name}:{'ok' if result.ok else 'fault'}")

    # --- settings ---------------------------------------------------------------------
    def _shown_settings(self, settings: Settings) -> dict[str, Any]:
        """The settings as staff see them: the central API's address is the one the kiosk
        uses (kiosk.link.central_address), whichever file it came from."""
        from kiosk.link.connection import central_address, enrolment_of

        values = {name: getattr(settings, name) for name in EDITABLE}
        values["central_url"] = central_address(settings, enrolment_of(settings))
        return values

    def save_settings(self, changes: dict[str, Any]) -> None:
        """Validated (French messages beside each faulty field), a new central address
        asked whether it answers, then written to the kiosk's TOML file."""
        if not self.is_open:
            return
        self.screen.show_setting_errors({})
        if not changes:
            self.screen.show_settings_result(True, ["Aucun changement."])
            return
        ids = [p.id for p in self.session.catalogue.procedures]
        try:
            new = validate(self.settings, changes, procedure_ids=ids)
        except SettingsRefused as exc:
            self._refuse_settings(dict(exc.problems))
            return
        if self.config_path is None:
            self.screen.show_settings_result(
                False, ["Aucun fichier de configuration : démarrez la borne avec --config."]
            )
            return
        if "central_url" in changes:
            from kiosk.admin.enrol import probe_central

            def probed(problem: str | None) -> None:
                if problem is not None:
                    self._refuse_settings({"central_url": problem})
                else:
                    self._write_settings(new, sorted(changes))

            self.screen.show_settings_result(True, ["Vérification de l'adresse de l'API…"])
            self.tasks.run_cpu(
                probe_central, new, new.central_url, on_done=probed,
                on_error=lambda e: self._refuse_settings(
                    {"central_url": f"vérification impossible ({type(e).__name__})"}
                ),
            )  # fmt: skip
            return
        self._write_settings(new, sorted(changes))

    def _refuse_settings(self, problems: dict[str, str]) -> None:
        self.screen.show_setting_errors(problems)
        self.screen.show_settings_result(
            False,
            [
                "Réglages refusés, rien n'est enregistré : "
                + ", ".join(SETTING_LABELS.get(n, n) for n in problems)
                + " (voir sous chaque champ)."
            ],
        )
        self._done("admin_settings_refused", ",".join(sorted(problems)))

    def _write_settings(self, new: Settings, names: list[str]) -> None:
        def saved(_: object) -> None:
            self.settings = new
            self._apply_offer(new)
            self.timer.setInterval(new.admin_timeout_s * 1000)
            self.screen.show_settings(self._shown_settings(new))
            self.screen.show_enrolment(*self._enrolment_text())
            lines = [f"Réglages enregistrés dans {self.config_path} : {', '.join(names)}."]
            summary = diagnostics.enrolment_summary(new.enrolment_file)
            if "central_url" in names and summary.get("enrolled"):
                if str(summary["server_url"]).rstrip("/") != new.central_url.rstrip("/"):
                    lines.append(
                        f"La borne est enrôlée auprès de {summary['server_url']} : enrôlez-la "
                        "de nouveau (page Enrôlement) avec un code de la nouvelle adresse."
                    )
            self.screen.show_settings_result(True, lines)
            self._done("admin_settings_saved", ",".join(names))

        def failed(exc: BaseException) -> None:
            self.screen.show_settings_result(
                False, [f"Impossible d'écrire {self.config_path} : {exc}"]
            )
            self._done("admin_settings_refused", "write")

        self.tasks.run(save, self.config_path, new, names, on_done=saved, on_error=failed)

    def _apply_offer(self, settings: Settings) -> None:
        """Languages and procedures offered to applicants, at once."""
        self.session.offer(settings.languages, settings.procedures)

    # --- enrolment --------------------------------------------------------------------
    def _enrolment_text(self) -> tuple[str, str]:
        """What the page says, and the address a code would be sent to."""
        from kiosk.link.connection import central_address, enrolment_of

        summary = diagnostics.enrolment_summary(self.settings.enrolment_file)
        address = central_address(self.settings, enrolment_of(self.settings))
        if summary.get("enrolled"):
            return (
                f"Borne enrôlée : {summary['kiosk_id']} auprès de {summary['server_url']}.",
                address,
            )
        return "Borne non enrôlée.", address

    def enrol(self, code: str) -> None:
        """Enrol at the address of Réglages; once enrolled, that address is written as
        ``central_url`` so that the kiosk has one address (kiosk.link.central_address)."""
        if not self.is_open:
            return
        if not code:
            self.screen.show_enrol_result("Saisissez le code donné par l'API centrale.")
            return
        from kiosk.link.connection import central_address, enrolment_of

        url = central_address(self.settings, enrolment_of(self.settings))  # the one shown

        def done(kiosk_id: str) -> None:
            if self.on_enrolled is not None:
                self.on_enrolled()
            if self.sync is not None:
                self.sync.wake()
            self.screen.show_enrol_result(f"Borne enrôlée : {kiosk_id}, auprès de {url}.")
            self.screen.show_enrolment(*self._enrolment_text())
            self.screen.enrol_code.clear()
            self._done("admin_enrol", kiosk_id)
            if self.config_path is not None and "central_url" not in self.settings.model_fields_set:
                pinned = self.settings.model_copy(update={"central_url": url})
                self.tasks.run(
                    save, self.config_path, pinned, ["central_url"],
                    on_done=lambda _: setattr(self, "settings", pinned),
                    on_error=lambda e: log.error("central_url not written: %s", e),
                )  # fmt: skip

        def failed(exc: BaseException) -> None:
            from kiosk.admin.enrol import failure_text

            self.screen.show_enrol_result(failure_text(exc, url))
            self._done("admin_enrol_failed", type(exc).__name__)

        target = self.settings.model_copy(update={"central_url": url})
        self.tasks.run(self.enrol_fn, target, code, on_done=done, on_error=failed)

    # --- out of service ---------------------------------------------------------------
    def _apply_service(self, message: str | None, by: str | None = None) -> None:
        self.window.set_out_of_service(message)
        if self.status is not None:
            self.status.set_out_of_service(message, by)  # the fleet view says who

    def apply_remote_service(self, message: str | None, by: str) -> None:
        """Out of service (``message``) or back (None), asked from the desk by ``by``
        (kiosk.ui.controllers.remote_actions): kept across a restart like staff's own."""
        state = (
            service.OutOfService(message, self.clock(), f"accueil : {by}"[:64]) if message else None
        )
        self._apply_service(message, state.by if state else None)
        if self.is_open:
            self.screen.show_service(message)
        self.tasks.run(service.save, self.service_file, state,
                       on_error=self._failed("out of service"))  # fmt: skip

    def record_remote(self, by: str, action: str, ok: bool, detail: str) -> None:
        """A desk action in the kiosk's own staff audit, under who asked at the desk."""
        try:
            if self.audit is not None:
                self.audit.record(
                    f"accueil:{by}"[:64],
                    f"desk_{action}",
                    detail=f"{'ok' if ok else 'échec'}: {detail}",
                )
        except Exception:
            log.exception("audit log refused desk_%s", action)

    def set_out_of_service(self, message: str) -> None:
        if not self.is_open:
            return
        state = service.OutOfService(message, self.clock(), self.member.identifier)

        def done(_: object) -> None:
            self._apply_service(message, state.by)
            self.screen.show_service(message)
            self._done("admin_out_of_service")

        self.tasks.run(service.save, self.service_file, state, on_done=done,
                       on_error=self._failed("out of service"))  # fmt: skip

    def set_in_service(self) -> None:
        if not self.is_open:
            return

        def done(_: object) -> None:
            self._apply_service(None)
            self.screen.show_service(None)
            self._done("admin_in_service")

        self.tasks.run(service.save, self.service_file, None, on_done=done,
                       on_error=self._failed("in service"))  # fmt: skip

    # --- diagnostics and purge --------------------------------------------------------
    def export(self, directory: str) -> None:
        if not self.is_open:
            return
        if not directory:
            self.screen.show_export_result("Indiquez le dossier où écrire le fichier.")
            return
        settings, now = self.settings, self.clock()
        health = self.selftests.health()
        oos = self.window.out_of_service_message

        def write() -> Path:
            backlog = dict(self.store.outbox.backlog())
            failures = [
                {"uuid": e.uuid, "attempts": e.attempts, "last_error": e.last_error}
                for e in self.store.outbox.pending()
                if e.state == OutboxState.FAILED
            ]
            # The kiosk's own events (applications queued, delivered...) and the staff's
            # (sign-ins, assisted sessions, admin actions: identifiers, never applicant data).
            audit = [
                {"at": r.at.isoformat(), "source": "kiosk", "event": r.event, "detail": r.detail}
                for r in self.store.audit_trail.recent(200)
            ]
            recent = getattr(self.audit, "recent", None)
            for e in recent(200) if recent is not None else []:
                audit.append(
                    {"at": e.at.isoformat(), "source": "staff", "event": e.action,
                     "actor": e.actor, "detail": e.detail}
                )  # fmt: skip
            audit.sort(key=lambda item: str(item["at"]), reverse=True)
            return diagnostics.export(
                Path(directory), settings=settings, now=now, backlog=backlog,
                failures=failures, health=health, audit=audit,
                extra={"out_of_service": oos is not None},
            )  # fmt: skip

        def done(path: Path) -> None:
            self.screen.show_export_result(f"Diagnostic écrit : {path}")
            self._done("admin_export", str(path))

        def failed(exc: BaseException) -> None:
            self.screen.show_export_result(f"Export impossible : {exc}")
            self._done("admin_export_failed", type(exc).__name__)

        self.tasks.run(write, on_done=done, on_error=failed)

    def preview_purge(self) -> None:
        """What the purge would delete, counted on the store's worker."""
        if not self.is_open:
            return
        preview = self.purge_preview_fn or getattr(self.sync, "purge_preview", None)
        if preview is None:
            self.screen.show_purge_preview(None)
            self.screen.show_purge_result("La purge n'est pas disponible sur cette borne.")
            return

        def show(found: Any) -> None:
            self.screen.show_purge_preview(
                "Seraient effacées maintenant : "
                f"{counted(found.received, 'demande reçue', 'demandes reçues')} par "
                f"l'API centrale avant le {found.received_before.astimezone():%d/%m/%Y %H:%M}, "
                f"et {counted(found.drafts, 'brouillon', 'brouillons')} (non modifiés depuis le "
                f"{found.drafts_before.astimezone():%d/%m/%Y}, ou sauvegardés et arrivés à "
                "échéance). Rien d'autre n'est effacé."
            )
            self._done("admin_purge_preview", f"{found.received}:{found.drafts}")

        self.tasks.run(preview, on_done=show, on_error=self._failed("purge preview"))

    def purge(self) -> None:
        if not self.is_open:
            return
        purge = self.purge_fn or (self.sync.purge if self.sync is not None else None)
        if purge is None:
            self.screen.show_purge_result("La purge n'est pas disponible sur cette borne.")
            return

        def done(count: int) -> None:
            self.screen.show_purge_result(
                "Purge faite : "
                f"{counted(count, 'demande reçue effacée', 'demandes reçues effacées')} ; "
                "les brouillons arrivés à échéance aussi."
            )
            self._done("admin_purge", str(count))
            self.refresh()

        self.tasks.run(purge, on_done=done, on_error=self._failed("purge"))
