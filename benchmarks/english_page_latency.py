"""What an English question costs the search page: ``/search`` and ``/facets`` at once (as
``api/static/app.js`` asks them), then the next page of hits, before and after facets skipped a
reranker that only re-orders what they count, late interaction remembered its scores and encoded
one passage a batch.

"Before" is the same code with all three turned off (no cache, facets running the reranker,
eight passages a batch for the token vectors), swapped into the same service's pipeline, so the two
alternate question by question; the order within each pair alternates too.
Reports medians and their ratio.

    VAKSAM_QDRANT_PATH=/tmp/real .venv/bin/python -m benchmarks.english_page_latency \\
        --queries eval/real_queries_english_2.jsonl
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from api.evaluation import load_queries
from api.service import VaksamService
from search.ranking.late_interaction import LateInteractionReranker
from search.ranking.rerank import Rerank
from search.settings import Settings


def page(service: VaksamService, pool: ThreadPoolExecutor, query: str) -> tuple[float, float]:
    """Milliseconds for the first page (search and facets at once) and for the next page."""
    started = time.perf_counter()
    hits = pool.submit(service.search, query, limit=10)
    facets = pool.submit(service.facets, query)
    hits.result(), facets.result()
    first = time.perf_counter() - started
    started = time.perf_counter()
    service.search(query, limit=10, offset=10)
    return first * 1000, (time.perf_counter() - started) * 1000


class _EveryCall(Rerank):
    """The stage as it was: facets ran it too."""

    def keeps_first(self, limit: int) -> bool:  # noqa: ARG002 - the signature it replaces
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, required=True)
    args = parser.parse_args()
    service = VaksamService(Settings())
    searcher = service.searcher
    stage = searcher.pipeline.stage("rerank")
    if not (isinstance(stage, Rerank) and isinstance(stage.reranker, LateInteractionReranker)):
        raise SystemExit("needs VAKSAM_RERANK=late-interaction (the default)")

    def fresh(label: str) -> Rerank:
        """A new stage for each question, so the cache holds no earlier search."""
        if label == "before":
            reranker = LateInteractionReranker(service.encoder, cache_size=0, batch_size=8)
            return _EveryCall(reranker, stage.depth, stage.languages)
        return Rerank(LateInteractionReranker(service.encoder), stage.depth, stage.languages)

    results: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    with ThreadPoolExecutor(max_workers=2) as pool:
        questions = [q["query"] for q in load_queries(args.queries)]
        service.search(questions[0])  # load the model, the index and langdetect
        for i, query in enumerate(questions):
            for label in ("before", "after") if i % 2 == 0 else ("after", "before"):
                searcher.pipeline = searcher.pipeline.replacing(fresh(label))
                results[label].append(page(service, pool, query))
    print(f"{len(questions)} questions, medians in ms")
    print("| code | first page (search and facets at once) | next page |")
    print("| --- | --- | --- |")
    medians = {k: [statistics.median(x[j] for x in v) for j in (0, 1)] for k, v in results.items()}
    for label, (first, following) in medians.items():
        print(f"| {label} | {first:.1f} | {following:.1f} |")
    ratio = [medians["after"][j] / medians["before"][j] for j in (0, 1)]
    print(f"| after / before | x{ratio[0]:.2f} | x{ratio[1]:.2f} |")
    service.close()


if __name__ == "__main__":
    main()
