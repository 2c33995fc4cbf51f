# emskg — two commands do all the set-up on a fresh machine:
#   make serve   create .venv, install, build the graph, serve http://127.0.0.1:8000/
#   make test    the whole test suite (installs what the tests need, browser included)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed
# glibc's malloc keeps 7 freed blocks per size in its per-thread cache; past that, frees land in
# bins that bulk-loading a large graph leaves fragmented, and every later query pays for walking
# them (measured: ASK {} 4x slower, small queries 1.5-2x, once KB + 16,000 declarations are loaded).
# A larger cache keeps the query path on the fast one. Set for the server and the benchmark (its
# rdflib peer runs under the same setting); harmless elsewhere.
MALLOC_TUNING := GLIBC_TUNABLES=glibc.malloc.tcache_count=1000

.PHONY: install build serve test test-fast lint system-deps bench bench-smoke clean docs release

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/emskg build

serve: build
	$(MALLOC_TUNING) $(BIN)/emskg serve --host $(HOST) --port $(PORT)

# What the tests need beyond Python, from Debian (root on the project's machines): Chromium and
# ChromeDriver for the web-page tests, a Java runtime for HermiT (emskg check), wrk for the benchmark,
# Virtuoso for the store tests (tests/engines_virtuoso.py starts its own on loopback with its own ini).
# Virtuoso comes from virtuoso-opensource-7-bin (virtuoso-t and isql-vt) rather than the
# virtuoso-opensource meta-package: the binaries alone have no maintainer scripts, so nothing asks for
# a DBA password and no system service is started (the tests never use one).
SYSTEM_DEPS := chromium:chromium chromedriver:chromium-driver java:default-jre-headless wrk:wrk \
               virtuoso-t:virtuoso-opensource-7-bin
system-deps:
	@missing=""; for dep in $(SYSTEM_DEPS); do \
	  command -v $${dep%%:*} >/dev/null 2>&1 || missing="$$missing $${dep#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(STAMP) system-deps
	$(BIN)/emskg build
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) system-deps
	$(BIN)/emskg build
	$(MALLOC_TUNING) $(BIN)/python bench/run.py --out bench/RESULTS.md

bench-smoke: $(STAMP) system-deps
	$(MALLOC_TUNING) $(BIN)/python bench/run.py --smoke

# The ontology's HTML documentation, generated from ontology/*.ttl (also served at /ontology).
docs: build
	$(BIN)/emskg docs -o docs/ontology

# dist/: ontology, shapes and inferred graph in four formats, the VoID file and SHA-256 checksums.
release: build
	$(BIN)/emskg release -o dist

clean:
	rm -rf $(VENV) .emskg-cache .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
