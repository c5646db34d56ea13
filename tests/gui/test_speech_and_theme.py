"""Voice: each new screen is read in its language; repeat, stop, stop on any action.
Theme: contrast and sizes of the tokens; the text-size button."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import QObject, Qt

from kiosk.domain.session import Screen
from kiosk.ui.tasks import TaskRunner
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, SCALES, SIZES, Theme, contrast_ratio
from tests.gui.conftest import Kiosk

pytestmark = pytest.mark.gui


def test_voice_off_says_nothing_until_asked(kiosk: Kiosk) -> None:
    kiosk.click(kiosk.window.welcome.start_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    assert kiosk.speech.said == []
    kiosk.click(kiosk.window.procedure.header.listen_button)  # "Écouter" works anyway
    assert kiosk.speech.last_said == (
        "Que voulez-vous faire ? Touchez votre démarche.",
        "fr",
    )


def test_voice_on_reads_each_new_screen_in_its_language(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.click(w.welcome.voice_button)  # turn the voice on: it reads the welcome screen
    assert kiosk.controller.voice_on
    assert kiosk.speech.last_said is not None and kiosk.speech.last_said[0].startswith("Bienvenue")
    kiosk.click(w.welcome.language_buttons["ar"])
    assert kiosk.speech.last_said == (
        "مرحبًا هذا الجهاز لطلب بطاقة الإقامة أو لتجديدها.",
        "ar",
    )
    kiosk.click(w.welcome.start_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    assert kiosk.speech.last_said == ("ماذا تريد أن تفعل؟ المس الإجراء الذي تريده.", "ar")
    kiosk.click(w.procedure.cards[0])
    kiosk.begin()
    assert kiosk.speech.last_said == ("الخطوة 1 من 5 هويتك اكتب كما في جواز سفرك.", "ar")
    # Errors are spoken too (EN 301 549 5.1.3.15).
    kiosk.click(w.step.continue_button)
    said = kiosk.speech.last_said
    assert said is not None and said[0].startswith("توجد 5 مشاكل.") and said[1] == "ar"


def test_stop_and_stop_on_any_action(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.click(w.welcome.header.listen_button)
    assert kiosk.speech.busy
    kiosk.click(w.welcome.header.stop_button)
    assert not kiosk.speech.busy
    kiosk.click(w.welcome.header.listen_button)
    assert kiosk.speech.busy
    kiosk.qtbot.keyClick(w.welcome.start_button, Qt.Key.Key_Shift)  # any key press
    assert not kiosk.speech.busy


def test_wipe_resets_voice_text_size_and_language(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = make_kiosk()
    w = kiosk.window
    kiosk.click(w.welcome.voice_button)
    kiosk.click(w.welcome.header.text_size_button)
    kiosk.click(w.welcome.language_buttons["en"])
    assert kiosk.controller.theme.scale == 1.5
    assert w.welcome.header.text_size_button.text() == "Text 150 %"
    kiosk.controller.wipe()
    assert kiosk.controller.theme.scale == 1.0
    assert not kiosk.controller.voice_on
    assert kiosk.controller.translator.code == "fr"
    assert w.welcome.header.text_size_button.text() == "Texte 100 %"


def test_tokens_meet_the_contrast_thresholds() -> None:
    for colours, text_min in ((NORMAL, 4.5), (HIGH_CONTRAST, 7.0)):
        for fg in (colours.text, colours.text_secondary, colours.primary, colours.error):
            assert contrast_ratio(fg, colours.background) >= text_min, fg
        assert contrast_ratio(colours.text, colours.surface) >= text_min
        assert contrast_ratio(colours.primary_text, colours.primary) >= text_min
        assert contrast_ratio(colours.primary_text, colours.primary_hover) >= 4.5
        # Non-text: borders and focus ring >= 3:1 (WCAG 1.4.11)
        assert contrast_ratio(colours.border, colours.background) >= 3.0
        assert contrast_ratio(colours.focus, colours.background) >= 3.0
        assert contrast_ratio(colours.focus, colours.surface) >= 3.0
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0


def test_sizes_and_scales() -> None:
    assert SIZES.body >= 16 and SIZES.small >= 16
    assert SIZES.button_height >= 48 and SIZES.target >= 44
    assert SCALES == (1.0, 1.5, 2.0)
    theme = Theme()
    assert [theme.next_scale().scale, theme.next_scale().next_scale().scale] == [1.5, 2.0]
    assert theme.with_scale(2.0).next_scale().scale == 1.0
    with pytest.raises(ValueError):
        Theme(scale=3.0)
    assert "font-size: 40px" in Theme(scale=2.0).stylesheet()  # body at 200 %
    assert "font-size: 23px" in Theme().stylesheet("ar")  # Arabic set a little larger
    assert "AlignLeft" not in Theme().stylesheet()


def test_task_runner_delivers_results_and_errors_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    gui = threading.current_thread()
    order: list[object] = []
    workers: list[threading.Thread] = []
    callbacks: list[threading.Thread] = []

    def work(n: int) -> int:
        workers.append(threading.current_thread())
        return n * 2

    def done(result: int) -> None:
        callbacks.append(threading.current_thread())
        order.append(result)

    def boom() -> None:
        raise ValueError("nope")

    with qtbot.waitSignal(runner.idle, timeout=5000):
        for n in range(5):
            runner.run(work, n, on_done=done)
        runner.run(boom, on_error=lambda e: order.append(type(e).__name__))
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert order == [0, 2, 4, 6, 8, "ValueError"]  # serial: in the order asked
    assert len(workers) == 5 and all(t is not gui for t in workers)
    assert len(callbacks) == 5 and all(t is gui for t in callbacks)
    runner.shutdown()
    with pytest.raises(RuntimeError):
        runner.run(work, 1)
    assert isinstance(runner, QObject)
