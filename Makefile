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

# axe-core, pinned in package.json and package-lock.json, for the accessibility test (injected
# into the pages by Playwright; nothing is loaded from a CDN).
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --ignore-scripts --no-audit --no-fund --silent && touch $@; \
	else echo "npm is not installed: the axe-core test will be skipped (apt-get install npm)"; fi

setup: $(STAMP) $(AXE)

sample: setup
	$(BIN)/localret publish

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf public var .pytest_cache node_modules
