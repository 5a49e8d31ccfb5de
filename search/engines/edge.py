"""Qdrant's Rust engine in process (``qdrant-edge-py``): the embedded default.

A folder holds one edge shard per collection (``<path>/edge/<collection>/``) and the
collection's metadata beside it (``<collection>.json``); a lock file keeps a second process
out with a clear message instead of a half-open write-ahead log.

Measured on the bundled corpus (one run, ``benchmarks/engines.py``): the edge engine answers the
same Query API batches with the same results as qdrant-client's local mode, see
``benchmarks/README.md`` for the latency ratio.

Version 0.9.0 cannot match boolean payload values (``MatchValue(True)`` matches nothing), so
the store keeps its flags as keywords; the translator refuses a boolean match rather than
silently returning nothing.

Usage::

    engine = EdgeEngine.open(Path("data/index"))
    engine.create("vaksam", CollectionSpec(vectors={"dense": models.VectorParams(size=384, distance="Cosine")}))
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qdrant_edge as edge
from qdrant_client import models

from search.engines.base import CollectionSpec, Engine, EngineLockedError, Selector, UpdateOp

log = logging.getLogger(__name__)

_DISTANCES = {
    models.Distance.COSINE: edge.Distance.Cosine,
    models.Distance.DOT: edge.Distance.Dot,
    models.Distance.EUCLID: edge.Distance.Euclid,
    models.Distance.MANHATTAN: edge.Distance.Manhattan,
}
_SCHEMAS = {
    models.PayloadSchemaType.KEYWORD: edge.PayloadSchemaType.Keyword,
    models.PayloadSchemaType.INTEGER: edge.PayloadSchemaType.Integer,
    models.PayloadSchemaType.FLOAT: edge.PayloadSchemaType.Float,
    models.PayloadSchemaType.BOOL: edge.PayloadSchemaType.Bool,
}
_NO_VECTORS = "_none"  # an edge shard needs one vector; a payload-only collection gets an unused sparse one


@dataclass(frozen=True)
class EdgePoint:
    """A point as the store reads it, whichever engine returned it."""

    id: str
    payload: dict[str, Any] | None
    vector: dict[str, Any] | None
    score: float = 0.0


class EdgeEngine(Engine):
    name = "edge"
    cheap_calls = True

    def __init__(self, root: Path, *, search_threads: int | None = None) -> None:
        self.root = root
        self.search_threads = search_threads
        self._shards: dict[str, edge.EdgeShard] = {}
        self._guard = threading.Lock()  # opening/closing shards; the shards themselves are thread-safe
        root.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(root / ".lock", "a+")  # noqa: SIM115 - held for the engine's lifetime
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise EngineLockedError(str(root.parent)) from None

    @classmethod
    def open(cls, path: Path, *, search_threads: int | None = None) -> EdgeEngine:
        if (path / "meta.json").is_file() and (path / "collection").is_dir():
            log.warning(
                "%s also holds an index written by the qdrant-client engine; it is not read "
                "(set VAKSAM_INDEX_ENGINE=local to search it, or re-ingest to fill the edge index)",
                path,
            )
        return cls(path / "edge", search_threads=search_threads)

    # -- collections -------------------------------------------------------------------------
    def _folder(self, collection: str) -> Path:
        return self.root / collection

    def _meta_file(self, collection: str) -> Path:
        return self.root / f"{collection}.json"

    def _shard(self, collection: str) -> edge.EdgeShard:
        with self._guard:
            shard = self._shards.get(collection)
            if shard is None:
                if not self.exists(collection):
                    raise KeyError(f"collection {collection!r} does not exist")
                shard = self._shards[collection] = edge.EdgeShard.load(str(self._folder(collection)))
            return shard

    def exists(self, collection: str) -> bool:
        return self._meta_file(collection).is_file()

    def add_missing_indexes(self, collection: str, indexes: dict[str, models.PayloadSchemaType]) -> list[str]:
        shard = self._shard(collection)
        missing = [field for field in indexes if field not in shard.info().payload_schema]
        for field in missing:
            shard.update(edge.UpdateOperation.create_field_index(field, _SCHEMAS[indexes[field]]))
        if missing:
            shard.flush()
        return missing

    def create(self, collection: str, spec: CollectionSpec) -> None:
        vectors = {name: _vector_params(p) for name, p in spec.vectors.items()}
        sparse = {name: _sparse_params(p) for name, p in spec.sparse_vectors.items()}
        if not vectors and not sparse:
            sparse = {_NO_VECTORS: edge.EdgeSparseVectorParams()}
        folder = self._folder(collection)
        if folder.exists():  # left by a crash between creating the shard and writing its metadata
            shutil.rmtree(folder)
        quantization = None
        if spec.quantization:
            quantization = edge.ScalarQuantizationConfig(
                type=edge.ScalarType.Int8, quantile=0.99, memory=edge.Memory.Cached
            )
        config = edge.EdgeConfig(
            vectors=vectors,
            sparse_vectors=sparse,
            quantization_config=quantization,
            max_search_threads=self.search_threads,
        )
        shard = edge.EdgeShard.create(str(folder), config)
        for field, schema in spec.indexes.items():
            shard.update(edge.UpdateOperation.create_field_index(field, _SCHEMAS[schema]))
        shard.flush()
        _write_json(self._meta_file(collection), spec.metadata)  # last: the collection exists from here on
        with self._guard:
            self._shards[collection] = shard

    def metadata(self, collection: str) -> dict[str, Any]:
        return json.loads(self._meta_file(collection).read_text(encoding="utf-8"))

    def drop(self, collection: str) -> None:
        with self._guard:
            shard = self._shards.pop(collection, None)
            if shard is not None:
                shard.close()
        self._meta_file(collection).unlink(missing_ok=True)
        shutil.rmtree(self._folder(collection), ignore_errors=True)

    # -- writes ------------------------------------------------------------------------------
    def upsert(self, collection: str, points: Sequence[models.PointStruct]) -> None:
        converted = [edge.Point(id=str(p.id), vector=_to_edge_vectors(p.vector), payload=p.payload) for p in points]
        self._shard(collection).update(edge.UpdateOperation.upsert_points(converted))

    def delete(self, collection: str, selector: Selector) -> None:
        self._shard(collection).update(_delete_op(selector))

    def set_payload(self, collection: str, payload: dict[str, Any], ids: Sequence[str]) -> None:
        if ids:
            self._shard(collection).update(edge.UpdateOperation.set_payload([str(i) for i in ids], payload))

    def batch_update(self, collection: str, operations: Sequence[UpdateOp]) -> None:
        for op in operations:
            if isinstance(op, models.SetPayloadOperation):
                sp = op.set_payload
                if sp.points is not None:
                    self.set_payload(collection, sp.payload, [str(i) for i in sp.points])
                elif (payload_filter := _filter(sp.filter)) is not None:
                    op_edge = edge.UpdateOperation.set_payload_by_filter(payload_filter, sp.payload)
                    self._shard(collection).update(op_edge)
            elif isinstance(op, models.DeleteOperation):
                selector = op.delete
                if isinstance(selector, models.FilterSelector):
                    self.delete(collection, selector.filter)
                else:
                    self.delete(collection, [str(i) for i in selector.points])
            else:
                raise TypeError(f"the edge engine does not run {type(op).__name__}")

    # -- reads -------------------------------------------------------------------------------
    def scroll(
        self, collection: str, flt: models.Filter | None, *, limit: int, offset: Any = None, with_vectors: bool = False
    ) -> tuple[list, Any]:
        request = edge.ScrollRequest(
            offset=offset, limit=limit, filter=_filter(flt), with_payload=True, with_vector=with_vectors
        )
        records, next_offset = self._shard(collection).scroll(request)
        return [_point(r) for r in records], next_offset

    def retrieve(
        self,
        collection: str,
        ids: Sequence[str],
        *,
        with_vectors: bool | list[str] = False,
        without: Sequence[str] = (),
    ) -> list:
        payload = edge.PayloadSelector.Exclude(list(without)) if without else True
        found = self._shard(collection).retrieve([str(i) for i in ids], with_payload=payload, with_vector=with_vectors)
        return [_point(r) for r in found]

    def count(self, collection: str, flt: models.Filter | None = None) -> int:
        return self._shard(collection).count(edge.CountRequest(filter=_filter(flt), exact=True))

    def query_batch(self, collection: str, requests: Sequence[models.QueryRequest]) -> list[list]:
        batch = edge.QueryBatchRequest([_request(r) for r in requests])
        answers = self._shard(collection).query_batch(batch)
        out = []
        for request, points in zip(requests, answers, strict=True):
            if request.with_payload or request.with_vector:
                out.append([_point(p, scored=True) for p in points])
            else:  # scores only: every property read crosses into Rust, so read just two
                out.append([EdgePoint(str(p.id), None, None, p.score) for p in points])
        return out

    def optimize(self, collection: str) -> None:
        if self.exists(collection):
            self._shard(collection).optimize()

    def flush(self) -> None:
        with self._guard:
            for shard in self._shards.values():
                shard.flush()

    def close(self) -> None:
        with self._guard:
            for shard in self._shards.values():
                shard.flush()
                shard.close()
            self._shards.clear()
        if not self._lock_file.closed:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()


# -- configuration ---------------------------------------------------------------------------
def _vector_params(params: models.VectorParams) -> edge.EdgeVectorParams:
    multivector = None
    if params.multivector_config is not None:
        multivector = edge.MultiVectorConfig(comparator=edge.MultiVectorComparator.MaxSim)
    hnsw = None
    if params.hnsw_config is not None and params.hnsw_config.m is not None:
        hnsw = edge.HnswIndexConfig(
            m=params.hnsw_config.m,
            ef_construct=params.hnsw_config.ef_construct or 100,
            full_scan_threshold=params.hnsw_config.full_scan_threshold or 10_000,
        )
    return edge.EdgeVectorParams(
        size=params.size,
        distance=_DISTANCES[params.distance],
        multivector_config=multivector,
        hnsw_config=hnsw,
        memory=edge.Memory.Cold if params.on_disk else None,
    )


def _sparse_params(params: models.SparseVectorParams) -> edge.EdgeSparseVectorParams:
    modifier = edge.Modifier.Idf if params.modifier == models.Modifier.IDF else None
    return edge.EdgeSparseVectorParams(modifier=modifier)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


# -- translation of qdrant-client models ------------------------------------------------------
def _to_edge_vectors(vector: Any) -> dict:
    out = {}
    for name, value in (vector or {}).items():
        if isinstance(value, models.SparseVector):
            out[name] = edge.SparseVector(indices=list(value.indices), values=list(value.values))
        else:
            out[name] = value
    return out


def _from_edge_vectors(vector: Any) -> dict | None:
    if not vector:
        return None
    out = {}
    for name, value in vector.items():
        if name == _NO_VECTORS:
            continue
        if isinstance(value, edge.SparseVector):
            out[name] = models.SparseVector(indices=list(value.indices), values=list(value.values))
        else:
            out[name] = value
    return out


def _point(record: Any, *, scored: bool = False) -> EdgePoint:
    return EdgePoint(
        id=str(record.id),
        payload=record.payload,
        vector=_from_edge_vectors(record.vector),
        score=float(record.score) if scored else 0.0,
    )


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


DEFAULT_LIMIT = 10  # Qdrant's own, for a request that names none


def _filter(flt: models.Filter | None) -> edge.Filter | None:
    if flt is None:
        return None
    return edge.Filter(
        must=[_condition(c) for c in _as_list(flt.must)] or None,
        should=[_condition(c) for c in _as_list(flt.should)] or None,
        must_not=[_condition(c) for c in _as_list(flt.must_not)] or None,
    )


def _condition(condition: Any) -> Any:
    if isinstance(condition, models.Filter):
        return _filter(condition)
    if isinstance(condition, models.HasIdCondition):
        return edge.HasIdCondition({str(i) for i in condition.has_id})
    if isinstance(condition, models.FieldCondition):
        if condition.match is not None:
            return edge.FieldCondition(key=condition.key, match=_match(condition.match))
        if condition.range is not None:
            r = condition.range
            if not isinstance(r, models.Range):
                raise TypeError(f"the edge engine compares numbers only, not {r!r}")
            return edge.FieldCondition(key=condition.key, range=edge.RangeFloat(gte=r.gte, gt=r.gt, lte=r.lte, lt=r.lt))
    raise TypeError(f"the edge engine does not translate the condition {condition!r}")


def _match(match: Any) -> Any:
    if isinstance(match, models.MatchValue):
        if isinstance(match.value, bool):
            raise TypeError("qdrant-edge 0.9 cannot match booleans: store the flag as a keyword")
        return edge.MatchValue(value=match.value)
    if isinstance(match, models.MatchAny):
        values: list = list(match.any)
        return edge.MatchAny(any=values)
    raise TypeError(f"the edge engine does not translate the match {match!r}")


def _delete_op(selector: Selector) -> edge.UpdateOperation:
    if isinstance(selector, models.Filter):
        return edge.UpdateOperation.delete_points_by_filter(_filter(selector) or edge.Filter())
    return edge.UpdateOperation.delete_points([str(i) for i in selector])


def _query(query: Any, using: str | None) -> edge.Query | None:
    if query is None:
        return None
    if isinstance(query, models.NearestQuery):
        query = query.nearest
    if isinstance(query, models.SparseVector):
        query = edge.SparseVector(indices=list(query.indices), values=list(query.values))
    return edge.Query.Nearest(query, using=using)


def _prefetch(prefetch: models.Prefetch) -> edge.Prefetch:
    return edge.Prefetch(
        limit=prefetch.limit if prefetch.limit is not None else DEFAULT_LIMIT,
        query=_query(prefetch.query, prefetch.using),
        prefetches=[_prefetch(p) for p in _as_list(prefetch.prefetch)] or None,
        filter=_filter(prefetch.filter),
        score_threshold=prefetch.score_threshold,
    )


def _request(request: models.QueryRequest) -> edge.QueryRequest:
    return edge.QueryRequest(
        limit=request.limit if request.limit is not None else DEFAULT_LIMIT,
        offset=request.offset,
        query=_query(request.query, request.using),
        prefetches=[_prefetch(p) for p in _as_list(request.prefetch)] or None,
        with_vector=request.with_vector or False,
        with_payload=bool(request.with_payload),
        filter=_filter(request.filter),
        score_threshold=request.score_threshold,
        params=_params(request.params),
    )


def _params(params: models.SearchParams | None) -> edge.SearchParams | None:
    if params is None:
        return None
    return edge.SearchParams(hnsw_ef=params.hnsw_ef, exact=bool(params.exact), indexed_only=bool(params.indexed_only))
