"""Query-path micro-benchmarks with pytest-benchmark, over an index you choose.

Each stage of a search timed alone (query embedding past the cache, lexical encoding, the
engine's candidate batch, the whole search) so a regression points at its stage. Run on demand:

    .venv/bin/pytest benchmarks/test_query_speed.py --benchmark-only              # data/index
    VAKSAM_QDRANT_PATH=/tmp/scale10k .venv/bin/pytest benchmarks/test_query_speed.py --benchmark-only
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from api.service import VaksamService
from search.settings import Settings

QUESTIONS = Path("../shared/eval/dev_queries.jsonl")


@pytest.fixture(scope="module")
def service():
    service = VaksamService(Settings())
    if not service.store.count_passages():
        pytest.skip("the index is empty: run `make ingest` or set VAKSAM_QDRANT_PATH")
    yield service
    service.close()


@pytest.fixture(scope="module")
def questions() -> itertools.cycle:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines() if QUESTIONS.exists() else []
    found = [json.loads(line)["query"] for line in lines if line.strip()]
    return itertools.cycle(found or ["Vilka kommuner har infört MVP i skolan?"])


def test_query_embedding(benchmark, service, questions):
    encoder = service.encoder
    benchmark(lambda: encoder._encode([next(questions)], encoder._query_prompt))  # past the LRU cache


def test_lexical_query(benchmark, service, questions):
    benchmark(lambda: service.sparse_encoder.encode_query(next(questions)))


def test_candidate_batch(benchmark, service, questions):
    q = next(questions)
    dense, sparse = service.encoder.encode_query(q), service.sparse_encoder.encode_query(q)
    benchmark(lambda: service.store.candidates(dense, sparse, limit=service.settings.candidates))


def test_whole_search(benchmark, service, questions):
    benchmark(lambda: service.search(next(questions), limit=10))
