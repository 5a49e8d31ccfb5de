"""BM25 as Qdrant sparse vectors: the project computes term weights, Qdrant adds IDF.

A passage's vector holds, for every term, BM25's saturated term frequency
``tf·(k1+1) / (tf + k1·(1 - b + b·len/avg_len))``; the collection's sparse vector
uses ``Modifier.IDF``, so Qdrant multiplies by ``ln(1 + (N - n + 0.5)/(n + 0.5))``
from its own live statistics and no corpus-wide pass is needed at ingest. A query's
vector holds 1.0 per distinct term. ``avg_len`` is fixed rather than measured per
collection (as Qdrant's own BM25 does): passages are cut to a token budget, so
their term counts cluster tightly (median 69 terms on the bundled corpus).

Title and section headings are added to each passage with ``context_weight``: they
say what a bare "Till mötet kom 40 personer." is about (dev MRR@10 of BM25
.619 -> .639 at weight 1, SweQuAD-MC unchanged).

Term ids are the first four bytes of a BLAKE2b hash: stable across processes and
machines (Python's ``hash`` is salted) and with negligible collisions at 2^32.

Usage::

    encoder = SparseEncoder(SwedishAnalyzer.default())
    vector = encoder.encode_passage("Till mötet kom 40 personer.", context="Trygghetsvandring i Alby")
    query = encoder.encode_query("Hur många gick trygghetsvandringen i Alby?")
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from search.lexical.analyzer import SwedishAnalyzer

K1 = 1.2
B = 0.75
AVG_TERMS = 70.0


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]

    def __len__(self) -> int:
        return len(self.indices)


@lru_cache(maxsize=500_000)
def term_id(term: str) -> int:
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "little")


class SparseEncoder:
    """Passages and queries to BM25-weighted sparse vectors."""

    def __init__(
        self,
        analyzer: SwedishAnalyzer,
        *,
        k1: float = K1,
        b: float = B,
        avg_terms: float = AVG_TERMS,
        context_weight: float = 1.0,
    ) -> None:
        self.analyzer = analyzer
        self.k1, self.b, self.avg_terms = k1, b, avg_terms
        self.context_weight = context_weight

    def _weights(self, counts: dict[str, float], length: float) -> SparseVector:
        norm = self.k1 * (1 - self.b + self.b * length / self.avg_terms)
        merged: dict[int, float] = {}
        for term, tf in counts.items():
            key = term_id(term)
            merged[key] = merged.get(key, 0.0) + tf * (self.k1 + 1) / (tf + norm)
        items = sorted(merged.items())
        return SparseVector([k for k, _ in items], [round(v, 5) for _, v in items])

    def encode_passage(self, text: str, context: str = "") -> SparseVector:
        counts: dict[str, float] = dict(Counter(self.analyzer.terms(text)))
        length = float(sum(counts.values()))
        if context and self.context_weight:
            for term, n in Counter(self.analyzer.terms(context)).items():
                counts[term] = counts.get(term, 0.0) + self.context_weight * n
        return self._weights(counts, length)

    def encode_query(self, text: str) -> SparseVector:
        ids = sorted({term_id(t) for t in self.analyzer.terms(text)})
        return SparseVector(ids, [1.0] * len(ids))


def sparse_encoder_from_settings(settings) -> SparseEncoder:
    """The lexical encoder ``settings`` describe (the weight of titles and headings)."""
    return SparseEncoder(SwedishAnalyzer.default(), context_weight=settings.lexical_context_weight)
