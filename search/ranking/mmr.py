"""Maximal marginal relevance: on request, passages that say what a better one said move down.

Each pick maximises ``(1 - diversity)·relevance - diversity·(highest similarity to a passage
already picked)``, relevance being the score scaled to 0-1 and similarity the cosine of the
passages' dense vectors. Only a request's ``diversity`` (0-1) turns it on.

Usage::

    diverse = mmr(ranked, diversity=0.5, limit=10)
"""

from __future__ import annotations

import numpy as np

from search.ranking.base import ALL_MODES, RankingQuery, RankingStage
from search.ranking.scored import ScoredPassage


def mmr(items: list[ScoredPassage], diversity: float, limit: int) -> list[ScoredPassage]:
    """The first ``limit`` re-ordered by MMR, the rest after them; unchanged when an item lacks a vector."""
    if not items or not 0 < diversity <= 1 or any(i.vector is None for i in items):
        return items
    top = max(i.score for i in items)
    low = min(i.score for i in items)
    span = (top - low) or 1.0
    relevance = [(i.score - low) / span for i in items]
    vectors = np.stack([i.vector for i in items if i.vector is not None])
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    similarity = vectors @ vectors.T
    picked: list[int] = []
    left = list(range(len(items)))
    while left and len(picked) < limit:

        def value(i: int) -> float:
            redundancy = max((similarity[i, j] for j in picked), default=0.0)
            return (1 - diversity) * relevance[i] - diversity * redundancy

        best = max(left, key=value)
        picked.append(best)
        left.remove(best)
    return [items[i] for i in picked] + [items[i] for i in left]


class MaximalMarginalRelevance(RankingStage):
    """Runs only for a request that asks for ``diversity``; the store then returns the dense vectors."""

    name = "mmr"
    modes = ALL_MODES

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        return mmr(items, query.diversity, query.limit) if query.diversity else items
