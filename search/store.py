"""The Qdrant index behind one small class, embedded on disk or on a server.

Two collections: ``<name>`` holds one point per passage (dense vector plus
payload), ``<name>_documents`` one vector-less point per document. The model
name and vector size live in the passage collection's metadata; opening the
index with another model is refused, because mixing vector spaces silently
ruins every result.

Usage::

    store = QdrantStore.from_settings(settings)
    store.ensure_collections(model_name="intfloat/multilingual-e5-small", dimension=384)
    store.replace_document(doc, passages, vectors)
    hits = store.search(vector, limit=10, document_id=None, language="sv")
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from qdrant_client import QdrantClient, models

from search.records import DocumentRecord, PassageRecord, point_id
from search.settings import Settings

log = logging.getLogger(__name__)

_UPSERT_BATCH = 256
_SCROLL_PAGE = 512


class StoreError(RuntimeError):
    """Base class for index problems a user can act on."""


class ModelMismatchError(StoreError):
    """The collection was built with another embedding model."""


class IndexLockedError(StoreError):
    """Another process has the embedded index open."""


@dataclass(frozen=True)
class ScoredPassage:
    score: float
    passage: PassageRecord
    document: DocumentRecord | None


def _document_point_id(document_id: str) -> str:
    return point_id(f"document:{document_id}")


class QdrantStore:
    """Passages and documents in Qdrant; the only module that talks to the engine."""

    def __init__(self, client: QdrantClient, collection: str, *, remote: bool = False) -> None:
        self.client = client
        self.collection = collection
        self.documents_collection = f"{collection}_documents"
        self.remote = remote

    @classmethod
    def from_settings(cls, settings: Settings) -> QdrantStore:
        if settings.qdrant_url:
            client = QdrantClient(url=str(settings.qdrant_url), api_key=settings.qdrant_api_key, timeout=30)
            return cls(client, settings.collection, remote=True)
        path = settings.qdrant_path
        path.mkdir(parents=True, exist_ok=True)
        try:
            client = QdrantClient(path=str(path))
        except RuntimeError as exc:
            if "already accessed" in str(exc):
                raise IndexLockedError(
                    f"the index at {path} is open in another Vaksam process (for example `vaksam serve`); "
                    "stop it or use the HTTP API, or set VAKSAM_QDRANT_URL to share a Qdrant server"
                ) from exc
            raise
        return cls(client, settings.collection)

    def close(self) -> None:
        self.client.close()

    # -- collections -------------------------------------------------------------------------
    def ensure_collections(self, model_name: str, dimension: int) -> None:
        """Create both collections, or check that the existing ones fit this model."""
        if self.client.collection_exists(self.collection):
            meta = self.client.get_collection(self.collection).config.metadata or {}
            if meta.get("model") != model_name or int(meta.get("dimension", -1)) != dimension:
                raise ModelMismatchError(
                    f"collection {self.collection!r} was built with model {meta.get('model')!r} "
                    f"(dimension {meta.get('dimension')}); the configured model is {model_name!r} "
                    f"(dimension {dimension}). Use another VAKSAM_COLLECTION or delete the index to rebuild it."
                )
        else:
            self.client.create_collection(
                self.collection,
                vectors_config=models.VectorParams(size=dimension, distance=models.Distance.COSINE),
                metadata={"model": model_name, "dimension": dimension},
            )
            if self.remote:
                for field in ("document_id", "language"):
                    self.client.create_payload_index(self.collection, field, models.PayloadSchemaType.KEYWORD)
        if not self.client.collection_exists(self.documents_collection):
            self.client.create_collection(self.documents_collection, vectors_config={})

    def model_info(self) -> dict:
        if not self.client.collection_exists(self.collection):
            return {}
        return dict(self.client.get_collection(self.collection).config.metadata or {})

    def drop(self) -> None:
        for name in (self.collection, self.documents_collection):
            if self.client.collection_exists(name):
                self.client.delete_collection(name)

    # -- writes ------------------------------------------------------------------------------
    def replace_document(
        self, document: DocumentRecord, passages: Sequence[PassageRecord], vectors: np.ndarray
    ) -> None:
        """Write a document's passages, then drop its stale ones, then publish the document record.

        Point ids are deterministic, so rewriting an unchanged passage overwrites it in place
        and the record is only updated once every passage is stored.
        """
        if len(passages) != len(vectors):
            raise ValueError(f"{len(passages)} passages but {len(vectors)} vectors")
        for start in range(0, len(passages), _UPSERT_BATCH):
            batch = passages[start : start + _UPSERT_BATCH]
            points = [
                models.PointStruct(id=p.id, vector=vectors[start + i].tolist(), payload=p.model_dump())
                for i, p in enumerate(batch)
            ]
            self.client.upsert(self.collection, points=points, wait=True)
        keep = [p.id for p in passages]
        stale = models.Filter(
            must=[models.FieldCondition(key="document_id", match=models.MatchValue(value=document.id))],
            must_not=[models.HasIdCondition(has_id=keep)] if keep else [],
        )
        self.client.delete(self.collection, points_selector=models.FilterSelector(filter=stale), wait=True)
        self.client.upsert(
            self.documents_collection,
            points=[models.PointStruct(id=_document_point_id(document.id), vector={}, payload=document.model_dump())],
            wait=True,
        )

    def delete_document(self, document_id: str) -> None:
        selector = models.FilterSelector(
            filter=models.Filter(
                must=[models.FieldCondition(key="document_id", match=models.MatchValue(value=document_id))]
            )
        )
        self.client.delete(
            self.documents_collection,
            points_selector=models.PointIdsList(points=[_document_point_id(document_id)]),
            wait=True,
        )
        self.client.delete(self.collection, points_selector=selector, wait=True)

    # -- reads -------------------------------------------------------------------------------
    def _scroll(self, collection: str, flt: models.Filter | None = None) -> Iterable[models.Record]:
        offset = None
        while True:
            records, offset = self.client.scroll(
                collection, scroll_filter=flt, limit=_SCROLL_PAGE, offset=offset, with_payload=True
            )
            yield from records
            if offset is None:
                return

    def list_documents(self) -> list[DocumentRecord]:
        if not self.client.collection_exists(self.documents_collection):
            return []
        docs = [DocumentRecord(**r.payload) for r in self._scroll(self.documents_collection)]
        return sorted(docs, key=lambda d: (d.title.lower(), d.id))

    def get_document(self, document_id: str) -> DocumentRecord | None:
        if not self.client.collection_exists(self.documents_collection):
            return None
        found = self.client.retrieve(self.documents_collection, [_document_point_id(document_id)])
        return DocumentRecord(**found[0].payload) if found else None

    def get_passage(self, passage_id: str) -> PassageRecord | None:
        if not self.client.collection_exists(self.collection):
            return None
        found = self.client.retrieve(self.collection, [passage_id], with_payload=True)
        return PassageRecord(**found[0].payload) if found else None

    def document_passages(self, document_id: str) -> list[PassageRecord]:
        flt = models.Filter(must=[models.FieldCondition(key="document_id", match=models.MatchValue(value=document_id))])
        passages = [PassageRecord(**r.payload) for r in self._scroll(self.collection, flt)]
        return sorted(passages, key=lambda p: p.index)

    def count_passages(self) -> int:
        if not self.client.collection_exists(self.collection):
            return 0
        return self.client.count(self.collection, exact=True).count

    def search(
        self,
        vector: np.ndarray,
        limit: int = 10,
        *,
        document_id: str | None = None,
        language: str | None = None,
    ) -> list[ScoredPassage]:
        """Nearest passages by cosine similarity, optionally within one document or language."""
        must = []
        if document_id:
            must.append(models.FieldCondition(key="document_id", match=models.MatchValue(value=document_id)))
        if language:
            must.append(models.FieldCondition(key="language", match=models.MatchValue(value=language)))
        response = self.client.query_points(
            self.collection,
            query=np.asarray(vector, dtype=np.float32).tolist(),
            query_filter=models.Filter(must=must) if must else None,
            limit=limit,
            with_payload=True,
        )
        documents: dict[str, DocumentRecord | None] = {}
        results = []
        for point in response.points:
            passage = PassageRecord(**point.payload)
            if passage.document_id not in documents:
                documents[passage.document_id] = self.get_document(passage.document_id)
            results.append(ScoredPassage(float(point.score), passage, documents[passage.document_id]))
        return results


def passage_point_id(document_id: str, index: int, text: str) -> str:
    """Deterministic passage id: the same document text always yields the same ids."""
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
    return point_id(f"passage:{document_id}:{index}:{digest}")
