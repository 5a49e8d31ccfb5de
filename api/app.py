"""The HTTP API, the search page and the widget, ready to face an intranet.

Routes live under ``/api/v1`` (described by the OpenAPI schema at ``/api/openapi.json``);
``/api`` answers the same as an alias for the current version. ``/`` is the Swedish search
page, ``/widget.js`` the embeddable ``<vaksam-search>`` element, both served from
``api/web`` with no CDN. Reads are open unless ``VAKSAM_READ_REQUIRES_KEY``; writes
(``POST``/``DELETE /api/v1/documents``) need an API key (``vaksam keys create``).
Every request gets a request id, a JSON log line, metrics, security headers and a
per-client rate limit; other origins get CORS only when ``VAKSAM_CORS_ORIGINS`` lists them.

Handlers are plain ``def`` functions: FastAPI runs them in its thread pool, so embedding
a query (CPU work) never blocks the event loop and searches run side by side. The store's
readers-writer gate (:mod:`search.concurrency`) keeps a document swap invisible to them;
uploads and deletes also take one write lock here, because an ingest run is not reentrant.

Usage::

    uvicorn --factory api.app:create_app
"""

import logging
import time
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, File, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field, StringConstraints, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import web
from api.citations import EXTENSIONS, MEDIA_TYPES, CitationFormat, render
from api.guard import API_KEY_HEADER, BEARER, RequestGuard, key_required_detail, presented_key
from api.keys import ApiKey, KeyFileError, KeyStore
from api.observability import Metrics
from api.protection import RateLimiter
from api.query_stats import QueryStats
from api.service import MAX_CITED, MAX_OFFSET, MAX_SUGGEST_CHARS, QueryError, VaksamService
from api.uploads import ReceivedUpload, UploadError, WriterLock, receive_upload
from ingest.metadata import document_type_names, program_names
from ingest.pipeline import document_id_for
from search.filters import SearchFilters
from search.modes import GroupBy, SearchMode, SortOrder
from search.records import DocumentRecord, DocumentStatus, Hit, PassageRecord, SearchResult
from search.settings import Settings, get_settings

API_VERSION = "1"
# Ids in paths are checked by shape first, so a mistyped or hostile id is a 422 that says so.
DocumentId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{16}$", description="A document id: 16 hexadecimal digits")]
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
PassageId = Annotated[str, PathParam(pattern=_UUID, description="A passage id (a UUID)")]


class ErrorResponse(BaseModel):
    detail: str = Field(description="What went wrong and what to do about it, in one sentence.")
    errors: list[dict] | None = Field(None, description="Each invalid parameter, for 422 answers.")


class DocumentList(BaseModel):
    total: int
    documents: list[DocumentRecord]


class DocumentDetail(DocumentRecord):
    passage_ids: list[str]


class PassageDetail(PassageRecord):
    document: DocumentRecord | None


class FacetValue(BaseModel):
    value: str
    label: str
    count: int = Field(description="Documents with this value among the query's best passages.")


class Facets(BaseModel):
    query: str | None
    facets: dict[str, list[FacetValue]]


class Suggestion(BaseModel):
    text: str = Field(description="The completed text, as the documents spell it.")
    kind: str = Field(description="program, title, heading or term (a word of the index).")
    weight: int = Field(description="Documents (program, title) or passages (heading, term) that carry it.")


class SuggestResult(BaseModel):
    query: str
    took_ms: float
    suggestions: list[Suggestion]


class QueryCount(BaseModel):
    query: str = Field(description="The question, folded (lower case, no accents, spaces collapsed).")
    no_hits: int
    weak: int
    last_day: str


class QueryStatsResult(BaseModel):
    days: int = Field(description="Days counted (at most VAKSAM_QUERY_STATS_DAYS, the days kept).")
    since: str
    searches: int
    no_hits: int
    weak: int = Field(description="Searches whose best hit was weak (confidence low).")
    queries: list[QueryCount] = Field(description="Questions with no or weak hits, most frequent first.")


class SimilarResult(BaseModel):
    passage_id: str
    document_id: str
    total: int
    hits: list[Hit] = Field(description="Passages of other documents, most similar first.")


class Health(BaseModel):
    status: str
    collection: str
    backend: str = Field(description="The index engine: edge (embedded, default), local or server.")
    model: str
    documents: int
    passages: int


class Readiness(BaseModel):
    ready: bool
    model: bool = Field(description="The embedding model is loaded.")
    index: bool = Field(description="The index answers.")
    detail: str | None = None


class UploadResult(BaseModel):
    document: DocumentRecord
    created: bool = Field(description="False when the same file was already indexed unchanged.")
    passages: int
    seconds: float


def _errors(*codes: int) -> dict:
    described = {
        400: "The multipart body cannot be read",
        401: "No valid API key (send `Authorization: Bearer <key>` or `X-API-Key`)",
        404: "No such id",
        413: "The request body is larger than the limit",
        415: "Unsupported file type",
        422: "Invalid parameters or an unreadable document",
        429: "Too many requests from this client; see Retry-After",
        503: "The model or the index is not ready",
    }
    return {code: {"model": ErrorResponse, "description": described[code]} for code in codes}


def create_app(settings: Settings | None = None, service: VaksamService | None = None) -> FastAPI:
    """Build the app; pass a ready ``service`` in tests, or let it load from settings."""
    settings = settings or (service.settings if service else get_settings())
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
    app.state.metrics = metrics

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

    # -- dependencies ----------------------------------------------------------------------
    async def get_service(request: Request) -> VaksamService:
        return request.app.state.service

    def require_key(
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
        header: Annotated[str | None, Depends(API_KEY_HEADER)],
    ) -> ApiKey:
        try:
            key = keys.verify(presented_key(bearer, header))
        except KeyFileError as exc:
            raise HTTPException(503, str(exc)) from None
        if key is None:
            raise HTTPException(401, key_required_detail(keys), headers={"WWW-Authenticate": 'Bearer realm="vaksam"'})
        return key

    Service = Annotated[VaksamService, Depends(get_service)]
    reads = APIRouter(dependencies=[Depends(require_key)] if settings.read_requires_key else [])
    writes = APIRouter()
    read_errors = (401, 429) if settings.read_requires_key else (429,)

    async def get_filters(
        document: Annotated[str | None, Query(max_length=64, description="Only this document id")] = None,
        language: Annotated[str | None, Query(max_length=8, description="Only passages in this language")] = None,
        organisation: Annotated[str | None, Query(max_length=200, description="Only this organisation")] = None,
        type: Annotated[str | None, Query(max_length=64, description="Only this document type id")] = None,  # noqa: A002
        program: Annotated[str | None, Query(max_length=64, description="Only documents naming this program")] = None,
        year_from: Annotated[
            int | None, Query(ge=1900, le=2100, description="Dated this year or later (not after year_to)")
        ] = None,
        year_to: Annotated[
            int | None, Query(ge=1900, le=2100, description="Dated this year or earlier (not before year_from)")
        ] = None,
    ) -> SearchFilters:
        try:
            return SearchFilters(
                document=document,
                language=language,
                organisation=organisation,
                document_type=type,
                program=program,
                year_from=year_from,
                year_to=year_to,
            )
        except ValidationError as exc:
            raise QueryError("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())) from None

    Filters = Annotated[SearchFilters, Depends(get_filters)]

    # -- reads -----------------------------------------------------------------------------
    @reads.get("/search", response_model=SearchResult, responses=_errors(422, *read_errors), tags=["search"])
    def search(
        svc: Service,
        filters: Filters,
        q: Annotated[
            str,
            Query(min_length=1, max_length=settings.max_query_chars, pattern=r"\S", description="The question"),
        ],
        limit: Annotated[int, Query(ge=1, le=100, description="Number of hits")] = 10,
        mode: Annotated[
            SearchMode | None, Query(description="dense, sparse or hybrid (default: the server's setting)")
        ] = None,
        group_by: Annotated[
            GroupBy | None, Query(description="document: `limit` documents, each with its best passages")
        ] = None,
        group_size: Annotated[int, Query(ge=1, le=10, description="Passages per document when grouped")] = 3,
        diversity: Annotated[
            float | None, Query(ge=0, le=1, description="0-1: push passages that repeat better ones down (MMR)")
        ] = None,
        offset: Annotated[
            int, Query(ge=0, le=MAX_OFFSET, description="Hits to skip (paging: the previous offset + limit)")
        ] = 0,
        sort: Annotated[
            SortOrder, Query(description="relevance, or date: the relevant hits, newest first")
        ] = SortOrder.RELEVANCE,
        recency: Annotated[
            float, Query(ge=0, le=1, description="0-1: lift newer documents within relevance order (0: off)")
        ] = 0.0,
    ) -> SearchResult:
        """Passages that answer the question, best first, never the same text twice. Each hit has
        its best sentence as ``snippet`` and ``highlights``: character spans of the query's words in
        it (``text_highlights`` for the whole passage), so pages mark them without HTML.

        The answer also says how sure it is (``confidence``, with a ``notice`` of what to try when
        it is low), offers the query with misspelled words corrected (``did_you_mean``) and lists
        what the lexical search looked for besides the query (``expansion``: tolerated typos,
        synonyms). ``group_by=organisation`` gives each organisation's documents on a time line."""
        result = svc.search(
            q,
            limit,
            filters=filters,
            mode=mode,
            group_by=group_by,
            group_size=group_size,
            diversity=diversity,
            offset=offset,
            sort=sort,
            recency=recency,
        )
        if stats is not None and offset == 0:  # a page further on is the same question
            stats.record(result.query, len(result.hits), result.confidence)
        return result

    @reads.get("/suggest", response_model=SuggestResult, responses=_errors(422, *read_errors), tags=["search"])
    def suggest(
        svc: Service,
        q: Annotated[str, Query(min_length=1, max_length=MAX_SUGGEST_CHARS, description="What has been typed so far")],
        limit: Annotated[int, Query(ge=1, le=20, description="Number of suggestions")] = 8,
    ) -> SuggestResult:
        """Completions of what is being typed, for a search box's list: program names, document
        titles, headings and words of the index, matched on folded words ("vald" completes "Våld").
        Fewer than two letters give none."""
        started = time.perf_counter()
        found = svc.suggest(q, limit)
        suggestions = [Suggestion(text=c.text, kind=c.kind.value, weight=c.weight) for c in found]
        return SuggestResult(query=q, took_ms=round((time.perf_counter() - started) * 1000, 2), suggestions=suggestions)

    @reads.get(
        "/cite",
        response_class=Response,
        responses={
            200: {
                "description": "The references: a Swedish reference list, CSL-JSON or RIS",
                "content": {media: {} for media in MEDIA_TYPES.values()},
            }
        }
        | _errors(404, 422, *read_errors),
        tags=["documents"],
    )
    def cite(
        request: Request,
        svc: Service,
        ids: Annotated[
            list[Annotated[str, StringConstraints(pattern=_UUID)]],
            Query(min_length=1, max_length=MAX_CITED, description="Passage ids, one `ids=` each"),
        ],
        format: Annotated[  # noqa: A002 - the parameter users type
            CitationFormat, Query(description="text (Swedish reference list), csl-json or ris")
        ] = CitationFormat.TEXT,
        read: Annotated[date | None, Query(description="The date the sources were read (default: today)")] = None,
        download: Annotated[bool, Query(description="Send as a file to save (Content-Disposition)")] = False,
    ) -> Response:
        """A reference for each passage: organisation, year, title, diarienummer, page, address (the
        document's own, else the passage's permalink ``/?passage=<id>``) and the date read."""
        base = str(settings.public_url or request.base_url)
        references, missing = svc.references(ids, base)
        if missing:
            raise HTTPException(404, f"no passage with id {', '.join(missing)}")
        body = render(references, format, read or date.today())
        headers = {"Cache-Control": "no-store"}
        if download:
            headers["Content-Disposition"] = f'attachment; filename="vaksam-referenser.{EXTENSIONS[format]}"'
        return Response(body, media_type=MEDIA_TYPES[format], headers=headers)

    @reads.get(
        "/similar/{passage_id}",
        response_model=SimilarResult,
        responses=_errors(404, 422, *read_errors),
        tags=["search"],
    )
    def similar(
        passage_id: PassageId,
        svc: Service,
        limit: Annotated[int, Query(ge=1, le=100, description="Number of passages")] = 10,
    ) -> SimilarResult:
        """Passages from other documents most like this one: precedents for what it describes."""
        found = svc.similar(passage_id, limit)
        if found is None:
            raise HTTPException(404, f"no passage with id {passage_id!r}")
        passage = svc.passage(passage_id)
        hits = [svc.searcher.hit(item, []) for item in found]
        return SimilarResult(passage_id=passage_id, document_id=passage.document_id, total=len(hits), hits=hits)

    @reads.get("/facets", response_model=Facets, responses=_errors(422, *read_errors), tags=["search"])
    def facets(
        svc: Service,
        filters: Filters,
        q: Annotated[str | None, Query(max_length=settings.max_query_chars, description="The question")] = None,
    ) -> Facets:
        """Documents per organisation, type, program, year and language, and passages per
        document: for a query's best passages, or for the whole index without ``q``."""
        counts = svc.facets(q, filters=filters)
        titles = {d.id: d.title for d in svc.documents()}
        labels = {"programs": program_names(), "document_type": document_type_names(), "document": titles}
        return Facets(
            query=q,
            facets={
                facet: [FacetValue(value=v, label=labels.get(facet, {}).get(v, v), count=n) for v, n in values.items()]
                for facet, values in counts.items()
            },
        )

    @reads.get("/documents", response_model=DocumentList, responses=_errors(422, *read_errors), tags=["documents"])
    def documents(
        svc: Service,
        status: Annotated[DocumentStatus | None, Query(description="Only documents with this status")] = None,
    ) -> DocumentList:
        """Every known document with its status (indexed, duplicate, failed), passage count and metadata."""
        docs = svc.documents()
        if status is not None:
            docs = [d for d in docs if d.status == status]
        return DocumentList(total=len(docs), documents=docs)

    @reads.get(
        "/documents/{document_id}",
        response_model=DocumentDetail,
        responses=_errors(404, 422, *read_errors),
        tags=["documents"],
    )
    def document(document_id: DocumentId, svc: Service) -> DocumentDetail:
        doc = svc.document(document_id)
        if doc is None:
            raise HTTPException(404, f"no document with id {document_id!r}")
        passages = svc.document_passages(document_id)
        return DocumentDetail(**doc.model_dump(), passage_ids=[p.id for p in passages])

    @reads.get(
        "/passages/{passage_id}",
        response_model=PassageDetail,
        responses=_errors(404, 422, *read_errors),
        tags=["documents"],
    )
    def passage(passage_id: PassageId, svc: Service) -> PassageDetail:
        found = svc.passage(passage_id)
        if found is None:
            raise HTTPException(404, f"no passage with id {passage_id!r}")
        doc = svc.document(found.document_id)
        return PassageDetail(**found.model_dump(), document=doc)

    @writes.get(
        "/stats/queries",
        response_model=QueryStatsResult,
        responses=_errors(401, 404, 422, 429),
        tags=["operations"],
    )
    def query_stats(
        key: Annotated[ApiKey, Depends(require_key)],
        days: Annotated[int | None, Query(ge=1, le=3650, description="The last N days (default: all kept)")] = None,
    ) -> QueryStatsResult:
        """Searches per day, and the questions that found nothing or only weak hits, for the
        administrators (an API key). Off unless VAKSAM_QUERY_STATS is set (404 then)."""
        if stats is None:
            raise HTTPException(404, "query statistics are off: set VAKSAM_QUERY_STATS=true to keep them")
        summary = stats.summary(days)
        return QueryStatsResult(**summary.__dict__)

    # -- writes ----------------------------------------------------------------------------
    @writes.post(
        "/documents",
        response_model=UploadResult,
        status_code=201,
        responses={200: {"model": UploadResult, "description": "Unchanged: already indexed"}}
        | _errors(400, 401, 413, 415, 422, 429),
        tags=["documents"],
    )
    async def upload(
        request: Request,
        response: Response,
        file: Annotated[UploadFile, File(description="A PDF, DOCX, PPTX, HTML, Markdown or text file")],
        key: Annotated[ApiKey, Depends(require_key)],
    ) -> UploadResult:
        """Add or replace a document: parsed, cleaned, split and indexed like a file in a folder.
        The same file name again replaces the earlier version."""
        try:
            received = await receive_upload(file, settings.uploads_dir, int(settings.max_upload_mb * 1_000_000))
        except UploadError as exc:
            raise HTTPException(exc.status, str(exc)) from None
        svc: VaksamService = request.app.state.service
        result = await run_in_threadpool(_ingest_upload, svc, received, writing, metrics)
        if not result.created:
            response.status_code = 200
        log = logging.getLogger("vaksam.api")
        log.info(
            "document uploaded", extra={"key": key.name, "document": result.document.id, "file": received.target.name}
        )
        return result

    @writes.delete(
        "/documents/{document_id}", status_code=204, responses=_errors(401, 404, 422, 429), tags=["documents"]
    )
    def delete(document_id: DocumentId, svc: Service, key: Annotated[ApiKey, Depends(require_key)]) -> Response:
        """Remove a document from the index (and its file, when it was uploaded). Documents that
        shared its passages or duplicated it are re-indexed on their own."""
        with writing:
            summary = svc.delete_document(document_id)
        if summary is None:
            raise HTTPException(404, f"no document with id {document_id!r}")
        logging.getLogger("vaksam.api").info("document deleted", extra={"key": key.name, "document": document_id})
        return Response(status_code=204)

    for prefix, in_schema in ((f"/api/v{API_VERSION}", True), ("/api", False)):
        app.include_router(reads, prefix=prefix, include_in_schema=in_schema)
        app.include_router(writes, prefix=prefix, include_in_schema=in_schema)

    # -- operations ------------------------------------------------------------------------
    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz(svc: Service) -> Health:
        """The server answers; with the index's size."""
        return Health(**svc.health())

    @app.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}}, tags=["operations"])
    def readyz(request: Request) -> JSONResponse:
        """Ready to search: the model is loaded and the index answers (503 otherwise)."""
        svc: VaksamService | None = getattr(request.app.state, "service", None)
        model = svc is not None and svc.model_loaded
        index, detail = False, None
        if svc is not None:
            try:
                svc.store.count_passages()
                index = True
            except Exception as exc:  # noqa: BLE001 - readiness reports any failure of the index
                detail = f"the index does not answer: {exc}"
        ready = model and index
        body = Readiness(ready=ready, model=model, index=index, detail=detail if not ready else None)
        return JSONResponse(status_code=200 if ready else 503, content=body.model_dump())

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def prometheus() -> Response:
        """Prometheus metrics: requests and latency per route, index size, ingests."""
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    web.mount(app)
    return app


def _ingest_upload(svc: VaksamService, received: ReceivedUpload, lock: WriterLock, metrics: Metrics) -> UploadResult:
    """Put the file in place and index it, one upload or delete at a time: two uploads of one
    name must not interleave their rename and their ingest."""
    with lock:
        path = received.commit()
        summary = svc.ingest([path], progress=False)
        doc = svc.document(document_id_for(path))
        if summary.failed or doc is None:
            metrics.ingested.labels("failed").inc()
            reason = summary.failed[0].reason if summary.failed else "the document could not be indexed"
            if received.roll_back():  # a bad new version: the old one stays, as it was
                svc.ingest([path], progress=False)
            else:
                svc.delete_document(document_id_for(path))
            raise HTTPException(422, f"{path.name}: {reason}")
        received.settle()
    outcome = "unchanged" if summary.skipped else ("duplicate" if summary.duplicates else "indexed")
    metrics.ingested.labels(outcome).inc()
    metrics.ingested_passages.inc(summary.passages)
    return UploadResult(document=doc, created=not summary.skipped, passages=summary.passages, seconds=summary.seconds)
