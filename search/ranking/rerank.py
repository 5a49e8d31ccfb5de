"""The reranking stage: a model re-scores the best candidates of the questions it reads.

A reranker sees the query and the fused, deduplicated candidates and returns the first
``top_k`` in a new order with new scores; the rest keep their place below. ``VAKSAM_RERANK``
chooses one: ``late-interaction`` (the default), which reads the embedding model's token vectors
and by default only English questions, ``cross-encoder`` with a local model folder in
``VAKSAM_RERANK_MODEL``, or ``none``. ``VAKSAM_RERANK_LANGUAGES`` overrides the languages a
reranker reads.

Usage::

    reranker = load_reranker(settings, encoder)   # None when VAKSAM_RERANK is "none"
    ranked = reranker.rerank("Who wrote the foreword?", candidates, top_k=20)
    stage = Rerank(reranker, depth=20)            # as a pipeline stage, for the reranker's own languages
    every = Rerank(reranker, languages=())        # every question (VAKSAM_RERANK_LANGUAGES="")
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from search.language import question_language
from search.modes import RerankMode
from search.ranking.base import ALL_MODES, RankingQuery, RankingStage
from search.ranking.scored import ScoredPassage

if TYPE_CHECKING:
    from search.embedding.encoder import Encoder


class Reranker(ABC):
    """Re-scores the best candidates of a search."""

    name: str = "reranker"
    # The questions it reads by default, as langdetect names their language; empty: every question.
    languages: frozenset[str] = frozenset()

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
    """The configured reranker over the best ``depth`` candidates, for the questions langdetect finds
    in one of ``languages`` (None: the reranker's own; empty: every question); the others keep the
    fused order."""

    name = "rerank"
    modes = ALL_MODES

    def __init__(self, reranker: Reranker, depth: int = 20, languages: Collection[str] | None = None) -> None:
        self.reranker = reranker
        self.depth = depth
        self.languages = reranker.languages if languages is None else frozenset(languages)

    def reads(self, question: str) -> bool:
        """Whether this question goes to the reranker."""
        return not self.languages or question_language(question) in self.languages

    def keeps_first(self, limit: int) -> bool:
        """Whether the first ``limit`` passages are the same ones with or without it: it re-orders
        only the first ``depth``, so what counts them and not their order (facets) can skip it."""
        return self.depth <= limit

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        if not self.reads(query.text):
            return items
        return self.reranker.rerank(query.text, items, self.depth)

    def __repr__(self) -> str:
        only = f", languages={sorted(self.languages)}" if self.languages else ""
        return f"Rerank({self.reranker.name}, depth={self.depth}{only})"


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
