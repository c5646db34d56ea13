"""Submitting: the consent screen's "Envoyer" seals the application and puts it in the
outbox, once (the application's uuid is the key), on the store worker; the receipt follows
on the GUI thread.

Built by the session controller (``kiosk.ui.controllers.session``) from its ports: the
store, the submitter (``kiosk.link.sealer.Sealer.submit``, or a fake's), the kiosk's id
and the task runner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from kiosk.domain.session import Receipt, Screen
from kiosk.i18n import N_
from kiosk.ui.controllers.ports import FlowHost, OutboxEntry, StoreFlow, StorePort, Submitter
from kiosk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

SERVICE_NOT_READY = N_(
    "Votre demande n'est pas envoyée. La borne a un problème. "
    "Réessayez ou demandez de l'aide à l'accueil."
)


def draft_failed(exc: BaseException) -> None:
    # The applicant can go on: the draft is a convenience, the outbox is what counts.
    log.error("saving the draft failed: %s", type(exc).__name__)


class SubmitController(StoreFlow):
    application_submitted = Signal(str)  # uuid, once it is safely in the outbox

    def __init__(
        self,
        host: FlowHost,
        store: StorePort,
        submit: Submitter,
        kiosk_id: Callable[[], str],
        tasks: TaskRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(host, store, tasks, parent)
        self._submit = submit
        self.kiosk_id = kiosk_id

    def submit(self, accepted: bool) -> None:
        """Seal the application and put it in the outbox, once (the uuid is the key)."""
        h = self.host
        s = h.session
        if s.screen is not Screen.CONSENT or h.submitting is not None:
            return  # a double click, or a click while the first one is in flight
        consent = h.w.consent
        problems = s.give_consent(accepted)
        if problems:
            consent.show_error(problems[0])
            h.say_if_voice(consent.error_text())
            return
        assert s.procedure is not None
        now = h.now()
        payload = s.payload(self.kiosk_id(), now)
        if h.assistance is not None:  # an assisted session's consent
            payload["assisted"] = dict(h.assistance)
        uuid, procedure_id = s.uuid, s.procedure.id
        h.submitting = uuid
        consent.show_error(None)
        consent.set_busy(True)
        self.tasks.run(
            self._submit,
            self.store,
            uuid,
            procedure_id,
            payload,
            now,
            on_done=lambda entry: self._submitted(uuid, procedure_id, entry),
            on_error=lambda exc: self._submit_failed(uuid, exc),
        )

    def _submitted(self, uuid: str, procedure_id: str, entry: OutboxEntry) -> None:
        h = self.host
        h.submitting = None
        # The clear draft is no longer needed once the sealed copy is queued.
        self.tasks.run(self.store.drafts.delete, uuid, on_error=draft_failed)
        self.application_submitted.emit(uuid)
        s = h.session
        if s.uuid != uuid:
            return  # the session was wiped meanwhile
        s.submitted(
            Receipt(entry.local_reference, entry.created_at, procedure_id, s.receipt_secret)
        )
        h.w.consent.set_busy(False)
        h.render()

    def _submit_failed(self, uuid: str, exc: BaseException) -> None:
        h = self.host
        h.submitting = None
        log.error("sealing or queueing the application failed: %s", type(exc).__name__)
        if h.session.uuid != uuid or h.session.screen is not Screen.CONSENT:
            return
        consent = h.w.consent
        consent.set_busy(False)
        consent.show_error(SERVICE_NOT_READY, about_box=False)
        h.say_if_voice(consent.error_text())
