"""The Qdrant index behind one small class, embedded on disk or on a server.

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

Usage::

    store = QdrantStore.from_settings(settings)  # engine from VAKSAM_QDRANT_URL / VAKSAM_INDEX_ENGINE
    store.ensure_collections(model_name="intfloat/multilingual-e5-small", dimension=384)
    store.replace_document(doc, passages, PassageVectors(dense, sparse, sentences))
    candidates = store.candidates(query_vector, query_sparse, limit=100, filters=filters)
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from qdrant_client import models

from search.engines import CollectionSpec, Engine, EngineLockedError, open_engine
from search.filters import SearchFilters
from search.lexical.sparse import SparseVector
from search.records import HIDDEN_DOCUMENT_FIELDS, DocumentRecord, DocumentStatus, PassageRecord, point_id
from search.settings import Settings

log = logging.getLogger(__name__)

_UPSERT_BATCH = 256
_SCROLL_PAGE = 512
SCHEMA = 3  # 1: one unnamed dense vector; 2: dense + sentences + lexical; 3: staged/live as a keyword
DENSE, SENTENCES, LEXICAL = "dense", "sentences", "lexical"
STATE, LIVE, STAGED = "state", "live", "staged"  # a keyword: qdrant-edge 0.9 cannot match booleans
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
    """A candidate and its scores. ``document`` is its record as searches read it: without
    ``UNSEARCHED_DOCUMENT_FIELDS`` (never write it back)."""

    score: float
    passage: PassageRecord
    document: DocumentRecord | None
    signals: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)


F = TypeVar("F", bound=Callable[..., Any])


def _gated(mode: str) -> Callable[[F], F]:
    """Run a store method under its gate: ``read`` (shared by searches) or ``write`` (alone)."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: QdrantStore, *args, **kwargs):
            with getattr(self.gate, mode)():
                return method(self, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


_reading = _gated("read")  # searches and reads share the gate
_writing = _gated("write")  # writes hold it alone, so no search sees a document half swapped


@functools.lru_cache(maxsize=16_384)  # a search looks up the records of ~60 documents
def document_point_id(document_id: str) -> str:
    return point_id(f"document:{document_id}")


# Document records, with the index that lets the engine count them by status (/healthz, /metrics):
# 1,516 records counted in 0.24 ms with it, 8.0 ms without (`ensure_collections` adds it to older indexes).
DOCUMENT_COLLECTION_SPEC = CollectionSpec(indexes={"status": models.PayloadSchemaType.KEYWORD})

# What searches never read of a document record: the fields API answers leave out and the
# cleaning audit. The MinHash signature alone is two thirds of a record's bytes on the real corpus.
UNSEARCHED_DOCUMENT_FIELDS = (*HIDDEN_DOCUMENT_FIELDS, "cleaning", "corrections")


def _passages_but(document_id: str, keep: Sequence[str]) -> models.Filter:
    """A document's passages other than ``keep``: what a swap deletes, and who leans on them."""
    return models.Filter(
        must=[_match("document_id", document_id)],
        must_not=[models.HasIdCondition(has_id=list(keep))] if keep else [],
    )


# The run journal: points in the documents collection, beside the records, holding the ids of
# the documents an unfinished run was changing (see Ingestor). Their payload has no "id". A run
# adds one page of new ids per write rather than rewriting one point with all of them: rewriting
# made the journal quadratic in the run (1.1 s of the real corpus's 758 files, 5% of everything
# but embedding; 10k files would rewrite 50 million ids).
JOURNAL_POINT = point_id("journal:pending-documents")  # the one journal point of earlier versions
JOURNAL_KEY = "pending_documents"
JOURNAL_PAGE, PENDING = "journal_page", "pending"  # the tag every journal page carries


def _is_record(payload: dict | None) -> bool:
    return bool(payload) and JOURNAL_KEY not in payload


class QdrantStore:
    """Passages and documents in Qdrant; the only module that talks to the engine."""

    def __init__(self, engine: Engine, collection: str, *, layout: dict | None = None) -> None:
        self.engine = engine
        self.collection = collection
        self.layout = layout or {}  # on-disk vectors, quantisation, shards: applied to new collections
        self.documents_collection = f"{collection}_documents"
        self.gate = engine.gate()

    @classmethod
    def from_settings(cls, settings: Settings) -> QdrantStore:
        try:
            layout = {
                "on_disk": settings.vectors_on_disk,
                "quantization": settings.quantization,
                "shards": settings.qdrant_shards,
                "replicas": settings.qdrant_replicas,
            }
            return cls(open_engine(settings), settings.collection, layout=layout)
        except EngineLockedError:
            raise IndexLockedError(
                f"the index at {settings.qdrant_path} is open in another Vaksam process (for example "
                "`vaksam serve`); stop it or use the HTTP API, or set VAKSAM_QDRANT_URL to share a Qdrant server"
            ) from None

    def close(self) -> None:
        self.engine.close()

    @_reading  # changes no content: searches go on while the engine builds indexes
    def optimize(self) -> None:
        """Build the vector and payload indexes after a batch of writes, so searches do not pay for it."""
        self.engine.optimize(self.collection)
        self.engine.flush()

    @_reading
    def exists(self) -> bool:
        return self.engine.exists(self.collection)

    # -- collections -------------------------------------------------------------------------
    @_writing
    def ensure_collections(self, model_name: str, dimension: int) -> None:
        """Create both collections, or check that the existing ones fit this model."""
        if self.engine.exists(self.collection):
            self.check_collection(model_name, dimension)
        else:
            self.engine.create(self.collection, passage_collection_spec(model_name, dimension, **self.layout))
        if not self.engine.exists(self.documents_collection):
            self.engine.create(self.documents_collection, DOCUMENT_COLLECTION_SPEC)
        else:  # an index from before the status index: the next ingest adds it
            self.engine.add_missing_indexes(self.documents_collection, DOCUMENT_COLLECTION_SPEC.indexes)

    @_reading
    def check_collection(self, model_name: str | None = None, dimension: int | None = None) -> None:
        """Refuse an index built with another model or by an older Vaksam, saying what to do."""
        meta = self.engine.metadata(self.collection)
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

    @_reading
    def model_info(self) -> dict:
        if not self.engine.exists(self.collection):
            return {}
        return self.engine.metadata(self.collection)

    @_writing
    def drop(self) -> None:
        for name in (self.collection, self.documents_collection):
            if self.engine.exists(name):
                self.engine.drop(name)

    # -- writes ------------------------------------------------------------------------------
    @_writing
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
        self.engine.delete(self.collection, self._doc_filter(document.id, live=False))
        for start in range(0, len(passages), _UPSERT_BATCH):
            batch = passages[start : start + _UPSERT_BATCH]
            # A passage that stays (same id: same document, place and text) keeps the other
            # documents that hold it too; rewriting it must not cut their link.
            held = {
                str(r.id): r.payload.get("also_in") or []
                for r in self.engine.retrieve(self.collection, [p.id for p in batch])
            }
            points = [
                models.PointStruct(
                    id=p.id,
                    vector=_point_vectors(vectors, start + i),
                    payload={**p.model_dump(), "also_in": sorted({*p.also_in, *held.get(p.id, [])}), STATE: STAGED},
                )
                for i, p in enumerate(batch)
            ]
            self.engine.upsert(self.collection, points)
        keep = [p.id for p in passages]
        old = _passages_but(document.id, keep)
        orphans = self._sharers(old)
        publish = models.SetPayloadOperation(set_payload=models.SetPayload(payload={STATE: LIVE}, points=keep))
        delete_old = models.DeleteOperation(delete=models.FilterSelector(filter=old))
        self.engine.batch_update(self.collection, [publish, delete_old] if keep else [delete_old])
        self.put_document(document)
        return orphans

    @_writing
    def put_document(self, document: DocumentRecord) -> None:
        """Write or overwrite a document record alone."""
        payload = {
            **document.model_dump(mode="json"),
            **{name: getattr(document, name) for name in HIDDEN_DOCUMENT_FIELDS},
        }
        point = models.PointStruct(id=document_point_id(document.id), vector={}, payload=payload)
        self.engine.upsert(self.documents_collection, [point])

    @_writing
    def delete_passages(self, document_id: str) -> list[str]:
        """Remove a document's passages (keeping its record); returns documents that shared them."""
        flt = models.Filter(must=[_match("document_id", document_id)])
        orphans = self._sharers(flt)
        self.engine.delete(self.collection, flt)
        return orphans

    @_writing
    def delete_document(self, document_id: str) -> list[str]:
        """Remove a document and its passages; returns the documents that depended on it."""
        record = self.get_document(document_id)
        orphans = set(self.delete_passages(document_id))
        self.remove_also_in(document_id)
        self.engine.delete(self.documents_collection, [document_point_id(document_id)])
        if record is not None:
            orphans.update(record.duplicates)
        orphans.discard(document_id)
        return sorted(orphans)

    @_reading
    def dependants(self, document_id: str, keep: Sequence[str] = ()) -> list[str]:
        """Documents that lean on this one's passages other than ``keep`` (``also_in``): what
        replacing or deleting them would orphan, known before anything is written."""
        if not self.engine.exists(self.collection):
            return []
        return self._sharers(_passages_but(document_id, keep))

    # -- the run journal -----------------------------------------------------------------------
    @_reading
    def pending_documents(self) -> set[str]:
        """Documents an interrupted run was changing: the next run reads them again."""
        if not self.engine.exists(self.documents_collection):
            return set()
        pages = [*self._scroll(self.documents_collection, _journal_pages())]
        pages += self.engine.retrieve(self.documents_collection, [JOURNAL_POINT])
        return {d for page in pages for d in page.payload.get(JOURNAL_KEY) or []}

    @_writing
    def add_pending_documents(self, document_ids: Iterable[str]) -> None:
        """Add a page to the journal (one new point, written atomically; pages never overwrite
        each other, so a run that resumes an interrupted one keeps that one's pages too)."""
        ids = sorted(set(document_ids))
        if ids:
            page = {JOURNAL_KEY: ids, JOURNAL_PAGE: PENDING}
            point = models.PointStruct(id=str(uuid.uuid4()), vector={}, payload=page)
            self.engine.upsert(self.documents_collection, [point])

    @_writing
    def clear_pending_documents(self) -> None:
        """Remove the whole journal: the run it describes is done."""
        if self.engine.exists(self.documents_collection):
            self.engine.delete(self.documents_collection, _journal_pages())
            self.engine.delete(self.documents_collection, [JOURNAL_POINT])

    def _sharers(self, flt: models.Filter) -> list[str]:
        sharers: set[str] = set()
        for record in self._scroll(self.collection, flt):
            sharers.update(record.payload.get("also_in") or [])
        return sorted(sharers)

    # -- passage sharing ---------------------------------------------------------------------
    @_reading
    def find_fingerprints(
        self, fingerprints: Sequence[str], exclude_documents: Sequence[str]
    ) -> dict[str, PassageRecord]:
        """Live passages of other documents with these fingerprints, by fingerprint."""
        if not fingerprints or not self.engine.exists(self.collection):
            return {}
        flt = models.Filter(
            must=[
                models.FieldCondition(key="fingerprint", match=models.MatchAny(any=list(set(fingerprints)))),
                _match(STATE, LIVE),
            ],
            must_not=[models.FieldCondition(key="document_id", match=models.MatchAny(any=list(exclude_documents)))],
        )
        found: dict[str, PassageRecord] = {}
        for record in self._scroll(self.collection, flt):
            passage = PassageRecord(**record.payload)
            found.setdefault(passage.fingerprint, passage)
        return found

    @_writing
    def add_also_in(self, passages: Sequence[PassageRecord], document_id: str) -> None:
        """Record that ``document_id`` holds these (canonical) passages too."""
        for passage in passages:
            if document_id not in passage.also_in:
                self.engine.set_payload(
                    self.collection, {"also_in": sorted({*passage.also_in, document_id})}, [passage.id]
                )

    @_writing
    def remove_also_in(self, document_id: str, *, except_ids: Iterable[str] = ()) -> None:
        """Take ``document_id`` out of the ``also_in`` of every passage (but those in ``except_ids``)."""
        keep = set(except_ids)
        flt = models.Filter(must=[models.FieldCondition(key="also_in", match=models.MatchAny(any=[document_id]))])
        for record in list(self._scroll(self.collection, flt)):
            if str(record.id) in keep:
                continue
            remaining = [d for d in record.payload.get("also_in") or [] if d != document_id]
            self.engine.set_payload(self.collection, {"also_in": remaining}, [record.id])

    @_writing
    def set_also_in(self, passages: Sequence[PassageRecord], document_id: str) -> None:
        """Make exactly these passages list ``document_id`` as holding them too: a document's links
        are recomputed whole each time it is read, as a clean run makes them."""
        self.remove_also_in(document_id, except_ids=[p.id for p in passages])
        self.add_also_in(passages, document_id)

    def _doc_filter(self, document_id: str, *, live: bool) -> models.Filter:
        return models.Filter(must=[_match("document_id", document_id), _match(STATE, LIVE if live else STAGED)])

    # -- reads -------------------------------------------------------------------------------
    def _scroll(
        self, collection: str, flt: models.Filter | None = None, *, with_vectors: bool = False
    ) -> Iterable[models.Record]:
        offset = None
        while True:
            records, offset = self.engine.scroll(
                collection, flt, limit=_SCROLL_PAGE, offset=offset, with_vectors=with_vectors
            )
            yield from records
            if offset is None:
                return

    @_reading
    def list_documents(self) -> list[DocumentRecord]:
        if not self.engine.exists(self.documents_collection):
            return []
        docs = [DocumentRecord(**r.payload) for r in self._scroll(self.documents_collection) if _is_record(r.payload)]
        return sorted(docs, key=lambda d: (d.title.lower(), d.id))

    @_reading
    def count_documents(self, status: DocumentStatus = DocumentStatus.INDEXED) -> int:
        """Document records of one status, counted by the engine: /healthz and /metrics took 102 ms
        of CPU when they read all 1,516 records of a 10k-passage index, 2.5 ms now (an HTTP /healthz)."""
        if not self.engine.exists(self.documents_collection):
            return 0
        return self.engine.count(self.documents_collection, models.Filter(must=[_match("status", status.value)]))

    def get_document(self, document_id: str) -> DocumentRecord | None:
        return self.get_documents([document_id]).get(document_id)

    @_reading
    def get_documents(self, document_ids: Iterable[str], *, complete: bool = True) -> dict[str, DocumentRecord]:
        """Several document records in one request (a query's candidates come from ~100 documents:
        one request each was 6 of a search's 14 ms at 10k passages). ``complete=False`` leaves
        out what searches never read (``UNSEARCHED_DOCUMENT_FIELDS``, left at their defaults):
        the records of a query's candidates on the real corpus, 3.4 kB each, shrink to 1 kB."""
        ids = sorted(set(document_ids))
        if not ids or not self.engine.exists(self.documents_collection):
            return {}
        without = () if complete else UNSEARCHED_DOCUMENT_FIELDS
        found = self.engine.retrieve(self.documents_collection, [document_point_id(i) for i in ids], without=without)
        records = (DocumentRecord(**r.payload) for r in found)
        return {r.id: r for r in records}

    @_reading
    def passage_with_vectors(self, passage_id: str) -> tuple[PassageRecord, np.ndarray, SparseVector | None] | None:
        """A stored passage with its dense and lexical vectors (to find passages like it)."""
        if not self.engine.exists(self.collection):
            return None
        found = self.engine.retrieve(self.collection, [passage_id], with_vectors=[DENSE, LEXICAL])
        if not found or not isinstance(found[0].vector, dict):
            return None
        vectors = found[0].vector
        lexical = vectors.get(LEXICAL)
        sparse = SparseVector(list(lexical.indices), list(lexical.values)) if lexical is not None else None
        return PassageRecord(**found[0].payload), np.asarray(vectors[DENSE], dtype=np.float32), sparse

    def get_passage(self, passage_id: str) -> PassageRecord | None:
        return self.get_passages([passage_id]).get(passage_id)

    @_reading
    def get_passages(self, passage_ids: Iterable[str]) -> dict[str, PassageRecord]:
        """Several passages in one request (a basket of them to cite), by id; unknown ids are left out."""
        ids = list(dict.fromkeys(passage_ids))
        if not ids or not self.engine.exists(self.collection):
            return {}
        return {str(r.id): PassageRecord(**r.payload) for r in self.engine.retrieve(self.collection, ids)}

    @_reading
    def document_passages(self, document_id: str) -> list[PassageRecord]:
        flt = self._doc_filter(document_id, live=True)
        passages = [PassageRecord(**r.payload) for r in self._scroll(self.collection, flt)]
        return sorted(passages, key=lambda p: p.index)

    @_reading
    def passages_holding(self, document_id: str) -> list[PassageRecord]:
        """Live passages of a document, including those stored once under another (``also_in``)."""
        flt = build_filter(SearchFilters(document=document_id))
        return [PassageRecord(**r.payload) for r in self._scroll(self.collection, flt)]

    @_reading
    def copy_to(self, target: QdrantStore) -> tuple[int, int]:
        """Copy every passage, with its vectors, and every document record into another store;
        returns (passages, documents). This is how an embedded index moves to a Qdrant server
        (``vaksam export``): nothing is re-embedded, ids stay, so an interrupted copy can simply
        be run again."""
        self.check_collection()
        meta = self.engine.metadata(self.collection)
        target.ensure_collections(meta["model"], int(meta["dimension"]))
        counts = []
        for source, dest in (
            (self.collection, target.collection),
            (self.documents_collection, target.documents_collection),
        ):
            records, copied = iter(self._scroll(source, with_vectors=True)), 0
            while batch := list(itertools.islice(records, _UPSERT_BATCH)):
                points = [models.PointStruct(id=str(r.id), vector=r.vector or {}, payload=r.payload) for r in batch]
                target.engine.upsert(dest, points)
                copied += len(points)
            counts.append(copied)
        target.optimize()
        return counts[0], counts[1]

    @_reading
    def passage_payloads(self) -> list[tuple[str, dict]]:
        """Every stored passage point, staged ones too, as (id, payload): what checks and
        comparisons of whole indexes read (a search never sees staged points)."""
        if not self.engine.exists(self.collection):
            return []
        return [(str(r.id), r.payload or {}) for r in self._scroll(self.collection)]

    @_reading
    def live_passages(self) -> Iterable[PassageRecord]:
        """Every passage searches can find (staged ones left out), in no particular order: what
        the index's vocabulary is read from (:mod:`search.suggestions`)."""
        if not self.engine.exists(self.collection):
            return []
        flt = models.Filter(must=[_match(STATE, LIVE)])
        return [PassageRecord(**r.payload) for r in self._scroll(self.collection, flt) if r.payload]

    @_reading
    def integrity_problems(self) -> list[str]:
        """What a crash, a bug or a hand edit left inconsistent, one line each; [] when none.

        Checks what every write keeps true: no staged passages are left (an interrupted swap),
        every passage belongs to a known document and every ``also_in`` names one, each indexed
        document has exactly its recorded number of live passages, duplicates point at known
        originals, and no text is stored twice across documents. ``vaksam check`` prints them;
        the crash tests assert there are none after a rerun."""
        if not self.engine.exists(self.collection):
            return []
        docs = {d.id: d for d in self.list_documents()}
        problems: list[str] = []
        live: dict[str, int] = {}
        owners: dict[str, str] = {}
        for pid, payload in self.passage_payloads():
            doc_id = payload.get("document_id", "?")
            if payload.get(STATE) != LIVE:
                problems.append(f"passage {pid}: left staged by an interrupted write of document {doc_id}")
                continue
            live[doc_id] = live.get(doc_id, 0) + 1
            if doc_id not in docs:
                problems.append(f"passage {pid}: its document {doc_id} has no record")
            for other in payload.get("also_in") or []:
                if other not in docs:
                    problems.append(f"passage {pid}: also_in names unknown document {other}")
            fingerprint = payload.get("fingerprint")
            if fingerprint and owners.setdefault(fingerprint, doc_id) != doc_id:
                problems.append(f"passage {pid}: the same text is stored for {owners[fingerprint]} and {doc_id}")
        for doc in docs.values():
            if live.get(doc.id, 0) != doc.passages:
                problems.append(
                    f"document {doc.id}: records {doc.passages} passages, the index holds {live.get(doc.id, 0)}"
                )
            if doc.duplicate_of and doc.duplicate_of not in docs:
                problems.append(f"document {doc.id}: duplicate of unknown document {doc.duplicate_of}")
            elif doc.duplicate_of and docs[doc.duplicate_of].duplicate_of:
                problems.append(f"document {doc.id}: duplicate of {doc.duplicate_of}, itself a duplicate")
            for other in doc.duplicates:
                if other not in docs:
                    problems.append(f"document {doc.id}: lists unknown duplicate {other}")
        return problems

    @_reading
    def count_passages(self) -> int:
        if not self.engine.exists(self.collection):
            return 0
        return self.engine.count(self.collection)

    @_reading
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
        responses = self._score_union(prefetch, [(name, queries[name]) for name in wanted], with_vectors)
        if not responses[0]:
            return []
        points = {point.id: point for point in responses[0]}
        scores: dict = {pid: {} for pid in points}
        for name, response in zip(wanted, responses, strict=True):
            for point in response:
                if point.id in scores:
                    scores[point.id][name] = float(point.score)
        return self._scored([(points[pid], scores[pid]) for pid in points])

    def _score_union(
        self, prefetch: list[models.Prefetch], scorings: list[tuple[str, Any]], with_vectors: bool
    ) -> list[list]:
        """The union of the ``prefetch`` searches scored by each of ``scorings`` (vector name,
        query): one list of scored points per scoring, the first with payloads.

        Over a network, one batch: each request runs the prefetches again and re-scores their union.
        In process (the edge engine) a second call is free, so the searches run once and the union
        is then scored exactly by id: the same points and scores, and at 10k passages the engine's
        part of a hybrid query took 3.8 -> 2.2 ms (median of 200 SweQuAD-MC questions), one
        fifth of what a search holds the GIL for.
        """

        def request(i: int, name: str, query: Any, **where: Any) -> models.QueryRequest:
            return models.QueryRequest(
                query=query,
                using=name,
                with_payload=i == 0,
                with_vector=[DENSE] if with_vectors and i == 0 else False,
                **where,
            )

        if not self.engine.cheap_calls:
            limit = sum(p.limit for p in prefetch)
            requests = [
                request(i, name, query, prefetch=prefetch, limit=limit) for i, (name, query) in enumerate(scorings)
            ]
            return self.engine.query_batch(self.collection, requests)
        searches = [
            models.QueryRequest(query=p.query, using=p.using, filter=p.filter, limit=p.limit, with_payload=False)
            for p in prefetch
        ]
        found = self.engine.query_batch(self.collection, searches)
        ids = list(dict.fromkeys(point.id for points in found for point in points))
        if not ids:
            return [[] for _ in scorings]
        union = models.Filter(must=[models.HasIdCondition(has_id=ids)])
        exact = models.SearchParams(exact=True)
        requests = [
            request(i, name, query, filter=union, limit=len(ids), params=exact)
            for i, (name, query) in enumerate(scorings)
        ]
        return self.engine.query_batch(self.collection, requests)

    def _scored(self, items: list[tuple[Any, dict[str, float]]]) -> list[ScoredPassage]:
        passages = [PassageRecord(**point.payload) for point, _ in items]
        documents = self.get_documents({p.document_id for p in passages}, complete=False)
        results = []
        for (point, signals), passage in zip(items, passages, strict=True):
            score = next(iter(signals.values()), 0.0)
            vector = point.vector.get(DENSE) if isinstance(point.vector, dict) else None
            vector = np.asarray(vector, dtype=np.float32) if vector is not None else None
            results.append(ScoredPassage(score, passage, documents.get(passage.document_id), signals, vector))
        return results


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


def _journal_pages() -> models.Filter:
    return models.Filter(must=[_match(JOURNAL_PAGE, PENDING)])


def build_filter(filters: SearchFilters | None) -> models.Filter:
    """Qdrant conditions for the filters; hidden (staged) passages are never returned."""
    must: list = [_match(STATE, LIVE)]
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
