"""Autocomplete latency: ``GET /api/v1/suggest`` over HTTP (TestClient) and in process, and the time
to build the index's vocabulary, on any index (a 10k-passage one from ``scale.py``).

Prefixes are what a person types on the way to a real question: the first 2, 3, ... letters of the
words of the dev and SweQuAD-MC questions, and the question typed so far word by word.

    .venv/bin/python benchmarks/suggest_latency.py --index /tmp/scale10k \\
        --queries ../shared/eval/dev_queries.jsonl --beir ../shared/eval/swequad_mc --requests 2000
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.service import VaksamService
from api.settings import ApiSettings


def prefixes(questions: list[str], count: int, seed: int = 7) -> list[str]:
    typed: list[str] = []
    for question in questions:
        words = question.rstrip("?").split()
        for i, word in enumerate(words):
            lead = " ".join(words[:i])
            typed += [f"{lead} {word[:n]}".strip() for n in range(2, len(word) + 1)]
    random.Random(seed).shuffle(typed)
    return (typed * (count // max(1, len(typed)) + 1))[:count]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms, max {ordered[-1]:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--collection", default="vaksam")
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--beir", type=Path)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    questions = [json.loads(line)["query"] for line in args.queries.read_text().splitlines() if line.strip()]
    if args.beir:
        questions += [json.loads(line)["text"] for line in (args.beir / "queries.jsonl").read_text().splitlines()]
    typed = prefixes(questions, args.requests)
    settings = ApiSettings(qdrant_path=args.index, collection=args.collection, rate_limit=0, _env_file=None)
    service = VaksamService(settings)
    try:
        started = time.perf_counter()
        words = service.words.build()
        build_s = time.perf_counter() - started
        passages = service.store.count_passages()
        print(
            f"index: {passages} passages; vocabulary: {len(words.vocabulary)} words, "
            f"{len(words.vocabulary.phrases)} phrases, built in {build_s:.2f} s"
        )
        service.words.current()
        in_process = []
        for text in typed:
            t = time.perf_counter()
            service.suggest(text, 8)
            in_process.append((time.perf_counter() - t) * 1000)
        print(f"in process, {len(typed)} prefixes: {percentiles(in_process)}")
        with TestClient(create_app(settings=settings, service=service)) as client:
            http, server = [], []
            for text in typed:
                t = time.perf_counter()
                body = client.get("/api/v1/suggest", params={"q": text}).json()
                http.append((time.perf_counter() - t) * 1000)
                server.append(body["took_ms"])
        print(f"HTTP (TestClient), {len(typed)} requests: {percentiles(http)}; server's took_ms: {percentiles(server)}")
    finally:
        service.close()


if __name__ == "__main__":
    main()
