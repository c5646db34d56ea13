"""The headings an application shows, as AT-SPI gives them to screen readers: one line
``LEVEL<TAB>NAME`` each (LEVEL the ``level`` attribute, empty without one), for
tests/screenreader/test_orca.py. Orca speaks the level of a heading that gets the focus;
this reads it on those that never do (a section's heading).

Run with Debian's python3 (pyatspi), on the test's session bus:
``python3 atspi_headings.py PID`` (the application's process id)."""

import sys

import pyatspi


def main() -> int:
    pid = int(sys.argv[1])
    for app in pyatspi.Registry.getDesktop(0):
        if app is None or app.get_process_id() != pid:
            continue
        stack = [app]
        while stack:
            node = stack.pop()
            if node is not app and not node.getState().contains(pyatspi.STATE_SHOWING):
                continue  # another screen's (and its children)
            if node.getRole() == pyatspi.ROLE_HEADING:
                level = node.get_attributes().get("level", "")
                print(f"{level}\t{node.name}", flush=True)
            stack.extend(child for child in node if child is not None)
        return 0
    print(f"no application of process {pid} on the AT-SPI bus", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
