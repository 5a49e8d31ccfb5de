"""The Qdrant engines the index can run on, behind one small interface.

* :class:`~search.engines.edge.EdgeEngine`: Qdrant's Rust engine in process (``qdrant-edge-py``),
  the embedded default: HNSW, payload indexes, a write-ahead log;
* :class:`~search.engines.client.ClientEngine`: ``qdrant-client``, either talking to a Qdrant
  server (``VAKSAM_QDRANT_URL``) or in its pure-Python local mode (``VAKSAM_INDEX_ENGINE=local``);
* :class:`~search.engines.remote.RemoteEngine`: the embedded engine of another process, for the
  workers of ``vaksam serve --workers N`` (``VAKSAM_INDEX_PROCESS``, set by ``vaksam serve``).

Usage::

    engine = open_engine(settings)
    engine.query_batch("vaksam", [models.QueryRequest(query=[...], using="dense", limit=10)])
"""

from __future__ import annotations

from search.engines.base import CollectionSpec, Engine, EngineLockedError
from search.modes import IndexEngine
from search.settings import Settings

__all__ = ["CollectionSpec", "Engine", "EngineLockedError", "open_engine"]


def open_engine(settings: Settings) -> Engine:
    """The engine the settings ask for: a server when ``qdrant_url`` is set, else the embedded one."""
    from search.engines.client import ClientEngine

    if settings.qdrant_url:
        return ClientEngine.connect(str(settings.qdrant_url), api_key=settings.qdrant_api_key)
    if settings.index_process:
        from search.engines.remote import RemoteEngine

        return RemoteEngine(settings.index_process)
    if settings.index_engine == IndexEngine.LOCAL:
        return ClientEngine.open_local(settings.qdrant_path)
    from search.engines.edge import EdgeEngine

    return EdgeEngine.open(settings.qdrant_path, search_threads=settings.search_threads)
