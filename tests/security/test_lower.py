"""The lower findings: unique kiosk references, unguessable central references, no existence
oracle on pages, a lookup throttle one kiosk cannot turn against an applicant everywhere,
throttled enrolment with codes of 80 bits at least, database files 0600, no /docs unless
asked, and a desk token that sees its own site only."""

from __future__ import annotations

import math
import re
import stat
import uuid as uuidlib
from pathlib import Path

import pytest

from central.routers.enrolment import new_enrolment_code
from tests.fixtures.central import sample_document, sample_page, seal_pages
from tests.security.conftest import CODES, Api, Clock, make_api


def test_kiosk_reference_is_unique_per_kiosk(api: Api) -> None:
    kiosk, other = api.enrol("a"), api.enrol("b")
    _u, first = api.deliver(kiosk, kiosk_reference="K-AAAA-BBBB")
    assert first.status_code == 201
    _u, again = api.deliver(kiosk, kiosk_reference="K-AAAA-BBBB")  # another UUID
    assert again.status_code == 409
    _u, elsewhere = api.deliver(other, kiosk_reference="K-AAAA-BBBB")
    assert elsewhere.status_code == 201


def test_central_references_cannot_be_guessed_from_one_another(api: Api) -> None:
    kiosk = api.enrol()
    refs = [api.deliver(kiosk)[1].json()["central_reference"] for _ in range(12)]
    pattern = re.compile(r"^PREF-\d{4}-([23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10})$")
    tails = [pattern.match(r).group(1) for r in refs]  # type: ignore[union-attr]
    assert len(set(tails)) == 12
    assert 10 * math.log2(31) >= 48  # bits of each reference
    assert not all(t.isdigit() for t in tails)


def test_another_kiosks_page_is_no_oracle(api: Api) -> None:
    a, b = api.enrol("a"), api.enrol("b")
    refs, blobs = seal_pages(
        a.public_key, str(uuidlib.uuid4()), [(sample_document(), 1, sample_page(1))]
    )
    url = f"/v1/attachments/{refs[0]['sha256']}"
    assert api.client.put(url, content=blobs[0], headers=a.auth).status_code == 200
    unknown = f"/v1/attachments/{'e' * 64}"
    assert (
        api.client.head(url, headers=b.auth).status_code
        == api.client.head(unknown, headers=b.auth).status_code
        == 404
    )
    # B uploading the same bytes is B's own upload, not a 409 that tells A has it.
    assert api.client.put(url, content=blobs[0], headers=b.auth).status_code == 200


def test_one_kiosk_cannot_lock_an_applicant_out_everywhere(api: Api) -> None:
    a, b = api.enrol("a"), api.enrol("b")
    _app_uuid, resp = api.deliver(a)
    reference = resp.json()["central_reference"]
    wrong = {"reference": reference, "birth_date": "1990-01-01"}
    answers = [
        api.client.post("/v1/status/lookup", json=wrong, headers=b.auth).status_code
        for _ in range(8)
    ]
    assert answers[-1] == 429
    right = {"reference": reference, "birth_date": "2001-03-14"}
    assert api.client.post("/v1/status/lookup", json=right, headers=a.auth).status_code == 200


def test_enrolment_guesses_are_throttled(api: Api) -> None:
    answers = [
        api.client.post(
            "/v1/enrol",
            json={"code": f"WRONG-CODE-GUESS-{i:04d}", "kiosk_name": "x", "software_version": "t"},
        ).status_code
        for i in range(15)
    ]
    assert answers.count(403) <= 10 and answers[-1] == 429, answers
    right = api.client.post(
        "/v1/enrol", json={"code": CODES[-1], "kiosk_name": "x", "software_version": "t"}
    )
    assert right.status_code == 429  # even a right code, until the window passes
    api.clock.advance(3600)
    assert api.enrol().kiosk_id


def test_enrolment_codes_carry_80_bits(tmp_path: Path, clock: Clock) -> None:
    code = new_enrolment_code()
    symbols = re.sub(r"[^A-Z0-9]", "", code)
    assert len(symbols) * math.log2(32) >= 80
    with (
        pytest.raises(ValueError, match="80 bits"),
        make_api(tmp_path, clock, enrolment_codes=["ABCD"]),
    ):
        pass


def test_database_and_key_files_are_private(api: Api) -> None:
    api.enrol()
    files = [*sorted(api.data_dir.glob("central.db*")), api.data_dir / "central_private_key.pem"]
    assert len(files) >= 2
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(api.data_dir.stat().st_mode) == 0o700


def test_docs_are_off_unless_asked(api: Api, tmp_path: Path, clock: Clock) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert api.client.get(path).status_code == 404
    with make_api(tmp_path / "docs", clock, docs=True) as with_docs:
        assert with_docs.client.get("/docs").status_code == 200
        assert with_docs.client.get("/openapi.json").status_code == 200


def test_a_desk_token_sees_its_own_site_only(tmp_path: Path, clock: Clock) -> None:
    with make_api(
        tmp_path, clock, desk_tokens={"desk-bobigny": "Bobigny", "desk-creteil": "Créteil"}
    ) as api:
        here, there = api.enrol("b1", site="Bobigny"), api.enrol("c1", site="Créteil")
        call = str(uuidlib.uuid4())
        assert (
            api.client.post(
                "/v1/help-calls", json={"call_id": call}, headers=there.auth
            ).status_code
            == 201
        )
        desk = {"Authorization": "Bearer desk-bobigny"}
        for path in (
            "/v1/desk/kiosks",
            "/v1/desk/kiosks?site=Créteil",
            "/v1/desk/fleet",
            "/v1/desk/fleet?site=Créteil",
        ):
            resp = api.client.get(path, headers=desk)
            assert resp.status_code in (200, 403), resp.text
            if resp.status_code == 200:
                assert {k["kiosk_id"] for k in resp.json()} <= {here.kiosk_id}, path
        assert {k["kiosk_id"] for k in api.client.get("/v1/desk/kiosks", headers=desk).json()} == {
            here.kiosk_id
        }
        ack = api.client.post(f"/v1/desk/help-calls/{call}/acknowledge", json={}, headers=desk)
        assert ack.status_code == 404  # another site's call: as if it did not exist
        other_desk = {"Authorization": "Bearer desk-creteil"}
        ack = api.client.post(
            f"/v1/desk/help-calls/{call}/acknowledge", json={}, headers=other_desk
        )
        assert ack.status_code == 200
