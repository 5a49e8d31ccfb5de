"""Encoder backends side by side: passages per second, query latency, and what they cost in quality.

Speed: the same real passages (the bundled corpus, chunked as ingest does) embedded by each
backend at several batch sizes, best of ``--repeats`` runs. Quality (with ``--queries`` and/or
``--beir``): each backend indexes ``--corpus`` (one or more folders) in a throwaway index and searches
every question file, hybrid mode, so the loss is measured where users see it; each file's table gives
MRR@10 and hit@5 per backend with the paired sign-flip p of MRR@10 against the first backend.
``--int8-min-cosine 0`` keeps int8 running where the CPU check would fall back to fp32.

Usage::

    .venv/bin/python benchmarks/encoder.py --backends torch onnx onnx-int8 --batch-sizes 8 16 32
    .venv/bin/python benchmarks/encoder.py --queries ../shared/eval/dev_queries.jsonl --beir ../shared/eval/swequad_mc
    .venv/bin/python benchmarks/encoder.py --backends onnx onnx-int8 --repeats 0 --corpus data/corpus \
        --queries ../shared/eval/dev_queries.jsonl eval/bundled_queries.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from api.evaluation import EvalReport, evaluate_beir, evaluate_queries, paired_p
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
    parser.add_argument("--repeats", type=int, default=3, help="speed runs per batch size (0: no speed)")
    parser.add_argument("--corpus", type=Path, nargs="+", default=[Path("data/corpus")])
    parser.add_argument("--queries", type=Path, nargs="*", default=[], help="question files (gold strings)")
    parser.add_argument("--int8-min-cosine", type=float, help="the CPU check's floor (default: the setting's)")
    parser.add_argument("--beir", type=Path, help="a BEIR folder for the quality check")
    args = parser.parse_args()

    rows = []
    passages: list[str] = []
    reports: dict[str, list[EvalReport]] = {}
    for backend in args.backends:
        changes = {} if args.int8_min_cosine is None else {"int8_min_cosine": args.int8_min_cosine}
        settings = Settings(encoder_backend=EncoderBackend(backend), _env_file=None, **changes)
        encoder = Encoder.load(settings)
        row: dict = {"backend": backend, "precision": encoder.runtime.precision}
        if args.repeats:
            if not passages:
                passages = corpus_passages(args.corpus[0], encoder, settings.passage_tokens, args.passages)
            row["passages"] = len(passages)
            for size in args.batch_sizes:
                row[f"passages_per_s@{size}"] = round(speed(encoder, passages, size, args.repeats), 1)
            row["query_ms"] = round(query_ms(encoder, [p[:80] for p in passages[:50]]), 2)
        encoder.batch_size = settings.batch_size
        with tempfile.TemporaryDirectory(prefix="vaksam-encoder-") as tmp:
            service = VaksamService(settings.model_copy(update={"qdrant_path": Path(tmp)}), encoder=encoder)
            try:
                if args.queries:
                    service.ingest(args.corpus, progress=False)
                    reports[backend] = [evaluate_queries(service, path) for path in args.queries]
                    for report in reports[backend]:
                        row[f"{report.name.split(' [')[0]} mrr@10"] = round(report.metrics["mrr@10"], 3)
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
    if reports:
        print(paired_table(reports))


def paired_table(reports: dict[str, list[EvalReport]]) -> str:
    """Per question file, MRR@10 and hit@5 of each backend and the paired p of MRR@10 against the first."""
    backends = list(reports)
    lines = [f"{'questions':32}{'backend':>12}{'mrr@10':>9}{'hit@5':>8}{'p, mrr':>9}"]
    for i, reference in enumerate(reports[backends[0]]):
        for backend in backends:
            report = reports[backend][i]
            p = None if backend == backends[0] else paired_p(report, reference)
            name = report.name.split(" [")[0]
            lines.append(
                f"{name:32}{backend:>12}{report.metrics['mrr@10']:>9.3f}{report.metrics['hit@5']:>8.3f}"
                + (f"{p:>9.2f}" if p is not None else f"{'':>9}")
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
