"""What the index needs from a Qdrant engine, in ``qdrant_client.models`` types.

The store builds filters, points and Query API requests once, as qdrant-client models; each
engine runs them (the edge engine translates them to its own classes). Results come back as
objects with ``id`` (a string), ``payload``, ``vector`` and, for queries, ``score``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qdrant_client import models

from search.concurrency import Gate, ReadWriteLock


class EngineLockedError(RuntimeError):
    """The embedded index folder is open in another process."""


@dataclass(frozen=True)
class CollectionSpec:
    """A collection's vectors, payload indexes and metadata (an empty spec: payload only)."""

    vectors: dict[str, models.VectorParams] = field(default_factory=dict)
    sparse_vectors: dict[str, models.SparseVectorParams] = field(default_factory=dict)
    indexes: dict[str, models.PayloadSchemaType] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Scalar int8 copies of the HNSW-searched vectors in RAM (originals stay for re-scoring).
    quantization: bool = False
    #: Cluster layout, used by a Qdrant server only.
    shards: int = 1
    replicas: int = 1


Selector = models.Filter | Sequence[str]
UpdateOp = models.SetPayloadOperation | models.DeleteOperation


class Engine(ABC):
    """One Qdrant engine: collections of points, written and queried by the store."""

    #: ``server``, ``edge`` or ``local``: reported by /healthz and the benchmarks.
    name: str = "engine"
    #: True when the data lives in another process that several Vaksam processes may share.
    remote: bool = False
    #: False where concurrent calls are unsafe (qdrant-client's local mode): the store then
    #: lets one call in at a time.
    thread_safe: bool = True
    #: True when a call costs no round trip and no scan of every point (the edge engine runs its
    #: Rust index in this process): the store may then answer a query in two calls, not one.
    cheap_calls: bool = False

    def gate(self) -> Gate:
        """The store's readers-writer gate (searches share it, a document swap holds it alone):
        this process's own, or the index process's for a worker of ``vaksam serve --workers``."""
        return ReadWriteLock(shared_reads=self.thread_safe)

    @abstractmethod
    def exists(self, collection: str) -> bool: ...

    @abstractmethod
    def create(self, collection: str, spec: CollectionSpec) -> None: ...

    @abstractmethod
    def metadata(self, collection: str) -> dict[str, Any]: ...

    @abstractmethod
    def drop(self, collection: str) -> None: ...

    @abstractmethod
    def upsert(self, collection: str, points: Sequence[models.PointStruct]) -> None: ...

    @abstractmethod
    def delete(self, collection: str, selector: Selector) -> None:
        """Delete the points a filter matches, or the points with these ids."""

    @abstractmethod
    def set_payload(self, collection: str, payload: dict[str, Any], ids: Sequence[str]) -> None: ...

    @abstractmethod
    def batch_update(self, collection: str, operations: Sequence[UpdateOp]) -> None:
        """Apply payload sets and deletes in order, as one request where the engine allows it."""

    @abstractmethod
    def scroll(
        self, collection: str, flt: models.Filter | None, *, limit: int, offset: Any = None, with_vectors: bool = False
    ) -> tuple[list, Any]:
        """One page of points (with payload) and the offset of the next page (None at the end)."""

    @abstractmethod
    def retrieve(
        self,
        collection: str,
        ids: Sequence[str],
        *,
        with_vectors: bool | list[str] = False,
        without: Sequence[str] = (),
    ) -> list:
        """The points with these ids (those that exist), their payloads lacking the keys in ``without``."""

    @abstractmethod
    def count(self, collection: str, flt: models.Filter | None = None) -> int: ...

    @abstractmethod
    def query_batch(self, collection: str, requests: Sequence[models.QueryRequest]) -> list[list]:
        """Query API requests run as one batch; one list of scored points per request."""

    def add_missing_indexes(self, collection: str, indexes: dict[str, models.PayloadSchemaType]) -> list[str]:
        """Create the payload indexes of ``indexes`` that an existing collection lacks (one made by an
        older Vaksam); returns the fields indexed now. Engines that keep no payload indexes do nothing."""
        return []

    def optimize(self, collection: str) -> None:  # noqa: B027 - a no-op is the right default
        """Build indexes now rather than on the first searches (a no-op where the engine does it itself)."""

    def flush(self) -> None:  # noqa: B027 - a no-op is the right default
        """Make every acknowledged write durable (engines with a write-ahead log already are)."""

    @abstractmethod
    def close(self) -> None: ...
