"""The error summary for a screen reader (issue 15, what Orca found): emptied, it says
nothing (Orca read a cleared summary that still had the focus as "Il y a 0 problèmes.");
focused, Tab goes on to its links."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget
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


def test_tab_from_the_focused_summary_goes_to_its_first_link(qtbot: QtBot) -> None:
    """Orca read the summary, then Tab went to the top of the page (the header's first
    button), eight stops before the summary's links."""
    page = QWidget()
    qtbot.addWidget(page)
    box = QVBoxLayout(page)
    before = QPushButton("Changer de langue")  # first in the Tab chain, as the header is
    box.addWidget(before)
    summary = ErrorSummary()
    box.addWidget(summary)
    after = QLineEdit()
    box.addWidget(after)
    summary.set_errors(
        [
            ("surname", "Nom de famille", "Cette réponse est obligatoire."),
            ("given_names", "Prénoms", "Cette réponse est obligatoire."),
        ]
    )
    page.show()
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    summary.setFocus(Qt.FocusReason.OtherFocusReason)
    assert summary.hasFocus()
    QTest.keyClick(summary, Qt.Key.Key_Tab)
    assert summary.links[0].hasFocus()
    QTest.keyClick(summary.links[0], Qt.Key.Key_Tab)
    assert summary.links[1].hasFocus()
