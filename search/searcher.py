"""Query answering: embed the question, ask the store, shape the hits.

Usage::

    searcher = Searcher(encoder, store)
    result = searcher.search("Vilka kommuner har infört MVP i skolan?", limit=5)
"""

from __future__ import annotations

import time

from search.embedding.encoder import Encoder
from search.records import DocumentRef, Hit, SearchResult
from search.store import QdrantStore, ScoredPassage
from search.text import best_snippet


class Searcher:
    """Dense retrieval with the model's query prompt, filters on document and language."""

    def __init__(self, encoder: Encoder, store: QdrantStore) -> None:
        self.encoder = encoder
        self.store = store

    def search(
        self, query: str, limit: int = 10, *, document_id: str | None = None, language: str | None = None
    ) -> SearchResult:
        started = time.perf_counter()
        vector = self.encoder.encode_query(query)
        scored = self.store.search(vector, limit=limit, document_id=document_id, language=language)
        hits = [self._hit(item, query) for item in scored]
        took_ms = (time.perf_counter() - started) * 1000
        return SearchResult(query=query, took_ms=round(took_ms, 2), total=len(hits), hits=hits)

    @staticmethod
    def _hit(item: ScoredPassage, query: str) -> Hit:
        p, d = item.passage, item.document
        ref = DocumentRef(
            id=p.document_id,
            title=d.title if d else p.document_id,
            source=d.source if d else "",
            language=d.language if d else p.language,
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
            document=ref,
        )
