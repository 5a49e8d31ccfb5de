"""The HTTP API, the search page and the widget, ready to face an intranet.

Routes live under ``/api/v1`` (described by the OpenAPI schema at ``/api/openapi.json``);
``/api`` answers the same as an alias for the current version. ``/`` is the Swedish search
page, ``/widget.js`` the embeddable ``<vaksam-search>`` element, both served from
``api/web`` with no CDN. Reads are open unless ``VAKSAM_READ_REQUIRES_KEY``; writes
(``POST``/``DELETE /api/v1/documents``) need an API key (``vaksam keys create``).
Every request gets a request id, a JSON log line, metrics, security headers and a
per-client rate limit; other origins get CORS only when ``VAKSAM_CORS_ORIGINS`` lists them.

The routes live in :mod:`api.routes` (search, documents, operations), what they depend on in
:mod:`api.dependencies` and the shapes they answer with in :mod:`api.schemas`; this module puts
the app together: its state, error shapes, middleware and routers.

Usage::

    uvicorn --factory api.app:create_app
"""

from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import web
from api.dependencies import require_key
from api.guard import RequestGuard
from api.keys import KeyStore
from api.observability import Metrics
from api.protection import RateLimiter
from api.query_stats import QueryStats
from api.routes import READS, WRITES, operations
from api.schemas import API_VERSION, errors
from api.service import QueryError, VaksamService
from api.settings import ApiSettings, get_settings
from api.uploads import WriterLock
from search.language import load_profiles
from search.modes import RerankMode
from search.settings import Settings


def create_app(settings: Settings | None = None, service: VaksamService | None = None) -> FastAPI:
    """Build the app; pass a ready ``service`` in tests, or let it load from settings."""
    settings = ApiSettings.of(settings or (service.settings if service else get_settings()))
    writing = WriterLock(settings.uploads_dir)  # one ingest or delete at a time; searches never wait for it
    keys = KeyStore(settings.keys_file)
    limiter = RateLimiter(settings.rate_limit) if settings.rate_limit else None
    state: dict[str, VaksamService] = {}

    def index_size() -> tuple[int, int]:
        health = state["service"].health()
        return health["documents"], health["passages"]

    metrics = Metrics(index_size)
    stats = QueryStats(settings.query_stats_file, settings.query_stats_days) if settings.query_stats else None

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        svc = service or VaksamService(settings)
        svc.store  # open the index and load the model before the first request  # noqa: B018
        svc.encoder  # noqa: B018
        if svc.settings.rerank is not RerankMode.NONE:
            load_profiles()  # langdetect's, which choose the questions the reranker reads
        await run_in_threadpool(svc.recover)  # what a crash left half done, before serving
        svc.words.warm()  # the vocabulary of suggestions and spelling, off the first search's path
        app.state.service = state["service"] = svc
        yield
        svc.close()

    app = FastAPI(
        title="Vaksam",
        summary="Semantisk sökning i svenska dokument om våldsprevention.",
        version=f"{API_VERSION}.0",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.keys = keys
    app.state.query_stats = stats
    app.state.writing = writing

    # -- errors: one shape everywhere -----------------------------------------------------
    @app.exception_handler(QueryError)
    async def _query_error(_: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}" for e in exc.errors()]
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": "; ".join(problems), "errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": str(exc.detail)}, headers=exc.headers)

    # -- every request: id, limits, headers, metrics, log ----------------------------------
    app.add_middleware(RequestGuard, settings=settings, keys=keys, metrics=metrics, limiter=limiter)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )

    # Reads need a key only where the operator says so; the schema then says so too.
    read_guard: dict = (
        {"dependencies": [Depends(require_key)], "responses": errors(401)} if settings.read_requires_key else {}
    )
    for prefix, in_schema in ((f"/api/v{API_VERSION}", True), ("/api", False)):
        for router in READS:
            app.include_router(router, prefix=prefix, include_in_schema=in_schema, **read_guard)
        for router in WRITES:
            app.include_router(router, prefix=prefix, include_in_schema=in_schema)
    app.include_router(operations.probes)
    web.mount(app)
    return app
