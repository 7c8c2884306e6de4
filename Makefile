# medtrade: `make demo` builds the warehouse from ../shared/data and prints the corridor;
# `make test` runs the whole suite. Both create .venv and install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
DATA   ?= $(or $(MEDTRADE_DATA),../shared/data)

.PHONY: install demo test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: install
	$(BIN)/medtrade demo --data $(DATA) --warehouse demo.duckdb

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/bench_load.py --data $(DATA) --repeat 5

clean:
	rm -rf $(VENV) demo.duckdb demo.duckdb.wal .pytest_cache benchmarks/out
