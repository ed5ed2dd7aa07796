# The two commands: `make run` (dashboard on the embedded demo data) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test lint test-spark test-fast bench bench-hostile bench-quick demo-data screenshots clean

DEV_STAMP := $(VENV)/.installed-dev

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

# The test and check tools (pytest, playwright, ruff, mypy, import-linter) on top of the runtime.
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $(DEV_STAMP)

run: $(STAMP)
	$(BIN)/python -m ccdash serve --port $(PORT)

# Lint, format and types first (seconds), then the suite: unit, AppTest and browser tests.
test: lint
	$(BIN)/python -m pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The named queries on a real Spark cluster: full pyspark (which ships the cluster's jars and scripts) into the
# venv, a standalone master, two workers and a Spark Connect server on loopback, the tests, then the cluster
# stops. Without Java it says so and stops (in CI it fails: .ci/run installs a JRE).
SPARK_STAMP := $(VENV)/.spark-installed
$(SPARK_STAMP): $(DEV_STAMP) requirements-spark-test.txt
	$(BIN)/python -m pip install -q -r requirements-spark-test.txt -c requirements.txt
	touch $(SPARK_STAMP)

test-spark: $(DEV_STAMP)
	@if ! command -v java >/dev/null 2>&1; then \
	  if [ "$$CI" = "true" ]; then echo "test-spark: Java is missing in CI (.ci/run installs openjdk-17-jre-headless)" >&2; exit 1; fi; \
	  echo "test-spark: skipped: Java is absent (apt-get install openjdk-17-jre-headless)"; exit 0; fi; \
	$(MAKE) --no-print-directory $(SPARK_STAMP) && \
	deploy/spark/cluster.sh start $(BIN)/python && \
	{ CCDASH_SPARK_URL=sc://127.0.0.1:15002 $(BIN)/python -m pytest -m spark tests/spark; rc=$$?; \
	  deploy/spark/cluster.sh stop $(BIN)/python >/dev/null; exit $$rc; }

test-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest -m "not browser and not spark"

demo-data: $(STAMP)
	$(BIN)/python -m ccdash.data.demo --seed 42 --out src/ccdash/shipped/demo

bench: $(DEV_STAMP) $(SPARK_STAMP)
	$(BIN)/python -m bench.run --scales 100k,1M,10M,100M --spark --out docs/benchmarks.md
	$(BIN)/python -m bench.browser --scale 1M --out docs/benchmarks-browser.md
	$(BIN)/python -m bench.sync --out docs/benchmarks-sync.md
	$(BIN)/python -m bench.start --data bench/cache/10M-partitioned --data bench/cache/100M

# Files built to exhaust memory (bombs, a huge value, JSON at its limit): peak memory of each ingest.
bench-hostile: $(DEV_STAMP)
	$(BIN)/python -m bench.hostile --out docs/benchmarks-hostile.md

bench-quick: $(DEV_STAMP)
	$(BIN)/python -m bench.run --scales 100k --baseline-scales 100k --quick --big-ingest-rows 0 --out bench/cache/quick.md

screenshots: $(DEV_STAMP)
	CCDASH_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser -k "page_draws or wall_fills or tour_advances"

clean:
	rm -rf $(VENV) .pytest_cache bench/cache
