"""The run journal: the documents an unfinished ingest run was changing, read again by the next run."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from qdrant_client import models

from search.store.base import reading, writing
from search.store.schema import JOURNAL_KEY, JOURNAL_PAGE, JOURNAL_POINT, PENDING, journal_pages, payload_of
from search.store.sharing import SharingStore


class JournalStore(SharingStore):
    # -- the run journal -----------------------------------------------------------------------
    @reading
    def pending_documents(self) -> set[str]:
        """Documents an interrupted run was changing: the next run reads them again."""
        if not self.engine.exists(self.documents_collection):
            return set()
        pages = [*self._scroll(self.documents_collection, journal_pages())]
        pages += self.engine.retrieve(self.documents_collection, [JOURNAL_POINT])
        return {d for page in pages for d in payload_of(page).get(JOURNAL_KEY) or []}

    @writing
    def add_pending_documents(self, document_ids: Iterable[str]) -> None:
        """Add a page to the journal (one new point, written atomically; pages never overwrite
        each other, so a run that resumes an interrupted one keeps that one's pages too)."""
        ids = sorted(set(document_ids))
        if ids:
            page = {JOURNAL_KEY: ids, JOURNAL_PAGE: PENDING}
            point = models.PointStruct(id=str(uuid.uuid4()), vector={}, payload=page)
            self.engine.upsert(self.documents_collection, [point])

    @writing
    def clear_pending_documents(self) -> None:
        """Remove the whole journal: the run it describes is done."""
        if self.engine.exists(self.documents_collection):
            self.engine.delete(self.documents_collection, journal_pages())
            self.engine.delete(self.documents_collection, [JOURNAL_POINT])
