"""Load ``scripts/i18n.py`` (not a package) as a module for the tests."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "i18n.py"


@cache
def i18n_script() -> ModuleType:
    name = "kiosk_scripts_i18n"
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@cache
def source_msgids() -> frozenset[str | tuple[str, str]]:
    """Every msgid of the code and the procedure catalogue, extracted once per process:
    babel reads the whole tree (~1.7 s of CPU), and a dozen tests in each pytest worker
    asked for the same set."""
    extract = i18n_script().extract_messages
    assert extract.__module__ == "kiosk_scripts_i18n", "extract_messages is patched"
    return frozenset(extract())
