"""Passage sharing: a text several documents hold is stored once, and ``also_in`` names the others."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from qdrant_client import models

from search.records import PassageRecord
from search.store.base import reading, writing
from search.store.integrity import CheckedStore
from search.store.schema import LIVE, STATE, match_value, payload_of


class SharingStore(CheckedStore):
    # -- passage sharing ---------------------------------------------------------------------
    @reading
    def find_fingerprints(
        self, fingerprints: Sequence[str], exclude_documents: Sequence[str]
    ) -> dict[str, PassageRecord]:
        """Live passages of other documents with these fingerprints, by fingerprint."""
        if not fingerprints or not self.engine.exists(self.collection):
            return {}
        flt = models.Filter(
            must=[
                models.FieldCondition(key="fingerprint", match=models.MatchAny(any=list(set(fingerprints)))),
                match_value(STATE, LIVE),
            ],
            must_not=[models.FieldCondition(key="document_id", match=models.MatchAny(any=list(exclude_documents)))],
        )
        found: dict[str, PassageRecord] = {}
        for record in self._scroll(self.collection, flt):
            passage = PassageRecord(**payload_of(record))
            found.setdefault(passage.fingerprint, passage)
        return found

    @writing
    def add_also_in(self, passages: Sequence[PassageRecord], document_id: str) -> None:
        """Record that ``document_id`` holds these (canonical) passages too."""
        for passage in passages:
            if document_id not in passage.also_in:
                self.engine.set_payload(
                    self.collection, {"also_in": sorted({*passage.also_in, document_id})}, [passage.id]
                )

    @writing
    def remove_also_in(self, document_id: str, *, except_ids: Iterable[str] = ()) -> None:
        """Take ``document_id`` out of the ``also_in`` of every passage (but those in ``except_ids``)."""
        keep = set(except_ids)
        flt = models.Filter(must=[models.FieldCondition(key="also_in", match=models.MatchAny(any=[document_id]))])
        for record in list(self._scroll(self.collection, flt)):
            if str(record.id) in keep:
                continue
            remaining = [d for d in payload_of(record).get("also_in") or [] if d != document_id]
            self.engine.set_payload(self.collection, {"also_in": remaining}, [str(record.id)])

    @writing
    def set_also_in(self, passages: Sequence[PassageRecord], document_id: str) -> None:
        """Make exactly these passages list ``document_id`` as holding them too: a document's links
        are recomputed whole each time it is read, as a clean run makes them."""
        self.remove_also_in(document_id, except_ids=[p.id for p in passages])
        self.add_also_in(passages, document_id)
