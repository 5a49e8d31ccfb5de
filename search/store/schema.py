"""The index's layout: collections, vectors, point ids, payload filters and the errors that say
an index does not fit.

Two collections: ``<name>`` holds one point per passage, ``<name>_documents`` one vector-less
point per document (and the run journal's pages). The model name, vector size and schema version
live in the passage collection's metadata.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from qdrant_client import models

from search.engines import CollectionSpec
from search.filters import SearchFilters
from search.lexical.sparse import SparseVector
from search.ranking.scored import DENSE, LEXICAL, SENTENCES
from search.records import HIDDEN_DOCUMENT_FIELDS, point_id

UPSERT_BATCH = 256
SCROLL_PAGE = 512
SCHEMA = 3  # 1: one unnamed dense vector; 2: dense + sentences + lexical; 3: staged/live as a keyword
STATE, LIVE, STAGED = "state", "live", "staged"  # a keyword: qdrant-edge 0.9 cannot match booleans


class StoreError(RuntimeError):
    """Base class for index problems a user can act on."""


class ModelMismatchError(StoreError):
    """The collection was built with another embedding model."""


class IndexLockedError(StoreError):
    """Another process has the embedded index open."""


class SchemaMismatchError(StoreError):
    """The collection was built by an older Vaksam with another vector layout."""


@dataclass(frozen=True)
class PassageVectors:
    """Everything the index needs to find a document's passages, aligned with the passages."""

    dense: np.ndarray
    sparse: Sequence[SparseVector] | None = None
    sentences: Sequence[np.ndarray] | None = None

    def __post_init__(self) -> None:
        n = len(self.dense)
        for name in ("sparse", "sentences"):
            other = getattr(self, name)
            if other is not None and len(other) != n:
                raise ValueError(f"{n} dense vectors but {len(other)} {name} vectors")


@functools.lru_cache(maxsize=16_384)  # a search looks up the records of ~60 documents
def document_point_id(document_id: str) -> str:
    return point_id(f"document:{document_id}")


# Document records, with the index that lets the engine count them by status (/healthz, /metrics):
# 1,516 records counted in 0.24 ms with it, 8.0 ms without (`ensure_collections` adds it to older indexes).
DOCUMENT_COLLECTION_SPEC = CollectionSpec(indexes={"status": models.PayloadSchemaType.KEYWORD})

# What searches never read of a document record: the fields API answers leave out and the
# cleaning audit. The MinHash signature alone is two thirds of a record's bytes on the real corpus.
UNSEARCHED_DOCUMENT_FIELDS = (*HIDDEN_DOCUMENT_FIELDS, "cleaning", "corrections")

# The run journal: points in the documents collection, beside the records, holding the ids of
# the documents an unfinished run was changing (see Ingestor). Their payload has no "id". A run
# adds one page of new ids per write rather than rewriting one point with all of them: rewriting
# made the journal quadratic in the run.
JOURNAL_POINT = point_id("journal:pending-documents")  # the one journal point of earlier versions
JOURNAL_KEY = "pending_documents"
JOURNAL_PAGE, PENDING = "journal_page", "pending"  # the tag every journal page carries


def passage_collection_spec(
    model_name: str,
    dimension: int,
    *,
    on_disk: bool = False,
    quantization: bool = False,
    shards: int = 1,
    replicas: int = 1,
) -> CollectionSpec:
    """The passage collection: three vectors, the payload indexes filters use, the model in metadata.

    ``on_disk`` memory-maps the sentence vectors (on e5-small ~5 per passage, 80% of the vector
    bytes; they only re-score the ~200 candidates of a query, so reading them from the page cache
    costs little); ``quantization`` keeps int8 copies of the dense vectors for the HNSW search."""
    cosine = models.Distance.COSINE
    keyword = models.PayloadSchemaType.KEYWORD
    indexes = dict.fromkeys(
        ("document_id", "language", "fingerprint", "also_in", "organisation", "document_type", "programs", STATE),
        keyword,
    )
    indexes["year"] = models.PayloadSchemaType.INTEGER
    return CollectionSpec(
        vectors={
            DENSE: models.VectorParams(size=dimension, distance=cosine),
            SENTENCES: models.VectorParams(
                size=dimension,
                distance=cosine,
                multivector_config=models.MultiVectorConfig(comparator=models.MultiVectorComparator.MAX_SIM),
                hnsw_config=models.HnswConfigDiff(m=0),  # re-scoring only, never searched
                on_disk=on_disk or None,
            ),
        },
        sparse_vectors={LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        indexes=indexes,
        metadata={"model": model_name, "dimension": dimension, "schema": SCHEMA},
        quantization=quantization,
        shards=shards,
        replicas=replicas,
    )


def point_vectors(vectors: PassageVectors, i: int) -> dict:
    out: dict = {DENSE: vectors.dense[i].tolist()}
    if vectors.sentences is not None and len(vectors.sentences[i]):
        out[SENTENCES] = np.asarray(vectors.sentences[i], dtype=np.float32).tolist()
    else:
        out[SENTENCES] = [vectors.dense[i].tolist()]
    if vectors.sparse is not None and len(vectors.sparse[i]):
        out[LEXICAL] = models.SparseVector(
            indices=list(vectors.sparse[i].indices), values=list(vectors.sparse[i].values)
        )
    return out


def match_value(key: str, value) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


def passages_but(document_id: str, keep: Sequence[str]) -> models.Filter:
    """A document's passages other than ``keep``: what a swap deletes, and who leans on them."""
    return models.Filter(
        must=[match_value("document_id", document_id)],
        must_not=[models.HasIdCondition(has_id=list(keep))] if keep else [],
    )


def journal_pages() -> models.Filter:
    return models.Filter(must=[match_value(JOURNAL_PAGE, PENDING)])


def payload_of(point: models.Record | models.ScoredPoint) -> dict[str, Any]:
    """A point's payload; {} for a point stored without one."""
    return point.payload or {}


def is_record(payload: dict | None) -> bool:
    return payload is not None and bool(payload) and JOURNAL_KEY not in payload


def build_filter(filters: SearchFilters | None) -> models.Filter:
    """Qdrant conditions for the filters; hidden (staged) passages are never returned."""
    must: list = [match_value(STATE, LIVE)]
    if filters is not None:
        if filters.document:
            must.append(
                models.Filter(
                    should=[
                        match_value("document_id", filters.document),
                        models.FieldCondition(key="also_in", match=models.MatchAny(any=[filters.document])),
                    ]
                )
            )
        for key in ("language", "organisation", "document_type"):
            value = getattr(filters, key)
            if value:
                must.append(match_value(key, value))
        if filters.program:
            must.append(models.FieldCondition(key="programs", match=models.MatchAny(any=[filters.program])))
        if filters.year_from is not None or filters.year_to is not None:
            must.append(
                models.FieldCondition(key="year", range=models.Range(gte=filters.year_from, lte=filters.year_to))
            )
    return models.Filter(must=must)


def passage_point_id(document_id: str, index: int, text: str) -> str:
    """Deterministic passage id: the same document text always yields the same ids."""
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
    return point_id(f"passage:{document_id}:{index}:{digest}")
