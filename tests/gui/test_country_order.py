"""Country lists in the applicant's alphabetical order (QCollator in their locale), not
by Unicode code point (issue 3: a list in Persian or Chinese must be findable)."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.ui.widgets import CountryBox

pytestmark = pytest.mark.gui


def names(box: CountryBox) -> list[str]:
    return [box.itemText(i) for i in range(box.count())]


@pytest.fixture
def box(qtbot: Any) -> CountryBox:
    b = CountryBox()
    qtbot.addWidget(b)
    return b


def test_chinese_countries_follow_pinyin(box: CountryBox) -> None:
    box.set_language("zh")
    shown = names(box)
    # By code point 不丹 (Bù, U+4E0D) would come first; in pinyin order, 阿 (ā) names do.
    assert shown[0].startswith("阿")
    assert shown.index("阿富汗") < shown.index("不丹") < shown.index("中国")  # ā < b < zh


def test_persian_countries_follow_the_persian_alphabet(box: CountryBox) -> None:
    box.set_language("fa")
    shown = names(box)
    # ژ comes right after ز, before و (by code point ژ U+0698 is after و U+0648).
    assert shown.index("آرژانتین") < shown.index("آروبا")
    # پ comes right after ب (by code point it is after every Arabic letter).
    first_pe = next(i for i, n in enumerate(shown) if n.startswith("پ"))
    first_te = next(i for i, n in enumerate(shown) if n.startswith("ت"))
    assert first_pe < first_te


def test_switching_language_resorts_and_keeps_the_choice(box: CountryBox) -> None:
    box.set_language("ru")
    box.set_value("MA")
    box.set_language("zh")
    assert box.value() == "MA" and box.currentText() == "摩洛哥"
    assert names(box)[0].startswith("阿")
