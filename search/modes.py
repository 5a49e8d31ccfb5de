"""The retrieval and fusion modes, as Enums so that a wrong value lists the valid ones."""

from __future__ import annotations

from enum import StrEnum


class Choice(StrEnum):
    """A StrEnum whose error for an unknown value lists the valid ones."""

    @classmethod
    def _missing_(cls, value: object):
        valid = ", ".join(m.value for m in cls)
        raise ValueError(f"{value!r} is not a valid {cls.__name__}; valid values: {valid}")


class SearchMode(Choice):
    """Which retrievers answer a query.

    * ``dense``: the e5 passage vector and the best-sentence vector;
    * ``sparse``: Swedish BM25 over Qdrant sparse vectors;
    * ``hybrid``: both, fused (the default).
    """

    DENSE = "dense"
    SPARSE = "sparse"
    HYBRID = "hybrid"


class Fusion(Choice):
    """How hybrid search turns per-signal scores into one ranking (see ``search/ranking/fusion.py``)."""

    WEIGHTED = "weighted"
    RRF = "rrf"
    DBSF = "dbsf"


class GroupBy(Choice):
    """How a result list may be grouped: ``document`` gives each document's best passages together;
    ``organisation`` gives each organisation's documents in date order, each with its best passages
    (precedents: "Vem har gjort det före oss?")."""

    DOCUMENT = "document"
    ORGANISATION = "organisation"


class SortOrder(Choice):
    """The order of hits: ``relevance`` (the default) or ``date`` (the relevant ones, newest first)."""

    RELEVANCE = "relevance"
    DATE = "date"


class RerankMode(Choice):
    """The reranking stage: ``late-interaction`` (the default: MaxSim over the embedding model's token
    vectors, no other model; English questions only unless ``VAKSAM_RERANK_LANGUAGES`` says otherwise),
    ``cross-encoder`` (needs a configured local model) or ``none``."""

    NONE = "none"
    CROSS_ENCODER = "cross-encoder"
    LATE_INTERACTION = "late-interaction"


class IndexEngine(Choice):
    """The embedded engine behind ``data/index`` (a Qdrant server, when configured, wins over both).

    * ``edge``: Qdrant's Rust engine in process (``qdrant-edge-py``), HNSW and payload indexes;
    * ``local``: qdrant-client's pure-Python local mode (a brute-force stand-in, for old folders).
    """

    EDGE = "edge"
    LOCAL = "local"


class EncoderBackend(Choice):
    """What runs the embedding model (see ``search/embedding/onnx_model.py`` for the numbers).

    * ``torch``: sentence-transformers on PyTorch, fp32;
    * ``onnx``: ONNX Runtime, fp32, exported from the local model folder;
    * ``onnx-int8``: ONNX Runtime with int8 weights (dynamic quantisation).
    """

    TORCH = "torch"
    ONNX = "onnx"
    ONNX_INT8 = "onnx-int8"
