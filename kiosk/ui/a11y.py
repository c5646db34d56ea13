"""What the kiosk's widgets are, for screen readers: headings and radio groups.

Qt exposes a ``QLabel`` as a plain label and a checkable ``QPushButton`` as a check box.
A screen reader then said "Bienvenue label" for a page title and "Français check box
checked" for the language choice. ``install()`` registers one accessibility factory
that gives, from properties the widgets already carry:

* a label with ``role`` "h1" or "h2" (``widgets.label(text, "h1")``, every page title,
  dialog title and section heading): ``QAccessible.Role.Heading`` with its level (1 or
  2, the ``Level`` attribute, which AT-SPI passes on as ``level``: Orca says "heading
  level 1"; see ``_Heading`` for how it is given to Qt without crashing);
* a button with ``a11y_role`` "radio" (``as_radio(button)``: the languages, the answers
  of a choice question): ``QAccessible.Role.RadioButton``, checked or not; the widget
  holding them is named and exposed as a group (``as_radio_group``), so one group is
  announced with its name, and each option as "selected" or "not selected".
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleAttributesInterface, QAccessibleInterface
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


# What interface_cast answers for "no such interface": a null pointer, as a VoidPtr
# (PySide 6.11 converts only a VoidPtr or a wrapped object to its void *; None or an int
# make it crash while it words the error: SIGSEGV in PepType_GetFullyQualifiedNameStr).
_NULL = shiboken6.VoidPtr(0)


class _Level(QAccessibleAttributesInterface):
    """The attributes of every heading of one level: the level. A C++ object of its own,
    one per level for the whole process (``_LEVELS``): Qt never deletes what
    ``interface_cast`` answers, and a heading's interface may outlive Python's references
    to it (Qt owns it)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self._level = level

    def attributeKeys(self) -> list[QAccessible.Attribute]:
        return [QAccessible.Attribute.Level]

    def attributeValue(self, key: QAccessible.Attribute) -> Any:
        return self._level if key == QAccessible.Attribute.Level else None


_LEVELS: dict[int, tuple[_Level, shiboken6.VoidPtr]] = {}


def _level(level: int) -> shiboken6.VoidPtr:
    """The C++ address of the attributes interface of headings of ``level``."""
    if level not in _LEVELS:
        attributes = _Level(level)
        _LEVELS[level] = (attributes, shiboken6.VoidPtr(shiboken6.getCppPointer(attributes)[0]))
    return _LEVELS[level][1]


class _Heading(QAccessibleWidget):
    """A page or section title, with its level.

    Qt asks ``interface_cast(AttributesInterface)`` for the interface that carries the
    level, and uses the pointer it gets as a ``QAccessibleAttributesInterface *``. A
    Python class deriving from both ``QAccessibleWidget`` and
    ``QAccessibleAttributesInterface`` and answering ``self`` (commit aa22b6a) crashed
    the kiosk as soon as Orca read the window (SIGSEGV in ``QAccessibleObject::object``,
    or ``QAccessibleWidget::isValid``): Shiboken builds one C++ object per wrapped base
    (``shiboken6.getCppPointer`` gives two addresses) and converts ``self`` to the first,
    the ``QAccessibleWidget``. Qt then called ``attributeKeys()`` and ``attributeValue()``
    through that object's table of virtual functions, landing on ``isValid()`` and
    ``object()`` with a wrong ``this``. So the level lives in a separate single-base
    object (``_Level``, one per level, kept for the process), and ``interface_cast``
    answers its own C++ address; every other answer is Qt's, a null one as ``_NULL``.
    (The backtraces: gdb on the kiosk under pyatspi, PySide6 6.11.3, Qt 6.11.3.)
    Tests: tests/screenreader/test_heading_level.py (the pointers, in process) and
    tests/screenreader/test_orca.py (a real Orca says "heading level 1")."""

    def __init__(self, widget: QLabel, level: int) -> None:
        super().__init__(widget, QAccessible.Role.Heading)
        self._attributes = _level(level)

    def text(self, kind: QAccessible.Text) -> str:
        widget = self.widget()
        if kind == QAccessible.Text.Name and isinstance(widget, QLabel):
            return widget.accessibleName() or widget.text()
        return str(super().text(kind))

    def interface_cast(self, kind: QAccessible.InterfaceType) -> Any:
        if kind == QAccessible.InterfaceType.AttributesInterface:
            return self._attributes
        answer = super().interface_cast(kind)
        return _NULL if answer is None else answer


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
        return _Heading(obj, level)
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
