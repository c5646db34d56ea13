"""Packaging and layering of kiosk.store."""

from __future__ import annotations

import subprocess
import sys

from kiosk.store.store import MIGRATIONS_DIR


def test_migrations_ship_as_package_data() -> None:
    # setuptools only ships .py files of packages (directories with __init__.py),
    # and the *.mako template through the package-data globs in pyproject.toml.
    assert (MIGRATIONS_DIR / "__init__.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "__init__.py").is_file()
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()


def test_store_imports_no_qt() -> None:
    code = (
        "import sys, kiosk.store, kiosk.store.migrations; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6'} "
        "or m.startswith('kiosk.ui')); print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_migration_directories_are_found_as_packages() -> None:
    from setuptools import find_packages

    root = MIGRATIONS_DIR.parents[2]
    packages = find_packages(where=str(root), include=["kiosk*"])
    assert "kiosk.store.migrations" in packages
    assert "kiosk.store.migrations.versions" in packages
