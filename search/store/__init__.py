"""The Qdrant index behind one class, embedded on disk or on a server.

The store holds Vaksam's index logic (versions swapped without a mixed state, shared passages,
filters, candidate retrieval); the engine under it (:mod:`search.engines`) only runs requests:
Qdrant's Rust engine in process by default, a Qdrant server, or qdrant-client's local mode.

Two collections: ``<name>`` holds one point per passage, ``<name>_documents`` one
vector-less point per document. A passage point carries three vectors:

* ``dense``: the passage embedding (HNSW, cosine);
* ``sentences``: one embedding per sentence, compared by max-sim and never indexed
  (``m=0``): it only re-scores candidates, so long passages are judged by their best
  sentence rather than by an average that blurs it;
* ``lexical``: BM25 term weights from :mod:`search.lexical`, with Qdrant's IDF modifier.

The model name, vector size and schema version live in the passage collection's
metadata; opening the index with another model or an older layout is refused,
because mixing vector spaces silently ruins every result.

The class is built in layers, one module each (:mod:`.base`, :mod:`.reads`, :mod:`.integrity`,
:mod:`.sharing`, :mod:`.journal`, :mod:`.writes`, :mod:`.retrieval`); the layout lives in
:mod:`.schema`.

Usage::

    store = QdrantStore.from_settings(settings)  # engine from VAKSAM_QDRANT_URL / VAKSAM_INDEX_ENGINE
    store.ensure_collections(model_name="intfloat/multilingual-e5-small", dimension=384)
    store.replace_document(doc, passages, PassageVectors(dense, sparse, sentences))
    candidates = store.candidates(query_vector, query_sparse, limit=100, filters=filters)
"""

from __future__ import annotations

from search.ranking.scored import DENSE, LEXICAL, SENTENCES, SIGNALS, ScoredPassage
from search.store.retrieval import RetrievalStore
from search.store.schema import (
    DOCUMENT_COLLECTION_SPEC,
    JOURNAL_KEY,
    JOURNAL_POINT,
    LIVE,
    SCHEMA,
    STAGED,
    STATE,
    UNSEARCHED_DOCUMENT_FIELDS,
    IndexLockedError,
    ModelMismatchError,
    PassageVectors,
    SchemaMismatchError,
    StoreError,
    build_filter,
    document_point_id,
    passage_collection_spec,
    passage_point_id,
)


class QdrantStore(RetrievalStore):
    """Passages and documents in Qdrant; the only module that talks to the engine."""


__all__ = [
    "DENSE",
    "DOCUMENT_COLLECTION_SPEC",
    "JOURNAL_KEY",
    "JOURNAL_POINT",
    "LEXICAL",
    "LIVE",
    "SCHEMA",
    "SENTENCES",
    "SIGNALS",
    "STAGED",
    "STATE",
    "UNSEARCHED_DOCUMENT_FIELDS",
    "IndexLockedError",
    "ModelMismatchError",
    "PassageVectors",
    "QdrantStore",
    "SchemaMismatchError",
    "ScoredPassage",
    "StoreError",
    "build_filter",
    "document_point_id",
    "passage_collection_spec",
    "passage_point_id",
]
