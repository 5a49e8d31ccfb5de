"""Signals from a passage's context, judged as ``priors.py`` judges: dense pseudo-relevance
feedback, neighbour context and a heading vector.

Three textbook ideas that use what a search already has, none chosen from a held-out question:

- **Dense pseudo-relevance feedback** (Rocchio on the e5 vectors): the question's vector moves
  towards the centroid of the ``k`` best fused candidates, ``q' = q + beta * c``. For unit passage
  vectors ``q'.v = q.v + beta * c.v``, so each candidate's passage similarity gains
  ``beta * c.v`` and fusion runs again over the same candidates (no second search).
- **Neighbour context**: a passage whose neighbours in its document (the passages before and after
  it) also score well is more likely to sit in the part of the document the question is about; its
  fused score gains ``gamma`` times the better neighbour's, as in passage retrieval that mixes
  passage and surrounding evidence. A document names its topic before the details (a heading and
  its opening, then the figures, names and dates), so a second form only looks back: a passage
  gains from the one before it.
- **A heading vector** (multi-field retrieval, as BM25F does for words): the passage's document
  title and section path embedded on their own, a third dense signal beside the passage and its
  best sentence. The lexical side already reads headings; the dense side only sees them where a
  passage starts with one. Here they are embedded at question time (cached per heading); in the
  product they would be a named vector written at ingest.

SweQuAD-MC is reported by split: training (the tuning split) apart from dev and test (judging).
Takes ``priors.py``'s arguments; the results are in benchmarks/README.md ("Feedback, neighbour
context, a heading vector and diversity")::

    .venv/bin/python -m benchmarks.context --queries ../shared/eval/dev_queries.jsonl \\
        eval/bundled_queries.jsonl --held-out eval/real_queries.jsonl --held-out-index /tmp/real \\
        --beir ../shared/eval/swequad_mc --as-files --english eval/swequad_mc_english.jsonl --no-diacritics
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from benchmarks.priors import before_dedupe, fuse_replaced, main
from search.embedding.encoder import Encoder
from search.ranking.base import ALL_MODES, RankingQuery, RankingStage
from search.ranking.fusion import Fuse, dense_scores, minmax
from search.ranking.scored import DENSE, SENTENCES, ScoredPassage
from search.searcher import Searcher
from search.store.retrieval import RetrievalStore


class FeedbackFuse(Fuse):
    """Fusion, then the passage similarity of every candidate moved by the best ``k``'s centroid,
    then fusion again."""

    def __init__(self, base: Fuse, k: int, beta: float) -> None:
        super().__init__(base.fusion, base.dense_weight, base.analyzer)
        self.k, self.beta = k, beta

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        first = super().run(items, query)
        top = [item.vector for item in first[: self.k] if item.vector is not None]
        if not top or any(item.vector is None for item in first):
            return first
        centroid = np.mean(top, axis=0)
        moved = [
            item.rescored(item.score, **{DENSE: item.signals[DENSE] + self.beta * float(item.vector @ centroid)})
            if DENSE in item.signals and item.vector is not None
            else item
            for item in first
        ]
        return super().run(moved, query)


class NeighbourContext(RankingStage):
    """Each candidate's score plus ``gamma`` times the better of its neighbours' (0 when a
    neighbour is not a candidate); ``back_only``: the passage before it only."""

    name = "neighbours"
    modes = ALL_MODES

    def __init__(self, gamma: float, back_only: bool = False) -> None:
        self.gamma = gamma
        self.offsets = (-1,) if back_only else (-1, 1)

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        at = {(item.passage.document_id, item.passage.index): item.score for item in items}

        def neighbour(item: ScoredPassage) -> float:
            where = item.passage.document_id, item.passage.index
            return max(at.get((where[0], where[1] + offset), 0.0) for offset in self.offsets)

        rescored = [item.rescored(item.score + self.gamma * neighbour(item)) for item in items]
        return sorted(rescored, key=lambda item: -item.score)


class HeadingFuse(Fuse):
    """Fusion whose dense side also counts the similarity of the question to the passage's title and
    section path, with ``weight`` against 1 for the passage and 1 for its best sentence."""

    def __init__(self, base: Fuse, encoder: Encoder, weight: float) -> None:
        super().__init__(base.fusion, base.dense_weight, base.analyzer)
        self.encoder, self.weight = encoder, weight
        self.cache: dict[str, np.ndarray] = {}

    def heading(self, item: ScoredPassage) -> str:
        title = item.document.title if item.document is not None else ""
        return " › ".join(part for part in [title, *item.passage.section] if part)

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        if not items or DENSE not in items[0].signals:
            return super().run(items, query)
        headings = [self.heading(item) for item in items]
        new = sorted({h for h in headings if h and h not in self.cache})
        if new:
            self.cache.update(zip(new, self.encoder.encode_passages(new), strict=True))
        question = self.encoder.encode_query(query.text)
        heading = minmax([float(self.cache[h] @ question) if h else None for h in headings])
        # Production's dense side (passage and best sentence, one each) with the heading beside them.
        sides = zip(dense_scores(items), heading, strict=True)
        dense = [(2 * d + self.weight * h) / (2 + self.weight) for d, h in sides]
        # The dense side as one signal, the sentence signal folded into it: fusion then min-maxes it again.
        merged = [item.rescored(item.score, **{DENSE: d, SENTENCES: d}) for item, d in zip(items, dense, strict=True)]
        return super().run(merged, query)


def _headings(weight: float) -> Callable[[Searcher], None]:
    def apply(searcher: Searcher) -> None:
        fuse = searcher.pipeline.stage("fuse")
        assert isinstance(fuse, Fuse), "needs the production pipeline"
        searcher.pipeline = searcher.pipeline.replacing(HeadingFuse(fuse, searcher.encoder, weight))

    return apply


def with_vectors() -> None:
    """Every search fetches the candidates' passage vectors (production's ranking does not read them)."""
    candidates = RetrievalStore.candidates

    def fetching(self, vector, sparse, **kwargs):
        kwargs["with_vectors"] = True
        return candidates(self, vector, sparse, **kwargs)

    RetrievalStore.candidates = fetching  # type: ignore[method-assign]


VARIANTS: dict[str, Callable[[Searcher], None] | None] = {
    "production": None,
    "dense feedback, k 3, beta .5": fuse_replaced(lambda f: FeedbackFuse(f, 3, 0.5)),
    "dense feedback, k 5, beta 1": fuse_replaced(lambda f: FeedbackFuse(f, 5, 1.0)),
    "neighbour context, gamma .2": before_dedupe(lambda s: NeighbourContext(0.2)),
    "neighbour context, gamma .4": before_dedupe(lambda s: NeighbourContext(0.4)),
    "the passage before, gamma .3": before_dedupe(lambda s: NeighbourContext(0.3, back_only=True)),
    "heading vector, weight .5": _headings(0.5),
    "heading vector, weight 1": _headings(1.0),
}


if __name__ == "__main__":
    with_vectors()
    main(VARIANTS, by_split=True)
