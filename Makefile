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

setup: $(STAMP)

sample: setup
	$(BIN)/localret publish

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf public var .pytest_cache
