"""The reranking stage: one interface, off by default.

A reranker sees the query and the fused, deduplicated candidates and returns them
in a new order with new scores. It only ever re-orders the first ``top_k``; the
rest keep their place below.

Usage::

    reranker = load_reranker(settings, encoder)   # None when VAKSAM_RERANK is "none"
    ranked = reranker.rerank("Vem skrev förordet?", candidates, top_k=20)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from search.store import ScoredPassage


class Reranker(ABC):
    """Re-scores the best candidates of a search."""

    name: str = "reranker"

    @abstractmethod
    def scores(self, query: str, items: Sequence[ScoredPassage]) -> list[float]:
        """A relevance score per item, higher is better."""

    def rerank(self, query: str, items: list[ScoredPassage], top_k: int = 20) -> list[ScoredPassage]:
        head, tail = items[:top_k], items[top_k:]
        if len(head) < 2:
            return items
        new = self.scores(query, head)
        order = sorted(range(len(head)), key=lambda i: -new[i])
        reranked = [
            ScoredPassage(round(float(new[i]), 6), head[i].passage, head[i].document, head[i].signals, head[i].vector)
            for i in order
        ]
        return reranked + tail
