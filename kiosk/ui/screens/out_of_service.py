"""Out of service: a plain, translated screen an applicant cannot leave; staff bring the
kiosk back from admin mode (the staff gesture still works here)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtWidgets import QGridLayout, QPushButton

from kiosk.i18n import N_, Translator
from kiosk.ui.widgets import LANGUAGE_COLUMNS, BaseScreen, in_reading_direction, label

TITLE = N_("Borne hors service")
INTRO = N_("Cette borne ne marche pas pour le moment. Merci de vous adresser à l'accueil.")
STAFF_MESSAGE = N_("Message de l'accueil :")
# The desk's message templates (contract.commands.OUT_OF_SERVICE_MESSAGES, the same French
# text): shown translated, unlike staff's own words.
TEMPLATES = frozenset(
    {
        N_("Borne en maintenance. Merci de revenir plus tard."),
        N_("La borne n'a plus de réseau. Merci de vous adresser à l'accueil."),
        N_("L'imprimante de la borne est en panne. Merci de vous adresser à l'accueil."),
        N_("La borne est fermée pour aujourd'hui."),
    }
)


class OutOfServiceScreen(BaseScreen):
    def __init__(self) -> None:
        super().__init__(TITLE, INTRO, has_back=False)
        self.message_heading = label("", "h2")
        self.message = label("", "lead")
        self.message.setProperty("content_language", "fr")  # for kiosk-audit (3.1.2)
        self.body.addWidget(self.message_heading)
        self.body.addWidget(self.message)
        self._message = ""

    def show_message(self, message: str) -> None:
        """Staff's own words (written in French by staff), under the translated text; one
        of the desk's templates in the applicant's language."""
        self._message = message.strip()
        if self._message in TEMPLATES:
            shown = self.tr_(self._message)
            self.message.setProperty("content_language", "")  # the screen's language
            self.message.setText(shown)
        else:
            shown = self._message
            self.message.setProperty("content_language", "fr")  # for kiosk-audit (3.1.2)
            # French on any page: its own direction, aligned with the page (kiosk.i18n.bidi).
            self.message.setText(in_reading_direction(self._message, self.tr_))
        self.message.setAccessibleName(shown)
        visible = bool(self._message)
        self.message.setVisible(visible)
        self.message_heading.setVisible(visible)

    def retranslate_body(self, tr: Translator) -> None:
        self.message_heading.setText(tr(STAFF_MESSAGE))
        self.show_message(self._message)

    def spoken_text(self) -> str:
        # Staff's French message is said by the French voice only (EN 301 549 5.1.3.14).
        if self._message in TEMPLATES:
            message = self.tr_(self._message)
        else:
            message = self._message if self.tr_.code == "fr" else ""
        return " ".join(t for t in (super().spoken_text(), message) if t)


def relayout_languages(
    grid: QGridLayout,
    buttons: Mapping[str, QPushButton],
    offered: Iterable[str],
    columns: int = LANGUAGE_COLUMNS,
) -> None:
    """Show only the ``offered`` language buttons, packed in the grid's reading order in
    ``columns`` (the welcome screen and the language dialog: ``Settings.languages``)."""
    keep = set(offered)
    for btn in buttons.values():
        grid.removeWidget(btn)
    for column in range(max(grid.columnCount(), columns)):
        grid.setColumnStretch(column, 1 if column < columns else 0)
    i = 0
    for code, btn in buttons.items():
        btn.setVisible(code in keep)
        if code in keep:
            grid.addWidget(btn, *divmod(i, columns))
            i += 1
