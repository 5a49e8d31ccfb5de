"""The Qdrant index behind one small class, embedded on disk or on a server.

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

Usage::

    store = QdrantStore.from_settings(settings)
    store.ensure_collections(model_name="intfloat/multilingual-e5-small", dimension=384)
    store.replace_document(doc, passages, PassageVectors(dense, sparse, sentences))
    candidates = store.candidates(query_vector, query_sparse, limit=100, filters=filters)
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from qdrant_client import QdrantClient, models

from search.filters import SearchFilters
from search.lexical.sparse import SparseVector
from search.records import HIDDEN_DOCUMENT_FIELDS, DocumentRecord, PassageRecord, point_id
from search.settings import Settings

log = logging.getLogger(__name__)

_UPSERT_BATCH = 256
_SCROLL_PAGE = 512
SCHEMA = 2  # 1: one unnamed dense vector; 2: dense + sentences + lexical
DENSE, SENTENCES, LEXICAL = "dense", "sentences", "lexical"
SIGNALS = (DENSE, SENTENCES, LEXICAL)


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


@dataclass(frozen=True)
class ScoredPassage:
    score: float
    passage: PassageRecord
    document: DocumentRecord | None
    signals: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)


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
            self.check_collection(model_name, dimension)
        else:
            cosine = models.Distance.COSINE
            self.client.create_collection(
                self.collection,
                vectors_config={
                    DENSE: models.VectorParams(size=dimension, distance=cosine),
                    SENTENCES: models.VectorParams(
                        size=dimension,
                        distance=cosine,
                        multivector_config=models.MultiVectorConfig(comparator=models.MultiVectorComparator.MAX_SIM),
                        hnsw_config=models.HnswConfigDiff(m=0),  # re-scoring only, never searched
                    ),
                },
                sparse_vectors_config={LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)},
                metadata={"model": model_name, "dimension": dimension, "schema": SCHEMA},
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

    def check_collection(self, model_name: str | None = None, dimension: int | None = None) -> None:
        """Refuse an index built with another model or by an older Vaksam, saying what to do."""
        meta = self.client.get_collection(self.collection).config.metadata or {}
        if model_name is not None and (meta.get("model") != model_name or int(meta.get("dimension", -1)) != dimension):
            raise ModelMismatchError(
                f"collection {self.collection!r} was built with model {meta.get('model')!r} "
                f"(dimension {meta.get('dimension')}); the configured model is {model_name!r} "
                f"(dimension {dimension}). Use another VAKSAM_COLLECTION or rebuild it with "
                "`vaksam ingest --rebuild <folders>`."
            )
        if int(meta.get("schema", 1)) != SCHEMA:
            raise SchemaMismatchError(
                f"collection {self.collection!r} was built by an older Vaksam (index layout {meta.get('schema', 1)}, "
                f"this version needs {SCHEMA}: dense, sentence and lexical vectors). "
                "Rebuild it with `vaksam ingest --rebuild <folders>`."
            )

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
        self, document: DocumentRecord, passages: Sequence[PassageRecord], vectors: PassageVectors | np.ndarray
    ) -> list[str]:
        """Swap a document's passages for new ones so that no search sees a mix of versions.

        The new passages are written hidden (``live`` false), then one batch request shows
        them and deletes every other passage of the document, then the record is published.
        A crash before the swap leaves the old version searchable and only hidden leftovers,
        which the next write of the document removes first. Returns the ids of documents
        that shared a now deleted passage (``also_in``) and must be re-ingested.
        """
        if not isinstance(vectors, PassageVectors):  # dense vectors alone
            vectors = PassageVectors(np.asarray(vectors, dtype=np.float32))
        if len(passages) != len(vectors.dense):
            raise ValueError(f"{len(passages)} passages but {len(vectors.dense)} vectors")
        self.client.delete(
            self.collection,
            points_selector=models.FilterSelector(filter=self._doc_filter(document.id, live=False)),
            wait=True,
        )
        for start in range(0, len(passages), _UPSERT_BATCH):
            batch = passages[start : start + _UPSERT_BATCH]
            points = [
                models.PointStruct(
                    id=p.id, vector=_point_vectors(vectors, start + i), payload={**p.model_dump(), "live": False}
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

    def passage_with_vectors(self, passage_id: str) -> tuple[PassageRecord, np.ndarray, SparseVector | None] | None:
        """A stored passage with its dense and lexical vectors (to find passages like it)."""
        if not self.client.collection_exists(self.collection):
            return None
        found = self.client.retrieve(self.collection, [passage_id], with_payload=True, with_vectors=[DENSE, LEXICAL])
        if not found or not isinstance(found[0].vector, dict):
            return None
        vectors = found[0].vector
        lexical = vectors.get(LEXICAL)
        sparse = SparseVector(list(lexical.indices), list(lexical.values)) if lexical is not None else None
        return PassageRecord(**found[0].payload), np.asarray(vectors[DENSE], dtype=np.float32), sparse

    def get_passage(self, passage_id: str) -> PassageRecord | None:
        if not self.client.collection_exists(self.collection):
            return None
        found = self.client.retrieve(self.collection, [passage_id], with_payload=True)
        return PassageRecord(**found[0].payload) if found else None

    def document_passages(self, document_id: str) -> list[PassageRecord]:
        flt = self._doc_filter(document_id, live=True)
        passages = [PassageRecord(**r.payload) for r in self._scroll(self.collection, flt)]
        return sorted(passages, key=lambda p: p.index)

    def passages_holding(self, document_id: str) -> list[PassageRecord]:
        """Live passages of a document, including those stored once under another (``also_in``)."""
        flt = build_filter(SearchFilters(document=document_id))
        return [PassageRecord(**r.payload) for r in self._scroll(self.collection, flt)]

    def count_passages(self) -> int:
        if not self.client.collection_exists(self.collection):
            return 0
        return self.client.count(self.collection, exact=True).count

    def candidates(
        self,
        vector: np.ndarray | None,
        sparse: SparseVector | None,
        *,
        limit: int = 100,
        filters: SearchFilters | None = None,
        signals: Sequence[str] = SIGNALS,
        exclude_document: str | None = None,
        with_vectors: bool = False,
    ) -> list[ScoredPassage]:
        """The union of the best ``limit`` passages by dense and by lexical similarity, each
        scored on every requested signal (``dense``, ``sentences``, ``lexical``).

        One batch of Query API requests shares the two prefetches and re-scores their union
        once per signal, so fusion sees every signal of every candidate instead of treating
        "not in the other list" as zero. A signal a candidate lacks (no shared term) is absent.
        """
        flt = build_filter(filters)
        if exclude_document:
            flt.must_not = [
                _match("document_id", exclude_document),
                models.FieldCondition(key="also_in", match=models.MatchAny(any=[exclude_document])),
            ]
        dense = np.asarray(vector, dtype=np.float32).tolist() if vector is not None else None
        lexical = models.SparseVector(indices=list(sparse.indices), values=list(sparse.values)) if sparse else None
        prefetch = []
        if dense is not None:
            prefetch.append(models.Prefetch(query=dense, using=DENSE, filter=flt, limit=limit))
        if lexical is not None and len(lexical.indices):
            prefetch.append(models.Prefetch(query=lexical, using=LEXICAL, filter=flt, limit=limit))
        if not prefetch:
            return []
        if unknown := [n for n in signals if n not in SIGNALS]:
            raise ValueError(f"unknown signal(s) {unknown}; valid: {', '.join(SIGNALS)}")
        queries = {DENSE: dense, SENTENCES: [dense] if dense is not None else None, LEXICAL: lexical}
        # SIGNALS order puts a dense signal first whenever there is one: it scores every point of the
        # union, so payloads (and vectors) travel once, with the first request.
        wanted = [name for name in SIGNALS if name in signals and queries[name] is not None]
        requests = [
            models.QueryRequest(
                prefetch=prefetch,
                query=queries[name],
                using=name,
                limit=limit * len(prefetch),
                with_payload=i == 0,
                with_vector=[DENSE] if with_vectors and i == 0 else False,
            )
            for i, name in enumerate(wanted)
        ]
        responses = self.client.query_batch_points(self.collection, requests=requests)
        points = {point.id: point for point in responses[0].points}
        scores: dict = {pid: {} for pid in points}
        for name, response in zip(wanted, responses, strict=True):
            for point in response.points:
                if point.id in scores:
                    scores[point.id][name] = float(point.score)
        return self._scored([(points[pid], scores[pid]) for pid in points])

    def _scored(self, items: list[tuple[models.ScoredPoint, dict[str, float]]]) -> list[ScoredPassage]:
        documents: dict[str, DocumentRecord | None] = {}
        results = []
        for point, signals in items:
            passage = PassageRecord(**point.payload)
            if passage.document_id not in documents:
                documents[passage.document_id] = self.get_document(passage.document_id)
            score = next(iter(signals.values()), 0.0)
            vector = point.vector.get(DENSE) if isinstance(point.vector, dict) else None
            vector = np.asarray(vector, dtype=np.float32) if vector is not None else None
            results.append(ScoredPassage(score, passage, documents[passage.document_id], signals, vector))
        return results


def _point_vectors(vectors: PassageVectors, i: int) -> dict:
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
