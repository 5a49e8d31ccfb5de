"""The store's foundation: its engine and collections, the readers-writer gate every method runs
under, and the scrolling the other layers build on.

The store is built in layers, each a class that adds one concern to the one below: reads
(:mod:`.reads`), the integrity check (:mod:`.integrity`), passage sharing (:mod:`.sharing`), the
run journal (:mod:`.journal`), writes (:mod:`.writes`) and candidate retrieval (:mod:`.retrieval`),
whose class is :class:`search.store.QdrantStore`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, Self, TypeVar

from qdrant_client import models

from search.engines import Engine, EngineLockedError, open_engine
from search.settings import Settings
from search.store.schema import (
    DOCUMENT_COLLECTION_SPEC,
    LIVE,
    SCHEMA,
    SCROLL_PAGE,
    STAGED,
    STATE,
    IndexLockedError,
    ModelMismatchError,
    SchemaMismatchError,
    match_value,
    passage_collection_spec,
    payload_of,
)

F = TypeVar("F", bound=Callable[..., Any])


def _gated(mode: str) -> Callable[[F], F]:
    """Run a store method under its gate: ``read`` (shared by searches) or ``write`` (alone)."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: StoreBase, *args, **kwargs):
            with getattr(self.gate, mode)():
                return method(self, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


reading = _gated("read")  # searches and reads share the gate
writing = _gated("write")  # writes hold it alone, so no search sees a document half swapped


class StoreBase:
    """The engine, the two collection names and the gate."""

    def __init__(self, engine: Engine, collection: str, *, layout: dict | None = None) -> None:
        self.engine = engine
        self.collection = collection
        self.layout = layout or {}  # on-disk vectors, quantisation, shards: applied to new collections
        self.documents_collection = f"{collection}_documents"
        self.gate = engine.gate()

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
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

    @reading  # changes no content: searches go on while the engine builds indexes
    def optimize(self) -> None:
        """Build the vector and payload indexes after a batch of writes, so searches do not pay for it."""
        self.engine.optimize(self.collection)
        self.engine.flush()

    @reading
    def exists(self) -> bool:
        return self.engine.exists(self.collection)

    # -- collections -------------------------------------------------------------------------
    @writing
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

    @reading
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

    @reading
    def model_info(self) -> dict:
        if not self.engine.exists(self.collection):
            return {}
        return self.engine.metadata(self.collection)

    @writing
    def drop(self) -> None:
        for name in (self.collection, self.documents_collection):
            if self.engine.exists(name):
                self.engine.drop(name)

    # -- reads -------------------------------------------------------------------------------
    def _scroll(
        self, collection: str, flt: models.Filter | None = None, *, with_vectors: bool = False
    ) -> Iterable[models.Record]:
        offset = None
        while True:
            records, offset = self.engine.scroll(
                collection, flt, limit=SCROLL_PAGE, offset=offset, with_vectors=with_vectors
            )
            yield from records
            if offset is None:
                return

    def _doc_filter(self, document_id: str, *, live: bool) -> models.Filter:
        return models.Filter(
            must=[match_value("document_id", document_id), match_value(STATE, LIVE if live else STAGED)]
        )

    def _sharers(self, flt: models.Filter) -> list[str]:
        sharers: set[str] = set()
        for record in self._scroll(self.collection, flt):
            sharers.update(payload_of(record).get("also_in") or [])
        return sorted(sharers)
