"""Admin mode's settings as a staff form (issue 16, problems 4 and 8): check boxes for the
yes/no settings, languages by name and procedures by title, numbers with their unit; each
error in French right under its field, never pydantic's English at the bottom; the central
API's address is the kiosk's one address, validated (format, then whether it answers)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from kiosk.ui.admin.settings_form import LABELS
from tests.gui.admin_fixtures import STAFF, Admin

pytestmark = pytest.mark.gui


def test_the_settings_are_a_form_staff_can_read(admin: Admin) -> None:
    admin.open()
    form = admin.screen.settings_form
    for name in ("high_contrast", "voice", "on_screen_keyboard"):
        assert isinstance(form.fields[name], QCheckBox), name
    assert form.language_boxes["ar"].text() == "Arabe (العربية)"
    assert not form.language_boxes["fr"].isEnabled() and form.language_boxes["fr"].isChecked()
    titles = [b.text() for b in form.procedure_boxes.values()]
    assert "Renouvellement du titre de séjour étudiant" in titles or all(
        not t.startswith("renewal-") for t in titles
    )  # titles, never ids
    assert all(not t.islower() or " " in t for t in titles)
    spin = form.fields["inactivity_timeout_s"]
    assert isinstance(spin, QSpinBox) and spin.suffix() == " secondes"
    assert form.fields["draft_retention_days"].suffix() == " jours"
    # The placeholder the catalogue's procedures replace is gone at once: it painted over
    # the languages until Qt deleted it (seen on the 150 % screenshot).
    from PySide6.QtWidgets import QWidget

    placeholders = form.findChildren(QWidget, "setting-procedures")
    assert [w for w in placeholders if not w.isHidden()] == [form.fields["procedures"]]
    assert isinstance(form.fields["text_scale"], QComboBox)
    assert form.fields["text_scale"].currentText() == "100 %"
    for name, editor in form.fields.items():
        for w in [editor, *editor.findChildren(QCheckBox)]:
            if isinstance(w, QCheckBox | QSpinBox | QComboBox | QLineEdit):
                assert w.minimumHeight() >= 44, name
                assert w.accessibleName(), name


def test_errors_are_in_french_beside_their_field(admin: Admin, tmp_path: Path) -> None:
    screen = admin.screen
    admin.config.write_text('kiosk_name = "borne-3"\n', encoding="utf-8")
    admin.open()
    form = screen.settings_form
    for box in form.procedure_boxes.values():
        box.setChecked(False)  # no procedure at all
    form.fields["inactivity_timeout_s"].setValue(60)
    form.fields["inactivity_warning_s"].setValue(60)
    form.fields["central_url"].setText("ftp://central")
    form.fields["ca_bundle"].setText(str(tmp_path / "absent.pem"))
    admin.act("admin_settings_refused", screen.save_button.click)
    shown = {n: e.text() for n, e in form.errors.items() if not e.isHidden()}
    assert set(shown) == {"procedures", "inactivity_warning_s", "central_url", "ca_bundle"}
    assert "cochez au moins une démarche" in shown["procedures"]
    assert (
        "plus court que l'effacement après inactivité (60 secondes)"
        in shown["inactivity_warning_s"]
    )
    assert "https://" in shown["central_url"]
    for text in [*shown.values(), screen.settings_status.text()]:
        for english in ("must", "Input should", "valid", "value_error"):
            assert english not in text, text
    # Each message sits right under its field, and is its accessible description.
    for name in shown:
        editor, error = form.fields[name], form.errors[name]
        assert form.box.indexOf(error) == form.box.indexOf(editor) + 1, name
        assert editor.accessibleDescription().endswith(shown[name].removeprefix("Erreur : ")) or (
            name == "procedures"
        )
    assert "rien n'est enregistré" in screen.settings_status.text()
    assert LABELS["procedures"] in screen.settings_status.text()
    assert admin.config.read_text(encoding="utf-8") == 'kiosk_name = "borne-3"\n'
    refused = [e for e in admin.audit.entries if e.action == "admin_settings_refused"]
    assert len(refused) == 1 and refused[0].actor == STAFF.identifier


def test_the_central_address_must_answer(admin: Admin) -> None:
    screen = admin.screen
    admin.open()
    form = screen.settings_form
    form.fields["central_url"].setText("http://127.0.0.1:9")  # nothing listens there
    admin.act("admin_settings_refused", screen.save_button.click)
    assert "aucune API centrale ne répond" in form.errors["central_url"].text()
    assert not admin.config.exists()


def test_the_central_address_is_the_enrolled_one_and_enrolment_uses_it(
    admin: Admin, central_server: object
) -> None:
    """Réglages showed 127.0.0.1:8765 while the kiosk was enrolled elsewhere, and enrolment
    used it with no field to change it (problem 4)."""
    url = central_server.url  # type: ignore[attr-defined]
    from sync.client import CentralClient
    from sync.enrolment import enrol

    with CentralClient(url) as client:
        enrol(
            client,
            central_server.new_enrolment_code(),  # type: ignore[attr-defined]
            "borne-4",
            admin.settings.enrolment_file,
        )
    admin.open()
    form = admin.screen.settings_form
    assert form.fields["central_url"].text() == url  # the address the kiosk uses
    assert url in admin.screen.enrolment_status.text()
    # A valid address that answers is saved; enrolment sends its code there.
    form.fields["central_url"].setText(url + "/")
    admin.act("admin_settings_saved", admin.screen.save_button.click)
    written = tomllib.loads(admin.config.read_text(encoding="utf-8"))
    assert written["central_url"] == url + "/"
    assert url in admin.screen.enrolment_address.text()


def test_a_failed_enrolment_says_why_in_french(make_admin: Callable[..., Admin]) -> None:
    """It said "Enrôlement impossible : TransientError." (problem 4)."""
    from sync.client import TransientError

    def unreachable(_settings: object, _code: str) -> str:
        raise TransientError("connection refused")

    admin = make_admin(enrol=unreachable)
    admin.open()
    admin.screen.enrol_code.setText("ABCD-EFGH-JKLM-NPQR")
    admin.act("admin_enrol_failed", admin.screen.enrol_button.click)
    text = admin.screen.enrol_result.text()
    assert "TransientError" not in text
    assert f"ne répond pas à l'adresse {admin.settings.central_url}" in text
    assert "Réglages" in text
