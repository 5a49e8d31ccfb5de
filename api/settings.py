"""The HTTP API's settings, on top of ingest's and search's: CORS, keys, rate limits, uploads,
query statistics, logging and where ``vaksam serve`` listens. Same prefix (``VAKSAM_``), same
``.env`` file: one object configures the whole service.

Usage::

    settings = ApiSettings(rate_limit=0)     # or get_settings(), read once from the environment
    settings.qdrant_path, settings.cors_origins
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AnyHttpUrl, Field, field_validator
from pydantic_settings import NoDecode

from search.settings import Settings


class ApiSettings(Settings):
    """Search settings plus those of the HTTP API in an intranet."""

    host: str = Field("127.0.0.1", description="Address `vaksam serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `vaksam serve` listens on.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins (https://intranet.example) whose pages may call the API and embed the widget; "
        "JSON list or comma-separated. Empty: the same origin only.",
    )
    public_url: AnyHttpUrl | None = Field(
        None,
        description="The address users reach Vaksam at (https://vaksam.example), for permalinks in citations; "
        "unset: permalinks are relative (/?passage=...), never built from a request's Host header.",
    )
    keys_file: Path = Field(Path("data/api-keys.json"), description="API keys (hashed) made with `vaksam keys create`.")
    read_requires_key: bool = Field(False, description="Require an API key for searches and reads too.")
    rate_limit: int = Field(
        120, ge=0, description="Requests per minute one client may make to /api (0: no limit); bursts of a tenth."
    )
    max_upload_mb: float = Field(20.0, gt=0, description="Largest document accepted by POST /api/documents.")
    max_body_kb: int = Field(64, ge=1, description="Largest request body for everything but uploads.")
    uploads_dir: Path = Field(Path("data/uploads"), description="Where uploaded documents are kept and ingested from.")
    forwarded_allow_ips: str = Field(
        "",
        description="Proxies whose X-Forwarded-For names the real client (for rate limits and logs); "
        "comma-separated addresses, or * behind a trusted proxy only. Empty (the default): no proxy is "
        "trusted, so no local process can pick its own rate-limit bucket or log address.",
    )
    query_stats: bool = Field(
        False,
        description="Keep per-day counts of searches, and the questions that found nothing or only weak hits "
        "(off: questions can hold case details; see api/query_stats.py).",
    )
    query_stats_days: int = Field(30, ge=1, le=3650, description="Days query statistics are kept.")
    query_stats_file: Path = Field(Path("data/query-stats.sqlite"), description="Where query statistics are kept.")
    log_json: bool = Field(True, description="`vaksam serve` logs one JSON object per request, with its request id.")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin.rstrip("/")):
                raise ValueError(
                    f"{origin!r} is not an origin: write scheme://host[:port], as https://intranet.example"
                )
        return [o.rstrip("/") for o in value]

    @field_validator("public_url", mode="before")
    @classmethod
    def _blank_url_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @classmethod
    def of(cls, settings: Settings) -> ApiSettings:
        """``settings`` as API settings: the same values, the API's own from the environment."""
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump())


@lru_cache(maxsize=1)
def get_settings() -> ApiSettings:
    """The process-wide settings, read once."""
    return ApiSettings()
