"""Reranking: an interface and its implementations, chosen by ``VAKSAM_RERANK``."""

from __future__ import annotations

from search.modes import RerankMode
from search.rerank.base import Reranker


def load_reranker(settings, encoder) -> Reranker | None:
    """The reranker ``settings.rerank`` names, or None when it is off."""
    mode = RerankMode(settings.rerank)
    if mode is RerankMode.NONE:
        return None
    if mode is RerankMode.CROSS_ENCODER:
        if not settings.rerank_model:
            raise ValueError("VAKSAM_RERANK=cross-encoder needs VAKSAM_RERANK_MODEL (a local CrossEncoder folder)")
        from search.rerank.cross_encoder import CrossEncoderReranker

        return CrossEncoderReranker(settings.rerank_model)
    from search.rerank.sentence_window import SentenceWindowReranker

    return SentenceWindowReranker(encoder)


__all__ = ["Reranker", "load_reranker"]
