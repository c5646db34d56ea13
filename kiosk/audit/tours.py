"""The screens the procedure walk does not reach, and how the audit reaches each one.

The walk (``driver.Kiosk.visits``) goes through every procedure from the welcome screen to
its receipt: welcome, procedure choice, documents, every question screen, check answers,
consent, receipt, the help and language dialogs. Every other screen of
``MainWindow.all_screens`` needs a *tour* here, or the audit reports a coverage
violation naming it ("no audit state"). To register a screen::

    @tour("StatusScreen")  # the class name(s) of the screen(s) the tour shows
    def status(k: Kiosk, start: Start) -> Iterator[Visit]:
        mark = start()  # the welcome screen, in the audited language, size and theme
        k.window.welcome.status_button.click()
        k.wait_screen(Screen.STATUS)
        yield k.screen_visit("status", mark)  # every check runs on this state

A tour drives the real window with the same fakes as the walk (``k.window``,
``k.controller``), yields one ``Visit`` per state (``k.screen_visit(state, mark,
kind="errors")`` for a screen showing an error summary), and raises ``AuditError`` if it
cannot reach a state. Tours run once per language x text size x theme, after the walk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.audit.context import settle
from kiosk.audit.kiosk_checks import Visit

if TYPE_CHECKING:
    from PySide6.QtWidgets import QAbstractButton

    from kiosk.audit.driver import Kiosk
    from kiosk.domain.session import Screen
    from kiosk.ui.screens.lookup_form import LookupFormScreen
    from kiosk.ui.widgets import BaseScreen

Start = Callable[[], int]
STAFF_MESSAGE = "Réouverture demain à 9 h."  # free text typed by staff (not translated)
TourRun = Callable[["Kiosk", Start], Iterator[Visit]]

# The screens the procedure walk itself visits (class names).
WALKED = frozenset(
    {
        "WelcomeScreen",
        "ProcedureScreen",
        "BeforeScreen",  # "Avant de commencer": visited once by the walk
        "StepScreen",
        "DocumentsScreen",
        "CheckScreen",
        "ConsentScreen",
        "ReceiptScreen",
    }
)


@dataclass(frozen=True)
class Tour:
    name: str
    screens: tuple[str, ...]  # class names of the screens it visits
    run: TourRun


TOURS: list[Tour] = []


def tour(*screens: str) -> Callable[[TourRun], TourRun]:
    """Register a tour visiting ``screens`` (class names of MainWindow screens)."""

    def register(run: TourRun) -> TourRun:
        TOURS.append(Tour(run.__name__, tuple(screens), run))
        return run

    return register


def registered_screens() -> set[str]:
    return set(WALKED) | {s for t in TOURS for s in t.screens}


def unaudited(screens: Sequence[object], visited: set[str]) -> list[str]:
    """Class names of ``screens`` (``MainWindow.all_screens``) that no state of the audit
    showed (``visited``: the class names of the screens of the states audited)."""
    out: list[str] = []
    for screen in screens:
        name = type(screen).__name__
        if name not in visited and name not in out:
            out.append(name)
    return out


# --- the tours --------------------------------------------------------------------------
@tour("GuideScreen")
def guide(k: Kiosk, start: Start) -> Iterator[Visit]:
    """ "Which procedure?": each question, then the answer it leads to."""
    from kiosk.audit.driver import AuditError
    from kiosk.domain.session import Screen

    w = k.window
    start()
    w.welcome.start_button.click()
    k.wait_screen(Screen.PROCEDURE)
    card = getattr(w.procedure, "guide_card", None)
    if card is None or not card.isVisible():
        raise AuditError("no guide card on the procedure screen")
    mark = k.mark()
    card.click()
    k.wait_screen(Screen.GUIDE)
    screen = w.guide
    for number in range(1, 20):
        if screen.start_button.isVisible():
            yield k.screen_visit("guide-result", mark)
            return
        yield k.screen_visit("guide" if number == 1 else f"guide-{number}", mark)
        mark = k.mark()
        screen.card(0).click()
        settle()
    raise AuditError("the guide never reached its answer")


def _lookup_form(
    k: Kiosk, start: Start, shown: Screen, opener: QAbstractButton, form: LookupFormScreen
) -> Iterator[Visit]:
    """A lookup form (the session's ``shown`` screen) opened from the welcome screen by
    ``opener``: the form, then its errors (nothing typed)."""
    name = shown.value
    mark = start()
    opener.click()
    k.wait_screen(shown)
    yield k.screen_visit(name, mark)
    mark = k.mark()
    form.submit_button.click()
    settle()
    if form.summary.isVisible():
        yield k.screen_visit(f"{name}-errors", mark, kind="errors")


@tour("ResumeScreen")
def resume(k: Kiosk, start: Start) -> Iterator[Visit]:
    """ "Reprendre une demande": the form, then its errors (nothing typed)."""
    from kiosk.domain.session import Screen

    w = k.window
    yield from _lookup_form(k, start, Screen.RESUME, w.welcome.resume_button, w.resume)


@tour("SavedScreen")
def saved(k: Kiosk, start: Start) -> Iterator[Visit]:
    """ "Sauvegarder et reprendre plus tard" on a question: the resume code."""
    from kiosk.audit.driver import AuditError
    from kiosk.audit.fakes import sample_value
    from kiosk.domain.session import Screen

    w = k.window
    start()
    w.welcome.start_button.click()
    k.wait_screen(Screen.PROCEDURE)
    procedure = k.controller.catalogue.procedures[0]
    w.procedure.card(procedure.id).click()
    for _ in range(10):  # to the first question (past the documents to bring)
        if k.screen is Screen.STEP:
            break
        action = k.primary_action(w.current_screen)
        if action is None:
            raise AuditError(f"no way from {k.screen} to the first question")
        before = k.screen
        action.click()
        k.wait_left(before, f"the screen after {before}")
    step = w.step
    # Saving needs the date of birth (the resume code's second factor): answer the
    # questions until the button shows.
    for _ in range(20):
        k.wait(lambda: step.step is not None, "a question")
        if step.save_button.isVisible():
            break
        for row in step.rows:
            row.set_value(sample_value(row.spec))
        question = step.step
        step.continue_button.click()

        def next_question(question: object = question) -> bool:
            return k.screen is not Screen.STEP or step.step is not question

        k.wait(next_question, "the next question")
        if k.screen is not Screen.STEP:
            raise AuditError("no save button on any question")
    else:
        raise AuditError("no save button on any question")
    mark = k.mark()
    step.save_button.click()
    k.wait_screen(Screen.SAVED, timeout_s=30)  # a worker thread saves
    yield k.screen_visit("saved", mark)


@tour("StatusScreen")
def status(k: Kiosk, start: Start) -> Iterator[Visit]:
    """ "Suivre ma demande": the form, then its errors (nothing typed)."""
    from kiosk.domain.session import Screen

    w = k.window
    yield from _lookup_form(k, start, Screen.STATUS, w.welcome.status_button, w.status)


@tour("OutOfServiceScreen")
def out_of_service(k: Kiosk, start: Start) -> Iterator[Visit]:
    """The screen shown instead of the welcome screen when staff put the kiosk out of
    service (with their message, in French as staff write it)."""
    w, c = k.window, k.controller
    start()
    w.set_out_of_service(STAFF_MESSAGE)
    try:
        # As the next applicant meets it: the session ends, the screen shows; they
        # choose their language on it (the header's, as on every screen). The wipe
        # keeps the language (not a round trip through French: two restylings of the
        # whole window in Arabic and Persian, for a state that is not audited).
        language = c.translator.code
        k.wipe(language)
        mark = k.mark()
        c.choose_language(language)
        k.wait(lambda: w.current_screen is w.out_of_service, "the out-of-service screen")
        yield k.screen_visit("out-of-service", mark)
    finally:
        w.set_out_of_service(None)
        settle()


@tour("ScanScreen")
def scan(k: Kiosk, start: Start) -> Iterator[Visit]:
    """Photographing the documents of the checklist: the live view with its guidance,
    then a page to check. The screen is filled as the ScanController fills it (its
    public methods), without a camera: the audit looks at the screen, not the pipeline."""
    from PySide6.QtGui import QColor, QImage

    from kiosk.domain.session import ScanPhase, Screen
    from kiosk.scan.guidance import Guidance

    w, c = k.window, k.controller
    start()
    k.advance_to(Screen.DOCUMENTS)
    session = c.session
    documents = session.documents_to_scan() or session.documents()
    screen = w.scan
    mark = k.mark()
    session.start_scan(ScanPhase.DOCUMENTS)
    try:
        w.show_screen(Screen.SCAN)
        screen.show_document(documents[0].label, 1, len(documents), 1, 1)
        screen.show_live()
        screen.set_camera_ready(True)
        screen.show_guidance(Guidance.NO_PAGE)
        c.say_if_voice(screen.spoken_text())
        yield k.screen_visit("scan", mark)
        page = QImage(420, 594, QImage.Format.Format_RGB32)
        page.fill(QColor("#f4f1ea"))
        mark = k.mark()
        screen.show_review(page)
        c.say_if_voice(screen.spoken_text())
        yield k.screen_visit("scan-review", mark)
    finally:
        screen.wipe()
        session.cancel_scan()
        c.render(speak=False)
        settle()


def _show_staff_screen(k: Kiosk, screen: BaseScreen) -> None:
    """Show ``screen`` as kiosk.ui.controllers.staff does (it is not a session screen)."""
    w, c = k.window, k.controller
    w.close_dialogs()
    w.osk.hide()
    screen.retranslate(c.translator)
    w.stack.setCurrentWidget(screen)
    w.focus_ring.raise_()
    screen.entered()
    settle()


@tour("SignInScreen")
def staff_sign_in(k: Kiosk, start: Start) -> Iterator[Visit]:
    """Staff sign-in (identifier and PIN, or badge), as StaffController.request_sign_in
    shows it; spoken like any screen when voice is on."""
    w, c = k.window, k.controller
    start()
    screen = w.signin
    screen.wipe()
    mark = k.mark()
    _show_staff_screen(k, screen)
    c.say_if_voice(screen.spoken_text())
    try:
        yield k.screen_visit("staff-sign-in", mark)
    finally:
        screen.wipe()
        c.render(speak=False)
        settle()


@tour("AssistConsentScreen")
def assist_consent(k: Kiosk, start: Start) -> Iterator[Visit]:
    """A mediator signed in: the applicant is asked (always spoken), as
    AssistController.start shows it."""
    w, c = k.window, k.controller
    start()
    screen = w.assist_consent
    screen.show_mediator("Camille Martin", "med-042")
    mark = k.mark()
    _show_staff_screen(k, screen)
    c.speak(screen.spoken_text())
    try:
        yield k.screen_visit("assist-consent", mark)
        # A mediator joining an application in progress: one more line, said first.
        screen.show_mediator("Camille Martin", "med-042", joining=True)
        mark = k.mark()
        _show_staff_screen(k, screen)
        c.speak(screen.spoken_text())
        yield k.screen_visit("assist-consent-joining", mark)
    finally:
        screen.wipe()
        c.render(speak=False)
        settle()


@tour("AssistEndScreen")
def assist_end(k: Kiosk, start: Start) -> Iterator[Visit]:
    """The mediator ended the help: the applicant carries on alone or stops, as
    AssistController.end shows it (always spoken)."""
    w, c = k.window, k.controller
    start()
    screen = w.assist_end
    mark = k.mark()
    _show_staff_screen(k, screen)
    c.speak(screen.spoken_text())
    try:
        yield k.screen_visit("assist-end", mark)
    finally:
        c.render(speak=False)
        settle()
