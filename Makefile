# Shortcuts; the README's two commands are scripts/demo and scripts/test.
.PHONY: run test lint bench i18n audit audit-ci audit-quick soak
run:
	bash scripts/demo --windowed
test:
	bash scripts/test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy && .venv/bin/lint-imports
bench:
	.venv/bin/python benchmarks/run_all.py
i18n:
	.venv/bin/python scripts/i18n.py extract && .venv/bin/python scripts/i18n.py update
audit:
	QT_QPA_PLATFORM=offscreen .venv/bin/kiosk-audit --out out/audit
audit-ci:
	QT_QPA_PLATFORM=offscreen .venv/bin/kiosk-audit --ci --out out/audit
audit-quick:
	QT_QPA_PLATFORM=offscreen .venv/bin/kiosk-audit --quick --out out/audit
soak:
	KIOSK_SOAK_APPLICANTS=500 QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -p no:xdist -s tests/soak
