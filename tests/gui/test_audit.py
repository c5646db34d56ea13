"""The accessibility audit (kiosk.audit): it passes on the real UI (the CI gate, quick
mode), and each of its checks fails on a small, deliberately broken window."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.audit.checks import (
    check_accessible_name,
    check_direction,
    check_input_labels,
    check_language,
    check_non_text_contrast,
    check_reflow,
    check_target_size,
    check_text_contrast,
    check_text_size,
    check_translation,
)
from kiosk.audit.context import Context
from kiosk.audit.interaction import check_activation, check_focus_order
from kiosk.audit.kiosk_checks import Visit, check_consistent_help, check_inactivity, check_speech
from kiosk.audit.model import CHECKS, FAIL, NOT_APPLICABLE, PASS, AuditResult, Outcome
from kiosk.audit.report import write_report

pytestmark = pytest.mark.gui

# Plain, accessible defaults; each test breaks one thing.
STYLE = """
QWidget { background-color: #ffffff; color: #161616; font-size: 20px; }
QPushButton { min-height: 48px; min-width: 48px; border: 2px solid #000091; color: #000091; }
QLineEdit { min-height: 48px; border: 2px solid #666666; }
"""


def accessible_window(
    qtbot: Any,
    *widgets: QWidget,
    language: str = "en",
    direction: Qt.LayoutDirection = Qt.LayoutDirection.LeftToRight,
    style: str = STYLE,
) -> QWidget:
    """A window holding ``widgets`` in a column, styled ``style``, in ``language``: shown,
    exposed and active."""
    window = QWidget()
    window.setObjectName("broken-window")
    box = QVBoxLayout(window)
    for w in widgets:
        box.addWidget(w)
    box.addStretch(1)
    window.setStyleSheet(style)
    window.setLocale(QLocale({"en": "en_GB", "fr": "fr_FR", "ar": "ar_SA"}[language]))
    window.setLayoutDirection(direction)
    qtbot.addWidget(window)
    window.resize(640, 480)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


@pytest.fixture
def make_window(qtbot: Any) -> Callable[..., QWidget]:
    return functools.partial(accessible_window, qtbot)


def ctx(window: QWidget, language: str = "en", **kwargs: Any) -> Context:
    return Context(window, language, **kwargs)


def messages(outcome: Outcome) -> list[str]:
    return [v.message for v in outcome.violations]


def named(text: str) -> QPushButton:
    b = QPushButton(text)
    b.setAccessibleName(text)
    return b


# --- the driver on the real kiosk (CI runs the whole audit: scripts/test) --------------
def _tours_only(monkeypatch: pytest.MonkeyPatch, names: list[str]) -> None:
    """Audit only these tours (no procedure walk): a few seconds instead of minutes."""
    from kiosk.audit import tours
    from kiosk.audit.driver import Kiosk

    monkeypatch.setattr(Kiosk, "visits", lambda self, *a, **k: iter(()))
    monkeypatch.setattr(tours, "TOURS", [t for t in tours.TOURS if t.name in names])


def test_a_tour_of_the_real_kiosk_passes_and_reports(
    tmp_path: Path, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resume screen and its errors, in Arabic at 200 % in high contrast: every
    check runs and passes; the only violations are the screens this run left out."""
    from kiosk.audit.driver import Options, Runner

    _tours_only(monkeypatch, ["resume"])
    result = Runner(Options(["ar"], [2.0], ["high"], out=tmp_path)).run()
    assert result.states == ["inactivity-warning", "resume", "resume-errors"]
    found = [
        f"{v.check} | {v.state} | {v.widget.label() if v.widget else ''} | {v.message}"
        for v in result.violations
        if v.check != "coverage"
    ]
    assert not found, "\n".join(found)
    # Every screen the run did not show is reported by name: nothing goes unaudited.
    missing = {v.message for v in result.violations if v.check == "coverage"}
    assert any("the WelcomeScreen screen: it has no audit state" in m for m in missing)
    assert not any("ResumeScreen" in m for m in missing)
    checks = {r.check for r in result.records if r.state == "resume-errors" and r.status == PASS}
    assert {"text-contrast", "non-text-contrast", "error-identification", "direction"} <= checks
    html, summary = write_report(result, tmp_path)
    assert "Violations" in html.read_text(encoding="utf-8")
    assert json.loads(summary.read_text(encoding="utf-8"))["totals"]["violations"] == len(
        result.violations
    )


def test_a_tour_at_100_percent_writes_its_screenshots(
    tmp_path: Path, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """French at 100 % in the normal theme is where the audit takes its screenshots: each
    state's picture is written as a PNG and listed in the result (a call Qt refused at run
    time failed the CI audit while every test passed)."""
    from kiosk.audit.driver import Options, Runner

    _tours_only(monkeypatch, ["resume"])
    result = Runner(Options(["fr"], [1.0], ["normal"], out=tmp_path)).run()
    assert {s.state for s in result.screenshots} >= {"resume", "resume-errors"}
    for shot in result.screenshots:
        data = (tmp_path / shot.path).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000, shot.path


@pytest.mark.parametrize("failing", ["accessible-name", "error-identification"])
def test_ci_writes_the_screenshots_of_failed_states_only(
    tmp_path: Path, qapp: QApplication, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """With ``failure_screenshots`` (``--ci``), a state every check passes leaves no PNG;
    one where a check fails leaves its picture, taken before the checks moved anything
    (a static check, or the error summary's, which runs before the picture is taken)."""
    from kiosk.audit import driver
    from kiosk.audit.checks import StaticCheck
    from kiosk.audit.driver import Options, Runner

    _tours_only(monkeypatch, ["resume"])

    def seeded(ctx: Context, out: Outcome) -> Outcome:
        if ctx.state == "resume-errors":
            out.fail(failing, "seeded for this test")
        return out

    if failing == "error-identification":
        errors = driver.check_errors
        monkeypatch.setattr(driver, "check_errors", lambda ctx, v: seeded(ctx, errors(ctx, v)))
    else:
        checks = tuple(
            StaticCheck(c.id, lambda ctx, c=c: seeded(ctx, c.run(ctx))) if c.id == failing else c
            for c in driver.STATIC_CHECKS
        )
        monkeypatch.setattr(driver, "STATIC_CHECKS", checks)
    opts = Options(["fr"], [1.0], ["normal"], out=tmp_path, failure_screenshots=True)
    result = Runner(opts).run()
    assert {"resume", "resume-errors"} <= set(result.states)
    assert [s.state for s in result.screenshots] == ["resume-errors"]
    written = sorted(p.name for p in (tmp_path / "screens").iterdir())
    assert written == ["resume-errors--fr--100--normal.png"]
    data = (tmp_path / result.screenshots[0].path).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000


def test_every_screen_of_the_window_has_an_audit_state(qapp: QApplication) -> None:
    """A screen added to MainWindow.all_screens without a tour (kiosk/audit/tours.py) and
    not reached by the procedure walk fails here, before the CI audit does."""
    from kiosk.audit.driver import Kiosk
    from kiosk.audit.tours import registered_screens, unaudited

    kiosk = Kiosk.build()
    try:
        screens = list(kiosk.window.all_screens)  # type: ignore[attr-defined]
        assert unaudited(screens, registered_screens()) == []
    finally:
        kiosk.close()

    class NewScreen:  # what another issue might add
        pass

    assert unaudited([*screens, NewScreen()], registered_screens()) == ["NewScreen"]


# --- each check can fail ----------------------------------------------------------------
def test_a_button_without_a_name_is_reported(make_window: Callable[..., QWidget]) -> None:
    good = named("OK")
    bad = QPushButton()  # no text, no accessible name
    bad.setObjectName("nameless")
    outcome = check_accessible_name(ctx(make_window(good, bad)))
    assert [v.widget.object_name for v in outcome.violations if v.widget] == ["nameless"]


def test_a_small_target_is_reported(make_window: Callable[..., QWidget]) -> None:
    small = named("x")
    small.setStyleSheet("min-height: 0px; min-width: 0px; padding: 0px;")
    small.setFixedSize(20, 20)
    outcome = check_target_size(ctx(make_window(named("OK"), small)))
    assert messages(outcome) == ["target smaller than 44 x 44 px"]
    assert outcome.violations[0].measured == "20 x 20 px"


def test_grey_text_on_white_is_reported_from_the_pixels(
    make_window: Callable[..., QWidget],
) -> None:
    dark = QLabel("Lisible")
    grey = QLabel("Trop pâle")
    grey.setStyleSheet("color: #aaaaaa;")
    outcome = check_text_contrast(ctx(make_window(dark, grey)))
    assert messages(outcome) == ["text contrast below 4.5:1"]
    assert outcome.violations[0].widget is not None
    assert outcome.violations[0].widget.text == "Trop pâle"
    assert outcome.violations[0].measured.startswith("2.3")  # #aaaaaa on white: 2.32:1
    # The high-contrast theme asks for 7:1: the dark text passes, #595959 (7.0:1) too.
    hc = check_text_contrast(ctx(make_window(QLabel("Noir")), high_contrast=True))
    assert hc.checked == 1 and not hc.violations


def test_an_input_without_a_label_is_reported(make_window: Callable[..., QWidget]) -> None:
    label = QLabel("Nom de famille")
    labelled = QLineEdit()
    label.setBuddy(labelled)
    alone = QLineEdit()
    alone.setObjectName("no-label")
    outcome = check_input_labels(ctx(make_window(label, labelled, alone)))
    assert [v.widget.object_name for v in outcome.violations if v.widget] == ["no-label"]
    # A label whose text is not in the accessible name breaks 2.5.3 (label in name).
    other = QLabel("Prénoms")
    field = QLineEdit()
    other.setBuddy(field)
    field.setAccessibleName("Champ 2")
    mismatch = check_input_labels(ctx(make_window(other, field)))
    assert messages(mismatch) == ["the accessible name does not contain the visible label (2.5.3)"]


def test_a_tab_trap_and_a_wrong_order_are_reported(make_window: Callable[..., QWidget]) -> None:
    first, trap, last = named("Premier"), QPlainTextEdit(), named("Dernier")
    trap.setAccessibleName("Zone")  # Tab types a tab character here: focus never leaves
    outcome = check_focus_order(ctx(make_window(first, trap, last)))
    assert "keyboard trap: Tab does not leave this control" in messages(outcome)
    # Shown A, B, C but chained A -> C -> B.
    a, b, c = named("A"), named("B"), named("C")
    window = make_window(a, b, c)
    window.setTabOrder(a, c)
    window.setTabOrder(c, b)
    disorder = check_focus_order(ctx(window))
    assert "focus order differs from the reading order" in messages(disorder)
    # In order, it loops and Shift+Tab reverses: no violation.
    ok = check_focus_order(ctx(make_window(named("1"), named("2"), named("3"))))
    assert ok.violations == [] and ok.checked == 3


def test_shift_tab_is_not_pressed_again_through_a_cycle_it_walked_back(
    make_window: Callable[..., QWidget], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another text size of a state (``walked``): Tab is pressed through as ever, and
    Shift+Tab only where Tab took another cycle than the one walked back without a
    fault; a fault is never recorded, so the next size presses through it again."""
    from kiosk.audit import interaction

    presses: list[tuple[Qt.Key, tuple[Any, ...]]] = []
    press = interaction._press
    monkeypatch.setattr(
        interaction, "_press", lambda key, *mod: (presses.append((key, mod)), press(key, *mod))
    )

    def backs() -> int:
        return sum(1 for _key, mod in presses if mod)

    a, b, c = named("A"), named("B"), named("C")
    window = make_window(a, b, c)
    walked: dict[str, tuple[str, ...]] = {}
    first = check_focus_order(ctx(window, state="s"), walked=walked)
    assert first.violations == [] and first.checked == 3
    assert len(walked["s"]) == 3 and len(presses) == 5 and backs() == 2
    presses.clear()
    again = check_focus_order(ctx(window, state="s"), walked=walked)
    assert again.violations == [] and again.checked == 3 and len(presses) == 3 and backs() == 0
    # Chained A -> C -> B: another cycle (out of reading order), found by pressing Tab.
    window.setTabOrder(a, c)
    window.setTabOrder(c, b)
    presses.clear()
    disorder = check_focus_order(ctx(window, state="s"), walked=walked)
    assert presses and "focus order differs from the reading order" in messages(disorder)
    # Laid out A, C, B to match: that cycle is walked back (it was never recorded).
    layout = window.layout()
    assert isinstance(layout, QVBoxLayout)
    layout.insertWidget(1, c)
    layout.activate()
    presses.clear()
    matched = check_focus_order(ctx(window, state="s"), walked=walked)
    assert matched.violations == [] and backs() == 2
    # A trap is never recorded: the next size presses Tab into it again.
    trap = QPlainTextEdit()
    trap.setAccessibleName("Zone")
    trapped: dict[str, tuple[str, ...]] = {}
    trapping = make_window(named("1"), trap, named("2"))
    for _ in range(2):
        presses.clear()
        caught = check_focus_order(ctx(trapping, state="t"), walked=trapped)
        assert presses and "keyboard trap: Tab does not leave this control" in messages(caught)
        assert trapped == {}


def test_a_missing_focus_indicator_is_reported(make_window: Callable[..., QWidget]) -> None:
    from kiosk.ui.theme import Theme
    from kiosk.ui.widgets import FocusRing

    style = STYLE + "QPushButton:focus { outline: none; }"
    window = make_window(named("Un"), named("Deux"), style=style)
    ring = Outcome()
    check_focus_order(ctx(window), neutral=lambda: window.setFocus(), ring=ring)
    assert ring.violations and ring.violations[0].message.startswith("focus indicator")
    # The kiosk's focus ring (2 px, 2 px away) passes.
    ringed = make_window(named("Un"), named("Deux"), style=style)
    FocusRing(ringed, Theme).show()  # created after the window was shown
    good = Outcome()
    check_focus_order(ctx(ringed), neutral=lambda: ringed.setFocus(), ring=good)
    assert good.checked >= 1 and not good.violations


@pytest.mark.parametrize(
    ("auto_default", "expected"),
    [(False, ["Enter does not activate the focused button"]), (True, [])],
)
def test_enter_must_activate_a_focused_button(
    make_window: Callable[..., QWidget], auto_default: bool, expected: list[str]
) -> None:
    button = named("Aide")
    button.setAutoDefault(auto_default)  # Qt's default outside a dialog: False
    pressed: list[bool] = []
    button.clicked.connect(lambda: pressed.append(True))
    window = make_window(button)
    outcome = check_activation(ctx(window), button, lambda: bool(pressed), pressed.clear)
    assert messages(outcome) == expected


def test_untranslated_french_is_reported_in_english(make_window: Callable[..., QWidget]) -> None:
    window = make_window(QLabel("Welcome"), QLabel("Bienvenue"), named("Continuer"))
    outcome = check_translation(ctx(window, "en"))
    texts = sorted(v.measured.split("”")[0].lstrip("“") for v in outcome.violations)
    assert texts == ["Bienvenue", "Continuer", "Continuer"]  # the button's text and name
    # A template with placeholders: "Étape 1 sur 2" left in French.
    step = check_translation(ctx(make_window(QLabel("Étape 1 sur 2")), "en"))
    assert messages(step) == ["untranslated French text"]
    # "Question {number}" in French, "Question number {number}" in English: the English
    # one also matches the French template, but it is the translation.
    guide = check_translation(ctx(make_window(QLabel("Question number 2")), "en"))
    assert guide.violations == []
    assert messages(check_translation(ctx(make_window(QLabel("Question 2")), "en"))) == [
        "untranslated French text"
    ]
    assert check_translation(ctx(window, "fr")).status == NOT_APPLICABLE


def test_a_left_to_right_layout_in_arabic_is_reported(make_window: Callable[..., QWidget]) -> None:
    back = QPushButton("← رجوع")
    back.setAccessibleName("رجوع")
    window = make_window(QLabel("مرحبا"), back, language="ar")  # left to right
    outcome = check_direction(ctx(window, "ar"))
    assert "layout direction does not follow the language" in messages(outcome)
    assert "arrow “←” at the start points to the end side" in messages(outcome)
    page = QWidget()
    box = QVBoxLayout(page)
    box.addWidget(QLabel("مرحبا"))
    box.addWidget(named("→ رجوع"))
    rtl = make_window(page, language="ar", direction=Qt.LayoutDirection.RightToLeft)
    assert check_direction(ctx(rtl, "ar", mirror_root=page)).violations == []
    # Laid out left to right for the comparison, the page inherits its direction again
    # (the next language audited may be left to right).
    assert not page.testAttribute(Qt.WidgetAttribute.WA_SetLayoutDirection)


def test_a_widget_in_another_locale_is_reported(make_window: Callable[..., QWidget]) -> None:
    english = QLabel("Hello")
    english.setLocale(QLocale("en_GB"))
    window = make_window(english, language="ar", direction=Qt.LayoutDirection.RightToLeft)
    outcome = check_language(ctx(window, "ar"), spoken=[("Hello", "en")])
    assert "widget locale is not the screen's language" in messages(outcome)
    assert "speech in another language than the screen" in messages(outcome)
    # Declared as a part in another language (WCAG 3.1.2): not a violation.
    english.setProperty("content_language", "en")
    assert check_language(ctx(window, "ar")).violations == []


def test_small_text_clipped_text_and_faint_borders_are_reported(
    make_window: Callable[..., QWidget],
) -> None:
    small = QLabel("Petit")
    small.setStyleSheet("font-size: 12px;")
    assert messages(check_text_size(ctx(make_window(small)))) == ["text smaller than 16 px"]
    clipped = QLabel("Un texte bien trop long pour sa boîte")
    clipped.setFixedWidth(80)
    assert "label text clipped" in messages(check_reflow(ctx(make_window(clipped))))
    faint = QLineEdit()
    faint.setAccessibleName("Nom")
    faint.setStyleSheet("border: 2px solid #dddddd;")
    outcome = check_non_text_contrast(ctx(make_window(faint)))
    assert messages(outcome) == ["input boundary below 3:1 against the adjacent background"]


def test_a_chosen_answer_or_toggle_filled_like_the_primary_button_is_reported(
    make_window: Callable[..., QWidget],
) -> None:
    """Issue 15, problem 11: a selected option looked exactly like "Continuer"; so did the
    header's "Contraste ✓" and "Voix ✓" when on."""
    primary = named("Continuer")
    primary.setStyleSheet("background-color: #000091; color: #ffffff; border: 2px solid #000091;")
    chosen = named("Oui")
    toggle = named("Voix")
    for button, variant in ((chosen, "choice"), (toggle, "header")):
        button.setCheckable(True)
        button.setChecked(True)
        button.setProperty("variant", variant)
        button.setStyleSheet(
            "QPushButton { background-color: #ffffff; color: #000091; border: 2px solid #000091; }"
            "QPushButton:checked { background-color: #000091; color: #ffffff; }"
        )
    window = make_window(primary, chosen, toggle)
    outcome = check_non_text_contrast(ctx(window))
    assert messages(outcome) == [
        "a chosen answer is filled like the primary button",
        "a header toggle that is on is filled like the primary button",
    ]
    # Their own fill (and outline): not a violation.
    for button in (chosen, toggle):
        button.setStyleSheet(
            "QPushButton { background-color: #ffffff; color: #000091; border: 2px solid #000091; }"
            "QPushButton:checked { background-color: #e3e3fd; border-width: 4px; }"
        )
    assert check_non_text_contrast(ctx(window)).violations == []


def test_speech_and_consistent_help_failures(make_window: Callable[..., QWidget]) -> None:
    class Header(QWidget):
        def __init__(self, names: list[str]) -> None:
            super().__init__()
            box = QVBoxLayout(self)
            self.buttons = [named(n) for n in names]
            for b in self.buttons:
                box.addWidget(b)

    class Screen(QWidget):
        def __init__(self, names: list[str]) -> None:
            super().__init__()
            box = QVBoxLayout(self)
            self.header = Header(names)
            self.title = QLabel("Bienvenue")
            self.intro = QLabel("Touchez « Commencer ».")
            box.addWidget(self.header)
            box.addWidget(self.title)
            box.addWidget(self.intro)

    one, two = Screen(["Langue", "Aide"]), Screen(["Aide", "Langue"])
    window = make_window(one, two, language="fr")
    c = ctx(window, "fr")
    _outcome, reference = check_consistent_help(c, one, None)
    moved, _ = check_consistent_help(c, two, reference)
    assert messages(moved) == ["header controls differ from the first screen (names or order)"]
    silent = check_speech(c, Visit("welcome", "screen", window, one, said=[]), None, None, False)
    assert messages(silent) == ["not spoken when shown"]
    spoken = check_speech(
        c,
        Visit("welcome", "screen", window, one, said=[("Bienvenue Touchez « Commencer ».", "fr")]),
        lambda: [],
        None,
        False,
    )
    assert messages(spoken) == ["“Écouter” does not read the screen again"]


def test_the_inactivity_check_is_not_a_pass_without_a_timer() -> None:
    outcome = check_inactivity("fr", None, lambda dialog, said: None)
    assert outcome.status == NOT_APPLICABLE and "not applicable yet" in outcome.not_applicable


def test_a_short_inactivity_warning_is_reported(qapp: QApplication) -> None:
    from kiosk.audit.fakes import FakeMonotonic
    from kiosk.audit.kiosk_checks import InactivityProbe

    inactivity = pytest.importorskip("kiosk.ui.inactivity")
    clock = FakeMonotonic()
    monitor = inactivity.InactivityMonitor(60, 10, clock)
    monitor.arm()
    probe = InactivityProbe(
        monitor, clock.advance, lambda: None, lambda: True, lambda: 0, lambda _m: []
    )
    outcome = check_inactivity("fr", probe, lambda dialog, said: None)
    assert outcome.status == FAIL
    assert messages(outcome)[:2] == [
        "warning shorter than 30 s before the wipe (20 s minimum)",
        "no warning shown when the warning time is reached",
    ]
    monitor.disarm()


def test_the_report_lists_every_check_with_its_clauses(tmp_path: Path) -> None:
    html, summary = write_report(
        AuditResult(languages=["fr"], scales=[1.0], themes=["normal"]), tmp_path
    )
    text = html.read_text(encoding="utf-8")
    for check in CHECKS:
        assert escape(check.title) in text
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert [c["id"] for c in data["checks"]] == [c.id for c in CHECKS]
    assert data["totals"]["violations"] == 0


def test_rotation_puts_every_procedure_in_every_size_and_theme() -> None:
    """``--fullest-only --rotate``: each procedure's own screens at 100 % normal in every
    language, and in each other (size, theme) in some language."""
    from kiosk.audit.driver import Options, Runner
    from kiosk.i18n import LANGUAGES

    combos = [(s, t) for t in ("normal", "high") for s in (1.0, 1.5, 2.0)]
    runner = Runner(Options(list(LANGUAGES), [1.0, 1.5, 2.0], ["normal", "high"]))
    runner.options.every_procedure, runner.options.rotate = False, True
    met: dict[int, set[tuple[float, str]]] = {i: set() for i in range(15)}
    for language in LANGUAGES:
        for scale, theme in combos:
            every = runner._every_procedure(language, scale, theme)
            for i in met:
                if every is True or (callable(every) and every(i)):
                    met[i].add((scale, theme))
                    if (scale, theme) == (1.0, "normal"):
                        assert every is True
    assert all(m == set(combos) for m in met.values())
    runner.options.rotate = False  # only the fullest procedure outside 100 % normal
    assert runner._every_procedure("fr", 2.0, "high") is False


def test_a_tour_that_cannot_reach_its_screen_is_a_coverage_violation(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.audit import tours
    from kiosk.audit.driver import Kiosk, Options, Runner

    def broken(k: Any, start: Any) -> Any:
        start()
        raise KeyError("no such button")
        yield  # a generator, as tours are

    monkeypatch.setattr(Kiosk, "visits", lambda self, *a, **k: iter(()))
    monkeypatch.setattr(tours, "TOURS", [tours.Tour("broken", ("NewScreen",), broken)])
    result = Runner(Options(["fr"], [1.0], ["high"])).run()
    coverage = [v.message for v in result.violations if v.check == "coverage"]
    assert any("the broken tour: it crashed: KeyError" in m for m in coverage)
    assert any("the ResumeScreen screen: it has no audit state" in m for m in coverage)


# --- how processes share the work (kiosk-audit --jobs) ------------------------------------
def test_the_units_cover_every_language_and_theme_heaviest_first() -> None:
    from kiosk.audit.driver import units

    got = units(["fr", "ar", "en", "fa"], ["normal", "high"])
    assert sorted(got) == sorted(
        (lang, t) for lang in ("fr", "ar", "en", "fa") for t in ("normal", "high")
    )
    # Right to left first (mirroring is checked there), the normal theme before the high one.
    assert got[:4] == [("ar", "normal"), ("fa", "normal"), ("ar", "high"), ("fa", "high")]
    assert got[4:] == [("fr", "normal"), ("en", "normal"), ("fr", "high"), ("en", "high")]


def test_each_unit_is_claimed_by_one_process_only(tmp_path: Path) -> None:
    from kiosk.audit.__main__ import _claimer

    first, second = _claimer(tmp_path), _claimer(tmp_path)
    assert [first(i) for i in range(3)] == [True, True, True]
    assert [second(i) for i in range(4)] == [False, False, False, True]
    assert not first(3)


def test_the_catalogue_check_is_left_to_scripts_test_only_when_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import kiosk.audit.checks as checks
    from kiosk.audit.__main__ import catalogue_outcome, parse_args

    monkeypatch.setattr(checks, "_i18n_problems", lambda: [])  # scripts/i18n.py: all complete
    alone = catalogue_outcome(parse_args(["--ci"]), ["fr", "ar"])
    assert alone.status == PASS and alone.checked == 2
    # scripts/test runs scripts/i18n.py check (its translations step) before the audit.
    script = (Path(__file__).resolve().parents[2] / "scripts" / "test").read_text("utf-8")
    assert "scripts/i18n.py check" in script and "--catalogues-checked" in script
    told = catalogue_outcome(parse_args(["--ci", "--catalogues-checked"]), ["fr", "ar"])
    assert told.status == NOT_APPLICABLE and "scripts/i18n.py check" in told.not_applicable


def test_key_luminance_is_the_wcag_formula_bit_for_bit() -> None:
    """The luminance from colour keys (a table of the red and green terms' sums) gives
    the very floating-point values of the WCAG formula computed channel by channel."""
    import numpy as np

    from kiosk.audit.pixels import _LINEAR, colour_keys, key_luminance, luminance

    rg = np.arange(1 << 16)
    rgb = np.stack(
        [
            np.repeat(rg >> 8, 6),
            np.repeat(rg & 255, 6),
            np.tile([0, 1, 127, 128, 254, 255], 1 << 16),
        ],
        axis=-1,
    ).astype(np.uint8)
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    want = 0.2126 * _LINEAR[r] + 0.7152 * _LINEAR[g] + 0.0722 * _LINEAR[b]
    assert np.array_equal(key_luminance(colour_keys(rgb)), want)
    assert np.array_equal(key_luminance(colour_keys(rgb).astype(np.uint32)), want)
    assert np.array_equal(luminance(rgb), want)


@pytest.mark.parametrize("opaque", [True, False])
def test_colour_keys_of_a_widget_grab_are_qts_rgb32_conversion(qapp: Any, opaque: bool) -> None:
    """A scroll page's grab has an alpha channel: where it is all opaque its keys are read
    as they are, else through Qt's conversion; either way the keys are the conversion's."""
    import numpy as np
    from PySide6.QtGui import QColor, QImage, QPainter

    from kiosk.audit.pixels import to_keys

    image = QImage(97, 41, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    if opaque:
        painter.fillRect(image.rect(), QColor("#f6f6f6"))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(0, 0, 145, 170))
    painter.drawEllipse(5, 5, 60, 30)
    painter.drawText(image.rect(), 0, "Titre de séjour 2026")
    painter.end()
    rgb32 = image.convertToFormat(QImage.Format.Format_RGB32)
    want = np.frombuffer(rgb32.constBits(), np.uint32).reshape(41, -1)[:, :97] & 0xFFFFFF
    keys = to_keys(image)
    assert keys.shape == (41, 97)
    assert np.array_equal(keys, want)
    assert len(np.unique(keys)) > 3  # the drawing is there (anti-aliased edges)
