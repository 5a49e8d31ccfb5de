"""Encoder backends side by side: passages per second, query latency, and what they cost in quality.

Speed: the same real passages (the bundled corpus, chunked as ingest does) embedded by each
backend at several batch sizes, best of ``--repeats`` runs. Quality (with ``--queries`` and/or
``--beir``): each backend indexes and searches the shared sets in a throwaway index, hybrid mode,
so the loss is measured where users see it.

Usage::

    .venv/bin/python benchmarks/encoder.py --backends torch onnx onnx-int8 --batch-sizes 8 16 32
    .venv/bin/python benchmarks/encoder.py --queries ../shared/eval/dev_queries.jsonl --beir ../shared/eval/swequad_mc
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from api.evaluation import evaluate_beir, evaluate_queries
from api.service import VaksamService
from ingest.chunking import chunk_document
from ingest.cleaning import clean_document
from ingest.parsing import parse_file
from search.embedding.encoder import Encoder
from search.modes import EncoderBackend
from search.settings import Settings


def corpus_passages(folder: Path, encoder: Encoder, tokens: int, limit: int) -> list[str]:
    texts: list[str] = []
    for path in sorted(folder.iterdir()):
        parsed = parse_file(path)
        clean_document(parsed)
        _, chunks = chunk_document(parsed, encoder.token_lengths, tokens, encoder.max_tokens)
        texts.extend(c.text for c in chunks)
    return texts[:limit]


def speed(encoder: Encoder, passages: list[str], batch_size: int, repeats: int) -> float:
    encoder.batch_size = batch_size
    encoder.encode_passages(passages[:batch_size])  # warm up
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        encoder.encode_passages(passages)
        runs.append(time.perf_counter() - started)
    return len(passages) / min(runs)


def query_ms(encoder: Encoder, queries: list[str]) -> float:
    times = []
    for q in queries:
        started = time.perf_counter()
        encoder._encode([q], encoder._query_prompt)  # past the LRU cache
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=[b.value for b in EncoderBackend])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[16])
    parser.add_argument("--passages", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    parser.add_argument("--queries", type=Path, help="dev questions (gold strings) for the quality check")
    parser.add_argument("--beir", type=Path, help="a BEIR folder for the quality check")
    args = parser.parse_args()

    rows = []
    passages: list[str] = []
    for backend in args.backends:
        settings = Settings(encoder_backend=EncoderBackend(backend), _env_file=None)
        encoder = Encoder.load(settings)
        if not passages:
            passages = corpus_passages(args.corpus, encoder, settings.passage_tokens, args.passages)
        row: dict = {"backend": backend, "passages": len(passages)}
        for size in args.batch_sizes:
            row[f"passages_per_s@{size}"] = round(speed(encoder, passages, size, args.repeats), 1)
        row["query_ms"] = round(query_ms(encoder, [p[:80] for p in passages[:50]]), 2)
        encoder.batch_size = settings.batch_size
        with tempfile.TemporaryDirectory(prefix="vaksam-encoder-") as tmp:
            service = VaksamService(settings.model_copy(update={"qdrant_path": Path(tmp)}), encoder=encoder)
            try:
                if args.queries:
                    service.ingest([args.corpus], progress=False)
                    report = evaluate_queries(service, args.queries)
                    row["dev_mrr@10"] = round(report.metrics["mrr@10"], 3)
                    row["dev_ndcg@10"] = round(report.metrics["ndcg@10"], 3)
                if args.beir:
                    (report,) = evaluate_beir(service, args.beir, progress=False)
                    row["beir_ndcg@10"] = round(report.metrics["ndcg@10"], 3)
            finally:
                service.close()
        rows.append(row)
        print(json.dumps(row), flush=True)
    base = rows[0]
    for row in rows[1:]:
        for key in [k for k in row if k.startswith("passages_per_s")]:
            print(f"{row['backend']} vs {base['backend']} {key}: x{row[key] / base[key]:.2f}")


if __name__ == "__main__":
    main()
