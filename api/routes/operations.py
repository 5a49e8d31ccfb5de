"""Operations: query statistics under ``/api/v1`` (an API key), and the probes at the root:
``/healthz``, ``/readyz`` and Prometheus ``/metrics``."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from api.dependencies import AppMetrics, Key, Service, Stats
from api.schemas import Health, QueryStatsResult, Readiness, errors
from api.service import VaksamService

router = APIRouter(tags=["operations"])
probes = APIRouter(tags=["operations"])


@router.get("/stats/queries", response_model=QueryStatsResult, responses=errors(401, 404, 422, 429))
def query_stats(
    key: Key,
    stats: Stats,
    days: Annotated[int | None, Query(ge=1, le=3650, description="The last N days (default: all kept)")] = None,
) -> QueryStatsResult:
    """Searches per day, and the questions that found nothing or only weak hits, for the
    administrators (an API key). Off unless VAKSAM_QUERY_STATS is set (404 then)."""
    if stats is None:
        raise HTTPException(404, "query statistics are off: set VAKSAM_QUERY_STATS=true to keep them")
    summary = stats.summary(days)
    return QueryStatsResult(**summary.__dict__)


@probes.get("/healthz", response_model=Health)
def healthz(svc: Service) -> Health:
    """The server answers; with the index's size."""
    return Health(**svc.health())


@probes.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
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


@probes.get("/metrics", response_class=Response)
def prometheus(metrics: AppMetrics) -> Response:
    """Prometheus metrics: requests and latency per route, index size, ingests."""
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
