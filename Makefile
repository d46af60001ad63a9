# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DB ?= ticketloop.duckdb
PORT ?= 8501
BENCH_EVENTS ?= 1000000
# Two workers, each given a run of tests in file order and taking over the rest of the other's
# when done (worksteal): a module-scoped server, such as the browser tests', starts once per worker.
WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(WORKERS) --dist worksteal

.PHONY: install demo test test-slow lint format sample lock bench bench-parts bench-mining clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	# our own bytecode too: every command starts 20-30 ms sooner where none is written on import
	$(BIN)/python -m compileall -q store ingest mining application dashboard ticketloop
	touch $@

demo: install  ## load the sample data set and start the dashboard on $(PORT)
	$(BIN)/ticketloop demo --db $(DB) --port $(PORT)

test: install  ## lint, then the test suite but for its slow cases (`make test-slow`; CI runs both)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PYTEST) -m "not slow"

test-slow: install  ## the slow cases `make test` leaves out
	$(PYTEST) -m slow

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

sample: install  ## regenerate sample_logs/ from the generators, both desks (same seed, same bytes)
	$(BIN)/ticketloop generate --tickets 5000 --seed 7 --out sample_logs --vendors
	$(BIN)/ticketloop generate --process complaints --tickets 2000 --seed 7 --out sample_logs

bench: install  ## issue 19's goals in one run, ok or short, beside pm4py and the floor (BENCH_EVENTS=10000000 for 10M)
	$(BIN)/python benchmarks/goals.py --events $(BENCH_EVENTS)

bench-parts: install  ## the generator's, the ingest's and the dashboard's benchmarks, in detail
	$(BIN)/python benchmarks/generate.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/dashboard.py --tickets 111000

bench-mining: install  ## mining and KPIs on 1,000,000 events, beside pm4py's and pandas' routes
	$(BIN)/python benchmarks/mining.py
	$(BIN)/python -m benchmarks.kpis

lock: install  ## re-pin every dependency
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
