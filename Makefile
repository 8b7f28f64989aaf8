# One-command set-up: `make demo` and `make test` build .venv when it is missing.
# `make demo` installs the runtime dependencies only; `make test` adds the test extras.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
SUM    := $(shell cksum pyproject.toml | cut -d' ' -f1)
RUNTIME := $(VENV)/.runtime-$(SUM)
TESTENV := $(VENV)/.test-$(SUM)

.PHONY: demo test test-all venv browser postgresql axe bench mutation lint clean

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

# PostgreSQL for the serve tests comes from Debian too: the tests start their own server from
# its binaries (pytest-postgresql); nothing runs as a system service.
postgresql:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql for the serve tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# axe-core for the accessibility tests, from npm at the version locked in axe/package-lock.json.
AXE := axe/node_modules/axe-core/axe.min.js
$(AXE): axe/package.json axe/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian's npm for axe-core"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	cd axe && npm ci --no-audit --no-fund --silent
	touch $(AXE)

axe: $(AXE)

# The suite on both cores, without the tests marked slow (under 2 minutes on 2 cores);
# `make test-all` runs them all.
test: $(TESTENV) browser postgresql axe
	$(PY) -m pytest -q -n 2 -m "not slow"

test-all: $(TESTENV) browser postgresql axe
	$(PY) -m pytest -q

# Mutation testing of the modules that decide keying, scores, types and what may be shown
# (the modules and the tests that run against them: [tool.mutmut] in pyproject.toml). Prints
# the count of mutants by outcome and the names of the survivors; docs/testing.md lists them.
# Resumes where a stopped run left off; `rm -rf mutants` starts afresh.
MUTMUT := $(VENV)/bin/mutmut
mutation: $(TESTENV)
	$(PY) -m pip install --quiet 'mutmut==3.8.1'
	$(MUTMUT) run --max-children 2 >/dev/null
	$(MUTMUT) results --all true | awk -F': ' '{print $$2}' | sort | uniq -c
	$(MUTMUT) results

# ruff's default rules (ruff pinned, so "default" means the same set everywhere) over src/.
lint: $(TESTENV)
	$(PY) -m pip install --quiet 'ruff==0.17.6'
	$(VENV)/bin/ruff check --isolated src

# bench_serve.py needs the serve extra and a PostgreSQL like the tests'.
bench: $(TESTENV) postgresql
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) copro-demo build dist src/*.egg-info axe/node_modules mutants
