# kliping: `make crawl` and `make test` set themselves up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
KLIPING_CORPUS ?= ../shared/corpus
export KLIPING_CORPUS
# pywb gets its own virtualenv: it pins redis 2.10.6, which breaks scrapy-redis in .venv.
PYWB_VENV := .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed

.PHONY: setup crawl test lint typecheck unit demo eval bench chaos lock clean debs pywb lock-pywb

setup: $(STAMP)

# The virtualenv, built from the lock file so a fresh machine gets exactly what was tested. Its
# bytecode is compiled once here: where PYTHONDONTWRITEBYTECODE is set, every process (the tests
# start hundreds) would otherwise compile Scrapy, Twisted and the rest from source again.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# pywb (wayback) for the replay tests, in .venv-pywb from requirements-pywb.lock.
pywb: $(PYWB_STAMP)

$(PYWB_STAMP): requirements-pywb.lock $(STAMP)
	test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(PYWB_VENV)/bin/python requirements-pywb.lock
	touch $@

# Debian packages the tests need (each as command:package): a real redis-server for the scale-out
# tests, systemd-analyze to verify the systemd units of docs/scheduling.md, chromium for the
# health report's browser check, prometheus-pushgateway for the metrics push. Tests skip, saying
# why, without them.
DEBS := redis-server:redis-server systemd-analyze:systemd chromium:chromium prometheus-pushgateway:prometheus-pushgateway

debs:
	@missing=""; for pair in $(DEBS); do command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "note:$$missing missing and not root; the tests that need them will skip" >&2; fi; \
	fi

# The main job: crawl every configured outlet, output on local disk under data/.
crawl: $(STAMP)
	$(BIN)/kliping crawl --output data

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

# The tests on TEST_WORKERS processes (pytest-xdist; 0 runs them in pytest's own process). A test
# file stays on one process, so a crawl its tests share runs once; every server in the tests binds
# an ephemeral port and every test works in its own tmp dir, so the processes do not meet.
TEST_WORKERS ?= 2

unit: $(STAMP) debs $(PYWB_STAMP)
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

test: lint typecheck unit

# The same crawl, offline, against the replay web serving the saved corpus; output in data/demo/.
# The replay web takes a free port (DEMO_PORT=N: that port, if free); the demo ends with a note on
# its 404s: links to pages the corpus never saved (replayweb/demo.py).
DEMO_PORT ?= 0
demo: $(STAMP)
	@test -f $(KLIPING_CORPUS)/MANIFEST.tsv || { echo "demo: no corpus at $(KLIPING_CORPUS) (set KLIPING_CORPUS)" >&2; exit 2; }
	$(BIN)/python -m replayweb.demo --manifest $(KLIPING_CORPUS)/MANIFEST.tsv --output data/demo --port $(DEMO_PORT)

# Extraction quality: one side-by-side table (kliping, Trafilatura with kliping's settings, plain
# Trafilatura) over Trafilatura's real-world suite, the shared corpus and the held-out pages, with
# the slowest page; then the corpus scored by the shared evaluator (tools/eval_extraction.py).
eval: $(STAMP)
	$(BIN)/python -m extract.sidebyside --corpus $(KLIPING_CORPUS)
	@echo "shared scorer on the corpus:"
	$(BIN)/python -m extract.evaluate $(KLIPING_CORPUS) --show 0 | tail -1

bench: $(STAMP)
	$(BIN)/python -m bench

# The chaos soak (chaos/, docs/reliability.md "Chaos soak"): kill -9, stops, a full disk, restarted
# and frozen Redis, a frozen S3 over a 2,000-article synthetic web; ~15-30 min per seed. Not in
# `make test`. Results are appended to chaos/results/<date>.md. Exit 1 when it finds anything.
CHAOS_SEEDS ?= 1 2 3
CHAOS_ARGS ?=
chaos: $(STAMP) debs
	$(BIN)/python -m chaos $(foreach seed,$(CHAOS_SEEDS),--seed $(seed)) $(CHAOS_ARGS)

# Re-resolve the lock file from pyproject.toml (needs the package index).
lock: $(STAMP)
	$(BIN)/uv pip compile --quiet --python-version 3.11 --extra dev pyproject.toml -o requirements.lock

# Re-resolve the pywb lock file from requirements-pywb.in.
lock-pywb: $(STAMP)
	$(BIN)/uv pip compile --quiet --python-version 3.11 requirements-pywb.in -o requirements-pywb.lock

clean:
	rm -rf $(VENV) $(PYWB_VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
