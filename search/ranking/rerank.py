"""The reranking stage: a model re-scores the best candidates, off by default.

A reranker sees the query and the fused, deduplicated candidates and returns the first
``top_k`` in a new order with new scores; the rest keep their place below. ``VAKSAM_RERANK``
chooses one: ``cross-encoder`` with a local model folder in ``VAKSAM_RERANK_MODEL``, or
``late-interaction``, which reads the embedding model's token vectors.

Usage::

    reranker = load_reranker(settings, encoder)   # None when VAKSAM_RERANK is "none"
    ranked = reranker.rerank("Vem skrev förordet?", candidates, top_k=20)
    stage = Rerank(reranker, depth=20)            # the same as a pipeline stage
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING

from search.modes import RerankMode
from search.ranking.base import ALL_MODES, RankingQuery, RankingStage
from search.ranking.scored import ScoredPassage

if TYPE_CHECKING:
    from search.embedding.encoder import Encoder


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
        return [head[i].rescored(new[i]) for i in order] + tail


class Rerank(RankingStage):
    """The configured reranker over the best ``depth`` candidates."""

    name = "rerank"
    modes = ALL_MODES

    def __init__(self, reranker: Reranker, depth: int = 20) -> None:
        self.reranker = reranker
        self.depth = depth

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        return self.reranker.rerank(query.text, items, self.depth)

    def __repr__(self) -> str:
        return f"Rerank({self.reranker.name}, depth={self.depth})"


def load_reranker(settings, encoder: Encoder | None = None) -> Reranker | None:
    """The reranker ``settings.rerank`` names, or None when it is off; late interaction reads
    ``encoder``'s token vectors."""
    mode = RerankMode(settings.rerank)
    if mode is RerankMode.NONE:
        return None
    if mode is RerankMode.LATE_INTERACTION:
        if encoder is None:
            raise ValueError("VAKSAM_RERANK=late-interaction needs the embedding model (an Encoder)")
        from search.ranking.late_interaction import LateInteractionReranker

        return LateInteractionReranker(encoder)
    if not settings.rerank_model:
        raise ValueError("VAKSAM_RERANK=cross-encoder needs VAKSAM_RERANK_MODEL (a local CrossEncoder folder)")
    from search.ranking.cross_encoder import CrossEncoderReranker

    return CrossEncoderReranker(settings.rerank_model)
