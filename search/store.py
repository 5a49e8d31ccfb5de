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

from search.filters import SearchFilters
from search.records import HIDDEN_DOCUMENT_FIELDS, DocumentRecord, PassageRecord, point_id
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
                keyword = models.PayloadSchemaType.KEYWORD
                for field in ("document_id", "language", "fingerprint", "also_in", "organisation", "document_type"):
                    self.client.create_payload_index(self.collection, field, keyword)
                self.client.create_payload_index(self.collection, "programs", keyword)
                self.client.create_payload_index(self.collection, "year", models.PayloadSchemaType.INTEGER)
                self.client.create_payload_index(self.collection, "live", models.PayloadSchemaType.BOOL)
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
    ) -> list[str]:
        """Swap a document's passages for new ones so that no search sees a mix of versions.

        The new passages are written hidden (``live`` false), then one batch request shows
        them and deletes every other passage of the document, then the record is published.
        A crash before the swap leaves the old version searchable and only hidden leftovers,
        which the next write of the document removes first. Returns the ids of documents
        that shared a now deleted passage (``also_in``) and must be re-ingested.
        """
        if len(passages) != len(vectors):
            raise ValueError(f"{len(passages)} passages but {len(vectors)} vectors")
        self.client.delete(
            self.collection,
            points_selector=models.FilterSelector(filter=self._doc_filter(document.id, live=False)),
            wait=True,
        )
        for start in range(0, len(passages), _UPSERT_BATCH):
            batch = passages[start : start + _UPSERT_BATCH]
            points = [
                models.PointStruct(
                    id=p.id, vector=vectors[start + i].tolist(), payload={**p.model_dump(), "live": False}
                )
                for i, p in enumerate(batch)
            ]
            self.client.upsert(self.collection, points=points, wait=True)
        keep = [p.id for p in passages]
        old = models.Filter(
            must=[_match("document_id", document.id)],
            must_not=[models.HasIdCondition(has_id=keep)] if keep else [],
        )
        orphans = self._sharers(old)
        self.client.batch_update_points(
            self.collection,
            update_operations=[
                models.SetPayloadOperation(set_payload=models.SetPayload(payload={"live": True}, points=keep or [])),
                models.DeleteOperation(delete=models.FilterSelector(filter=old)),
            ]
            if keep
            else [models.DeleteOperation(delete=models.FilterSelector(filter=old))],
            wait=True,
        )
        self.put_document(document)
        return orphans

    def put_document(self, document: DocumentRecord) -> None:
        """Write or overwrite a document record alone."""
        self.client.upsert(
            self.documents_collection,
            points=[
                models.PointStruct(
                    id=_document_point_id(document.id),
                    vector={},
                    payload={
                        **document.model_dump(mode="json"),
                        **{name: getattr(document, name) for name in HIDDEN_DOCUMENT_FIELDS},
                    },
                )
            ],
            wait=True,
        )

    def delete_passages(self, document_id: str) -> list[str]:
        """Remove a document's passages (keeping its record); returns documents that shared them."""
        flt = models.Filter(must=[_match("document_id", document_id)])
        orphans = self._sharers(flt)
        self.client.delete(self.collection, points_selector=models.FilterSelector(filter=flt), wait=True)
        return orphans

    def delete_document(self, document_id: str) -> list[str]:
        """Remove a document and its passages; returns the documents that depended on it."""
        record = self.get_document(document_id)
        orphans = set(self.delete_passages(document_id))
        self.remove_also_in(document_id)
        self.client.delete(
            self.documents_collection,
            points_selector=models.PointIdsList(points=[_document_point_id(document_id)]),
            wait=True,
        )
        if record is not None:
            orphans.update(record.duplicates)
        orphans.discard(document_id)
        return sorted(orphans)

    def _sharers(self, flt: models.Filter) -> list[str]:
        sharers: set[str] = set()
        for record in self._scroll(self.collection, flt):
            sharers.update(record.payload.get("also_in") or [])
        return sorted(sharers)

    # -- passage sharing ---------------------------------------------------------------------
    def find_fingerprints(
        self, fingerprints: Sequence[str], exclude_documents: Sequence[str]
    ) -> dict[str, PassageRecord]:
        """Live passages of other documents with these fingerprints, by fingerprint."""
        if not fingerprints or not self.client.collection_exists(self.collection):
            return {}
        flt = models.Filter(
            must=[
                models.FieldCondition(key="fingerprint", match=models.MatchAny(any=list(set(fingerprints)))),
                _match("live", True),
            ],
            must_not=[models.FieldCondition(key="document_id", match=models.MatchAny(any=list(exclude_documents)))],
        )
        found: dict[str, PassageRecord] = {}
        for record in self._scroll(self.collection, flt):
            passage = PassageRecord(**record.payload)
            found.setdefault(passage.fingerprint, passage)
        return found

    def add_also_in(self, passages: Sequence[PassageRecord], document_id: str) -> None:
        """Record that ``document_id`` holds these (canonical) passages too."""
        for passage in passages:
            if document_id not in passage.also_in:
                self.client.set_payload(
                    self.collection,
                    payload={"also_in": sorted({*passage.also_in, document_id})},
                    points=[passage.id],
                    wait=True,
                )

    def remove_also_in(self, document_id: str) -> None:
        flt = models.Filter(must=[models.FieldCondition(key="also_in", match=models.MatchAny(any=[document_id]))])
        for record in list(self._scroll(self.collection, flt)):
            remaining = [d for d in record.payload.get("also_in") or [] if d != document_id]
            self.client.set_payload(self.collection, payload={"also_in": remaining}, points=[record.id], wait=True)

    def _doc_filter(self, document_id: str, *, live: bool) -> models.Filter:
        return models.Filter(must=[_match("document_id", document_id), _match("live", live)])

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
        flt = self._doc_filter(document_id, live=True)
        passages = [PassageRecord(**r.payload) for r in self._scroll(self.collection, flt)]
        return sorted(passages, key=lambda p: p.index)

    def count_passages(self) -> int:
        if not self.client.collection_exists(self.collection):
            return 0
        return self.client.count(self.collection, exact=True).count

    def search(
        self, vector: np.ndarray, limit: int = 10, *, filters: SearchFilters | None = None
    ) -> list[ScoredPassage]:
        """Nearest live passages by cosine similarity, within the filters."""
        response = self.client.query_points(
            self.collection,
            query=np.asarray(vector, dtype=np.float32).tolist(),
            query_filter=build_filter(filters),
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


def _match(key: str, value) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


def build_filter(filters: SearchFilters | None) -> models.Filter:
    """Qdrant conditions for the filters; hidden (staged) passages are never returned."""
    must: list = [_match("live", True)]
    if filters is not None:
        if filters.document:
            must.append(
                models.Filter(
                    should=[
                        _match("document_id", filters.document),
                        models.FieldCondition(key="also_in", match=models.MatchAny(any=[filters.document])),
                    ]
                )
            )
        for key in ("language", "organisation", "document_type"):
            value = getattr(filters, key)
            if value:
                must.append(_match(key, value))
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
