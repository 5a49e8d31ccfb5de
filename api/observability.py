"""What a running server tells its operator: Prometheus metrics, request ids and JSON logs.

Every request gets an id (the client's ``X-Request-ID`` when it is sane, otherwise a new
one), echoed in the response and in one JSON log line with method, route, status and
milliseconds. ``/metrics`` serves, in Prometheus text format, request counts and latency
histograms per route template (``/api/documents/{document_id}``, never the raw path, so
ids cannot blow up the label set), the index size and ingest counters.

Usage::

    metrics = Metrics(index_size=lambda: (documents, passages))
    metrics.observe("GET", "/api/search", 200, 0.042)
    body, content_type = metrics.render()
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
ACCESS_LOG = "vaksam.access"


def request_id(incoming: str | None) -> str:
    """The caller's id when it is short and plain (so logs cannot be forged), else a new one."""
    return incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex


class _IndexCollector:
    def __init__(self, index_size: Callable[[], tuple[int, int]]) -> None:
        self.index_size = index_size

    def collect(self):
        try:
            documents, passages = self.index_size()
        except Exception:  # noqa: BLE001 - a scrape must not fail because the index is busy or down
            return
        yield GaugeMetricFamily("vaksam_index_documents", "Indexed documents.", value=documents)
        yield GaugeMetricFamily("vaksam_index_passages", "Passages in the index.", value=passages)


class Metrics:
    """One registry per app, so several apps (tests) never share counters."""

    def __init__(self, index_size: Callable[[], tuple[int, int]] | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "vaksam_requests", "HTTP requests.", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "vaksam_request_seconds",
            "Time to answer a request.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.ingested = Counter(
            "vaksam_ingest_files", "Files ingested through the API, by outcome.", ["outcome"], registry=self.registry
        )
        self.ingested_passages = Counter(
            "vaksam_ingest_passages", "Passages written by API ingests.", registry=self.registry
        )
        self.rate_limited = Counter(
            "vaksam_rate_limited", "Requests refused by the rate limit.", registry=self.registry
        )
        if index_size is not None:
            self.registry.register(_IndexCollector(index_size))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    _STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in self._STANDARD})
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_json_logging(level: int = logging.INFO) -> None:
    """Send every log record (ours, uvicorn's) to stderr as JSON; uvicorn's own access log is
    replaced by ours, which has the request id and the route."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
