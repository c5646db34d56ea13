"""Re-enrolment keeps the backlog: a kiosk enrolled again in the middle of delivering its
outbox (pages half uploaded, applications not yet sent) delivers every application once, and
its old token stops working. Before, pages uploaded under the old kiosk id were refused to
the new one ("409: the server keeps refusing the chunks' offsets") and the application never
arrived; the old token stayed valid."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from pathlib import Path
from typing import Any

import pytest
import requests

from contract.sealing import seal
from kiosk.store import Store
from sync.agent import SyncAgent
from sync.client import CentralClient, TransientError
from sync.enrolment import Enrolment, enrol
from tests.fixtures.central import (
    CentralServer,
    sample_document,
    sample_page,
    sample_payload,
    seal_pages,
)

pytestmark = pytest.mark.integration


class CutClient(CentralClient):
    """The network goes down after ``budget`` requests."""

    def __init__(self, *args: Any, budget: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = budget

    def _request(self, *args: Any, **kwargs: Any) -> Any:
        if self.budget <= 0:
            raise TransientError("the network went down (test)")
        self.budget -= 1
        return super()._request(*args, **kwargs)


def _enqueue(store: Store, enrolment: Enrolment, n: int) -> list[str]:
    uuids = []
    for i in range(n):
        app_uuid = str(uuidlib.uuid4())
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=i)
        pages = [(sample_document(), p + 1, sample_page(10 * i + p, 48_000)) for p in range(2)]
        refs, blobs = seal_pages(enrolment.public_key, app_uuid, pages)
        payload = sample_payload(enrolment.kiosk_id, app_uuid, now)
        payload["attachments"] = refs
        sealed = seal(enrolment.public_key_raw, app_uuid, payload)
        store.outbox.enqueue(app_uuid, payload["procedure_id"], sealed, now, attachments=blobs)
        uuids.append(app_uuid)
    return uuids


@pytest.mark.parametrize("keeps_its_token", [True, False], ids=["same-identity", "token-lost"])
def test_re_enrolment_mid_backlog_delivers_every_application_once(
    server: CentralServer, tmp_path: Path, keeps_its_token: bool
) -> None:
    path = tmp_path / "kiosk" / "enrolment.json"
    first = enrol(CentralClient(server.url), server.new_enrolment_code(), "k", path)
    with Store.open(tmp_path / "kiosk" / "store") as store:
        uuids = _enqueue(store, first, 6)
        cut = CutClient(server.url, first.token, budget=30)
        SyncAgent(store, cut, chunk_size=16 * 1024).run_once()
        states = {store.outbox.entry(u).state for u in uuids}  # type: ignore[union-attr]
        assert "acknowledged" in states and states - {"acknowledged"}, states  # mid-backlog

        if not keeps_its_token:
            path.unlink()  # the kiosk's enrolment was lost; its outbox was not
        second = enrol(CentralClient(server.url), server.new_enrolment_code(), "k", path)
        if keeps_its_token:
            assert second.kiosk_id == first.kiosk_id  # the same kiosk, a new token
        old = requests.get(
            f"{server.url}/v1/applications/{uuids[0]}",
            headers={"Authorization": f"Bearer {first.token}"},
            timeout=10,
        )
        assert old.status_code == 401 if keeps_its_token else old.status_code in (200, 401)

        later = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)  # noqa: E731 - past the backoff
        agent = SyncAgent(
            store,
            CentralClient(server.url, second.token),
            chunk_size=16 * 1024,
            clock=later,
        )
        for _ in range(3):
            agent.run_once()
        assert {store.outbox.entry(u).state for u in uuids} == {"acknowledged"}  # type: ignore[union-attr]
    received = [a for a in server.applications() if a["uuid"] in set(uuids)]
    assert sorted(a["uuid"] for a in received) == sorted(uuids)  # each once
    assert all(len(a["attachments"]) == 2 for a in received)
    if keeps_its_token:
        assert {a["validity"] for a in received} == {"valid"}
