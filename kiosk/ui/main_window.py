"""The kiosk window: a stack of screens, one visible at a time, and the focus ring."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui import a11y
from kiosk.ui.admin.screen import AdminScreen
from kiosk.ui.assist_banner import AssistBanner
from kiosk.ui.backdrop import Backdrop
from kiosk.ui.inactivity import InactivityWarning
from kiosk.ui.lockdown import StaffCorner
from kiosk.ui.osk import OnScreenKeyboard
from kiosk.ui.screens import (
    BeforeScreen,
    CheckScreen,
    ConsentScreen,
    DocumentsScreen,
    GuideScreen,
    ProcedureScreen,
    ReceiptScreen,
    ResumeScreen,
    SavedScreen,
    StepScreen,
    WelcomeScreen,
)
from kiosk.ui.screens.assist import AssistConsentScreen, AssistEndScreen
from kiosk.ui.screens.out_of_service import OutOfServiceScreen, relayout_languages
from kiosk.ui.screens.scan import ScanScreen
from kiosk.ui.screens.signin import SignInScreen
from kiosk.ui.screens.status import StatusScreen
from kiosk.ui.theme import Theme
from kiosk.ui.wheel import GUARDED, VALUE_TYPES, WheelGuard
from kiosk.ui.widgets import BaseScreen, FocusRing, LanguageDialog, NoticeDialog, apply_language

_ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.KeyPress,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
        QEvent.Type.Wheel,
    }
)


_SHOW = QEvent.Type.Show
_RESIZE = QEvent.Type.Resize
_POLISH = QEvent.Type.Polish
_HIDE = QEvent.Type.Hide
_POLISHED = Qt.WidgetAttribute.WA_WState_Polished
# What the window's event filter reads (its own and the wheel guard's); the rest of the
# application's events return at once.
_BLOCKING = frozenset({QEvent.Type.WindowBlocked, QEvent.Type.WindowUnblocked})
_WATCHED = frozenset({_SHOW, _RESIZE, _POLISH, _HIDE, *_ACTIVITY_EVENTS, *GUARDED, *_BLOCKING})


class MainWindow(QMainWindow):
    """Hosts the screens. It shows what the controller asks and reports user activity."""

    user_active = Signal()  # any press, key or touch: speech stops, inactivity resets
    admin_built = Signal(QWidget)  # the admin screen, just built (``admin``)

    def __init__(self, theme: Theme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        a11y.install()  # headings and radio groups for screen readers (before any query)
        self.setObjectName("kiosk-window")
        self.theme = theme or Theme()
        self._tr = Translator("fr")
        self.welcome = WelcomeScreen()
        self.procedure = ProcedureScreen()
        self.before = BeforeScreen()  # "Avant de commencer" (issue 15)
        self.step = StepScreen()
        self.check = CheckScreen()
        self.consent = ConsentScreen()
        self.receipt = ReceiptScreen()
        self.guide = GuideScreen()
        self.documents = DocumentsScreen()
        self.resume = ResumeScreen()
        self.saved = SavedScreen()
        self.status = StatusScreen()  # "Suivre ma demande" (issue 8)
        # Photographing documents: filled by the ScanController.
        self.scan = ScanScreen()
        self.screens: dict[Screen, BaseScreen] = {
            Screen.WELCOME: self.welcome,
            Screen.PROCEDURE: self.procedure,
            Screen.GUIDE: self.guide,
            Screen.BEFORE: self.before,
            Screen.STEP: self.step,
            Screen.DOCUMENTS: self.documents,
            Screen.CHECK: self.check,
            Screen.CONSENT: self.consent,
            Screen.RECEIPT: self.receipt,
            Screen.RESUME: self.resume,
            Screen.SAVED: self.saved,
            Screen.STATUS: self.status,
            Screen.SCAN: self.scan,
        }
        host = QWidget()
        # The window never grows past the screen to fit its content: content that does
        # not fit is a fault to see (kiosk-audit, reflow), not a window wider than the
        # kiosk's screen (a 1364 px wide window on a 1280 px screen hid the fault).
        host.setMinimumSize(1, 1)
        box = QVBoxLayout(host)
        box.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        for screen in self.screens.values():
            self.stack.addWidget(screen)
        # Out of service (admin mode): shown instead of the welcome screen.
        self.out_of_service = OutOfServiceScreen()
        self.stack.addWidget(self.out_of_service)
        self.out_of_service_message: str | None = None
        # Admin mode for staff (kiosk.ui.admin): not an applicant screen, built when it is
        # first asked for (``admin``).
        self._admin: AdminScreen | None = None
        # Mediators and staff (kiosk.ui.controllers.staff): sign-in, the applicant's consent
        # to be helped, and the banner shown above every screen while a mediator helps.
        self.signin = SignInScreen()
        self.assist_consent = AssistConsentScreen()
        self.assist_end = AssistEndScreen()  # the help ended: carry on alone, or stop
        for staff_screen in (self.signin, self.assist_consent, self.assist_end):
            self.stack.addWidget(staff_screen)
        self.assist_banner = AssistBanner()
        box.addWidget(self.assist_banner)
        # Lockdown: the window refuses to close unless this is set (staff quit, tests).
        self.close_allowed = True
        self.languages_offered: tuple[str, ...] | None = None  # None: every language
        box.addWidget(self.stack, 1)
        # The on-screen keyboard, docked under the screens: it serves the step's fields.
        self.osk = OnScreenKeyboard(self._osk_serves)
        self.osk.visibility_changed.connect(self._osk_visibility_changed)
        self.step.keyboard_requested.connect(self.osk.show_for)
        self.resume.keyboard_requested.connect(self.osk.show_for)
        self.status.keyboard_requested.connect(self.osk.show_for)
        self.signin.keyboard_requested.connect(self.osk.show_for)
        box.addWidget(self.osk)
        self.setCentralWidget(host)
        # The staff gesture's target, over the screens' bottom-leading corner (lockdown).
        self.staff_corner = StaffCorner(host, self.stack)
        self.stack.currentChanged.connect(lambda _i: self.staff_corner.raise_())
        self.focus_ring = FocusRing(host, lambda: self.theme)
        self.backdrop = Backdrop(host)  # behind the window's dialogs (issue 15)
        self.help_dialog: NoticeDialog | None = None
        self.inactivity_dialog: InactivityWarning | None = None
        self._popups: weakref.WeakSet[QWidget] = weakref.WeakSet()  # styled pop-up lists
        # Application event filters installed after this one (kiosk.ui.lockdown's): they
        # run before it, and still do after a restyle (``_filters_quiet``).
        self._later_filters: list[QObject] = []
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        # A wheel scrolls the page, never changes an answer: the guard is handed this
        # filter's events (one Python filter on the application, not two: kiosk.ui.wheel).
        self._wheel_guard = WheelGuard.shared()
        self.apply_theme(self.theme)
        self.retranslate(self._tr)
        self.setWindowTitle(self._tr(N_("Titre de séjour")))

    # --- what the controller drives -------------------------------------------------
    @property
    def current_screen(self) -> BaseScreen:
        widget = self.stack.currentWidget()
        assert isinstance(widget, BaseScreen)
        return widget

    @property
    def current_screen_id(self) -> Screen:
        return next(k for k, v in self.screens.items() if v is self.current_screen)

    def show_screen(self, screen_id: Screen) -> None:
        screen = self.screens[screen_id]
        if screen_id is Screen.WELCOME and self.out_of_service_message is not None:
            screen = self.out_of_service
        self.stack.setCurrentWidget(screen)
        self.focus_ring.raise_()
        screen.entered()

    @property
    def all_screens(self) -> list[BaseScreen]:
        """The session's screens (the scan screen among them) and the out-of-service screen."""
        return [
            *self.screens.values(),
            self.out_of_service,
            self.signin,
            self.assist_consent,
            self.assist_end,
        ]

    # --- admin mode and lockdown (kiosk.ui.admin, kiosk.ui.lockdown) -------------------
    @property
    def admin(self) -> AdminScreen:
        """Admin mode's screen, built on first use (``admin_built``): its ~200 widgets are
        for staff, and each change of language or text size restyled them for nothing
        on a kiosk where no one opened admin mode. It takes the window's style sheet,
        font, direction and locale from the stack it joins."""
        if self._admin is None:
            screen = AdminScreen()
            self.stack.addWidget(screen)
            screen.keyboard_requested.connect(self.osk.show_for)  # touch-only kiosks
            self._admin = screen
            self.admin_built.emit(screen)
        return self._admin

    @property
    def built_admin(self) -> AdminScreen | None:
        """The admin screen if it was built, without building it."""
        return self._admin

    def is_idle(self) -> bool:
        """No applicant here: the welcome or the out-of-service screen is shown."""
        return self.stack.currentWidget() in (self.welcome, self.out_of_service)

    @property
    def staff_screens(self) -> tuple[QWidget, ...]:
        """Screens for mediators and staff, shown over an applicant's session."""
        staff = (self.signin, self.assist_consent, self.assist_end)
        return staff if self._admin is None else (self._admin, *staff)

    def staff_screen_shown(self) -> bool:
        return self.stack.currentWidget() in self.staff_screens

    def staff_gesture_allowed(self) -> bool:
        """The staff gesture works on every applicant screen (a mediator reaches a kiosk
        in use), not while a staff screen already shows."""
        return not self.staff_screen_shown()

    def set_out_of_service(self, message: str | None) -> None:
        """Out of service with staff's ``message`` (None: back in service). An idle kiosk
        changes screen at once; one in use does when its applicant's session ends."""
        self.out_of_service_message = message
        self.out_of_service.show_message(message or "")
        if self.is_idle():  # the welcome screen or this one, whichever is due now
            self.show_screen(Screen.WELCOME)

    def show_admin(self) -> None:
        self.close_dialogs()
        self.osk.hide()
        self.stack.setCurrentWidget(self.admin)
        self.focus_ring.raise_()
        self.admin.tabs.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_languages(self, codes: tuple[str, ...]) -> None:
        """Only these languages are offered (welcome screen and language dialogs)."""
        self.languages_offered = tuple(codes)
        self.welcome.show_languages(self.languages_offered)

    def _restrict_languages(self, dialog: LanguageDialog) -> None:
        offered = self.languages_offered or ()
        if dialog.restricted:
            return
        dialog.restricted = True
        relayout_languages(dialog.grid, dialog.buttons, offered)
        dialog._fit_to(self)  # its size for the shorter list

    def closeEvent(self, event: QCloseEvent) -> None:
        # Alt+F4 and the window manager's close do nothing for applicants.
        if self.close_allowed:
            super().closeEvent(event)
        else:
            event.ignore()

    def show_scan(self) -> None:
        self.stack.setCurrentWidget(self.scan)
        self.focus_ring.raise_()
        self.scan.entered()

    def retranslate(self, tr: Translator) -> None:
        """Every string in ``tr``'s language; direction and locale for the a11y tree."""
        self._tr = tr
        direction = (
            Qt.LayoutDirection.RightToLeft if tr.language.rtl else Qt.LayoutDirection.LeftToRight
        )
        app = QApplication.instance()
        with self._filters_quiet():  # every widget's direction and locale change
            if isinstance(app, QApplication):
                app.setLayoutDirection(direction)
            apply_language(self, tr)
        self._set_style(self.theme.stylesheet(tr.code), self.theme.font(tr.code))
        self.setWindowTitle(tr(N_("Titre de séjour")))
        for screen in self.all_screens:
            screen.retranslate(tr)
        self.osk.retranslate(tr)
        self.assist_banner.retranslate(tr)

    def install_app_filter(self, watcher: QObject) -> None:
        """``watcher`` as an event filter on the application, after this window's (it
        sees each event first); kept in that order across restyles."""
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(watcher)
            self._later_filters.append(watcher)

    def remove_app_filter(self, watcher: QObject) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(watcher)
        with contextlib.suppress(ValueError):
            self._later_filters.remove(watcher)

    @contextlib.contextmanager
    def _filters_quiet(self) -> Iterator[None]:
        """The application's Python event filters (this window's, the lockdown's) off
        for the block: a restyle sends each of the ~800 widgets a dozen events (font,
        palette, style changes), and handing each one to Python, to be ignored, was
        about a third of a restyle's CPU time. Of the events they read (``_WATCHED``),
        a restyle sends no input and shows or hides no dialog; what it can send, the
        first polish of a widget and resizes, is made up for after it (``_caught_up``)."""
        app = QApplication.instance()
        filters = [self, *self._later_filters] if app is not None else []
        for watcher in filters:
            app.removeEventFilter(watcher)  # type: ignore[union-attr]
        try:
            yield
        finally:
            for watcher in filters:  # the same order: the last installed runs first
                with contextlib.suppress(RuntimeError):  # deleted meanwhile
                    app.installEventFilter(watcher)  # type: ignore[union-attr]
            self._caught_up()

    def _caught_up(self) -> None:
        """What the filter does on the events a quiet restyle kept from it: the wheel
        guard's and the pop-up lists' first polish, the keyboard's field kept in view."""
        guard = self._wheel_guard
        if guard is not None:
            polish = QEvent(_POLISH)
            for kind in VALUE_TYPES:
                for widget in self.findChildren(kind):
                    if widget.testAttribute(_POLISHED):
                        guard.handle(widget, polish, _POLISH)
        for top in QApplication.topLevelWidgets():
            if (
                isinstance(top, QAbstractItemView)
                and top.parentWidget() is None
                and top.testAttribute(_POLISHED)
            ):
                self.style_popup(top)
        if not self.osk.isHidden():
            QTimer.singleShot(0, self._show_osk_target)

    def _set_style(self, sheet: str, font: QFont) -> None:
        # Setting a stylesheet re-polishes every widget of every screen (about 0.25 s):
        # start-up would do it three times over with the same sheet.
        with self._filters_quiet():
            if sheet != self.styleSheet():
                self.setStyleSheet(sheet)
            self.setFont(font)
        for popup in list(self._popups):  # the pop-up lists follow
            with contextlib.suppress(RuntimeError):  # already deleted
                self.style_popup(popup)

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._set_style(theme.stylesheet(self._tr.code), theme.font(self._tr.code))
        for screen in self.all_screens:  # headers not built yet take it when they are
            screen.set_header_state(scale=theme.scale, high_contrast=theme.high_contrast)
        self.osk.apply_theme(theme)
        self.focus_ring.update()

    def show_voice(self, on: bool) -> None:
        """The voice toggles of every header and of the welcome screen show ``on``."""
        for screen in self.all_screens:
            screen.set_header_state(voice=on)
        self.welcome.show_voice(on)

    def set_osk_available(self, on: bool) -> None:
        """Kiosks with a real keyboard may do without the on-screen one."""
        self.osk.available = on
        self.step.keyboard_buttons = on
        for row in [*self.step.rows, *self.resume.rows, *self.status.rows]:
            button = getattr(row, "keyboard_button", None)  # questions typed in only
            if button is not None:
                button.setVisible(on)
        if not on:
            self.osk.hide()

    def _osk_serves(self, widget: QWidget) -> bool:
        return any(
            self.stack.currentWidget() is screen and screen.isAncestorOf(widget)
            for screen in (self.step, self.resume, self.status, self.signin, self._admin)
            if screen is not None
        )

    def _osk_visibility_changed(self, shown: bool) -> None:
        if shown:
            # Once the screen has shrunk to make room, bring the field back into view.
            QTimer.singleShot(0, self._show_osk_target)

    def _show_osk_target(self) -> None:
        editor = self.osk.target()
        if editor is None or self.osk.isHidden():
            return
        # The whole field, not only its text cursor (what ensureWidgetVisible would do).
        scroll = getattr(self.stack.currentWidget(), "scroll_area", None)  # admin: its page's
        if scroll is None:
            return
        centre = editor.mapTo(scroll.widget(), editor.rect().center())
        margin = editor.height() // 2 + 16
        scroll.ensureVisible(centre.x(), centre.y(), 0, margin)

    # --- inactivity warning -----------------------------------------------------------
    def show_inactivity_warning(self, seconds: int) -> InactivityWarning:
        self.close_inactivity_warning()
        dialog = InactivityWarning(self, self._tr, seconds)
        dialog.finished.connect(dialog.deleteLater)
        self.inactivity_dialog = dialog
        dialog.open()
        return dialog

    def close_inactivity_warning(self) -> None:
        if self.inactivity_dialog is not None:
            with contextlib.suppress(RuntimeError):  # already deleted
                self.inactivity_dialog.close_warning()
            self.inactivity_dialog = None

    def show_help(self, title: str, text: str) -> NoticeDialog:
        self.close_dialogs()
        dialog = NoticeDialog(self, self._tr, title, text)
        dialog.finished.connect(dialog.deleteLater)
        self.help_dialog = dialog
        dialog.open()
        return dialog

    def close_dialogs(self) -> None:
        for dialog in self.findChildren(NoticeDialog):
            dialog.reject()
        for screen in self.all_screens:
            header = screen.built_header
            if header is not None and header.language_dialog is not None:
                with contextlib.suppress(RuntimeError):  # already deleted
                    header.language_dialog.reject()
                header.language_dialog = None
        self.help_dialog = None
        self.inactivity_dialog = None

    def wipe(self) -> None:
        """Every screen forgets the applicant's data."""
        self.close_dialogs()
        for screen in self.all_screens:
            screen.wipe()
        self.osk.wipe()

    # --- activity ---------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every event of the application passes here: its type is read once, and most
        # are none of this window's business.
        kind = event.type()
        if kind not in _WATCHED:
            return False
        if kind in _BLOCKING:
            # Kept from the window: its QWidget::event would send a window's (un)blocking
            # by a modal dialog to each of its ~800 child widgets, one by one, each through
            # this filter, for every dialog opened or closed; none of them reads it (the
            # blocking is the window's own, which Qt keeps itself). Here, not in an
            # override of event(): that put every event of the window through Python.
            return watched is self
        guard = self._wheel_guard
        if kind in GUARDED and guard is not None and guard.handle(watched, event, kind):
            return True  # the guard's, as when it was a filter of its own (it came first)
        if (
            kind == _SHOW
            and isinstance(watched, LanguageDialog)
            and self.languages_offered is not None
        ):
            self._restrict_languages(watched)
        if kind in (_SHOW, _HIDE) and isinstance(watched, QDialog) and self._owns(watched):
            if kind == _SHOW:
                self.backdrop.dialog_shown(watched)
            else:
                self.backdrop.dialog_hidden(watched)
        if (
            kind in (_POLISH, _SHOW)  # shown again after a change of theme or language
            and isinstance(watched, QAbstractItemView)
            and watched.isWindow()
            and watched.parentWidget() is None
        ):
            self.style_popup(watched)
        if (
            kind == _RESIZE
            and watched is self.step.scroll_area.viewport()
            and not self.osk.isHidden()
        ):
            # The keyboard took (or gave back) room: keep the field being typed in view.
            QTimer.singleShot(0, self._show_osk_target)
        if (
            kind in _ACTIVITY_EVENTS
            and isinstance(watched, QWidget)
            and (
                watched.window() is self
                or watched.window().parentWidget() is self
                or watched.window().property("kiosk_popup") is True
            )
        ):
            self.user_active.emit()
        return False

    def _owns(self, dialog: QDialog) -> bool:
        parent = dialog.parentWidget()
        return parent is not None and parent.window() is self

    def style_popup(self, popup: QWidget) -> None:
        """A pop-up list with no parent (the country completer's): Qt gives it none of the
        window's style, so it had 11 px text on 17 px rows, no high contrast and no scaling.
        It gets the window's stylesheet, font, direction and locale (issue 15)."""
        popup.setProperty("kiosk_popup", True)
        sheet = self.styleSheet()
        if popup.styleSheet() != sheet:
            popup.setStyleSheet(sheet)
        popup.setFont(self.font())
        popup.setLayoutDirection(self.layoutDirection())
        popup.setLocale(self.locale())
        self._popups.add(popup)
