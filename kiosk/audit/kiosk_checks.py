"""Checks that need the kiosk itself (its screens, controller and recorded speech):
errors (13), speech (14), consistent help (15) and the inactivity warning (16)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from kiosk.audit.context import Context, accessible_name, clean, fold, settle
from kiosk.audit.interaction import reading_order, wait_until
from kiosk.audit.model import Outcome, WidgetInfo

if TYPE_CHECKING:
    from kiosk.ui.inactivity import InactivityMonitor

REQUIRED_WARNING_S = 30  # ours; EN 301 549 11.2.2.1 / WCAG 2.2.1 ask for at least 20 s
EXTENSIONS = 10  # WCAG 2.2.1: extendable at least ten times


@dataclass
class Visit:
    """One state of the kiosk as the applicant meets it."""

    state: str
    kind: str  # "screen", "errors" or "dialog"
    root: QWidget
    screen: QWidget | None = None  # the BaseScreen shown (None for a dialog)
    said: list[tuple[str, str]] = field(default_factory=list)  # speech since the action
    focus: QWidget | None = None  # focus right after the action
    must_say: list[str] = field(default_factory=list)  # texts the speech must contain


def _spoken(said: list[tuple[str, str]]) -> str:
    return fold(" ".join(text for text, _lang in said))


def _missing(texts: list[str], said: list[tuple[str, str]]) -> list[str]:
    spoken = _spoken(said)
    return [t for t in texts if fold(t) and fold(t) not in spoken]


# --- 13 errors --------------------------------------------------------------------------
def check_errors(ctx: Context, visit: Visit) -> Outcome:
    from kiosk.ui.widgets import ErrorSummary, FieldRow

    out = Outcome()
    screen = visit.screen
    assert screen is not None
    focus = visit.focus
    summaries = [s for s in screen.findChildren(ErrorSummary) if s.isVisible()]
    spoken_lang = {lang for _text, lang in visit.said}
    if spoken_lang - {ctx.language}:
        out.fail(
            "error-identification",
            "errors spoken in another language",
            ", ".join(sorted(spoken_lang)),
        )
    if summaries:
        summary = summaries[0]
        out.checked += 1
        if focus is None or not (focus is summary or summary.isAncestorOf(focus)):
            out.fail(
                "error-identification",
                "focus is not on the error summary after a failed submission",
                f"focus on {ctx.info(focus).label() if focus else 'nothing'}",
                ctx.info(summary),
            )
        rows = [
            r
            for r in getattr(screen, "rows", None) or screen.findChildren(FieldRow)
            if r.isVisible() and r.error.isVisible()
        ]
        links = [w for w in summary.findChildren(QAbstractButton) if w in summary.links]
        # Fields in error that are not FieldRows (the consent's box) are named by the screen.
        others = getattr(screen, "fields_in_error", None)
        names = [r.label.text() for r in rows] + (list(others()) if callable(others) else [])
        out.checked += 1
        if len(links) != len(names):
            out.fail(
                "error-identification",
                "the summary does not list each field in error once",
                f"{len(links)} links for {len(names)} fields in error",
                ctx.info(summary),
            )
        for link, name in zip(links, names, strict=False):
            out.checked += 1
            text = link.text() if hasattr(link, "text") else accessible_name(link)
            if fold(name) not in fold(text):
                out.fail(
                    "error-identification",
                    "error message does not name its field",
                    f"“{clean(text)}” lacks “{clean(name)}”",
                    ctx.info(link),
                )
        for row in rows:
            out.checked += 1
            inputs = [
                row.input,
                *(
                    [row.input.lineEdit()]
                    if hasattr(row.input, "lineEdit") and row.input.lineEdit()
                    else []
                ),
            ]
            if fold(row.error.text()) not in fold(row.input.accessibleDescription()):
                out.fail(
                    "error-identification",
                    "the field's accessible description does not contain its error",
                    f"description “{clean(row.input.accessibleDescription())[:80]}”",
                    ctx.info(inputs[0]),
                )
        missing = _missing([summary.title.text(), *(link.text() for link in links)], visit.said)
        out.checked += 1
        if missing:
            out.fail(
                "error-identification",
                "errors not spoken (EN 5.1.3.15)",
                f"not said: “{missing[0][:80]}”",
                ctx.info(summary),
            )
        return out
    # No summary (a single control): the message is shown, on the control, focused, spoken.
    messages = [
        lab
        for lab in screen.findChildren(QLabel)
        if lab.isVisible() and lab.property("role") == "error" and clean(lab.text())
    ]
    in_error = [
        w for w in screen.findChildren(QWidget) if w.isVisible() and w.property("error") is True
    ]
    out.checked += 1
    if not messages or not in_error:
        out.fail(
            "error-identification",
            "no visible error message or no control marked in error",
            f"{len(messages)} messages, {len(in_error)} controls",
        )
        return out
    text = messages[0].text()
    for w in in_error:
        out.checked += 1
        if fold(text) not in fold(w.accessibleDescription()):
            out.fail(
                "error-identification",
                "the control's accessible description does not contain the error",
                f"description “{clean(w.accessibleDescription())[:80]}”",
                ctx.info(w),
            )
    out.checked += 1
    if focus is None or not any(focus is w or w.isAncestorOf(focus) for w in in_error):
        out.fail(
            "error-identification",
            "focus is not on the control in error",
            f"focus on {ctx.info(focus).label() if focus else 'nothing'}",
            ctx.info(in_error[0]),
        )
    out.checked += 1
    if _missing([text], visit.said):
        out.fail(
            "error-identification",
            "error not spoken (EN 5.1.3.15)",
            f"not said: “{clean(text)[:80]}”",
            ctx.info(messages[0]),
        )
    return out


# --- 14 speech --------------------------------------------------------------------------
def screen_texts(screen: QWidget) -> list[str]:
    texts = []
    for attr in ("title", "intro"):
        lab = getattr(screen, attr, None)
        if isinstance(lab, QLabel) and lab.isVisible() and clean(lab.text()):
            texts.append(lab.text())
    return texts


def check_speech(
    ctx: Context,
    visit: Visit,
    repeat: Callable[[], list[tuple[str, str]]] | None,
    narrated: list[tuple[str, WidgetInfo, list[tuple[str, str]]]] | None,
    narration_available: bool,
) -> Outcome:
    out = Outcome()
    if visit.kind != "errors":
        wanted = visit.must_say or (screen_texts(visit.screen) if visit.screen is not None else [])
        out.checked += 1
        missing = _missing(wanted, visit.said)
        if missing:
            out.fail(
                "speech-output",
                "not spoken when shown",
                f"not said: “{clean(missing[0])[:80]}”; said: “{clean(' '.join(t for t, _ in visit.said))[:80]}”",
                ctx.info(visit.root),
            )
    if repeat is not None and visit.screen is not None:
        said = repeat()
        out.checked += 1
        wanted = screen_texts(visit.screen)
        missing = _missing(wanted, said)
        if missing or not said:
            out.fail(
                "speech-output",
                "“Écouter” does not read the screen again",
                f"not said: “{clean(missing[0]) if missing else ''}”",
                ctx.info(visit.screen),
            )
        if any(lang != ctx.language for _t, lang in said):
            out.fail(
                "speech-output",
                "“Écouter” reads in another language",
                ", ".join(sorted({lang for _t, lang in said})),
            )
    if narrated is not None:
        if not narration_available:
            out.notes.append("focus narration not present: not checked")
        else:
            for name, widget, said in narrated:
                out.checked += 1
                if not said or fold(name) not in _spoken(said):
                    out.fail(
                        "speech-output",
                        "the focused control is not narrated",
                        f"said: “{clean(' '.join(t for t, _ in said))[:80]}”",
                        widget,
                    )
    return out


# --- 15 consistent help -----------------------------------------------------------------
def help_signature(ctx: Context, screen: QWidget) -> list[str]:
    """Accessible names of the header's controls in reading order, then of Back."""
    header = getattr(screen, "header", None)
    names: list[str] = []
    if header is not None:
        buttons = [b for b in getattr(header, "buttons", ()) if b.isVisible()]
        names = [clean(accessible_name(b)) for b in reading_order(ctx, buttons)]
    back = getattr(screen, "back_button", None)
    if back is not None and back.isVisible():
        names.append("back: " + clean(accessible_name(back)))
    return names


def check_consistent_help(
    ctx: Context, screen: QWidget, reference: list[str] | None
) -> tuple[Outcome, list[str]]:
    out = Outcome()
    mine = help_signature(ctx, screen)
    header = [n for n in mine if not n.startswith("back: ")]
    out.checked += 1
    if not header:
        out.fail("consistent-help", "no header controls on this screen", "", ctx.info(screen))
    if reference is not None:
        ref_header = [n for n in reference if not n.startswith("back: ")]
        if header != ref_header:
            out.fail(
                "consistent-help",
                "header controls differ from the first screen (names or order)",
                f"{header} ≠ {ref_header}",
                ctx.info(screen),
            )
        ref_back = [n for n in reference if n.startswith("back: ")]
        back = [n for n in mine if n.startswith("back: ")]
        if back and ref_back and back != ref_back:
            out.fail(
                "consistent-help",
                "Back is named differently",
                f"{back[0]} ≠ {ref_back[0]}",
                ctx.info(screen),
            )
    return out, (reference if reference is not None else mine)


# --- 16 inactivity ----------------------------------------------------------------------
@dataclass
class InactivityProbe:
    """What the audit needs from the kiosk to test its inactivity warning."""

    monitor: InactivityMonitor
    advance: Callable[[float], None]  # moves the monitor's clock
    dialog: Callable[[], QWidget | None]  # the warning dialog shown, if any
    on_screen: Callable[[], bool]  # the applicant's screen is still there (not wiped)
    mark: Callable[[], int]
    said: Callable[[int], list[tuple[str, str]]]


def trigger_warning(probe: InactivityProbe) -> QWidget | None:
    """Advance the clock to the warning and return the dialog shown."""
    m = probe.monitor
    lead = m.timeout_s - m.warning_s - m.idle_s
    probe.advance(max(lead, 0.0) + 0.01)
    m.tick()
    settle(2)
    dialog = probe.dialog()
    return dialog if dialog is not None and dialog.isVisible() else None


def _shown(dialog: QWidget | None) -> bool:
    """The dialog is there and visible (a closed one is deleted: ``deleteLater``)."""
    return dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible()


def _gone(dialog: QWidget | None) -> bool:
    return not _shown(dialog)


def check_inactivity(
    ctx_language: str,
    probe: InactivityProbe | None,
    audit_dialog: Callable[[QWidget, list[tuple[str, str]]], None],
) -> Outcome:
    out = Outcome()
    if probe is None:
        out.not_applicable = (
            "not applicable yet: no inactivity timer in this build (kiosk/ui/inactivity.py)"
        )
        return out
    m = probe.monitor
    warning_s = m.warning_s
    out.checked += 1
    if warning_s < REQUIRED_WARNING_S:
        out.fail(
            "timeout-warning",
            f"warning shorter than {REQUIRED_WARNING_S} s before the wipe (20 s minimum)",
            f"{warning_s:g} s",
        )
    mark = probe.mark()
    dialog = trigger_warning(probe)
    out.checked += 1
    if dialog is None:
        out.fail(
            "timeout-warning",
            "no warning shown when the warning time is reached",
            f"idle {m.idle_s:.0f} s of {m.timeout_s:g} s",
        )
        return out
    said = probe.said(mark)
    focus = QApplication.focusWidget()
    out.checked += 1
    if focus is None or focus.window() is not dialog:
        out.fail("timeout-warning", "the warning does not take the focus", "", None)
    seconds = getattr(dialog, "seconds", None)
    if seconds is not None:
        out.checked += 1
        if seconds < min(REQUIRED_WARNING_S, warning_s) - 1:
            out.fail(
                "timeout-warning",
                "the countdown shows less time than the warning lasts",
                f"{seconds} s",
            )
    out.checked += 1
    if not said:
        out.fail("timeout-warning", "the warning is not spoken", "")
    elif any(lang != ctx_language for _t, lang in said):
        out.fail(
            "timeout-warning",
            "the warning is spoken in another language",
            ", ".join(sorted({lang for _t, lang in said})),
        )
    audit_dialog(dialog, said)
    # Extend with one action (Enter on the focused "Continuer"), ten times over.
    for i in range(EXTENSIONS):
        dialog = probe.dialog() if i else dialog
        if not _shown(dialog):
            dialog = trigger_warning(probe)
        if dialog is None:
            out.fail(
                "timeout-warning",
                "the warning does not come back after an extension",
                f"extension {i + 1}",
            )
            break
        target = QApplication.focusWidget()
        if target is None or target.window() is not dialog:
            target = dialog
        QTest.keyClick(target, Qt.Key.Key_Return)
        closed = wait_until(functools.partial(_gone, dialog), 0.5)
        out.checked += 1
        if not closed or m.warning_shown or not probe.on_screen():
            out.fail(
                "timeout-warning", "one action does not extend the session", f"extension {i + 1}"
            )
            break
    # Then no action at all: the session is wiped at the timeout, not before.
    dialog = trigger_warning(probe)
    probe.advance(warning_s - 1.0)
    m.tick()
    settle(2)
    out.checked += 1
    if not probe.on_screen():
        out.fail(
            "timeout-warning",
            "wiped before the announced time",
            f"{warning_s - 1:g} s after the warning",
        )
    probe.advance(1.5)
    m.tick()
    settle(2)
    out.checked += 1
    if probe.on_screen():
        out.fail(
            "timeout-warning",
            "not wiped once the time is up",
            f"{warning_s + 0.5:g} s after the warning",
        )
    return out
