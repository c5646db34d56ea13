"""A heading's level reaches Qt's C++ side, which is where screen readers read it
(the AT-SPI bridge asks ``attributesInterface()`` and calls its virtual functions).

In process, without a display or a screen reader: tests/screenreader/test_orca.py hears
the level from a real Orca. What is checked here is what made the kiosk crash under Orca
(kiosk.ui.a11y._Heading says how): the pointer Qt gets for the attributes interface is a
``QAccessibleAttributesInterface`` of its own, not the heading's ``QAccessibleWidget``,
and every other interface Qt may ask for comes back through C++ without a crash, a null
one as ``None``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QAccessible, QAccessibleAttributesInterface, QAccessibleInterface
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from kiosk.ui import a11y

pytestmark = pytest.mark.gui


@pytest.fixture
def page(qapp: QApplication) -> QWidget:
    a11y.install()
    page = QWidget()
    for text, role in (("Bienvenue", "h1"), ("Choisissez votre langue", "h2"), ("Texte", "")):
        label = QLabel(text, page)
        label.setObjectName(text)
        label.setProperty("role", role)
    return page


def _label(page: QWidget, name: str) -> QLabel:
    label = page.findChild(QLabel, name)
    assert isinstance(label, QLabel)
    return label


@pytest.mark.parametrize(("name", "level"), [("Bienvenue", 1), ("Choisissez votre langue", 2)])
def test_a_heading_gives_its_level_through_its_own_attributes_interface(
    page: QWidget, name: str, level: int
) -> None:
    iface = QAccessible.queryAccessibleInterface(_label(page, name))
    assert iface.role() == QAccessible.Role.Heading
    assert iface.text(QAccessible.Text.Name) == name
    # attributesInterface() is C++: it calls the virtual interface_cast, as the bridge does.
    attributes = iface.attributesInterface()
    assert isinstance(attributes, QAccessibleAttributesInterface)
    # One C++ object, the attributes interface alone: a Python class deriving from the
    # widget's interface too was handed to Qt as its QAccessibleWidget (the crash).
    assert not isinstance(attributes, QAccessibleInterface)
    assert len(shiboken6.getCppPointer(attributes)) == 1
    assert attributes.attributeKeys() == [QAccessible.Attribute.Level]
    assert attributes.attributeValue(QAccessible.Attribute.Level) == level
    assert attributes.attributeValue(QAccessible.Attribute.Locale) is None


def test_a_heading_answers_every_other_interface_through_cpp(page: QWidget) -> None:
    """None from Python's interface_cast made PySide crash while wording its error.
    (PySide binds no C++ getter for the image, table and hyperlink interfaces.)"""
    iface = QAccessible.queryAccessibleInterface(_label(page, "Bienvenue"))
    getters: list[Callable[[], object]] = [
        iface.textInterface,
        iface.editableTextInterface,
        iface.valueInterface,
        iface.tableCellInterface,
        iface.selectionInterface,
    ]
    for getter in getters:
        assert getter() is None, getter
    action = iface.actionInterface()  # a widget's own: QAccessibleWidget is one
    assert action is not None
    assert action.actionNames() == []


def test_a_plain_label_has_no_level(page: QWidget) -> None:
    iface = QAccessible.queryAccessibleInterface(_label(page, "Texte"))
    assert iface.role() != QAccessible.Role.Heading
    assert a11y.heading_level(_label(page, "Texte")) == 0


def test_the_level_outlives_the_heading(page: QWidget) -> None:
    """Qt owns a heading's interface and never deletes what interface_cast answers: the
    attributes of one level are one object, alive after Python let go of it (collected
    here) and after the heading's widget went."""
    label = _label(page, "Bienvenue")
    first = QAccessible.queryAccessibleInterface(label).attributesInterface()
    address = shiboken6.getCppPointer(first)
    del first
    gc.collect()
    other = QLabel("Autre titre", page)
    other.setProperty("role", "h1")
    for widget in (label, other):
        again = QAccessible.queryAccessibleInterface(widget).attributesInterface()
        assert shiboken6.getCppPointer(again) == address
    page.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert shiboken6.isValid(again)
    assert again.attributeValue(QAccessible.Attribute.Level) == 1
