"""Evidence from a passage's whole document, judged as ``priors.py`` judges.

Of the 41 real-corpus questions the hybrid default does not answer first, 18 put another document's
passage first ("Where the misses are" in benchmarks/README.md). Passage retrieval has a textbook
answer to that kind of miss: score a passage with its document's evidence too, ``score(p) + gamma *
score(d)`` (Callan's passage-level evidence turned round; document context in passage retrieval).
Two forms of ``score(d)``, fixed before the run:

- **From the candidates** (CombSUM at the document level): the mean of the document's three best
  fused candidate scores, a missing one counting 0. A document with several passages that match the
  question gains over one with a single lucky match. Costs nothing: the candidates are at hand.
- **A document vector**: the cosine of the question and the mean of all the document's passage
  vectors, min-max scaled over the candidates. It judges the document as a whole, not only the
  passages that were retrieved. In the product it would be a vector per document written at ingest;
  here it is built from the stored passage vectors (cached per document).

Every passage of a document gains the same, so the order within a document is production's; only
the order across documents moves. The stage runs after proximity, before dedupe. SweQuAD-MC is reported
by split: training (the tuning split) apart from dev and test (judging). Takes ``priors.py``'s
arguments; the results are in benchmarks/README.md ("Evidence from the whole document")::

    .venv/bin/python -m benchmarks.document_evidence --queries ../shared/eval/dev_queries.jsonl \\
        eval/bundled_queries.jsonl --held-out eval/real_queries.jsonl eval/real_queries_2.jsonl \\
        eval/real_queries_3.jsonl --held-out-index /tmp/real --beir ../shared/eval/swequad_mc --as-files \\
        --english eval/swequad_mc_english.jsonl --no-diacritics
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from benchmarks.priors import before_dedupe, main
from search.embedding.encoder import Encoder
from search.ranking.base import ALL_MODES, RankingQuery, RankingStage
from search.ranking.fusion import minmax
from search.ranking.scored import DENSE, ScoredPassage
from search.searcher import Searcher
from search.store.retrieval import RetrievalStore

TOP = 3


class CandidateEvidence(RankingStage):
    """Each candidate's score plus ``gamma`` times the mean of its document's ``TOP`` best scores."""

    name = "document evidence"
    modes = ALL_MODES

    def __init__(self, gamma: float) -> None:
        self.gamma = gamma

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        by_document: dict[str, list[float]] = defaultdict(list)
        for item in items:
            by_document[item.passage.document_id].append(item.score)
        evidence = {doc: sum(sorted(scores, reverse=True)[:TOP]) / TOP for doc, scores in by_document.items()}
        rescored = [item.rescored(item.score + self.gamma * evidence[item.passage.document_id]) for item in items]
        return sorted(rescored, key=lambda item: -item.score)


class DocumentVector(RankingStage):
    """Each candidate's score plus ``gamma`` times its document vector's similarity to the question,
    min-max scaled over the candidates."""

    name = "document vector"
    modes = ALL_MODES

    def __init__(self, store: RetrievalStore, encoder: Encoder, gamma: float) -> None:
        self.store, self.encoder, self.gamma = store, encoder, gamma
        self.cache: dict[str, np.ndarray | None] = {}

    def centroid(self, document_id: str) -> np.ndarray | None:
        if document_id not in self.cache:
            ids = [p.id for p in self.store.document_passages(document_id)]
            found = self.store.engine.retrieve(self.store.collection, ids, with_vectors=[DENSE]) if ids else []
            vectors = [np.asarray(r.vector[DENSE], dtype=np.float32) for r in found if isinstance(r.vector, dict)]
            mean = np.mean(vectors, axis=0) if vectors else None
            self.cache[document_id] = None if mean is None else mean / (np.linalg.norm(mean) or 1.0)
        return self.cache[document_id]

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        if not items:
            return items
        question = self.encoder.encode_query(query.text)
        centroids = [self.centroid(item.passage.document_id) for item in items]
        similarity = minmax([None if c is None else float(c @ question) for c in centroids])
        rescored = [item.rescored(item.score + self.gamma * s) for item, s in zip(items, similarity, strict=True)]
        return sorted(rescored, key=lambda item: -item.score)


VARIANTS: dict[str, Callable[[Searcher], None] | None] = {
    "production": None,
    "candidates' evidence, gamma .2": before_dedupe(lambda s: CandidateEvidence(0.2)),
    "candidates' evidence, gamma .5": before_dedupe(lambda s: CandidateEvidence(0.5)),
    "document vector, gamma .1": before_dedupe(lambda s: DocumentVector(s.store, s.encoder, 0.1)),
    "document vector, gamma .3": before_dedupe(lambda s: DocumentVector(s.store, s.encoder, 0.3)),
}


if __name__ == "__main__":
    main(VARIANTS, by_split=True)
