"""kiosk.link's sync runner, the one loop of the app's sync thread and of kiosk-sync: its
policy (backoff with jitter and cap, stop on a refused token, one client per enrolment,
closed; retention in both), and kiosk-sync reading the kiosk's own settings."""

from __future__ import annotations

import datetime as dt
import random
import uuid as uuidlib
from pathlib import Path
from typing import Any

import pytest

from contract import sealing
from kiosk.config import Settings, load_settings
from kiosk.link.status import KioskStatus
from kiosk.link.sync_runner import SyncRunner, read_last_sync, round_pause
from kiosk.link.sync_service import parse_sync_args, sync_main, sync_settings
from kiosk.testing import FakeClock, MemoryStore
from sync.agent import LOCK_FILE, agent_lock
from sync.client import AuthError
from tests.unit.sync.test_agent import FakeClient

KEY = sealing.generate_private_key()
ENROLMENT = (
    '{"kiosk_id": "k-1", "token": "%s", "server_url": "http://127.0.0.1:9", '
    '"public_key": "%s", "sealing_format": 1}'
)


class Client(FakeClient):
    """The scripted central API, also counting its closes."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def enrol(settings: Settings, token: str = "t-1") -> None:  # noqa: S107 - a test token
    public = sealing.encode_public_key(sealing.public_key_raw(KEY))
    settings.enrolment_file.parent.mkdir(parents=True, exist_ok=True)
    settings.enrolment_file.write_text(ENROLMENT % (token, public))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        None,
        {"data_dir": tmp_path / "kiosk", "sync_interval_s": 30, "draft_retention_days": 30},
        environ={},
    )


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def runner_with_clients(settings: Settings, store: MemoryStore, **options: Any) -> SyncRunner:
    runner = SyncRunner(settings, store, clock=FakeClock(), rng=random.Random(3), **options)
    runner.clients: list[Client] = []  # type: ignore[misc]

    def new_client(token: str | None, enrolment: Any = None) -> Client:
        client = Client(token)
        runner.clients.append(client)  # type: ignore[attr-defined]
        return client

    runner.new_client = new_client  # type: ignore[method-assign]
    return runner


def enqueue(store: MemoryStore, now: dt.datetime) -> str:
    app_uuid = str(uuidlib.uuid4())
    blob = sealing.seal(sealing.public_key_raw(KEY), app_uuid, {"n": 1})
    store.outbox.enqueue(app_uuid, "renewal-student", blob, now)
    return app_uuid


# --- the pause between rounds ----------------------------------------------------------------


def test_the_pause_doubles_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(1)
    assert round_pause(0, 30, rng, 3600) == 30
    for failures, ceiling in ((1, 60), (2, 120), (3, 240), (7, 3600), (40, 3600)):
        pauses = [round_pause(failures, 30, rng, 3600) for _ in range(200)]
        assert all(ceiling / 2 <= p <= ceiling for p in pauses), failures
        assert max(pauses) - min(pauses) > ceiling / 4  # spread, not one value


def test_a_refused_token_backs_off_and_a_good_round_resets(
    settings: Settings, store: MemoryStore
) -> None:
    enrol(settings)
    enqueue(store, FakeClock().now)
    runner = runner_with_clients(settings, store)
    runner.agent(runner.enrolment()).client.default = AuthError("revoked", status=401)
    pauses = []
    for _ in range(3):
        assert runner.round() == "auth"
        pauses.append(runner.pause())
    assert runner.failures == 3
    assert read_last_sync(settings.data_dir) is None  # kiosk-health: no sync reached it
    assert 30 < pauses[0] <= 60 and 60 <= pauses[1] <= 120 and 120 <= pauses[2] <= 240
    assert store.settings.values["sync_alert"] == "auth"
    runner.clients[0].default = None
    assert runner.round() == "sent"
    assert (runner.failures, runner.pause()) == (0, 30)
    assert read_last_sync(settings.data_dir) == runner.clock()
    assert [e.state for e in store.outbox.entries.values()] == ["acknowledged"]


def test_one_client_per_enrolment_closed_when_done(settings: Settings, store: MemoryStore) -> None:
    enrol(settings, "t-1")
    runner = runner_with_clients(settings, store)
    for _ in range(3):
        assert runner.round() == "sent"
    assert [c.token for c in runner.clients] == ["t-1"]  # one client for three rounds
    assert len(runner.clients[0].beats) == 3  # a heartbeat each round
    enrol(settings, "t-2-longer")  # staff enrolled the kiosk anew
    assert runner.round() == "sent"
    assert [(c.token, c.closed) for c in runner.clients] == [("t-1", 1), ("t-2-longer", 0)]
    runner.close()
    assert runner.clients[1].closed == 1


def test_retention_runs_every_round_enrolled_or_not(settings: Settings, store: MemoryStore) -> None:
    clock = FakeClock()
    store.drafts.save("old", "renewal-student", "fr", {"a": "b"}, clock.now - dt.timedelta(days=31))
    store.drafts.save("new", "renewal-student", "fr", {"a": "b"}, clock.now)
    days = settings.audit_retention_days
    for age, uuid in ((days + 1, "a-old"), (days - 1, "a-kept")):
        store.audit_trail.record("outbox_queued", clock.now - dt.timedelta(days=age), uuid=uuid)
    runner = runner_with_clients(settings, store)
    assert runner.round() == "not_enrolled"  # kiosk-sync and the app alike
    assert set(store.drafts) == {"new"} and runner.clients == []
    assert store.audit_trail.events == [("outbox_queued", {"uuid": "a-kept"})]
    enrol(settings)
    acknowledged = enqueue(store, clock.now - dt.timedelta(days=8))
    store.outbox.mark_acknowledged(acknowledged, "PREF-1", clock.now - dt.timedelta(days=8))
    assert runner.round() == "sent"
    assert store.outbox.entry(acknowledged) is None  # acknowledged_retention_days = 7
    assert [e for e, _ in store.audit_trail.events] == ["outbox_queued", "outbox_purged"]


def test_while_another_agent_delivers_the_app_still_reports_its_state(
    settings: Settings, store: MemoryStore
) -> None:
    enrol(settings)
    enqueue(store, FakeClock().now)
    status = KioskStatus()
    status.set_state("in_use", screen="step", language="ar")
    status.set_assisted_by("Karim Haddad")  # the fleet view says who assists (issue 16)
    runner = runner_with_clients(settings, store, status=status)
    with agent_lock(settings.data_dir / LOCK_FILE):
        assert runner.round() == "busy"
    (beat,) = runner.clients[0].beats
    assert (beat.state, beat.screen, beat.language) == ("in_use", "step", "ar")
    assert beat.assisted_by == "Karim Haddad" and beat.out_of_service_message is None
    assert store.outbox.calls == []  # nothing sent under another agent's lock
    assert runner.failures == 0  # not the kiosk's fault: no backoff


# --- kiosk-sync ---------------------------------------------------------------------------------


def test_kiosk_sync_reads_the_kiosk_settings(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        'central_url = "https://central.example.org"\n'
        f'ca_bundle = "{tmp_path / "ca.pem"}"\n'
        f'client_cert = "{tmp_path / "client.pem"}"\n'
        f'client_key = "{tmp_path / "client.key"}"\n'
        'kiosk_name = "borne-3"\nsync_interval_s = 45\nacknowledged_retention_days = 3\n',
        encoding="utf-8",
    )
    settings = sync_settings(parse_sync_args(["--config", str(config)]), environ={})
    assert settings.data_dir == tmp_path / "data"
    assert settings.central_url == "https://central.example.org"
    assert settings.ca_bundle == tmp_path / "ca.pem"
    assert (settings.client_cert, settings.client_key) == (
        tmp_path / "client.pem",
        tmp_path / "client.key",
    )
    assert (settings.kiosk_name, settings.sync_interval_s) == ("borne-3", 45)
    assert settings.acknowledged_retention_days == 3
    # An option given on the command line wins.
    args = parse_sync_args(["--config", str(config), "--interval", "5", "--retention-days", "0"])
    assert (sync_settings(args, environ={}).sync_interval_s, args.retention_days) == (5, 0)
    # The server: --server, else the configured central_url, else the enrolment's.
    runner = SyncRunner(settings, MemoryStore())
    assert runner.server_url() == "https://central.example.org"
    assert SyncRunner(settings, MemoryStore(), server="http://x").server_url() == "http://x"
    bare = load_settings(None, {"data_dir": tmp_path}, environ={})
    enrolled_at = type("E", (), {"server_url": "https://enrolled.example.org"})()
    assert SyncRunner(bare, MemoryStore()).server_url(enrolled_at) == enrolled_at.server_url


def test_command_line_secrets_may_start_with_a_dash() -> None:
    from contract.cli import join_option_values

    assert join_option_values(["--a", "-x", "--b", "-y", "--a"], ["--a"]) == [
        "--a=-x",
        "--b",
        "-y",
        "--a",
    ]
    args = parse_sync_args(["--data-dir", "d", "--enrol-code", "-abc", "--server", "http://c"])
    assert args.enrol_code == "-abc"


def test_kiosk_sync_without_enrolment_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    assert sync_main(["--data-dir", str(tmp_path / "kiosk"), "--once"]) == 2
    assert "not enrolled" in capsys.readouterr().err
    bad = sync_main(["--data-dir", str(tmp_path / "kiosk"), "--interval", "0", "--once"])
    assert bad == 2 and "sync_interval_s" in capsys.readouterr().err


# --- the desk's remote actions (issue 16) ------------------------------------------------------


def test_the_desk_actions_come_after_the_heartbeat_and_their_outcomes_go_back(
    settings: Settings, store: MemoryStore
) -> None:
    from contract.commands import KioskAction
    from sync.client import TransientError

    asked = {
        "command_id": str(uuidlib.uuid4()),
        "kiosk_id": "k-1",
        "action": "sync_now",
        "by": "accueil-1",
        "requested_at": "2026-12-06T10:00:00+00:00",
        "state": "sent",
    }
    calls: list[tuple[str, str, Any]] = []
    answers: list[Any] = [[asked], TransientError("down"), []]

    class Response:
        def __init__(self, data: Any) -> None:
            self.data = data

        def json(self) -> Any:
            return self.data

    def request(method: str, path: str, *, body: Any = None, **_: Any) -> Response:
        calls.append((method, path, body))
        if method == "GET":
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return Response(answer)
        return Response({})

    enrol(settings)
    received: list[Any] = []
    runner = runner_with_clients(settings, store, status=KioskStatus(), on_commands=received.extend)
    assert runner.round() == "sent"
    runner.clients[0]._request = request  # type: ignore[attr-defined]
    assert runner.round() == "sent"
    assert [(c.action, c.by) for c in received] == [(KioskAction.SYNC_NOW, "accueil-1")]
    runner.report_command(received[0].command_id, True, "envoi lancé")
    assert runner.round() == "sent"  # fetching failed: delivery is not slowed down
    assert runner.failures == 0
    posted = [(m, p, b.ok, b.detail) for m, p, b in calls if m == "POST"]
    assert posted == [
        ("POST", f"/heartbeat/commands/{asked['command_id']}/result", True, "envoi lancé")
    ]
    assert runner.round() == "sent"
    assert [p for m, p, _ in calls if m == "POST"] == [posted[0][1]]  # reported once
