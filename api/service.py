"""The one service layer under both the HTTP API and the command line.

It owns the lazily loaded encoder and store, so that commands which never
search (``vaksam documents``) do not pay for loading the model, and so that
the API process loads each exactly once.

Usage::

    service = VaksamService(Settings())
    service.ingest([Path("data/corpus")])
    result = service.search("Vilka kommuner har infört MVP i skolan?", limit=5)
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from api.citations import Reference
from api.settings import ApiSettings
from api.uploads import STALE_AFTER_S, locked_folder, remove_stale_temporaries
from ingest.metadata import program_names
from ingest.pipeline import Ingestor, IngestSummary
from search.embedding.encoder import Encoder
from search.embedding.runtime import EncoderRuntime
from search.filters import SearchFilters
from search.lexical.sparse import SparseEncoder, sparse_encoder_from_settings
from search.modes import GroupBy, SearchMode, SortOrder
from search.ranking import Reranker, ScoredPassage, load_reranker
from search.records import DocumentRecord, PassageRecord, SearchResult
from search.searcher import Searcher
from search.settings import Settings
from search.store import QdrantStore
from search.suggestions.completion import Completion
from search.suggestions.expansion import QueryExpander
from search.suggestions.live import LiveWords
from search.suggestions.synonyms import SynonymFile

MAX_OFFSET = 500
MAX_CITED = 100
MAX_SUGGEST_CHARS = 200


class QueryError(ValueError):
    """A query that cannot be answered as asked; the message says why."""


def _merge(filters: SearchFilters | None, document: str | None, language: str | None) -> SearchFilters:
    """The shorthand ``document=``/``language=`` arguments folded into one filter object."""
    filters = filters or SearchFilters()
    update = {k: v for k, v in (("document", document), ("language", language)) if v}
    return filters.model_copy(update=update) if update else filters


class VaksamService:
    def __init__(self, settings: Settings, *, encoder: Encoder | None = None, store: QdrantStore | None = None):
        self.settings = ApiSettings.of(settings)
        self._encoder = encoder
        self._store = store
        self._lock = threading.Lock()
        self._index_checked = False

    @property
    def encoder(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = Encoder.load(self.settings)
            return self._encoder

    @property
    def model_loaded(self) -> bool:
        return self._encoder is not None

    @property
    def store(self) -> QdrantStore:
        with self._lock:
            if self._store is None:
                self._store = QdrantStore.from_settings(self.settings)
            return self._store

    @cached_property
    def sparse_encoder(self) -> SparseEncoder:
        return sparse_encoder_from_settings(self.settings)

    @cached_property
    def reranker(self) -> Reranker | None:
        """The configured reranker (None when off); loading it needs no index."""
        return load_reranker(self.settings, self.encoder)

    @cached_property
    def words(self) -> LiveWords:
        """The index's vocabulary for spelling suggestions and completions, kept current."""
        return LiveWords(self.store, self.sparse_encoder.analyzer, program_names)

    @cached_property
    def synonyms(self) -> SynonymFile:
        return SynonymFile(self.settings.synonyms_file)

    @cached_property
    def expander(self) -> QueryExpander:
        return QueryExpander(self.words, self.synonyms, typos=self.settings.typo_tolerance)

    @cached_property
    def searcher(self) -> Searcher:
        return Searcher.from_settings(
            self.encoder, self.store, self.sparse_encoder, self.settings, self.reranker, self.expander
        )

    def close(self) -> None:
        """Release the index (the embedded one is one process's at a time); the next call reopens it."""
        if self._store is not None:
            self._store.close()
            self._store = None
        for held in ("searcher", "words", "expander"):  # they hold the closed store
            self.__dict__.pop(held, None)
        self._index_checked = False

    def _index_changed(self) -> None:
        if "words" in self.__dict__:
            self.words.invalidate()

    # -- ingestion -------------------------------------------------------------------------
    def ingest(
        self, paths: Iterable[Path], *, prune: bool = False, progress: bool = True, rebuild: bool = False
    ) -> IngestSummary:
        """Index files and folders; ``rebuild`` first drops the collection (new model or index layout)."""
        if rebuild:
            self.store.drop()
        ingestor = Ingestor(self.settings, self.encoder, self.store, self.sparse_encoder)
        try:
            return ingestor.ingest(paths, prune=prune, progress=progress)
        finally:
            self._index_changed()

    def recover(self) -> IngestSummary | None:
        """Finish what a crash interrupted, before serving: remove half-received uploads, index
        uploads that were put in place but not indexed, and read again the documents an
        interrupted run was changing (the index's journal). None when nothing needed it.

        Workers take turns (a lock on the uploads folder); an embedded index that one process
        holds alone has no other writer, so its leftovers are removed whatever their age."""
        uploads = self.settings.uploads_dir
        alone = not (self.settings.qdrant_url or self.settings.index_process)
        with locked_folder(uploads):
            removed = remove_stale_temporaries(uploads, 0 if alone else STALE_AFTER_S)
            has_uploads = any(p.is_file() and not p.name.startswith(".") for p in uploads.iterdir())
            if not has_uploads and not self.store.pending_documents():
                return None
            summary = self.ingest([uploads] if has_uploads else [], progress=False)
        if removed or summary.indexed or summary.reingested:
            logging.getLogger(__name__).warning(
                "recovered: %d leftovers removed, %d uploads indexed, %d documents read again",
                removed,
                summary.indexed,
                summary.reingested,
            )
        return summary

    def delete_document(self, document_id: str) -> IngestSummary | None:
        """Remove a document from the index, and its file when it was uploaded (the uploads folder
        is Vaksam's own); a file elsewhere stays and comes back with the next ingest of its folder."""
        doc = self.store.get_document(document_id)
        if doc is None:
            return None
        summary = Ingestor(self.settings, self.encoder, self.store, self.sparse_encoder).remove(document_id)
        self._index_changed()
        source = Path(doc.source)
        uploads = self.settings.uploads_dir.resolve()
        if source.is_file() and source.resolve().is_relative_to(uploads):
            source.unlink()
        return summary

    # -- queries ---------------------------------------------------------------------------
    def search(
        self,
        query: str,
        limit: int = 10,
        *,
        filters: SearchFilters | None = None,
        document: str | None = None,
        language: str | None = None,
        mode: SearchMode | str | None = None,
        group_by: GroupBy | str | None = None,
        group_size: int = 3,
        diversity: float | None = None,
        offset: int = 0,
        sort: SortOrder | str | None = None,
        recency: float = 0.0,
    ) -> SearchResult:
        query = self.check_query(query)
        if not 1 <= limit <= 100:
            raise QueryError(f"limit must be between 1 and 100, not {limit}")
        if not 0 <= offset <= MAX_OFFSET:
            raise QueryError(f"offset must be between 0 and {MAX_OFFSET}, not {offset}")
        if not 0 <= recency <= 1:
            raise QueryError(f"recency must be between 0 and 1, not {recency}")
        try:
            sort = SortOrder(sort) if sort else SortOrder.RELEVANCE
        except ValueError as exc:
            raise QueryError(str(exc)) from None
        if not 1 <= group_size <= 10:
            raise QueryError(f"group_size must be between 1 and 10, not {group_size}")
        if diversity is not None and not 0 <= diversity <= 1:
            raise QueryError(f"diversity must be between 0 and 1, not {diversity}")
        try:
            mode = SearchMode(mode) if mode else None
        except ValueError:
            valid = ", ".join(m.value for m in SearchMode)
            raise QueryError(f"unknown search mode {mode!r}; valid modes: {valid}") from None
        try:
            group_by = GroupBy(group_by) if group_by else None
        except ValueError as exc:
            raise QueryError(str(exc)) from None
        self.check_index()
        return self.searcher.search(
            query,
            limit,
            filters=_merge(filters, document, language),
            mode=mode,
            group_by=group_by,
            group_size=group_size,
            diversity=diversity,
            offset=offset,
            sort=sort,
            recency=recency,
        )

    def suggest(self, text: str, limit: int = 8) -> list[Completion]:
        """Completions of what is being typed: titles, headings, program names and index words."""
        if not 1 <= limit <= 20:
            raise QueryError(f"limit must be between 1 and 20, not {limit}")
        if len(text) > MAX_SUGGEST_CHARS:
            raise QueryError(f"the text is {len(text)} characters; the limit is {MAX_SUGGEST_CHARS}")
        self.check_index()
        return self.words.current().completer.complete(text, limit)

    def references(self, passage_ids: list[str], base_url: str) -> tuple[list[Reference], list[str]]:
        """References for the passages, in the order given (repeats dropped), and the ids not in the
        index. ``base_url`` is where the page lives, for the permalinks (``/?passage=<id>``)."""
        if not passage_ids:
            raise QueryError("name at least one passage id (ids=...)")
        ids = list(dict.fromkeys(p.lower() for p in passage_ids))  # the index keeps ids in lower case
        if len(ids) > MAX_CITED:
            raise QueryError(f"at most {MAX_CITED} passages can be cited at once, not {len(ids)}")
        for passage_id in ids:
            try:
                uuid.UUID(passage_id)
            except ValueError:
                raise QueryError(f"{passage_id!r} is not a passage id (a UUID)") from None
        passages = self.store.get_passages(ids)
        documents = self.store.get_documents({p.document_id for p in passages.values()})
        base = base_url.rstrip("/")
        references = [
            Reference.of(p, documents.get(p.document_id), f"{base}/?passage={p.id}")
            for i in ids
            if (p := passages.get(i)) is not None
        ]
        return references, [i for i in ids if i not in passages]

    def similar(self, passage_id: str, limit: int = 10) -> list[ScoredPassage] | None:
        """Passages of other documents like this one; None for an unknown passage id."""
        if not 1 <= limit <= 100:
            raise QueryError(f"limit must be between 1 and 100, not {limit}")
        try:
            uuid.UUID(passage_id)
        except ValueError:
            return None
        self.check_index()
        return self.searcher.similar(passage_id, limit)

    def check_index(self) -> None:
        """Refuse to search an index of an older layout (clear message instead of a Qdrant error)."""
        if self._index_checked:
            return
        store = self.store
        if store.exists():
            store.check_collection()
        self._index_checked = True

    def facets(self, query: str | None = None, *, filters: SearchFilters | None = None) -> dict[str, dict[str, int]]:
        """Document counts per facet value for a query (or for the whole index without one)."""
        query = self.check_query(query) if query and query.strip() else None
        if query:
            self.check_index()
        return self.searcher.facets(query, filters)

    def check_query(self, query: str) -> str:
        query = " ".join(query.split())
        if not query:
            raise QueryError("the query is empty: type a question or some words to search for")
        if len(query) > self.settings.max_query_chars:
            raise QueryError(f"the query is {len(query)} characters; the limit is {self.settings.max_query_chars}")
        return query

    def documents(self) -> list[DocumentRecord]:
        return self.store.list_documents()

    def document(self, document_id: str) -> DocumentRecord | None:
        return self.store.get_document(document_id)

    def document_passages(self, document_id: str) -> list[PassageRecord]:
        return self.store.document_passages(document_id)

    def passage(self, passage_id: str) -> PassageRecord | None:
        try:
            uuid.UUID(passage_id)
        except ValueError:
            return None
        return self.store.get_passage(passage_id)

    def health(self) -> dict:
        store = self.store
        return {
            "status": "ok",
            "collection": store.collection,
            "backend": store.engine.name,
            "model": store.model_info().get("model", self.settings.embedding_model),
            "documents": store.count_documents(),
            "passages": store.count_passages(),
            "encoder": self.encoder_runtime(),
        }

    def encoder_runtime(self) -> dict:
        """What runs the model on this CPU; before the model is loaded, what is configured."""
        with self._lock:
            encoder = self._encoder
        if encoder is not None:
            return encoder.runtime.as_dict()
        return EncoderRuntime(backend=self.settings.encoder_backend.value, precision=None).as_dict()
