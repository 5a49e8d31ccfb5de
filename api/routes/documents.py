"""Document routes: the list, one document, one passage, citations (``reads``), and uploads and
deletes (``writes``).

Reads are open unless ``VAKSAM_READ_REQUIRES_KEY``; uploads and deletes always need an API key
(``vaksam keys create``). The store's readers-writer gate (:mod:`search.concurrency`) keeps a
document swap invisible to searches; uploads and deletes also take one write lock, because an
ingest run is not reentrant.
"""

import logging
from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Query, Request, Response, UploadFile
from pydantic import StringConstraints
from starlette.concurrency import run_in_threadpool

from api.citations import EXTENSIONS, MEDIA_TYPES, CitationFormat, render
from api.dependencies import AppMetrics, AppSettings, Key, Service, Writing
from api.observability import Metrics
from api.schemas import (
    UUID_PATTERN,
    DocumentDetail,
    DocumentId,
    DocumentList,
    PassageDetail,
    PassageId,
    UploadResult,
    errors,
)
from api.service import MAX_CITED, VaksamService
from api.uploads import ReceivedUpload, UploadError, WriterLock, receive_upload
from ingest.pipeline import document_id_for
from search.records import DocumentStatus

READ_ERRORS = (429,)  # and 401 where VAKSAM_READ_REQUIRES_KEY is set (added where the app mounts reads)
log = logging.getLogger("vaksam.api")

reads = APIRouter(tags=["documents"])
writes = APIRouter(tags=["documents"])


@reads.get("/documents", response_model=DocumentList, responses=errors(422, *READ_ERRORS))
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
    responses=errors(404, 422, *READ_ERRORS),
)
def document(document_id: DocumentId, svc: Service) -> DocumentDetail:
    doc = svc.document(document_id)
    if doc is None:
        raise HTTPException(404, f"no document with id {document_id!r}")
    passages = svc.document_passages(document_id)
    return DocumentDetail(**doc.model_dump(), passage_ids=[p.id for p in passages])


@reads.get("/passages/{passage_id}", response_model=PassageDetail, responses=errors(404, 422, *READ_ERRORS))
def passage(passage_id: PassageId, svc: Service) -> PassageDetail:
    found = svc.passage(passage_id)
    if found is None:
        raise HTTPException(404, f"no passage with id {passage_id!r}")
    doc = svc.document(found.document_id)
    return PassageDetail(**found.model_dump(), document=doc)


@reads.get(
    "/cite",
    response_class=Response,
    responses={
        200: {
            "description": "The references: a Swedish reference list, CSL-JSON or RIS",
            "content": {media: {} for media in MEDIA_TYPES.values()},
        }
    }
    | errors(404, 422, *READ_ERRORS),
)
def cite(
    request: Request,
    svc: Service,
    settings: AppSettings,
    ids: Annotated[
        list[Annotated[str, StringConstraints(pattern=UUID_PATTERN)]],
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
    base = str(settings.public_url or request.scope.get("root_path", ""))  # never the Host header
    references, missing = svc.references(ids, base)
    if missing:
        raise HTTPException(404, f"no passage with id {', '.join(missing)}")
    body = render(references, format, read or date.today())
    headers = {"Cache-Control": "no-store"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="vaksam-referenser.{EXTENSIONS[format]}"'
    return Response(body, media_type=MEDIA_TYPES[format], headers=headers)


@writes.post(
    "/documents",
    response_model=UploadResult,
    status_code=201,
    responses={200: {"model": UploadResult, "description": "Unchanged: already indexed"}}
    | errors(400, 401, 413, 415, 422, 429),
)
async def upload(
    request: Request,
    response: Response,
    settings: AppSettings,
    writing: Writing,
    metrics: AppMetrics,
    file: Annotated[UploadFile, File(description="A PDF, DOCX, PPTX, HTML, Markdown or text file")],
    key: Key,
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
    log.info("document uploaded", extra={"key": key.name, "document": result.document.id, "file": received.target.name})
    return result


@writes.delete("/documents/{document_id}", status_code=204, responses=errors(401, 404, 422, 429))
def delete(document_id: DocumentId, svc: Service, writing: Writing, key: Key) -> Response:
    """Remove a document from the index (and its file, when it was uploaded). Documents that
    shared its passages or duplicated it are re-indexed on their own."""
    with writing:
        summary = svc.delete_document(document_id)
    if summary is None:
        raise HTTPException(404, f"no document with id {document_id!r}")
    log.info("document deleted", extra={"key": key.name, "document": document_id})
    return Response(status_code=204)


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
