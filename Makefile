# Shortcuts; the README's two commands are scripts/demo and scripts/test.
.PHONY: run test lint bench i18n
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
