"""One application per procedure of the catalogue, built by the kiosk's own session and
sealed as the kiosk does, submitted to the real central API: each is accepted, and the
central API has exactly the answers and the documents that were sent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from contract.catalogue import load_catalogue
from kiosk.domain.samples import sample_answers
from kiosk.domain.session import ApplicantSession, Screen
from sync.client import CentralClient
from sync.enrolment import enrol
from tests.fixtures.central import CentralServer, make_upload
from tests.fixtures.procedures import CASES

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def central_server(central_server_session: CentralServer) -> CentralServer:
    """The run's server for each database (one start fewer, ~2 s of CPU): the test enrols
    its own kiosk and compares only what that kiosk sent."""
    return central_server_session


def test_every_procedure_is_accepted_by_the_central_api(
    central_server: CentralServer, tmp_path: Path
) -> None:
    catalogue = load_catalogue()
    client = CentralClient(central_server.url)
    enrolment = enrol(
        client, central_server.new_enrolment_code(), "Procédures", tmp_path / "enrolment.json"
    )
    sent = {}
    for i, case in enumerate(CASES):
        session = ApplicantSession(catalogue, language="ar")
        session.start(NOW)
        session.choose_procedure(case.procedure_id)
        session.begin()
        answers = sample_answers(session.procedure, NOW.date(), case.answers)
        while session.screen is Screen.STEP:
            assert session.submit_step(answers, NOW.date()) == []
        assert [d.id for d in session.documents()] == list(case.documents)
        assert session.fee_total() == case.fee_eur
        session.confirm_documents()
        session.confirm_answers()
        session.give_consent(True)
        payload = session.payload(enrolment.kiosk_id, NOW)
        upload = make_upload(enrolment.public_key, payload, kiosk_reference=f"K-PROC-{i:04d}")
        receipt = client.put_application(upload)
        assert receipt.status == "received", case.procedure_id
        sent[payload["uuid"]] = payload
    received = {
        a["payload"]["uuid"]: a["payload"]
        for a in central_server.applications()
        if a["kiosk_id"] == enrolment.kiosk_id
    }
    assert received == sent
    assert {p["procedure_id"] for p in received.values()} == {p.id for p in catalogue.procedures}
