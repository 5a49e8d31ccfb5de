"""How query latency, memory and disk grow with the index: a synthetic corpus derived from the real one.

Each synthetic passage is a real one (``--source``: an index built by ``vaksam ingest``) with its
dense and sentence vectors moved by Gaussian noise and renormalised, a fifth of its lexical terms
swapped for other terms of the real vocabulary, and its own document (a copy of the real
document's record, other organisation and year). So the vectors keep the real corpus's shape,
clusters and term statistics rather than being uniform noise, which HNSW finds too easily.

The index grows in steps (``--sizes``); at each size the engine builds its indexes (timed), then
``--queries`` real questions (SweQuAD-MC and the dev set, embedded once) run as the API runs them:
the hybrid candidate batch of :meth:`QdrantStore.candidates`, without and with a payload filter.
Reported per size: build seconds, p50/p95 ms, process RSS and index size on disk.

Usage::

    .venv/bin/python benchmarks/scale.py --sizes 10000 100000 --queries 200
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from qdrant_client import models

from search.embedding.encoder import Encoder
from search.filters import SearchFilters
from search.lexical.sparse import SparseVector, sparse_encoder_from_settings
from search.modes import IndexEngine
from search.records import DocumentRecord
from search.settings import Settings
from search.store import LEXICAL, QdrantStore, document_point_id

ORGANISATIONS = ["Botkyrka kommun", "Göteborgs stad", "Umeå kommun", "Malmö stad", "MUCF", "Länsstyrelsen"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def disk_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def load_source(store: QdrantStore) -> tuple[list, list[DocumentRecord]]:
    records, offset = [], None
    while True:
        page, offset = store.engine.scroll(store.collection, None, limit=512, offset=offset, with_vectors=True)
        records.extend(page)
        if offset is None:
            break
    return records, store.list_documents()


def _noisy(vectors: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    moved = vectors + rng.normal(scale=sigma, size=vectors.shape).astype(np.float32)
    return moved / np.linalg.norm(moved, axis=-1, keepdims=True)


def synthetic_points(source: list, start: int, count: int, vocabulary: np.ndarray, rng, sigma: float) -> list:
    points = []
    for k in range(start, start + count):
        base = source[k % len(source)]
        copy = k // len(source)
        vec = base.vector
        dense = _noisy(np.asarray(vec["dense"], dtype=np.float32), rng, sigma)
        sentences = _noisy(np.asarray(vec["sentences"], dtype=np.float32), rng, sigma)
        lexical = vec.get(LEXICAL)
        vector: dict = {"dense": dense.tolist(), "sentences": sentences.tolist()}
        if lexical is not None and len(lexical.indices):
            indices = np.asarray(lexical.indices)
            swap = rng.random(len(indices)) < 0.2
            indices = np.where(swap, rng.choice(vocabulary, size=len(indices)), indices)
            indices, first = np.unique(indices, return_index=True)
            values = np.asarray(lexical.values)[first]
            vector[LEXICAL] = models.SparseVector(indices=indices.tolist(), values=values.tolist())
        payload = dict(base.payload)
        payload["document_id"] = f"{payload['document_id']}~{copy}"
        payload["organisation"] = (
            ORGANISATIONS[(copy + k) % len(ORGANISATIONS)] if copy else payload.get("organisation")
        )
        payload["year"] = 2010 + (copy % 15) if copy else payload.get("year")
        points.append(
            models.PointStruct(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"synthetic:{k}")), vector=vector, payload=payload)
        )
    return points


def synthetic_documents(documents: list[DocumentRecord], copies: range) -> list[models.PointStruct]:
    out = []
    for copy in copies:
        for doc in documents:
            if copy == 0:
                continue
            record = doc.model_copy(update={"id": f"{doc.id}~{copy}", "title": f"{doc.title} ({copy})"})
            out.append(
                models.PointStruct(id=document_point_id(record.id), vector={}, payload=record.model_dump(mode="json"))
            )
    return out


def measure(
    store: QdrantStore, queries: list[tuple[np.ndarray, SparseVector]], filters: SearchFilters | None, limit: int
) -> dict:
    times = []
    for dense, sparse in queries:
        started = time.perf_counter()
        store.candidates(dense, sparse, limit=limit, filters=filters)
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("data/index"), help="an index built by vaksam ingest")
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--question-files",
        nargs="+",
        type=Path,
        default=[Path("../shared/eval/swequad_mc/queries.jsonl"), Path("../shared/eval/dev_queries.jsonl")],
    )
    parser.add_argument("--sigma", type=float, default=0.03, help="noise added to each vector coordinate")
    parser.add_argument("--candidates", nargs="+", type=int, default=[50], help="VAKSAM_CANDIDATES values to time")
    parser.add_argument("--folder", type=Path, help="where the synthetic index goes (default: a temporary folder)")
    args = parser.parse_args()

    settings = Settings(_env_file=None)
    source_store = QdrantStore.from_settings(settings.model_copy(update={"qdrant_path": args.source}))
    source, documents = load_source(source_store)
    source_store.close()
    if not source:
        raise SystemExit(f"{args.source} holds no passages: run `vaksam ingest` first")
    vocabulary = np.unique(
        np.concatenate([np.asarray(r.vector[LEXICAL].indices) for r in source if LEXICAL in r.vector])
    )
    questions = []
    for path in args.question_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                questions.append(item.get("text") or item.get("query"))
    questions = questions[: args.queries]
    encoder = Encoder.load(settings)
    sparse = sparse_encoder_from_settings(settings)
    queries = [(encoder.encode_query(q), sparse.encode_query(q)) for q in questions]

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="vaksam-scale-") as tmp:
        folder = args.folder or Path(tmp)
        store = QdrantStore.from_settings(
            settings.model_copy(update={"qdrant_path": folder, "index_engine": IndexEngine.EDGE, "qdrant_url": None})
        )
        store.ensure_collections(encoder.name, encoder.dimension)
        written, copies_done = 0, 0
        print(
            json.dumps(
                {
                    "source_passages": len(source),
                    "documents": len(documents),
                    "queries": len(queries),
                    "rss_mb_with_model": round(rss_mb()),
                }
            ),
            flush=True,
        )
        for size in sorted(args.sizes):
            started = time.perf_counter()
            while written < size:
                count = min(2000, size - written)
                store.engine.upsert(
                    store.collection, synthetic_points(source, written, count, vocabulary, rng, args.sigma)
                )
                written += count
            copies = (written - 1) // len(source) + 1
            store.engine.upsert(store.documents_collection, synthetic_documents(documents, range(copies_done, copies)))
            copies_done = copies
            write_s = time.perf_counter() - started
            started = time.perf_counter()
            store.optimize()
            build_s = time.perf_counter() - started
            row = {
                "passages": written,
                "write_s": round(write_s, 1),
                "optimize_s": round(build_s, 1),
                **{f"hybrid@{n}": measure(store, queries, None, n) for n in args.candidates},
                **{
                    f"filtered@{n}": measure(store, queries, SearchFilters(organisation="Göteborgs stad"), n)
                    for n in args.candidates
                },
                "rss_mb": round(rss_mb()),
                "disk_mb": round(disk_mb(folder)),
            }
            print(json.dumps(row), flush=True)
        store.close()
    os.sync()


if __name__ == "__main__":
    main()
