"""Late interaction over the embedding model's own token vectors: the default reranker, for
English questions.

ColBERT's MaxSim reads question and passage word by word: every question token finds its most
similar passage token, and the passage scores the mean of those similarities. Here the token vectors
are the ones e5 mean-pools into its passage vector, so no second model is needed; each of the best
candidates gains ``weight`` times its MaxSim, min-max scaled over them, on top of its fused score.
English questions over Swedish text are where it pays: +.089 MRR@10 on 40 English questions over the
real corpus and +.057 on SweQuAD-MC asked in English (p < .01 and .01); Swedish questions change
little either way, and encoding the candidates at query time costs x17 to x25 a search's latency, so
it reads only the questions langdetect finds English (``VAKSAM_RERANK_LANGUAGES`` says otherwise;
benchmarks/README.md, "Late interaction over e5's token vectors").

Usage::

    reranker = LateInteractionReranker(encoder)    # VAKSAM_RERANK=late-interaction
    ranked = reranker.rerank("Which municipality trained its school staff?", candidates, top_k=20)
"""

from __future__ import annotations

from collections.abc import Sequence

from search.embedding.encoder import Encoder
from search.ranking.fusion import minmax
from search.ranking.rerank import Reranker
from search.ranking.scored import ScoredPassage

WEIGHT = 0.3


class LateInteractionReranker(Reranker):
    name = "late-interaction"
    languages = frozenset({"en"})

    def __init__(self, encoder: Encoder, weight: float = WEIGHT) -> None:
        self.encoder = encoder
        self.weight = weight

    def maxsim(self, query: str, texts: Sequence[str]) -> list[float]:
        """Each text's mean, over the question's tokens, of the best cosine with one of its tokens."""
        question = self.encoder.token_vectors([query], passage=False)[0]
        return [float((question @ tokens.T).max(axis=1).mean()) for tokens in self.encoder.token_vectors(texts)]

    def scores(self, query: str, items: Sequence[ScoredPassage]) -> list[float]:
        scaled = minmax(self.maxsim(query, [item.passage.text for item in items]))
        return [item.score + self.weight * s for item, s in zip(items, scaled, strict=True)]
