# zkproof developer entry points. Everything a fresh clone needs is installed from here:
# Python packages from PyPI into .venv, the npm test peers into tools/npm/node_modules.
PY      ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
PIP     := $(VPY) -m pip
NPM_DIR := tools/npm
PYTEST_ARGS ?=

.PHONY: demo test test-fast test-slow lint bench tools page browser install install-test clean

$(VPY):
	$(PY) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Editable install; builds the native kernel with gcc (falls back to pure Python if it cannot).
$(VENV)/.installed: pyproject.toml setup.py $(wildcard zkproof/_native/*.c zkproof/_native/*.h zkproof/_native/*/*.c zkproof/_native/*/*.h) | $(VPY)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install --quiet -e '.[test,evm,scale]'
	touch $@

$(NPM_DIR)/node_modules/.installed: $(NPM_DIR)/package.json $(NPM_DIR)/package-lock.json
	cd $(NPM_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The verification page's built assets (zkproof/page/assets/, git-ignored): circomlibjs'
# Poseidon bundled with the page's code by esbuild, snarkjs' browser build; all pinned in tools/npm.
PAGE_ASSETS := zkproof/page/assets/ASSETS.json
$(PAGE_ASSETS): $(NPM_DIR)/node_modules/.installed zkproof/page/build.mjs $(wildcard zkproof/page/src/*.js)
	node zkproof/page/build.mjs $(NPM_DIR)/node_modules

# A real browser for the page's tests: Debian's chromium, installed only when it is missing.
/usr/bin/chromium:
	apt-get update && apt-get install -y chromium

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
tools: $(NPM_DIR)/node_modules/.installed $(PAGE_ASSETS)
page: $(PAGE_ASSETS)
browser: /usr/bin/chromium

## make demo: create .venv, install, build the holders' page assets, run the end-to-end demo
demo: install page
	$(VENV)/bin/zkproof demo --out demo-out

## make test: install test tools (pip + npm + the page's assets + Debian's chromium for the
## `browser` tests) and run the whole suite (slow tests excluded),
## one pytest worker per core (pytest-xdist); shared caches under .cache/ are file-locked.
test: install-test tools browser
	$(VENV)/bin/ruff check zkproof circuits tests bench scripts setup.py
	$(VPY) -m pytest -m "not slow" -n auto --timeout 1800 $(PYTEST_ARGS)

## make test-slow: only the tests marked slow (full-capacity batches, big ceremonies)
test-slow: install-test tools browser
	$(VPY) -m pytest -m slow -n auto $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check zkproof circuits tests bench scripts setup.py

## make bench: side-by-side benchmarks against snarkjs and arkworks. groth16py (arkworks,
## GPL-3.0) is a benchmark peer only: installed here, never a dependency of zkproof.
bench: install-test tools
	$(PIP) install --quiet groth16py==0.2.0
	$(VPY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(NPM_DIR)/node_modules zkproof/page/assets build *.egg-info .pytest_cache
