"""What route handlers ask FastAPI for: the service, the settings, an API key, search filters.

Everything comes from ``app.state``, which :func:`api.app.create_app` fills once, so the route
modules hold no state of their own and each can be read (and tested) on its own.
"""

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials

from api.guard import API_KEY_HEADER, BEARER, key_required_detail, presented_key
from api.keys import ApiKey, KeyFileError, KeyStore
from api.observability import Metrics
from api.query_stats import QueryStats
from api.service import QueryError, VaksamService
from api.settings import ApiSettings
from api.uploads import WriterLock
from search.filters import SearchFilters


async def get_service(request: Request) -> VaksamService:
    return request.app.state.service


async def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


def require_key(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    header: Annotated[str | None, Depends(API_KEY_HEADER)],
) -> ApiKey:
    """The API key the request presents (``Authorization: Bearer`` or ``X-API-Key``); 401 without one."""
    keys: KeyStore = request.app.state.keys
    try:
        key = keys.verify(presented_key(bearer, header))
    except KeyFileError as exc:
        raise HTTPException(503, str(exc)) from None
    if key is None:
        raise HTTPException(401, key_required_detail(keys), headers={"WWW-Authenticate": 'Bearer realm="vaksam"'})
    return key


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
    """The filters of a search or facet request, checked together (a year range must not be reversed)."""
    try:
        return SearchFilters.checked(
            document=document,
            language=language,
            organisation=organisation,
            document_type=type,
            program=program,
            year_from=year_from,
            year_to=year_to,
        )
    except ValueError as exc:
        raise QueryError(str(exc)) from None


async def get_query_stats(request: Request) -> QueryStats | None:
    return request.app.state.query_stats


async def get_writer_lock(request: Request) -> WriterLock:
    return request.app.state.writing


async def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


Service = Annotated[VaksamService, Depends(get_service)]
AppSettings = Annotated[ApiSettings, Depends(get_settings)]
Filters = Annotated[SearchFilters, Depends(get_filters)]
Key = Annotated[ApiKey, Depends(require_key)]
Stats = Annotated[QueryStats | None, Depends(get_query_stats)]
Writing = Annotated[WriterLock, Depends(get_writer_lock)]
AppMetrics = Annotated[Metrics, Depends(get_metrics)]
