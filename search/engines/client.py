"""``qdrant-client`` as an engine: a Qdrant server, or the library's pure-Python local mode.

The local mode is a brute-force stand-in (measured: ~40 ms a query at 20k points, ~270 ms
with a payload filter, payload indexes ignored); it stays for tests and for folders written
by Vaksam before the edge engine. The server is the path to a million passages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qdrant_client import QdrantClient, models

from search.engines.base import CollectionSpec, Engine, EngineLockedError, Selector, UpdateOp


class ClientEngine(Engine):
    def __init__(self, client: QdrantClient, *, remote: bool) -> None:
        self.client = client
        self.remote = remote
        self.name = "server" if remote else "local"
        self.thread_safe = remote  # the local mode's dict-of-numpy storage is not

    @classmethod
    def connect(cls, url: str, *, api_key: str | None = None, timeout: int = 30) -> ClientEngine:
        return cls(QdrantClient(url=url, api_key=api_key, timeout=timeout), remote=True)

    @classmethod
    def open_local(cls, path: Path) -> ClientEngine:
        path.mkdir(parents=True, exist_ok=True)
        try:
            return cls(QdrantClient(path=str(path)), remote=False)
        except RuntimeError as exc:
            if "already accessed" in str(exc):
                raise EngineLockedError(str(path)) from exc
            raise

    def exists(self, collection: str) -> bool:
        return self.client.collection_exists(collection)

    def create(self, collection: str, spec: CollectionSpec) -> None:
        quantization = None
        if spec.quantization:
            quantization = models.ScalarQuantization(
                scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, quantile=0.99, always_ram=True)
            )
        self.client.create_collection(
            collection,
            vectors_config=dict(spec.vectors),
            sparse_vectors_config=dict(spec.sparse_vectors) or None,
            metadata=dict(spec.metadata) or None,
            quantization_config=quantization,
            shard_number=spec.shards if self.remote else None,
            replication_factor=spec.replicas if self.remote else None,
        )
        if self.remote:  # the local mode ignores payload indexes (and warns about each)
            for field, schema in spec.indexes.items():
                self.client.create_payload_index(collection, field, schema)

    def add_missing_indexes(self, collection: str, indexes: dict[str, models.PayloadSchemaType]) -> list[str]:
        if not self.remote:  # the local mode keeps no payload indexes
            return []
        missing = [
            field for field in indexes if field not in (self.client.get_collection(collection).payload_schema or {})
        ]
        for field in missing:
            self.client.create_payload_index(collection, field, indexes[field])
        return missing

    def metadata(self, collection: str) -> dict[str, Any]:
        return dict(self.client.get_collection(collection).config.metadata or {})

    def drop(self, collection: str) -> None:
        self.client.delete_collection(collection)

    def upsert(self, collection: str, points: Sequence[models.PointStruct]) -> None:
        self.client.upsert(collection, points=list(points), wait=True)

    def delete(self, collection: str, selector: Selector) -> None:
        self.client.delete(collection, points_selector=_selector(selector), wait=True)

    def set_payload(self, collection: str, payload: dict[str, Any], ids: Sequence[str]) -> None:
        self.client.set_payload(collection, payload=payload, points=list(ids), wait=True)

    def batch_update(self, collection: str, operations: Sequence[UpdateOp]) -> None:
        self.client.batch_update_points(collection, update_operations=list(operations), wait=True)

    def scroll(
        self, collection: str, flt: models.Filter | None, *, limit: int, offset: Any = None, with_vectors: bool = False
    ) -> tuple[list, Any]:
        return self.client.scroll(
            collection, scroll_filter=flt, limit=limit, offset=offset, with_payload=True, with_vectors=with_vectors
        )

    def retrieve(
        self,
        collection: str,
        ids: Sequence[str],
        *,
        with_vectors: bool | list[str] = False,
        without: Sequence[str] = (),
    ) -> list:
        payload = models.PayloadSelectorExclude(exclude=list(without)) if without else True
        return self.client.retrieve(collection, list(ids), with_payload=payload, with_vectors=with_vectors)

    def count(self, collection: str, flt: models.Filter | None = None) -> int:
        return self.client.count(collection, count_filter=flt, exact=True).count

    def query_batch(self, collection: str, requests: Sequence[models.QueryRequest]) -> list[list]:
        return [r.points for r in self.client.query_batch_points(collection, requests=list(requests))]

    def close(self) -> None:
        self.client.close()


def _selector(selector: Selector) -> models.FilterSelector | models.PointIdsList:
    if isinstance(selector, models.Filter):
        return models.FilterSelector(filter=selector)
    return models.PointIdsList(points=list(selector))
