"""The search page (``/``) and the widget (``/widget.js``): static files Vaksam serves itself.

No build step and no CDN: ``api/static`` holds plain HTML, CSS and ES2020 JavaScript that
every current browser runs as is. The page and the widget only ever put text into the
document (``textContent``, never ``innerHTML`` with data), and highlight matched words
from the API's character offsets, so a document holding ``<script>`` stays text.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
# FastAPI's /docs and /redoc load Swagger UI / ReDoc from jsDelivr and start them inline.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; font-src https://fonts.gstatic.com; "
    "connect-src 'self'; worker-src blob:; frame-ancestors 'self'"
)


def mount(app: FastAPI) -> None:
    """``/`` (the page), ``/widget.js`` and ``/static/*``."""

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        # Loaded by other origins' pages: cacheable, and allowed to be read across origins.
        return FileResponse(
            STATIC / "widget.js",
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=300", "Cross-Origin-Resource-Policy": "cross-origin"},
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
