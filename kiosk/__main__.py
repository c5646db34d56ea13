"""`kiosk` entry point: parse the command line, then hand over to kiosk.app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Kiosk for residence-permit (titre de séjour) applications."
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the reference central API on 127.0.0.1, enrol, use fake devices",
    )
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    parser.add_argument("--fake-devices", action="store_true", help="use the fake devices")
    parser.add_argument("--config", type=Path, help="configuration file (TOML)")
    parser.add_argument("--data-dir", type=Path, help="where the kiosk keeps its data")
    parser.add_argument("--central-url", help="base URL of the central API")
    parser.add_argument("--language", help="language of the first screen (default fr)")
    parser.add_argument(
        "--desk",
        action="store_true",
        help="the reception desk: the site's kiosks, their calls for help, the fleet "
        "(needs desk_token: $KIOSK_DESK_TOKEN)",
    )
    parser.add_argument(
        "--supervised",
        action="store_true",
        help="run the kiosk in a child process, started again after a crash",
    )
    parser.add_argument(
        "--exit-after-shown",
        action="store_true",
        help="print start-up figures once the welcome screen is shown, then exit",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.supervised:
        from kiosk.admin.supervisor import supervise

        return supervise(sys.argv[1:] if argv is None else argv)
    from kiosk.app import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
