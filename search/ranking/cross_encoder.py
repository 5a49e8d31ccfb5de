"""A sentence-transformers CrossEncoder, when one is configured (``VAKSAM_RERANK_MODEL``).

No multilingual cross-encoder can be downloaded on the machines Vaksam was built on,
so this is off by default; point the setting at a local model folder to use one.

Usage::

    reranker = CrossEncoderReranker("/models/my-swedish-cross-encoder")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from search.ranking.rerank import Reranker
from search.ranking.scored import ScoredPassage


class CrossEncoderReranker(Reranker):
    name = "cross-encoder"

    def __init__(self, model: str, batch_size: int = 16) -> None:
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(model, device="cpu", local_files_only=Path(model).is_dir())
        self.batch_size = batch_size

    def scores(self, query: str, items: Sequence[ScoredPassage]) -> list[float]:
        pairs = [(query, item.passage.text) for item in items]
        return [float(s) for s in self.model.predict(pairs, batch_size=self.batch_size, show_progress_bar=False)]
