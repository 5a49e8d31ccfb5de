"""What every request passes through: an id, the rate limit, the key check for writes, the body
limit, security headers, metrics and a log line.

A plain ASGI middleware rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware``
runs each request's app in a task of its own and passes the response back through memory streams,
and that bookkeeping held the GIL on the event loop's thread while searches waited for it. Together
with async dependencies (no thread-pool hop to return the service or build the filters) the same
search over HTTP cost the server 14.4 -> 11.5 ms of CPU (medians of three alternating runs, the
embedding cached, 10k passages; ``benchmarks/http_load.py`` reports CPU per request).

Usage::

    app.add_middleware(RequestGuard, settings=settings, keys=keys, metrics=metrics, limiter=limiter)
"""

from __future__ import annotations

import logging
import time

from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import web
from api.keys import KeyFileError, KeyStore
from api.observability import ACCESS_LOG, Metrics, request_id
from api.protection import SECURITY_HEADERS, RateLimiter
from api.settings import ApiSettings

# Both ways of sending a key, declared so the OpenAPI schema says which routes need one.
BEARER = HTTPBearer(auto_error=False, scheme_name="bearer", description="`Authorization: Bearer <key>`")
API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="apiKey", description="`X-API-Key: <key>`"
)
access_log = logging.getLogger(ACCESS_LOG)


class RequestGuard:
    """Refuses what must not reach a route (429, 401, 413, the body counted while it streams) and
    marks, counts and logs every answer."""

    def __init__(
        self, app: ASGIApp, *, settings: ApiSettings, keys: KeyStore, metrics: Metrics, limiter: RateLimiter | None
    ) -> None:
        self.app = app
        self.settings = settings
        self.keys = keys
        self.metrics = metrics
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        rid = request_id(request.headers.get("x-request-id"))
        started = time.perf_counter()
        path = request.url.path
        status = 500  # what the log says when the app raises before it answers

        async def send_marked(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if path in ("/docs", "/redoc"):  # FastAPI's documentation pages load their viewer from a CDN
                    headers["Content-Security-Policy"] = web.DOCS_CSP
                headers["X-Request-ID"] = rid
            await send(message)

        try:
            refusal = await self._refusal(request)
            if refusal is not None:
                await refusal(scope, receive, send_marked)
            else:
                await self._counted(scope, receive, send_marked, body_limit(request, self.settings))
        finally:
            self._record(request, rid, status, time.perf_counter() - started)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app with its body counted as it arrives: past ``limit`` (a chunked upload has no
        Content-Length to refuse early) the app is told the client left, so the multipart parser
        stops spooling, and the guard answers 413 in place of whatever the app makes of that."""
        received = 0
        over = False
        answered = False

        async def counting_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if over and not answered:
                return  # the app's answer to a "disconnect"; the 413 below replaces it
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not answered:
            detail = f"the request body is larger than {limit} bytes"
            await JSONResponse(status_code=413, content={"detail": detail})(scope, receive, send)

    async def _refusal(self, request: Request) -> JSONResponse | None:
        """The answer for a request that must not reach its route, or None."""
        if self.limiter is not None and request.url.path.startswith("/api/") and request.method != "OPTIONS":
            allowed, wait = self.limiter.take(client_address(request))
            if not allowed:
                self.metrics.rate_limited.inc()
                return JSONResponse(
                    status_code=429,
                    content={"detail": f"too many requests; try again in {wait} s"},
                    headers={"Retry-After": str(wait)},
                )
        if is_write(request) and not await has_valid_key(request, self.keys):
            # Before the body is read: an anonymous client cannot make the server parse an upload.
            return JSONResponse(
                status_code=401,
                content={"detail": key_required_detail(self.keys)},
                headers={"WWW-Authenticate": 'Bearer realm="vaksam"'},
            )
        limit = body_limit(request, self.settings)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return JSONResponse(status_code=413, content={"detail": f"the request body is larger than {limit} bytes"})
        return None

    def _record(self, request: Request, rid: str, status: int, seconds: float) -> None:
        route = route_label(request)
        self.metrics.observe(request.method, route, status, seconds)
        access_log.info(
            "%s %s %d",
            request.method,
            route,
            status,
            extra={
                "request_id": rid,
                "method": request.method,
                "path": request.url.path,
                "route": route,
                "status": status,
                "ms": round(seconds * 1000, 1),
                "client": client_address(request),
            },
        )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def route_label(request: Request) -> str:
    """The route template with its router's prefix ("/api/v1/documents/{document_id}"): a metric
    label that ids in the path cannot multiply. Included routers report the template without
    their prefix, so the prefix is the part of the path before the template's segments."""
    path = request.url.path
    template = getattr(request.scope.get("route"), "path", None)
    if template is None:
        return "/static" if path.startswith("/static/") else "unmatched"
    depth = template.strip("/").count("/") + 1 if template.strip("/") else 0
    parts = path.strip("/").split("/")
    prefix = "/".join(parts[: max(0, len(parts) - depth)])
    return f"/{prefix}{template}" if prefix else template


def is_upload(request: Request) -> bool:
    return request.method == "POST" and request.url.path.rstrip("/").endswith("/documents")


def is_write(request: Request) -> bool:
    """An upload or a delete (the routes that take the app's ``require_key``)."""
    if not request.url.path.startswith("/api/"):
        return False
    return is_upload(request) or (request.method == "DELETE" and "/documents/" in request.url.path)


def key_required_detail(keys: KeyStore) -> str:
    hint = "" if keys.keys() else "; none exists yet: create one with `vaksam keys create --name <name>`"
    return f"a valid API key is required{hint}"


def presented_key(bearer: HTTPAuthorizationCredentials | None, header: str | None) -> str | None:
    return bearer.credentials if bearer else header


async def has_valid_key(request: Request, keys: KeyStore) -> bool:
    """The routes' ``require_key`` check (which also documents it in the schema), made from the
    headers alone; a key file that cannot be read is left for the route to report."""
    try:
        return keys.verify(presented_key(await BEARER(request), await API_KEY_HEADER(request))) is not None
    except KeyFileError:
        return True


def body_limit(request: Request, settings: ApiSettings) -> int:
    if is_upload(request):
        return int(settings.max_upload_mb * 1_000_000) + 64 * 1024  # the file plus its multipart envelope
    return settings.max_body_kb * 1024
