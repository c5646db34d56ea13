"""What the kiosk's widgets are, for screen readers: headings and radio groups.

Qt exposes a ``QLabel`` as a plain label and a checkable ``QPushButton`` as a check box.
A screen reader then said "Bienvenue label" for a page title and "Français check box
checked" for the language choice. ``install()`` registers one accessibility factory
that gives, from properties the widgets already carry:

* a label with ``role`` "h1" or "h2" (``widgets.label(text, "h1")``, every page title,
  dialog title and section heading): ``QAccessible.Role.Heading`` (without its level:
  see ``_Heading``);
* a button with ``a11y_role`` "radio" (``as_radio(button)``: the languages, the answers
  of a choice question): ``QAccessible.Role.RadioButton``, checked or not; the widget
  holding them is named and exposed as a group (``as_radio_group``), so one group is
  announced with its name, and each option as "selected" or "not selected".
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QAbstractButton, QAccessibleWidget, QLabel, QWidget

HEADING_LEVELS = {"h1": 1, "h2": 2}
_installed = False


def as_radio(button: QAbstractButton) -> None:
    """``button`` (checkable) is one option of a radio group."""
    button.setProperty("a11y_role", "radio")


def as_radio_group(widget: QWidget, name: str) -> None:
    """``widget`` holds the options of one radio group named ``name``."""
    widget.setProperty("a11y_role", "radio-group")
    widget.setAccessibleName(name)


def heading_level(widget: QObject) -> int:
    """1 or 2 for a heading label, else 0."""
    if isinstance(widget, QLabel):
        return HEADING_LEVELS.get(str(widget.property("role") or ""), 0)
    return 0


class _Heading(QAccessibleWidget):
    """A page or section title.

    Its level is not exposed: Qt asks ``interface_cast`` for the attributes interface
    that would carry it, and any Python override of ``interface_cast`` (PySide 6.11)
    made the kiosk crash (SIGSEGV in ``QAccessibleObject::object``) as soon as Orca read
    the window over AT-SPI (tests/screenreader/test_orca.py). Orca says "heading"."""

    def __init__(self, widget: QLabel) -> None:
        super().__init__(widget, QAccessible.Role.Heading)

    def text(self, kind: QAccessible.Text) -> str:
        widget = self.widget()
        if kind == QAccessible.Text.Name and isinstance(widget, QLabel):
            return widget.accessibleName() or widget.text()
        return str(super().text(kind))


class _Radio(QAccessibleWidget):
    """One option of a radio group (a checkable push button underneath)."""

    def __init__(self, widget: QAbstractButton) -> None:
        super().__init__(widget, QAccessible.Role.RadioButton)

    def text(self, kind: QAccessible.Text) -> str:
        widget = self.widget()
        if kind == QAccessible.Text.Name and isinstance(widget, QAbstractButton):
            return widget.accessibleName() or QAbstractButton.text(widget)
        return str(super().text(kind))

    def state(self) -> QAccessible.State:
        state = super().state()
        widget = self.widget()
        state.checkable = True
        state.checked = isinstance(widget, QAbstractButton) and widget.isChecked()
        return state


class _Group(QAccessibleWidget):
    """The widget holding the options of one radio group."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget, QAccessible.Role.Grouping)

    def text(self, kind: QAccessible.Text) -> str:
        if kind == QAccessible.Text.Name:
            return self.widget().accessibleName()
        return str(super().text(kind))


def _factory(key: str, obj: QObject) -> QAccessibleInterface | None:
    if not isinstance(obj, QWidget):
        return None
    level = heading_level(obj)
    if level and isinstance(obj, QLabel):
        return _Heading(obj)
    role = obj.property("a11y_role")
    if role == "radio" and isinstance(obj, QAbstractButton):
        return _Radio(obj)
    if role == "radio-group":
        return _Group(obj)
    return None


def install() -> None:
    """Register the factory (once per process; before the first query of a widget)."""
    global _installed
    if not _installed:
        QAccessible.installFactory(_factory)
        _installed = True
