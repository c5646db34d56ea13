"""The error summary, emptied, says nothing to a screen reader (issue 15: Orca read a
cleared summary that still had the focus as "Il y a 0 problèmes.")."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from kiosk.i18n import Translator
from kiosk.ui.widgets import ErrorSummary


def test_a_cleared_summary_has_no_title_and_no_accessible_name(qtbot: QtBot) -> None:
    summary = ErrorSummary()
    qtbot.addWidget(summary)
    summary.retranslate(Translator("ar"))
    summary.set_errors([("surname", "Nom de famille", "Cette réponse est obligatoire.")])
    assert summary.accessibleName() and summary.title.text()
    summary.set_errors([])
    assert summary.title.text() == ""
    assert summary.accessibleName() == ""
    assert summary.accessibleDescription() == ""
