"""What the index stores: documents and their passages, and what a search returns."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

# Fixed namespace so ids are the same on every machine and every run.
_NAMESPACE = uuid.UUID("5b0c6f1e-3a41-4c1e-9a8e-7a6b5d0c2f11")


def point_id(key: str) -> str:
    """A deterministic UUID for a Qdrant point, so re-ingesting overwrites instead of duplicating."""
    return str(uuid.uuid5(_NAMESPACE, key))


class DocumentRecord(BaseModel):
    """One ingested file."""

    id: str
    title: str
    source: str
    language: str
    content_hash: str
    passages: int = 0
    pages: int | None = None
    characters: int = 0
    ingested_at: str = ""


class PassageRecord(BaseModel):
    """A retrievable unit of a document, with where it came from."""

    id: str
    document_id: str
    index: int = Field(description="Position of the passage within its document.")
    text: str
    page: int | None = None
    section: list[str] = Field(default_factory=list)
    start: int = Field(description="Character offset of the passage in the document text.")
    end: int
    language: str


class DocumentRef(BaseModel):
    id: str
    title: str
    source: str
    language: str


class Hit(BaseModel):
    id: str
    score: float
    text: str
    snippet: str
    page: int | None
    section: list[str]
    start: int
    end: int
    language: str
    document: DocumentRef


class SearchResult(BaseModel):
    query: str
    took_ms: float
    total: int
    hits: list[Hit]
