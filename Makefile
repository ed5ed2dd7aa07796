# The two commands: `make run` (dashboard on the embedded demo data) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test test-fast bench bench-quick demo-data screenshots clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not browser"

demo-data: $(STAMP)
	$(BIN)/python -m ccdash.data.demo --seed 42 --out data

bench: $(STAMP)
	$(BIN)/python -m bench.run --scales 100k,1M,10M --out docs/benchmarks.md
	$(BIN)/python -m bench.browser --scale 1M --out docs/benchmarks-browser.md

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --scales 100k --baseline-scales 100k --quick --big-ingest-rows 0 --out bench/cache/quick.md

screenshots: $(STAMP)
	CCDASH_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser -k page_draws

clean:
	rm -rf $(VENV) .pytest_cache bench/cache
