"""Median and p95 latency of queries over the current index, in process and over HTTP.

Usage (after `make ingest`)::

    .venv/bin/python benchmarks/query_latency.py --queries ../shared/eval/dev_queries.jsonl --runs 50
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.service import VaksamService
from api.settings import get_settings


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    questions = [json.loads(line)["query"] for line in args.queries.read_text().splitlines() if line.strip()]
    service = VaksamService(get_settings())
    service.search("uppvärmning")  # load the model and open the index first
    # Distinct-looking queries: append the run number so the query cache never answers.
    stream = [f"{q} {i}" for i, q in zip(range(args.runs), itertools.cycle(questions), strict=False)]
    in_process = []
    for q in stream:
        started = time.perf_counter()
        service.search(q, limit=10)
        in_process.append((time.perf_counter() - started) * 1000)
    http = []
    with TestClient(create_app(service=service)) as client:
        for q in stream:
            q = q + " http"
            started = time.perf_counter()
            client.get("/api/search", params={"q": q, "limit": 10}).raise_for_status()
            http.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"runs": args.runs, "service": _percentiles(in_process), "http": _percentiles(http)}))


if __name__ == "__main__":
    main()
