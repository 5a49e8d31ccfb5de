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
from pydantic import BaseModel

from api.service import QueryError, VaksamService
from search.records import DocumentRecord, PassageRecord, SearchResult
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

    @app.get("/api/search", response_model=SearchResult, responses=_INVALID, tags=["search"])
    def search(
        svc: Service,
        q: Annotated[str, Query(min_length=1, max_length=settings.max_query_chars, description="The question")],
        limit: Annotated[int, Query(ge=1, le=100, description="Number of hits")] = 10,
        document: Annotated[str | None, Query(max_length=64, description="Only this document id")] = None,
        language: Annotated[str | None, Query(max_length=8, description="Only passages in this language")] = None,
    ) -> SearchResult:
        """Passages that answer the question, best first."""
        with lock:
            return svc.search(q, limit, document=document, language=language)

    @app.get("/api/documents", response_model=DocumentList, tags=["documents"])
    def documents(svc: Service) -> DocumentList:
        with lock:
            docs = svc.documents()
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
