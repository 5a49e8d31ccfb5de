"""An offline reranker from the e5 model alone: the best window of adjacent sentences.

Each candidate's sentences are embedded in overlapping windows of ``window``
sentences at query time, and the passage is re-scored by its best window's
similarity to the query, mixed with its fused score (``weight``). It asks whether
an answer spread over two sentences ("Vandringen i Alby ... Till mötet kom
40 personer.") is judged better together than passage-wide or one sentence at a time.

Measured (``vaksam eval --compare``, dev questions): hybrid MRR@10 .743, hybrid + this
reranker .730 at ~25x the latency (before headings were recovered it gained .009). It does
not win, so it is not the default; it stays selectable (``VAKSAM_RERANK=sentence-window``)
and in the comparison, so a later model can be measured against it.

Usage::

    reranker = SentenceWindowReranker(encoder, window=2, weight=0.5)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from search.embedding.encoder import Encoder
from search.rerank.base import Reranker
from search.store import ScoredPassage
from search.text import sentence_texts


def sentence_windows(text: str, window: int) -> list[str]:
    sentences = sentence_texts(text) or [text]
    if len(sentences) <= window:
        return [" ".join(sentences)]
    return [" ".join(sentences[i : i + window]) for i in range(len(sentences) - window + 1)]


class SentenceWindowReranker(Reranker):
    name = "sentence-window"

    def __init__(self, encoder: Encoder, window: int = 2, weight: float = 0.5) -> None:
        self.encoder = encoder
        self.window = window
        self.weight = weight

    def scores(self, query: str, items: Sequence[ScoredPassage]) -> list[float]:
        query_vector = self.encoder.encode_query(query)
        windows = [sentence_windows(item.passage.text, self.window) for item in items]
        vectors = self.encoder.encode_passages([w for group in windows for w in group])
        best, at = [], 0
        for group in windows:
            best.append(float(np.max(vectors[at : at + len(group)] @ query_vector)))
            at += len(group)
        fused = [item.score for item in items]
        return [self.weight * _scaled(best)[i] + (1 - self.weight) * _scaled(fused)[i] for i in range(len(items))]


def _scaled(values: list[float]) -> list[float]:
    lo, hi = min(values), max(values)
    return [(v - lo) / (hi - lo) if hi > lo else 1.0 for v in values]
