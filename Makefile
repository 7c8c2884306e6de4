# medtrade: `make demo` builds the warehouse from ../shared/data and prints the corridor;
# `make test` runs the whole suite. Both create .venv and install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
DATA   ?= $(or $(MEDTRADE_DATA),../shared/data)

.PHONY: install java chromium demo test bench clean

install: $(STAMP) java

# Spark (the distributed path and its test) needs a Java runtime; Debian's is installed when absent.
java:
	@command -v java >/dev/null || { echo "installing a Java runtime (openjdk-17-jre-headless)"; \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; }

# The browser tests (dashboard, report) drive Debian's Chromium with Playwright; no browser download.
chromium:
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium"; \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: install
	$(BIN)/medtrade demo --data $(DATA) --warehouse demo.duckdb

test: install chromium
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/bench_load.py --data $(DATA) --repeat 5
	$(BIN)/python benchmarks/bench_analytics.py --rows 10000000 100000000 --repeat 11
	MEDTRADE_DATA=$(DATA) $(BIN)/python benchmarks/bench_forecast.py

clean:
	rm -rf $(VENV) demo.duckdb demo.duckdb.wal demo.duckdb.lock demo.duckdb.snapshots india-russia.html india-russia.xlsx .pytest_cache benchmarks/out
