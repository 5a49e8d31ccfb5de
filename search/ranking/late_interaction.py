"""Late interaction over the embedding model's own token vectors: the default reranker, for
English questions.

ColBERT's MaxSim reads question and passage word by word: every question token finds its most
similar passage token, and the passage scores the mean of those similarities. Here the token vectors
are the ones e5 mean-pools into its passage vector, so no second model is needed; each of the best
candidates gains ``weight`` times its MaxSim, min-max scaled over them, on top of its fused score.
English questions over Swedish text are where it pays: +.089 MRR@10 on 40 English questions over the
real corpus and +.057 on SweQuAD-MC asked in English (p < .01 and .01); Swedish questions change
little either way, and encoding the candidates at query time costs over ten times a search's latency
(one passage a batch, so nothing is padded), so it reads only the questions langdetect finds English
(``VAKSAM_RERANK_LANGUAGES`` says otherwise; benchmarks/README.md, "Late interaction over e5's token
vectors"). The same question over the same candidates (the next page of hits, a repeated search)
reuses its MaxSim scores from a small cache instead of encoding the passages again.

Usage::

    reranker = LateInteractionReranker(encoder)    # VAKSAM_RERANK=late-interaction
    ranked = reranker.rerank("Which municipality trained its school staff?", candidates, top_k=20)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from search.embedding.encoder import Encoder
from search.ranking.fusion import minmax
from search.ranking.rerank import Reranker
from search.ranking.scored import ScoredPassage

WEIGHT = 0.3
CACHE_SIZE = 256  # searches remembered: a key holds the candidates' texts, about 10 kB each
BATCH_SIZE = 1  # one passage a batch pads nothing: x0.74 the time of eight (benchmarks/README.md)


class LateInteractionReranker(Reranker):
    name = "late-interaction"
    languages = frozenset({"en"})

    def __init__(
        self, encoder: Encoder, weight: float = WEIGHT, cache_size: int = CACHE_SIZE, batch_size: int = BATCH_SIZE
    ) -> None:
        self.encoder = encoder
        self.weight = weight
        self.batch_size = batch_size
        self._cached_maxsim = lru_cache(maxsize=cache_size)(self._maxsim)

    def maxsim(self, query: str, texts: Sequence[str]) -> list[float]:
        """Each text's mean, over the question's tokens, of the best cosine with one of its tokens.
        Cached by question and texts in order, so a page reached later ranks as the first did even
        with several passages a batch (int8 activations are quantized per batch)."""
        return list(self._cached_maxsim(query, tuple(texts)))

    def _maxsim(self, query: str, texts: tuple[str, ...]) -> tuple[float, ...]:
        question = self.encoder.token_vectors([query], passage=False)[0]
        passages = self.encoder.token_vectors(texts, batch_size=self.batch_size)
        return tuple(float((question @ tokens.T).max(axis=1).mean()) for tokens in passages)

    def scores(self, query: str, items: Sequence[ScoredPassage]) -> list[float]:
        scaled = minmax(self.maxsim(query, [item.passage.text for item in items]))
        return [item.score + self.weight * s for item, s in zip(items, scaled, strict=True)]
