"""Query answering: embed the question, ask the store, shape and deduplicate the hits.

The store is asked for more passages than requested (``OVERFETCH``) so that
hits whose text another, better hit already shows (the same sentence in two
renderings, a passage inside a longer one) can be dropped without leaving the
page short: a result list never shows the same text twice.

Usage::

    searcher = Searcher(encoder, store)
    result = searcher.search("Vilka kommuner har infört MVP i skolan?", limit=5)
    counts = searcher.facets("MVP i skolan")
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict

from search.embedding.encoder import Encoder
from search.filters import FACET_FIELDS, SearchFilters
from search.records import DocumentRef, Hit, SearchResult
from search.store import QdrantStore, ScoredPassage
from search.text import best_snippet, fold

OVERFETCH = 2
FACET_DEPTH = 100
_TOKEN = re.compile(r"[a-z0-9]+")


def _compact(text: str) -> str:
    return "".join(_TOKEN.findall(fold(text)))


def deduplicate(items: list[ScoredPassage]) -> list[ScoredPassage]:
    """Drop hits whose text equals or lies inside a better hit's text (after folding)."""
    kept: list[ScoredPassage] = []
    texts: list[str] = []
    for item in items:
        compact = _compact(item.passage.text)
        if any(compact in t for t in texts):
            continue
        kept.append(item)
        texts.append(compact)
    return kept


class Searcher:
    """Dense retrieval with the model's query prompt, filters, and deduplicated hits."""

    def __init__(self, encoder: Encoder, store: QdrantStore) -> None:
        self.encoder = encoder
        self.store = store

    def search(self, query: str, limit: int = 10, *, filters: SearchFilters | None = None) -> SearchResult:
        started = time.perf_counter()
        vector = self.encoder.encode_query(query)
        scored = deduplicate(self.store.search(vector, limit=limit * OVERFETCH, filters=filters))[:limit]
        hits = [self._hit(item, query) for item in scored]
        took_ms = (time.perf_counter() - started) * 1000
        return SearchResult(query=query, took_ms=round(took_ms, 2), total=len(hits), hits=hits)

    def facets(self, query: str | None, filters: SearchFilters | None = None) -> dict[str, dict[str, int]]:
        """Documents per facet value: among the best ``FACET_DEPTH`` passages for a query, or over
        the whole index without one. Counts are documents, so "MVP (12)" means twelve documents."""
        documents: dict[str, dict] = {}
        if query:
            vector = self.encoder.encode_query(query)
            for item in self.store.search(vector, limit=FACET_DEPTH, filters=filters):
                p = item.passage
                documents.setdefault(
                    p.document_id,
                    {
                        "organisation": p.organisation,
                        "document_type": p.document_type,
                        "programs": p.programs,
                        "year": p.year,
                        "language": item.document.language if item.document else p.language,
                    },
                )
        else:
            for d in self.store.list_documents():
                if d.status == "indexed":
                    documents[d.id] = {f: getattr(d, f) for f in FACET_FIELDS}
        counts: dict[str, Counter] = defaultdict(Counter)
        for values in documents.values():
            for facet in FACET_FIELDS:
                value = values.get(facet)
                for v in value if isinstance(value, list) else [value]:
                    if v not in (None, ""):
                        counts[facet][str(v)] += 1
        return {facet: dict(counts[facet].most_common()) for facet in FACET_FIELDS}

    @staticmethod
    def _hit(item: ScoredPassage, query: str) -> Hit:
        p, d = item.passage, item.document
        ref = DocumentRef(
            id=p.document_id,
            title=d.title if d else p.document_id,
            source=d.source if d else "",
            language=d.language if d else p.language,
            source_url=d.source_url if d else None,
            organisation=d.organisation if d else None,
            document_type=d.document_type if d else None,
            date=d.date if d else None,
        )
        return Hit(
            id=p.id,
            score=round(item.score, 6),
            text=p.text,
            snippet=best_snippet(p.text, query),
            page=p.page,
            section=p.section,
            start=p.start,
            end=p.end,
            language=p.language,
            # where else this text appears: documents sharing the passage, and near-duplicate copies
            also_in=sorted({*p.also_in, *(d.duplicates if d else [])}),
            programs=p.programs,
            document=ref,
        )
