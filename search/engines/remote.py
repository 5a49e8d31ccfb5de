"""One index process, thin workers: the embedded engine shared by several processes on one machine.

The embedded index belongs to one process (the edge engine holds a lock on its folder), and one
process is bound by Python's GIL for most of a search (fusion, payload conversion, highlighting:
about 40 queries/s on two cores, benchmarks/README.md). ``vaksam serve --workers N`` without a
Qdrant server therefore runs :class:`EngineServer` in the supervising process, which owns the
engine, and N HTTP workers whose store talks to it through :class:`RemoteEngine`: the workers do
HTTP, query embedding, fusion and highlighting in parallel; the index process only runs engine
requests (Rust, a few ms each).

The store's gate (:class:`~search.concurrency.ReadWriteLock`) lives in the index process too, so
no search in any worker sees a document half swapped by another worker's upload (one upload or
delete at a time across workers is the API's lock on the uploads folder, ``api.uploads``).

Each worker thread has its own connection and so its own thread in the index process; the gate's
re-entrancy (a swap that reads inside its write) works as in one process. A connection that
closes (a worker killed mid-write) releases whatever it held, so the others go on.

The transport is ``multiprocessing.connection`` over a Unix socket in a private folder (mode
0700) with a random key in it: only the same user can connect, and only with the key.

Usage::

    server = EngineServer.start(open_engine(settings))   # in the index process
    engine = RemoteEngine(server.folder)                   # in each worker
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

from qdrant_client import models

from search.concurrency import ReadWriteLock
from search.engines.base import CollectionSpec, Engine, Selector, UpdateOp

log = logging.getLogger(__name__)

SOCKET = "engine.sock"
KEY = "key"
_CALLS = frozenset(
    {
        "exists",
        "create",
        "metadata",
        "drop",
        "upsert",
        "delete",
        "set_payload",
        "batch_update",
        "scroll",
        "retrieve",
        "count",
        "query_batch",
        "add_missing_indexes",
        "optimize",
        "flush",
    }
)
_LOCKS = ("read", "write")


class IndexProcessGoneError(RuntimeError):
    """The index process stopped (or never started); a worker cannot search without it."""


class EngineServer:
    """Serves one engine to the workers of ``vaksam serve --workers N``."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        self.engine = engine
        self.folder = folder
        self.gate = ReadWriteLock(shared_reads=engine.thread_safe)
        key = secrets.token_bytes(32)
        (folder / KEY).write_bytes(key)
        (folder / KEY).chmod(0o600)
        self._listener = Listener(str(folder / SOCKET), family="AF_UNIX", authkey=key)
        self._closed = threading.Event()
        self._clients: set[Connection] = set()
        self._clients_guard = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="vaksam-index", daemon=True)

    @classmethod
    def start(cls, engine: Engine, parent: Path | None = None) -> EngineServer:
        """Listen in a new private folder (under ``parent`` or the system's temporary folder)."""
        folder = Path(tempfile.mkdtemp(prefix="vaksam-index-", dir=parent))
        folder.chmod(0o700)
        server = cls(engine, folder)
        server._thread.start()
        log.info("index process serving %s engine at %s", engine.name, folder)
        return server

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn = self._listener.accept()  # the key check happens here
            except Exception as exc:  # noqa: BLE001 - closed, or a client that failed the key check
                if self._closed.is_set():
                    return
                log.warning("refused a connection to the index process: %s", exc)
                continue
            with self._clients_guard:
                self._clients.add(conn)
            threading.Thread(target=self._serve, args=(conn,), name="vaksam-index-client", daemon=True).start()

    def _serve(self, conn: Connection) -> None:
        held: list[AbstractContextManager] = []
        try:
            while True:
                try:
                    name, args, kwargs = conn.recv()
                except (EOFError, OSError):
                    return
                try:
                    result = self._run(name, args, kwargs, held)
                except Exception as exc:  # noqa: BLE001 - the worker raises it as its own
                    conn.send((False, _portable(exc)))
                else:
                    conn.send((True, result))
        finally:
            if held:
                log.warning("a worker went away holding %d index lock(s); released", len(held))
            for lock in reversed(held):
                lock.__exit__(None, None, None)
            with self._clients_guard:
                self._clients.discard(conn)
            conn.close()

    def _run(self, name: str, args: tuple, kwargs: dict, held: list) -> Any:
        if name == "describe":
            return {"name": self.engine.name, "thread_safe": self.engine.thread_safe}
        if name.startswith(("acquire:", "release:")):
            action, lock = name.split(":", 1)
            if lock not in _LOCKS:
                raise ValueError(f"unknown lock {lock!r}; valid: {', '.join(_LOCKS)}")
            if action == "release":
                held.pop().__exit__(None, None, None)
            else:
                context = getattr(self.gate, lock)()
                context.__enter__()
                held.append(context)
            return None
        if name not in _CALLS:
            raise ValueError(f"the index process does not run {name!r}")
        return getattr(self.engine, name)(*args, **kwargs)

    def close(self) -> None:
        """Stop listening and close the engine (workers get :class:`IndexProcessGoneError`)."""
        self._closed.set()
        self._listener.close()
        with self._clients_guard:
            for conn in self._clients:
                _hang_up(conn)  # its thread wakes from recv, releases what it held and closes it
        self.engine.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _hang_up(conn: Connection) -> None:
    with contextlib.suppress(OSError):
        sock = socket.socket(fileno=os.dup(conn.fileno()))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()


def _portable(exc: Exception) -> Exception:
    """The exception itself when it survives pickling, else a RuntimeError that says what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - anything unpicklable is described instead
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


class RemoteEngine(Engine):
    """The engine of the index process, called from a worker (one connection per thread)."""

    remote = True

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        try:
            self._key = (self.folder / KEY).read_bytes()
        except OSError as exc:
            raise IndexProcessGoneError(f"no index process at {self.folder}: {exc}") from exc
        self._local = threading.local()
        self._all: list[Connection] = []
        self._guard = threading.Lock()
        info = self._call("describe")
        self.name = f"{info['name']} (index process)"
        self.thread_safe = info["thread_safe"]

    def _connection(self) -> Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = Client(str(self.folder / SOCKET), family="AF_UNIX", authkey=self._key)
            except OSError as exc:
                raise IndexProcessGoneError(f"the index process at {self.folder} is not answering: {exc}") from exc
            self._local.conn = conn
            with self._guard:
                self._all.append(conn)
        return conn

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        conn = self._connection()
        try:
            conn.send((name, args, kwargs))
            ok, value = conn.recv()
        except (EOFError, OSError) as exc:
            self._local.conn = None
            raise IndexProcessGoneError(f"the index process at {self.folder} stopped: {exc}") from exc
        if not ok:
            raise value
        return value

    @contextmanager
    def _held(self, lock: str) -> Iterator[None]:
        self._call(f"acquire:{lock}")
        try:
            yield
        finally:
            self._call(f"release:{lock}")

    def gate(self) -> _RemoteGate:
        """The index process's gate: shared by the searches and swaps of every worker."""
        return _RemoteGate(self)

    # -- the engine interface, each call run by the index process ------------------------------
    def exists(self, collection: str) -> bool:
        return self._call("exists", collection)

    def create(self, collection: str, spec: CollectionSpec) -> None:
        self._call("create", collection, spec)

    def metadata(self, collection: str) -> dict[str, Any]:
        return self._call("metadata", collection)

    def drop(self, collection: str) -> None:
        self._call("drop", collection)

    def upsert(self, collection: str, points: Sequence[models.PointStruct]) -> None:
        self._call("upsert", collection, list(points))

    def delete(self, collection: str, selector: Selector) -> None:
        self._call("delete", collection, selector if isinstance(selector, models.Filter) else list(selector))

    def set_payload(self, collection: str, payload: dict[str, Any], ids: Sequence[str]) -> None:
        self._call("set_payload", collection, payload, list(ids))

    def batch_update(self, collection: str, operations: Sequence[UpdateOp]) -> None:
        self._call("batch_update", collection, list(operations))

    def scroll(
        self, collection: str, flt: models.Filter | None, *, limit: int, offset: Any = None, with_vectors: bool = False
    ) -> tuple[list, Any]:
        return self._call("scroll", collection, flt, limit=limit, offset=offset, with_vectors=with_vectors)

    def retrieve(
        self,
        collection: str,
        ids: Sequence[str],
        *,
        with_vectors: bool | list[str] = False,
        without: Sequence[str] = (),
    ) -> list:
        return self._call("retrieve", collection, list(ids), with_vectors=with_vectors, without=list(without))

    def count(self, collection: str, flt: models.Filter | None = None) -> int:
        return self._call("count", collection, flt)

    def query_batch(self, collection: str, requests: Sequence[models.QueryRequest]) -> list[list]:
        return self._call("query_batch", collection, list(requests))

    def add_missing_indexes(self, collection: str, indexes: dict[str, models.PayloadSchemaType]) -> list[str]:
        return self._call("add_missing_indexes", collection, dict(indexes))

    def optimize(self, collection: str) -> None:
        self._call("optimize", collection)

    def flush(self) -> None:
        self._call("flush")

    def close(self) -> None:
        """Close this worker's connections; the index process and its engine go on."""
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


class _RemoteGate:
    """The store's gate, held in the index process (same interface as ReadWriteLock)."""

    def __init__(self, engine: RemoteEngine) -> None:
        self._engine = engine

    def read(self) -> AbstractContextManager[None]:
        return self._engine._held("read")

    def write(self) -> AbstractContextManager[None]:
        return self._engine._held("write")
