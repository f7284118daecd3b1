# Rapport: every command a user needs. `make demo` and `make test` set everything up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Test processes per backend run (pytest-xdist; whole files stay together so they share fixtures).
WORKERS ?= 2

.PHONY: install demo serve test test-sqlite test-postgres bench lint check clean shopify-app plugin

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: install
	$(BIN)/rapport demo

serve: install
	$(BIN)/rapport serve

test: install test-sqlite test-postgres
	@$(BIN)/python -m tests.support.variants

test-sqlite: install
	@rm -f .pytest_cache/v/rapport/variants-*
	RAPPORT_TEST_DB=sqlite $(BIN)/pytest -n $(WORKERS) --dist loadfile --durations=15

test-postgres: install
	RAPPORT_TEST_DB=postgres $(BIN)/pytest -m db -n $(WORKERS) --dist loadfile --durations=15

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# What CI enforces before the tests: lint and format, mypy --strict on store/, mypy on the other
# packages against the per-file error baseline (.ci/mypy-baseline.json, only shrinks), the layer map.
check: install lint
	$(BIN)/mypy --strict --no-warn-unused-configs store
	$(BIN)/python .ci/typecheck.py
	RAPPORT_TEST_DB=sqlite $(BIN)/pytest -p no:xdist -q tests/ci/test_layers.py tests/ci/test_typecheck.py

# The Shopify app package to deploy (`cd build/shopify-app && shopify app deploy`): the theme app
# extension plus shopify.app.toml written from this deployment's settings (.env or environment).
shopify-app: install
	rm -rf build/shopify-app && mkdir -p build && cp -R platforms/shopify-app build/shopify-app
	$(BIN)/rapport shopify-app-config --output build/shopify-app/shopify.app.toml

# The WordPress plugin a WooCommerce merchant uploads (Plugins → Add New → Upload Plugin).
plugin: install
	rm -f build/rapport-wordpress.zip && mkdir -p build
	$(BIN)/python -m zipfile -c build/rapport-wordpress.zip platforms/wordpress/rapport

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache rapport.sqlite3*
