"""Writes: a document's passages swapped for new ones so that no search sees a mix of versions,
records written, documents deleted."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qdrant_client import models

from search.records import HIDDEN_DOCUMENT_FIELDS, DocumentRecord, PassageRecord
from search.store.base import reading, writing
from search.store.journal import JournalStore
from search.store.schema import (
    LIVE,
    STAGED,
    STATE,
    UPSERT_BATCH,
    PassageVectors,
    document_point_id,
    match_value,
    passages_but,
    payload_of,
    point_vectors,
)


class WritingStore(JournalStore):
    # -- writes ------------------------------------------------------------------------------
    @writing
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
        for start in range(0, len(passages), UPSERT_BATCH):
            batch = passages[start : start + UPSERT_BATCH]
            # A passage that stays (same id: same document, place and text) keeps the other
            # documents that hold it too; rewriting it must not cut their link.
            held = {
                str(r.id): payload_of(r).get("also_in") or []
                for r in self.engine.retrieve(self.collection, [p.id for p in batch])
            }
            points = [
                models.PointStruct(
                    id=p.id,
                    vector=point_vectors(vectors, start + i),
                    payload={**p.model_dump(), "also_in": sorted({*p.also_in, *held.get(p.id, [])}), STATE: STAGED},
                )
                for i, p in enumerate(batch)
            ]
            self.engine.upsert(self.collection, points)
        keep = [p.id for p in passages]
        old = passages_but(document.id, keep)
        orphans = self._sharers(old)
        publish = models.SetPayloadOperation(set_payload=models.SetPayload(payload={STATE: LIVE}, points=keep))
        delete_old = models.DeleteOperation(delete=models.FilterSelector(filter=old))
        self.engine.batch_update(self.collection, [publish, delete_old] if keep else [delete_old])
        self.put_document(document)
        return orphans

    @writing
    def put_document(self, document: DocumentRecord) -> None:
        """Write or overwrite a document record alone."""
        payload = {
            **document.model_dump(mode="json"),
            **{name: getattr(document, name) for name in HIDDEN_DOCUMENT_FIELDS},
        }
        point = models.PointStruct(id=document_point_id(document.id), vector={}, payload=payload)
        self.engine.upsert(self.documents_collection, [point])

    @writing
    def delete_passages(self, document_id: str) -> list[str]:
        """Remove a document's passages (keeping its record); returns documents that shared them."""
        flt = models.Filter(must=[match_value("document_id", document_id)])
        orphans = self._sharers(flt)
        self.engine.delete(self.collection, flt)
        return orphans

    @writing
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

    @reading
    def dependants(self, document_id: str, keep: Sequence[str] = ()) -> list[str]:
        """Documents that lean on this one's passages other than ``keep`` (``also_in``): what
        replacing or deleting them would orphan, known before anything is written."""
        if not self.engine.exists(self.collection):
            return []
        return self._sharers(passages_but(document_id, keep))
