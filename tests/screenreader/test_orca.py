"""A real screen reader reads the kiosk (issue 15, "a real screen reader in CI").

Debian's Orca runs against the kiosk window on Xvfb over AT-SPI; what it says is taken
from its debug log (one ``SPEECH OUTPUT: '...'`` line per utterance). The keyboard is
real (xdotool, through the X server): Tab through the welcome screen, through a question
to "Continuer" (pressed with no answer: the error summary), and through the consent
screen to "Envoyer ma demande" (box not ticked: its error summary), in French and in
Arabic. Orca must announce each screen's heading with its level ("heading level 1"),
each control's name, role and state, and the error summary with its problems; a
section's heading, which never gets the focus, is read over AT-SPI with its level
(pyatspi, tests/screenreader/atspi_headings.py).

Needs: xvfb, xdotool, orca, speech-dispatcher, at-spi2-core, dbus, python3-pyatspi
(scripts/bootstrap.sh test, as root; Orca depends on python3-pyatspi). CI (CI=true) or KIOSK_REQUIRE_ORCA=1 makes their absence a failure;
elsewhere the test is skipped, saying why.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.slow]

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
AT_SPI_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
TOOLS = ("Xvfb", "xdotool", "orca", "dbus-daemon")
# Anything but Orca's echo of the key ("tab", "space").
ANNOUNCEMENT = r"(^|\| )(?!(tab|space)( \||$))[^|]*\S"
WAIT_S = 15.0  # for one utterance: Orca answers within a second; a loaded 2-core CI box
# For the heading of a screen the kiosk jumped to: its walk there (Kiosk.advance_to) moved
# the focus through every screen before, and Orca, asking the kiosk about each event, reads
# that backlog first (under a load of 11 on 2 cores it was still at it after 15 s).
JUMP_WAIT_S = 90.0


def _missing() -> list[str]:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not Path(AT_SPI_LAUNCHER).exists():
        missing.append(AT_SPI_LAUNCHER)
    return missing


def _require_tools() -> None:
    missing = _missing()
    if not missing:
        return
    why = f"Orca test needs {', '.join(missing)} (scripts/bootstrap.sh test, as root)"
    if os.environ.get("CI") == "true" or os.environ.get("KIOSK_REQUIRE_ORCA"):
        pytest.fail(why)
    pytest.skip(why)


def _poll(predicate: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        # Polling other processes' files and pipes: no Qt signal to wait on here.
        time.sleep(0.05)  # ok
    return predicate()


# SPEECH OUTPUT: 'Français.'{'established': False} (the text, then the voice's settings)
SPEECH = re.compile(r"SPEECH OUTPUT: '(.*)'\s*(?:\{.*)?$")


@dataclass
class Orca:
    """What Orca said, read from its debug log as it grows."""

    log: Path
    offset: int = 0
    said: list[str] = field(default_factory=list)  # everything, for the failure message
    problem: Callable[[], str] = lambda: ""  # what went wrong elsewhere (the kiosk died)

    def _read(self) -> list[str]:
        if not self.log.exists():
            return []
        with self.log.open("rb") as f:
            f.seek(self.offset)
            data = f.read()
        end = data.rfind(b"\n") + 1  # whole lines only
        self.offset += end
        lines = data[:end].decode("utf-8", "replace").splitlines()
        out = [m.group(1).strip() for line in lines if (m := SPEECH.search(line))]
        self.said += out
        return out

    def skip(self) -> None:
        """Forget what was said so far."""
        self._read()

    def until(self, *wanted: str, what: str, timeout_s: float = WAIT_S) -> str:
        """What Orca says until every one of ``wanted`` (regular expressions) matched the
        utterances since the last call, joined with " | "."""
        heard: list[str] = []

        def done() -> bool:
            heard.extend(self._read())
            text = " | ".join(heard)
            return all(re.search(w, text) for w in wanted)

        if not _poll(done, timeout_s):
            recent = "\n  ".join(self.said[-25:])
            pytest.fail(
                f"Orca did not announce {what} ({wanted}){self.problem()}; it said last:\n"
                f"  {recent}"
            )
        return " | ".join(heard)


class Session:
    """Xvfb, a D-Bus session with the AT-SPI bus, the kiosk, then Orca."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: list[subprocess.Popen[str] | subprocess.Popen[bytes]] = []
        home = tmp / "home"
        home.mkdir(mode=0o700)
        # The runtime directory holds the buses' sockets, whose paths may not pass 107
        # bytes: under /tmp, not under tmp_path (with scripts/test's TMPDIR on tmpfs, the
        # AT-SPI bus's socket path was 110 bytes long and Orca never heard the kiosk).
        self.runtime = runtime = Path(tempfile.mkdtemp(prefix="orca-run-", dir="/tmp"))
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("QT_", "DBUS_", "XDG_"))
        }
        self.env.update(
            HOME=str(home),  # Orca's settings: its defaults, not the machine's
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_RUNTIME_DIR=str(runtime),
            LANG="C.UTF-8",  # Orca names roles in English; the kiosk speaks its own language
        )
        self.orca = Orca(tmp / "orca.debug", problem=self._kiosk_died)
        self.kiosk: subprocess.Popen[bytes] | None = None
        self._out = b""  # what the kiosk printed and _ready has not read yet

    def _kiosk_died(self) -> str:
        if self.kiosk is None or self.kiosk.poll() is None:
            return ""
        log = (self.tmp / "kiosk.log").read_text(errors="replace")[-2000:]
        return f" (the kiosk exited with {self.kiosk.returncode}; its log:\n{log}\n)"

    def _start(self, argv: list[str], **kw: object) -> subprocess.Popen[str]:
        with open(self.tmp / f"{Path(argv[0]).name}.log", "w") as out:
            proc = subprocess.Popen(
                argv,
                env=self.env,
                stdout=kw.pop("stdout", out),  # type: ignore[arg-type]
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # stopped with its children (a process group)
                **kw,  # type: ignore[call-overload]
            )
        self.procs.append(proc)
        return proc

    def start(self) -> None:
        # The X server: -displayfd picks a free display and says which.
        read, write = os.pipe()
        self._start(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten",
             "tcp"],
            pass_fds=(write,),
        )  # fmt: skip
        os.close(write)
        with os.fdopen(read) as f:
            display = f.readline().strip()
        assert display, "Xvfb did not start"
        self.env["DISPLAY"] = f":{display}"
        # A session bus of our own (loopback: a socket in our runtime directory).
        bus = self._start(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1",
             f"--address=unix:path={self.runtime / 'bus'}"],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        assert bus.stdout is not None
        self.env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
        self._start([AT_SPI_LAUNCHER, "--launch-immediately"])
        # The kiosk: accessibility on without a desktop's setting, on the X display.
        kiosk_env = dict(self.env, QT_QPA_PLATFORM="xcb", QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1")
        with open(self.tmp / "kiosk.log", "w") as log:
            self.kiosk = subprocess.Popen(
                [sys.executable, str(HERE / "kiosk_under_orca.py")],
                env=kiosk_env,
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        self.procs.append(self.kiosk)
        self._ready("start")
        self._start(
            ["/usr/bin/python3", str(HERE / "orca_line_buffered.py"), "--replace",
             "--debug-file", str(self.orca.log)],
        )  # fmt: skip
        # Orca greets, then reads the active window: ours.
        self.orca.until(r"Screen reader on", r"Titre de séjour", what="its start")

    def _ready(self, command: str, timeout_s: float = 60) -> None:
        """Wait for the kiosk's ``READY command`` line (or its death, or the time)."""
        assert self.kiosk is not None and self.kiosk.stdout is not None
        fd = self.kiosk.stdout.fileno()
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._out:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break  # the kiosk exited
            self._out += chunk
        line, _, self._out = self._out.partition(b"\n")
        if line.decode(errors="replace").strip() != f"READY {command}":
            log = (self.tmp / "kiosk.log").read_text(errors="replace")[-3000:]
            pytest.fail(f"the kiosk did not get to {command!r} (said {line!r}); its log:\n{log}")

    def kiosk_do(self, command: str) -> None:
        assert self.kiosk is not None and self.kiosk.stdin is not None
        self.orca.skip()
        self.kiosk.stdin.write(command.encode() + b"\n")
        self.kiosk.stdin.flush()
        self._ready(command.split()[0])

    def headings(self) -> str:
        """The headings the kiosk shows, read over AT-SPI as a screen reader reads them:
        ``LEVEL<TAB>NAME`` lines (tests/screenreader/atspi_headings.py)."""
        assert self.kiosk is not None
        done = subprocess.run(
            ["/usr/bin/python3", str(HERE / "atspi_headings.py"), str(self.kiosk.pid)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (done.stdout, done.stderr, self._kiosk_died())
        return done.stdout

    def key(self, key: str) -> None:
        subprocess.run(["xdotool", "key", key], env=self.env, check=True, timeout=10)

    def tab_until(self, *wanted: str, what: str, most: int = 20) -> str:
        """Tab until Orca announces ``wanted``; returns all it said on the way. One key at
        a time: the next once Orca has read where the focus went (more than its echo of
        the key), as a person listening would."""
        said = []
        for _ in range(most):
            self.key("Tab")
            said.append(self.orca.until(ANNOUNCEMENT, what=f"the focus after Tab ({what})"))
            text = " | ".join(said)
            if all(re.search(w, text) for w in wanted):
                return text
        pytest.fail(f"{most} Tab presses and Orca never announced {what}; it said: {said}")

    def stop(self) -> None:
        if self.kiosk is not None and self.kiosk.poll() is None and self.kiosk.stdin:
            try:
                self.kiosk.stdin.write(b"quit\n")
                self.kiosk.stdin.close()
                self.kiosk.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=5)
            for stream in (proc.stdin, proc.stdout):
                if stream:
                    stream.close()
        shutil.rmtree(self.runtime, ignore_errors=True)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    _require_tools()
    s = Session(tmp_path)
    try:
        s.start()
        yield s
    finally:
        s.stop()


# What Orca must say: the kiosk's words (msgids), in the screen's language.
WORDS = {
    "welcome": "Bienvenue",
    "languages": "Choisissez votre langue",
    "voice": "Lire l'écran à voix haute",
    "start": "Commencer",
    "question": "Votre identité",
    "surname": "Nom de famille",
    "continue": "Continuer",
    "required": "Cette réponse est obligatoire.",
    "consent": "Déclaration et envoi",
    "declaration": "Je déclare sur l'honneur que mes réponses sont exactes.",
    "submit": "Envoyer ma demande",
    "consent_error": "Déclaration sur l'honneur",
}


def _words(language: str) -> dict[str, str]:
    """Regular expressions for WORDS as the kiosk shows them in ``language``."""
    from kiosk.i18n import Translator
    from kiosk.ui.widgets import PROBLEMS

    tr = Translator(language)
    # A number is an isolated left-to-right run (U+2066 ... U+2069): any count.
    words = {k: re.escape(tr(v)).replace(r"\{count\}", ".+?") for k, v in WORDS.items()}
    # The error summaries: the question's two or more problems, the consent's one.
    many = sorted({tr.plural(PROBLEMS, n) for n in range(2, 120)})  # Arabic: 3 forms
    words["summary"] = "(?:{})".format(
        "|".join(re.escape(form).replace(r"\{count\}", ".+?") for form in many)
    )
    words["consent_summary"] = re.escape(tr.plural(PROBLEMS, 1)).replace(r"\{count\}", ".+?")
    words["no_problem"] = re.escape(tr.plural(PROBLEMS, 0)).replace(r"\{count\}", r"\W*0\W*")
    return words


def test_orca_reads_welcome_question_and_consent_in_french_and_arabic(
    session: Session,
) -> None:
    started = time.monotonic()
    # The kiosk starts on the welcome screen with its title focused, which Orca reads as it
    # starts (perhaps after start() returned). A focus that comes back to the object Orca
    # last announced is not news to it: the focus goes to "Commencer" first, and once Orca
    # has said so, the welcome command's title is announced again.
    session.kiosk_do("focus-start")
    session.orca.until(rf"{_words('fr')['start']}\.? push button", what="the start button")
    for lang in ("fr", "ar"):
        words = _words(lang)

        # The welcome screen: its title, read as a heading of level 1 when the screen
        # shows; the languages' heading (never focused) is of level 2 over AT-SPI.
        session.kiosk_do(f"welcome {lang}")
        session.orca.until(rf"{words['welcome']}\.? heading level 1\b", what="the welcome heading")
        headings = session.headings()
        assert re.search(rf"^1\t{words['welcome']}$", headings, re.M), headings
        assert re.search(rf"^2\t{words['languages']}$", headings, re.M), headings
        # The languages: one named group, each option a radio button, selected or not; the
        # voice (a check box, checked: Kiosk.build turns it on); the start button.
        said = session.tab_until(rf"{words['start']}\.? push button", what="the start button")
        selected = "Français" if lang == "fr" else "العربية"
        assert re.search(rf"{words['languages']}\.? panel", said), said
        assert re.search(rf"{selected}\.? \| selected radio button", said), said
        assert re.search(r"English\.? \| not selected radio button", said), said
        assert re.search(rf"{words['voice']}\.? check box checked", said), said

        # A question: its heading, its fields (name and role), then "Continuer" pressed
        # with no answer: the error summary, its title and every problem.
        session.kiosk_do("step")
        session.orca.until(
            rf"{words['question']}\.? heading level 1\b",
            what="the question's heading",
            timeout_s=JUMP_WAIT_S,
        )
        said = session.tab_until(rf"{words['continue']}\.? push button", what="Continuer")
        assert re.search(rf"{words['surname']}\.? text", said), said
        session.orca.skip()
        session.key("space")
        session.orca.until(
            rf"{words['summary']}\.? panel", words["required"], what="the question's errors"
        )
        # Tab goes on to the summary's first link, which goes to the question.
        session.tab_until(
            rf"{words['surname']}.*{words['required']}\.? push button",
            what="the first link",
            most=1,
        )

        # The consent screen: its heading, the box (not checked), then sent unticked.
        session.kiosk_do("consent")
        session.orca.until(
            rf"{words['consent']}\.? heading level 1\b",
            what="the consent heading",
            timeout_s=JUMP_WAIT_S,
        )
        session.tab_until(
            rf"{words['declaration']}\.? check box not checked", what="the declaration box"
        )
        session.tab_until(rf"{words['submit']}\.? push button", what="the submit button")
        session.orca.skip()
        session.key("space")
        session.orca.until(
            rf"{words['consent_summary']}\.? panel",
            words["consent_error"],
            what="the consent's error summary",
        )
        session.tab_until(
            rf"{words['consent_error']}.*push button", what="the summary's link", most=1
        )
        # Nor does it ever read an emptied summary ("Il y a 0 problèmes.").
        heard = " | ".join(session.orca.said)
        assert not re.search(words["no_problem"], heard), heard
    elapsed = time.monotonic() - started
    print(f"orca walk: {elapsed:.1f} s; Orca said {len(session.orca.said)} utterances")
