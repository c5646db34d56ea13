"""``python -m kiosk.health``: the same as ``kiosk-health``."""

import sys

from kiosk.health.cli import main

sys.exit(main())
