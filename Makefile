# Mizan's one task runner. `make help` lists the targets; `make test` is the test command of
# README.md and .ci/run. Every target first runs scripts/bootstrap.sh with its PROFILE (demo,
# test or bench), which installs what that profile needs and is missing (Debian packages,
# .venv, the editable install) and does nothing otherwise.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# What bootstrap installs: `test` unless a target says otherwise (demo, bench). A target's
# PROFILE also applies to the targets it depends on. (Not named LINT: GNU make predefines
# `LINT = lint`, so `LINT ?= 0` never applied and the lint tools were never installed.)
PROFILE ?= test
HOST ?= 127.0.0.1
PORT ?= 8000
FASTAPI_PORT ?= 8001
PYTEST_ARGS ?=

# Hypothesis examples per property test (read by tests/conftest.py); sized so that both
# passes of `make test` stay well inside the CI budget on a 2-core machine.
export MIZAN_HYPOTHESIS_EXAMPLES ?= 1000

DEMO := examples/demo
# The demo's browser bundle (make demo-assets), built from its TypeScript sources and the
# runtime the package serves; the npm packages come from bootstrap (npm ci).
DEMO_FRONTEND := $(DEMO)/frontend
DEMO_BUNDLE := $(DEMO)/demo_app/static/demo/board.js
# src/api.ts is generated from the demo's IR (export_mizan_ir, then mizan.codegen), so it
# follows the demo's functions and the generator; it is not committed.
DEMO_API := $(DEMO_FRONTEND)/src/api.ts
DEMO_SOURCES := $(filter-out $(DEMO_API),$(wildcard $(DEMO_FRONTEND)/src/*.ts $(DEMO_FRONTEND)/src/*.tsx)) \
	$(DEMO_FRONTEND)/build.mjs $(DEMO_FRONTEND)/tsconfig.json $(DEMO_FRONTEND)/package-lock.json \
	$(DEMO)/demo_app/clients.py $(wildcard mizan/codegen/*.py) mizan/static/mizan/client.js mizan/static/mizan/client.d.ts
# Outcome counts per capability row, one file per pytest pass (afi/capabilities.py, AFI-3).
RESULTS := build/capabilities
C_SOURCES := $(wildcard src/*.c)
C_HEADERS := $(wildcard src/*.h)
# Benchmark-only comparison modules (benchmarks/_native.py compiles them on first use).
BENCH_C := $(wildcard benchmarks/native/*.c)
# The benchmark groups of `make bench`, in the order docs/benchmarks.md shows them.
BENCH_GROUPS := core tokens json_writer django_inprocess uploads shapes http_servers fastapi_call ctx http_edge redis_stall scale ws ssr
# The compiled extension for the venv's interpreter, placed in mizan/ by both `pip install -e`
# and build_ext --inplace (the newest-CPython pass keeps its own beside it, another ABI tag).
EXT_SUFFIX := $(shell [ -x $(PY) ] && $(PY) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
EXT := $(wildcard mizan/_speedups$(EXT_SUFFIX))
# Touched after each strict build. The extension is rebuilt when a C source, header or
# setup.py is newer, and also when the .so itself is (a debug, sanitizer or pip build
# replaced it), so `make build` always leaves the strict release build in place.
BUILD_STAMP := build/.mizan-strict.stamp

# The tests that touch the Django database, run once more on a throwaway PostgreSQL server
# (make test-postgres): the Django adapter's, and the Django half of those run against both
# adapters (the FastAPI half uses no database).
PG_TESTS := tests/django tests/adapters
# The browser tests (a demo server and headless chromium) run once, in the C-extension
# pass: the other pytest passes leave them out (their server would test the same pages).
BROWSER_TESTS := tests/browser
NO_BROWSER := --ignore=$(BROWSER_TESTS)
# Starts the server, runs the rest of the line with MIZAN_TEST_POSTGRES set, stops it.
WITH_POSTGRES := $(PY) -m tests.postgres_server --

# pytest with its exit code kept; 5 (no tests collected) fails too, with a clear message.
# $(1): label, $(2): environment assignments, $(3): extra arguments, $(4): a command that
# runs pytest (WITH_POSTGRES), or nothing.
define run_pytest
	@echo "==> pytest: $(1)"
	@rc=0; env $(2) $(4) $(PY) -m pytest $(PYTEST_ARGS) $(3) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests ($(1)): failing" >&2; fi; \
	exit $$rc
endef

.PHONY: help bootstrap build build-debug test test-browser test-c test-js test-py test-pure test-postgres test-asan test-newest matrix conformance leaks lint fmt demo demo-assets demo-fastapi bench ci clean distclean bench-check bench-baseline bench-report

help:  ## List the targets
	@echo "Mizan: make <target>   (variables: PYTHON=python3  PORT=8000  PYTEST_ARGS=...  PROFILE=demo|test|bench)"
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z-]*:.*## / { printf "  %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

bootstrap:  ## Install what is missing: Debian packages, .venv, editable install (idempotent; PROFILE=demo|test|bench)
	@PYTHON="$(PYTHON)" bash scripts/bootstrap.sh $(PROFILE)

build: bootstrap $(BUILD_STAMP)  ## Build the C extension in place, warnings as errors (MIZAN_STRICT=1)

$(BUILD_STAMP): $(C_SOURCES) $(C_HEADERS) setup.py $(EXT)
	@echo "==> build: mizan._speedups (strict)"
	env -u MIZAN_PURE -u MIZAN_DEBUG -u MIZAN_SANITIZE -u MIZAN_COVERAGE MIZAN_STRICT=1 \
		$(PY) setup.py -q build_ext --inplace --force
	@cd / && $(CURDIR)/$(PY) -c "import mizan._speedups as m; print('==> built', m.__file__)"
	@mkdir -p $(@D) && touch $@

build-debug: bootstrap  ## Build the C extension in place with -O0 -g3, asserts and consistency checks
	env -u MIZAN_PURE -u MIZAN_SANITIZE MIZAN_DEBUG=1 MIZAN_STRICT=1 \
		$(PY) setup.py -q build_ext --inplace --force
	@rm -f $(BUILD_STAMP)

test: build lint demo-assets  ## THE test command: build, lint, the browser runtime's tests (test-js), pytest (C extension, then MIZAN_PURE=1, then the database tests on PostgreSQL), matrix check, test-asan, conformance, bench-check, test-newest
	$(MAKE) test-js
	@rm -rf $(RESULTS)
	$(call run_pytest,C extension,MIZAN_PURE=0 MIZAN_CAPABILITY_RESULTS=$(RESULTS)/c.json)
	$(call run_pytest,pure-Python twins,MIZAN_PURE=1 MIZAN_CAPABILITY_RESULTS=$(RESULTS)/pure.json,$(NO_BROWSER))
	$(call run_pytest,database tests on PostgreSQL (C extension),MIZAN_PURE=0,$(PG_TESTS) -m "not fastapi_adapter",$(WITH_POSTGRES))
	$(PY) -m afi.matrix check $(RESULTS)/c.json $(RESULTS)/pure.json
	$(MAKE) test-asan
	$(MAKE) conformance
	$(MAKE) bench-check
	$(MAKE) test-newest

test-c: build demo-assets  ## Only the C-extension pass of `make test`
	$(call run_pytest,C extension,MIZAN_PURE=0)

test-js: bootstrap  ## The browser runtime's unit tests (tests/js, Node's built-in runner; no npm packages)
	@echo "==> node --test: tests/js"
	node --test tests/js/

test-py: bootstrap demo-assets  ## Only the pure-Python pass (MIZAN_PURE=1; without the browser tests, which the C pass runs)
	$(call run_pytest,pure-Python twins,MIZAN_PURE=1,$(NO_BROWSER))

test-pure: test-py  ## Same as test-py

test-browser: build demo-assets  ## Only the browser tests: the demo under uvicorn, driven by headless chromium (tests/browser)
	$(call run_pytest,browser tests,MIZAN_PURE=0,$(BROWSER_TESTS))

test-postgres: build  ## Only the PostgreSQL pass: the tests that touch the Django database, on a throwaway server on loopback
	$(call run_pytest,database tests on PostgreSQL (C extension),MIZAN_PURE=0,$(PG_TESTS) -m "not fastapi_adapter",$(WITH_POSTGRES))

test-newest: bootstrap  ## The C-extension pass on the newest CPython found (3.14, 3.13 or 3.12) with the newest Django, in .venv-newest
	@rc=0; bash scripts/newest-venv.sh || rc=$$?; \
	if [ $$rc -eq 3 ]; then exit 0; elif [ $$rc -ne 0 ]; then exit $$rc; fi; \
	echo "==> pytest: C extension on $$(.venv-newest/bin/python -c 'import sys, django; print("Python %d.%d.%d" % sys.version_info[:3], "and Django", django.get_version())')"; \
	MIZAN_PURE=0 MIZAN_SUPPORT_MATRIX=newest .venv-newest/bin/python -m pytest $(PYTEST_ARGS) $(NO_BROWSER) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests (newest CPython): failing" >&2; fi; \
	exit $$rc

test-asan: bootstrap  ## Build with ASan/UBSan and run the C-touching tests under it (scripts/test-asan.sh)
	@echo "==> test-asan"
	PYTHON=$(PY) bash scripts/test-asan.sh

matrix: bootstrap  ## Rewrite the README's capability matrix from the results of the last `make test` (AFI-3)
	$(PY) -m afi.matrix write $(RESULTS)/c.json $(RESULTS)/pure.json

conformance: build  ## AFI jobs: live servers on loopback under uvicorn, and Mizan side by side with the original (django-izana)
	bash scripts/original-venv.sh
	$(call run_pytest,conformance jobs (C extension),MIZAN_PURE=0 AFI_JOBS=1,afi/jobs)
	$(call run_pytest,conformance jobs (pure-Python twins),MIZAN_PURE=1 AFI_JOBS=1,afi/jobs)

leaks: build  ## Reference-count and memory-growth checks of the extension (tests/leaks)
	$(call run_pytest,leaks,MIZAN_PURE=0,tests/leaks)

lint: bootstrap  ## clang-format check, cppcheck, ruff format --check, ruff check, mypy (mizan, mizan_fastapi)
	clang-format --dry-run -Werror $(C_SOURCES) $(C_HEADERS) $(BENCH_C)
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
		--inline-suppr -I src $(shell pkg-config --cflags-only-I jansson hiredis) \
		--suppress=missingIncludeSystem $(C_SOURCES)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy mizan mizan_fastapi

fmt: bootstrap  ## Reformat C (clang-format) and Python (ruff format, ruff check --fix)
	clang-format -i $(C_SOURCES) $(C_HEADERS) $(BENCH_C)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

demo: PROFILE = demo
demo: build demo-assets  ## Run the demo, Mizan Tasks (examples/demo, SQLite, uvicorn), on http://127.0.0.1:8000/ (PORT=...); sign in as alice or bob, password demo-pass
	cd $(DEMO) && $(CURDIR)/$(PY) manage.py migrate --noinput && $(CURDIR)/$(PY) manage.py seed_demo
	cd $(DEMO) && exec $(CURDIR)/$(PY) -m uvicorn demo_project.asgi:application --host $(HOST) --port $(PORT)

demo-assets: bootstrap $(DEMO_BUNDLE)  ## Type-check and build the demo's browser bundle (examples/demo/frontend -> demo_app/static/demo/board.js)

$(DEMO_BUNDLE): $(DEMO_SOURCES)
	@echo "==> demo-assets: the typed client from the demo's IR, tsc --noEmit, esbuild"
	@mkdir -p $(DEMO_FRONTEND)/build
	cd $(DEMO) && env -u DJANGO_SETTINGS_MODULE $(CURDIR)/$(PY) manage.py export_mizan_ir -o frontend/build/api.kdl
	$(PY) -m mizan.codegen $(DEMO_FRONTEND)/build/api.kdl -o $(DEMO_API) --runtime mizan-client
	cd $(DEMO_FRONTEND) && node_modules/.bin/tsc --noEmit -p . && node build.mjs

# The test profile: the dev extra holds FastAPI, uvicorn and its WebSocket protocol.
demo-fastapi: PROFILE = test
demo-fastapi: build demo-assets  ## The demo's FastAPI twin (examples/demo/fastapi_demo, uvicorn, SQLite) on http://127.0.0.1:8001/ (FASTAPI_PORT=...)
	cd $(DEMO) && $(CURDIR)/$(PY) -m uvicorn fastapi_demo.app:app --host $(HOST) --port $(FASTAPI_PORT)

bench: PROFILE = bench
bench: build  ## Every benchmark group side by side (core, json, django, http, ctx, redis, scale, ws, ssr); results in build/bench/
	@rm -rf build/bench
	@for group in $(BENCH_GROUPS); do echo "==> bench: $$group"; $(PY) -m benchmarks.$$group || exit 1; echo; done

bench-report: PROFILE = bench
bench-report: bench  ## make bench, then render docs/benchmarks.md, its charts and the README headline
	$(PY) -m benchmarks.report

bench-check: build  ## Fail on a > 10% instruction-count regression against benchmarks/baseline.json (callgrind)
	$(PY) -m benchmarks.check

bench-baseline: build  ## Measure and rewrite benchmarks/baseline.json (commit it with the change that moved it)
	$(PY) -m benchmarks.check --update

ci: test  ## Same as test (which already lints); kept for the STYLE B8 name

clean:  ## Remove build products, the compiled extension and caches (keeps .venv)
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	rm -f mizan/_speedups*.so src/*.o src/*.gcda src/*.gcno
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean  ## clean, and also remove the virtualenvs, the demo database and the SSR tests' node_modules
	rm -rf $(VENV) .venv-newest .venv-original $(DEMO)/db.sqlite3 $(DEMO)/fastapi_demo.sqlite3 $(DEMO)/media \
		$(DEMO_FRONTEND)/node_modules $(DEMO_FRONTEND)/build $(DEMO_API) $(DEMO_BUNDLE) $(DEMO_BUNDLE).map tests/ssr/node_modules
