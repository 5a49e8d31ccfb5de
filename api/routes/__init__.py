"""The API's routes, one module per area; :func:`api.app.create_app` mounts them under ``/api/v1``
(and ``/api`` as an alias of the current version). ``READS`` need an API key only where
``VAKSAM_READ_REQUIRES_KEY`` is set (the app adds the dependency, and the 401 to their schema, then);
``WRITES`` ask for one themselves."""

from api.routes import documents, operations, search

READS = (search.router, documents.reads)
WRITES = (documents.writes, operations.router)

__all__ = ["READS", "WRITES", "documents", "operations", "search"]
