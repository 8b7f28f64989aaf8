# One-command set-up: `make demo` and `make test` build .venv when it is missing.
# `make demo` installs the runtime dependencies only; `make test` adds the test extras.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
SUM    := $(shell cksum pyproject.toml | cut -d' ' -f1)
RUNTIME := $(VENV)/.runtime-$(SUM)
TESTENV := $(VENV)/.test-$(SUM)

.PHONY: demo test test-all venv browser axe bench mutation clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	rm -f $(VENV)/.runtime-* && touch $(RUNTIME)

$(TESTENV): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.runtime-* $(VENV)/.test-* && touch $(RUNTIME) $(TESTENV)

venv: $(TESTENV)

demo: $(RUNTIME)
	$(VENV)/bin/copro demo

# Headless Chromium for the browser tests comes from Debian (playwright never downloads one).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# axe-core for the accessibility tests, from npm at the version locked in axe/package-lock.json.
AXE := axe/node_modules/axe-core/axe.min.js
$(AXE): axe/package.json axe/package-lock.json
	cd axe && npm ci --no-audit --no-fund --silent
	touch $(AXE)

axe: $(AXE)

# The suite on both cores, without the tests marked slow (under 2 minutes on 2 cores);
# `make test-all` runs them all.
test: $(TESTENV) browser axe
	$(PY) -m pytest -q -n 2 -m "not slow"

test-all: $(TESTENV) browser axe
	$(PY) -m pytest -q

bench: $(RUNTIME)
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

# Mutation runs (tools/mutate.py): every rule's comparison flipped must fail its tests.
mutation: $(TESTENV)
	$(PY) tools/mutate.py src/copro_scale/privacy.py tests/privacy/test_rules.py tests/reports/test_privacy.py

clean:
	rm -rf $(VENV) copro-demo build dist src/*.egg-info axe/node_modules
