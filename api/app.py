"""The HTTP API: search, documents, passages and health, with OpenAPI at ``/docs``.

Handlers are plain ``def`` functions: FastAPI runs them in its thread pool,
so embedding a query (CPU work) never blocks the event loop.

Usage::

    uvicorn --factory api.app:create_app
"""

import threading
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from api.service import QueryError, VaksamService
from ingest.metadata import document_type_names, program_names
from search.filters import SearchFilters
from search.modes import GroupBy, SearchMode
from search.records import DocumentRecord, DocumentStatus, Hit, PassageRecord, SearchResult
from search.settings import Settings, get_settings


class ErrorResponse(BaseModel):
    detail: str


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


class SimilarResult(BaseModel):
    passage_id: str
    document_id: str
    total: int
    hits: list[Hit] = Field(description="Passages of other documents, most similar first.")


class Health(BaseModel):
    status: str
    collection: str
    backend: str
    model: str
    documents: int
    passages: int


_NOT_FOUND = {404: {"model": ErrorResponse, "description": "No such id"}}
_INVALID = {422: {"description": "Invalid query parameters"}}


def create_app(settings: Settings | None = None, service: VaksamService | None = None) -> FastAPI:
    """Build the app; pass a ready ``service`` in tests, or let it load from settings."""
    settings = settings or (service.settings if service else get_settings())
    lock = threading.Lock()  # the embedded Qdrant engine is not safe for concurrent calls

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        svc = service or VaksamService(settings)
        svc.store  # open the index and load the model before the first request  # noqa: B018
        svc.encoder  # noqa: B018
        app.state.service = svc
        yield
        svc.close()

    app = FastAPI(
        title="Vaksam",
        summary="Semantisk sökning i svenska dokument om våldsprevention.",
        version="0.1.0",
        lifespan=lifespan,
    )

    def get_service(request: Request) -> VaksamService:
        return request.app.state.service

    Service = Annotated[VaksamService, Depends(get_service)]

    @app.exception_handler(QueryError)
    async def _query_error(_: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    def get_filters(
        document: Annotated[str | None, Query(max_length=64, description="Only this document id")] = None,
        language: Annotated[str | None, Query(max_length=8, description="Only passages in this language")] = None,
        organisation: Annotated[str | None, Query(max_length=200, description="Only this organisation")] = None,
        type: Annotated[str | None, Query(max_length=64, description="Only this document type id")] = None,  # noqa: A002
        program: Annotated[str | None, Query(max_length=64, description="Only documents naming this program")] = None,
        year_from: Annotated[int | None, Query(ge=1900, le=2100, description="Dated this year or later")] = None,
        year_to: Annotated[int | None, Query(ge=1900, le=2100, description="Dated this year or earlier")] = None,
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

    @app.get("/api/search", response_model=SearchResult, responses=_INVALID, tags=["search"])
    def search(
        svc: Service,
        filters: Filters,
        q: Annotated[str, Query(min_length=1, max_length=settings.max_query_chars, description="The question")],
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
    ) -> SearchResult:
        """Passages that answer the question, best first, never the same text twice. Each hit has
        its best sentence as ``snippet`` and ``highlights``: character spans of the query's words in
        it (``text_highlights`` for the whole passage), so pages mark them without HTML."""
        with lock:
            return svc.search(
                q, limit, filters=filters, mode=mode, group_by=group_by, group_size=group_size, diversity=diversity
            )

    @app.get(
        "/api/similar/{passage_id}",
        response_model=SimilarResult,
        responses={**_NOT_FOUND, **_INVALID},
        tags=["search"],
    )
    def similar(
        passage_id: str,
        svc: Service,
        limit: Annotated[int, Query(ge=1, le=100, description="Number of passages")] = 10,
    ) -> SimilarResult:
        """Passages from other documents most like this one: precedents for what it describes."""
        with lock:
            found = svc.similar(passage_id, limit)
            if found is None:
                raise HTTPException(404, f"no passage with id {passage_id!r}")
            passage = svc.passage(passage_id)
            hits = [svc.searcher.hit(item, []) for item in found]
        return SimilarResult(passage_id=passage_id, document_id=passage.document_id, total=len(hits), hits=hits)

    @app.get("/api/facets", response_model=Facets, responses=_INVALID, tags=["search"])
    def facets(
        svc: Service,
        filters: Filters,
        q: Annotated[str | None, Query(max_length=settings.max_query_chars, description="The question")] = None,
    ) -> Facets:
        """Documents per organisation, type, program, year and language: for a query's best
        passages, or for the whole index without ``q``."""
        with lock:
            counts = svc.facets(q, filters=filters)
        labels = {"programs": program_names(), "document_type": document_type_names()}
        return Facets(
            query=q,
            facets={
                facet: [FacetValue(value=v, label=labels.get(facet, {}).get(v, v), count=n) for v, n in values.items()]
                for facet, values in counts.items()
            },
        )

    @app.get("/api/documents", response_model=DocumentList, tags=["documents"])
    def documents(
        svc: Service,
        status: Annotated[DocumentStatus | None, Query(description="Only documents with this status")] = None,
    ) -> DocumentList:
        """Every known document with its status (indexed, duplicate, failed), passage count and metadata."""
        with lock:
            docs = svc.documents()
        if status is not None:
            docs = [d for d in docs if d.status == status]
        return DocumentList(total=len(docs), documents=docs)

    @app.get("/api/documents/{document_id}", response_model=DocumentDetail, responses=_NOT_FOUND, tags=["documents"])
    def document(document_id: str, svc: Service) -> DocumentDetail:
        with lock:
            doc = svc.document(document_id)
            if doc is None:
                raise HTTPException(404, f"no document with id {document_id!r}")
            passages = svc.document_passages(document_id)
        return DocumentDetail(**doc.model_dump(), passage_ids=[p.id for p in passages])

    @app.get("/api/passages/{passage_id}", response_model=PassageDetail, responses=_NOT_FOUND, tags=["documents"])
    def passage(passage_id: str, svc: Service) -> PassageDetail:
        with lock:
            found = svc.passage(passage_id)
            if found is None:
                raise HTTPException(404, f"no passage with id {passage_id!r}")
            doc = svc.document(found.document_id)
        return PassageDetail(**found.model_dump(), document=doc)

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz(svc: Service) -> Health:
        with lock:
            return Health(**svc.health())

    return app
