# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint types imports docs docs-check pytest format clean-data help bench browser

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Jejak needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(STAMP)  ## build everything and run the whole system on the embedded servers
	$(BIN)/jejak up

test: lint types imports docs-check pytest  ## lint, types, import contracts and the test suite

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

types: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

docs: $(STAMP)  ## regenerate docs/ (JSON Schemas, AsyncAPI) from the contracts
	$(BIN)/jejak docs

docs-check: $(STAMP)  ## fail when docs/ is out of date with the contracts
	$(BIN)/jejak docs --check

pytest: $(STAMP) browser
	$(BIN)/pytest

# The browser tests (tests/browser) drive Debian's Chromium through Playwright, which never downloads a browser.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:  ## install Debian's chromium for the browser tests when it is missing
	@command -v chromium >/dev/null || { \
		echo "installing Debian's chromium for tests/browser"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

bench: $(STAMP)  ## measure throughput, latency, API, growth and memory (BENCH_ARGS=--quick: under five minutes)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

format: $(STAMP)  ## rewrite the code in the house style
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean-data:  ## delete the embedded servers' data (.jejak/)
	rm -rf .jejak
