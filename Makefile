# The two commands of the README: `make demo` and `make test`. Everything else supports them;
# `make check` (gates + fast tests) and `make lint` are for development.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := .make
export PATH := $(BIN):$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM ?= /usr/bin/chromium
DEMO_ROOT := demo
# The fast tier: what `make check` runs. Markers are declared in pyproject.toml.
FAST_TESTS := not (fuzz or restart or gateway or packaging or browser or slow)

.PHONY: demo test check gates lint install pytest ui-test chromium graphviz build clean help bench i18n

help:
	@echo "make demo   set up, seed the demo project and start JupyterLab with mindzie"
	@echo "make test   set up and run every test (Python and browser)"
	@echo "make check  gates and the fast tests (development, a few minutes)"
	@echo "make lint   fix what ruff and the frontend linters can fix"

$(STAMP):
	mkdir -p $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Python package (editable; the demo's starter needs scikit-learn, nothing of the test extras)
# and the frontend build the install hook runs.
$(STAMP)/demo: $(BIN)/python pyproject.toml package.json yarn.lock | $(STAMP)
	@# the develop link points into the source tree: unlink it, or pip writes through it
	rm -rf $(VENV)/share/jupyter/labextensions/jupyter-mindzie
	$(BIN)/python -m pip install --quiet -e ".[ml]"
	$(BIN)/jupyter labextension develop --overwrite .
	$(BIN)/jupyter server extension enable --sys-prefix jupyter_mindzie
	touch $@

# Development and CI: the test extras (pytest, schemathesis, the gateway, linters) on top.
$(STAMP)/install: $(STAMP)/demo
	rm -rf $(VENV)/share/jupyter/labextensions/jupyter-mindzie
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/jupyter labextension develop --overwrite .
	touch $@

install: $(STAMP)/install

# Rebuild the labextension after a change in src/ or style/.
build: install
	$(BIN)/jlpm build

$(STAMP)/ui-tests: ui-tests/package.json ui-tests/yarn.lock $(STAMP)/install
	cd ui-tests && $(BIN)/jlpm install
	touch $@

chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "The browser tests need Chromium at $(CHROMIUM)."; \
		echo "Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM=/path/to/chromium."; \
		exit 1; \
	fi

# Process-map images: Graphviz's dot when it can be had; without it maps are drawn by matplotlib.
graphviz:
	@if command -v dot >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz; \
	else \
		echo "Graphviz (dot) is not installed: process maps are drawn with matplotlib instead."; \
		echo "For Graphviz's layout: sudo apt-get install graphviz (or your system's package)."; \
	fi

# ruff, mypy and the frontend's linters and type check: they change nothing, any finding fails.
gates: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/jlpm lint:check
	$(BIN)/jlpm check:types

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/jlpm lint

# Development: the gates, then every test not marked slow (fuzz, restart, gateway, packaging, …).
check: gates
	$(BIN)/python -m pytest -m "$(FAST_TESTS)"

pytest: install
	$(BIN)/python -m pytest

ui-test: install chromium $(STAMP)/ui-tests
	cd ui-tests && CI=1 CHROMIUM_PATH=$(CHROMIUM) $(BIN)/jlpm playwright test

# CI (.ci/run): the gates first, then every Python test, then the browser tests.
test: gates
	$(MAKE) --no-print-directory pytest ui-test

# Seed, then start JupyterLab; once it answers, the last lines say where to go and what to click.
demo: $(STAMP)/demo graphviz
	$(BIN)/python -m jupyter_mindzie.demo $(DEMO_ROOT)
	$(BIN)/python -m jupyter_mindzie.demo_server $(DEMO_ROOT)

# Benchmarks against papermill, nbclient and /api/contents (≤ 15 min; BENCH=--quick for ≤ 3 min).
bench: install
	$(BIN)/python bench/run.py $(BENCH)

# Translations: extract the strings of src/ and schema/settings (jupyterlab-translate, domain
# jupyter_mindzie) and of the server (Babel, domain jupyter_mindzie_server), merge them into
# each locale's .po, and compile the .json JupyterLab serves and the .mo gettext reads.
LOCALES := ja_JP
LOCALE_DIR := jupyter_mindzie/locale
SERVER_DOMAIN := jupyter_mindzie_server
i18n: install
	@# The panel's catalog comes from src/, the settings schema and package.json only:
	@# jupyterlab-translate would also take every `_(` of the Python package (the CLI's).
	rm -rf $(STAMP)/i18n && mkdir -p $(STAMP)/i18n/jupyter_mindzie
	cp -r package.json src schema $(STAMP)/i18n/ && cp -r $(LOCALE_DIR) $(STAMP)/i18n/jupyter_mindzie/
	cd $(STAMP)/i18n && $(BIN)/jupyterlab-translate update . jupyter_mindzie $(addprefix -l ,$(LOCALES))
	cp $(STAMP)/i18n/$(LOCALE_DIR)/jupyter_mindzie.pot $(LOCALE_DIR)/
	for locale in $(LOCALES); do \
		cp $(STAMP)/i18n/$(LOCALE_DIR)/$$locale/LC_MESSAGES/jupyter_mindzie.po $(LOCALE_DIR)/$$locale/LC_MESSAGES/; \
	done
	$(BIN)/pybabel extract --no-default-keywords -k Message -k _ --no-wrap --no-location --sort-output \
		--project=jupyter_mindzie -o $(LOCALE_DIR)/$(SERVER_DOMAIN).pot jupyter_mindzie
	for locale in $(LOCALES); do \
		$(BIN)/pybabel update --no-wrap --no-fuzzy-matching -D $(SERVER_DOMAIN) -d $(LOCALE_DIR) \
			-i $(LOCALE_DIR)/$(SERVER_DOMAIN).pot -l $$locale; \
		rm -f $(LOCALE_DIR)/$$locale/LC_MESSAGES/jupyter_mindzie.json; \
	done
	$(BIN)/jupyterlab-translate compile . jupyter_mindzie $(addprefix -l ,$(LOCALES))
	$(BIN)/pybabel compile --statistics -D $(SERVER_DOMAIN) -d $(LOCALE_DIR) $(addprefix -l ,$(LOCALES))

clean:
	rm -rf $(STAMP) $(VENV) node_modules ui-tests/node_modules lib jupyter_mindzie/labextension
