"""The kiosk, on an X display, for tests/screenreader/test_orca.py: the real window and
controller on the fake ports (kiosk.audit.driver.Kiosk, as the accessibility audit and
the GUI tests build it), painted and focusable, so that Orca reads it over AT-SPI. Not
``kiosk --fake-devices``: the test must reach a question and the consent screen in
seconds, and the audit's walk (``Kiosk.advance_to``) gets there on these ports.

It obeys one command a line on stdin and answers ``READY <command>`` on stdout once the
screen is shown (the focus where the kiosk puts it):

  focus-start    the welcome screen's "Commencer" focused
  welcome LANG   a new session's welcome screen in LANG
  step           the first question of the first procedure
  consent        the consent screen of the same procedure (the questions before it
                 answered with the audit's sample answers)
  quit
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication

from kiosk.audit.context import settle
from kiosk.audit.driver import Kiosk
from kiosk.audit.interaction import wait_until
from kiosk.domain.session import Screen


def main() -> int:
    kiosk = Kiosk.build()
    window = kiosk.window
    window.setUpdatesEnabled(True)  # Kiosk.build turns painting off (the audit grabs)
    app = QApplication.instance()
    assert app is not None
    language = "fr"

    def focus_window() -> None:
        window.raise_()
        window.activateWindow()
        wait_until(lambda: QApplication.activeWindow() is window, 5)

    def run(line: str) -> None:
        nonlocal language
        words = line.split()
        if not words:
            return
        command = words[0]
        if command == "quit":
            stop()
            return
        if command == "focus-start":
            window.welcome.start_button.setFocus()
        elif command == "welcome":
            language = words[1]
            # As when the last applicant leaves the kiosk on another screen: the welcome
            # screen then comes with its title focused, which Orca reads.
            window.welcome.start_button.setFocus()
            kiosk.reset(language, 1.0, False)
        elif command in ("step", "consent"):
            kiosk.reset(language, 1.0, False, speak=False)
            kiosk.advance_to(Screen.STEP if command == "step" else Screen.CONSENT)
        else:
            raise SystemExit(f"unknown command {line!r}")
        focus_window()
        settle()
        print(f"READY {command}", flush=True)

    def stop() -> None:
        # Not read again: closing runs the event loop (settle), and stdin at its end is
        # always readable, so read() closed the kiosk inside its own close, again and
        # again until RecursionError (kiosk.log, when a failed test went away).
        notifier.setEnabled(False)
        kiosk.close()
        app.quit()

    def read() -> None:
        line = sys.stdin.readline()
        if not line:  # the test went away
            stop()
            return
        run(line)

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(read)
    focus_window()
    print("READY start", flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
