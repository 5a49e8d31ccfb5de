"""The API's routes, one module per area; :func:`api.app.create_app` mounts them under ``/api/v1``
(and ``/api`` as an alias of the current version)."""

from api.routes import documents, operations, search

# Routers mounted under the versioned prefix; ``operations.probes`` (health, readiness, metrics) sits at the root.
VERSIONED = (search.router, documents.router, operations.router)

__all__ = ["VERSIONED", "documents", "operations", "search"]
