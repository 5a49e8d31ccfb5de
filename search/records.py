"""What the index stores: documents and their passages, and what a search returns."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

# Fixed namespace so ids are the same on every machine and every run.
_NAMESPACE = uuid.UUID("5b0c6f1e-3a41-4c1e-9a8e-7a6b5d0c2f11")


def point_id(key: str) -> str:
    """A deterministic UUID for a Qdrant point, so re-ingesting overwrites instead of duplicating."""
    return str(uuid.uuid5(_NAMESPACE, key))


class DocumentStatus(StrEnum):
    INDEXED = "indexed"
    DUPLICATE = "duplicate"
    FAILED = "failed"


# Stored in the index but left out of API answers (the store writes them explicitly).
HIDDEN_DOCUMENT_FIELDS = ("signature", "edge_prints", "site_dropped")


class DocumentRecord(BaseModel):
    """One ingested file, with its metadata and what became of it."""

    id: str
    title: str
    source: str
    language: str
    content_hash: str
    status: DocumentStatus = DocumentStatus.INDEXED
    error: str | None = Field(None, description="Why the last attempt failed; an older version may still be indexed.")
    duplicate_of: str | None = Field(None, description="The canonical document this one repeats.")
    duplicates: list[str] = Field(default_factory=list, description="Documents that repeat this one.")
    passages: int = 0
    shared_passages: int = Field(0, description="Passages stored once under another document (also_in).")
    pages: int | None = None
    characters: int = 0
    ingested_at: str = ""
    date: str | None = None
    year: int | None = None
    dates: list[str] = Field(default_factory=list)
    diarienummer: list[str] = Field(default_factory=list)
    organisation: str | None = None
    document_type: str | None = None
    programs: list[str] = Field(default_factory=list)
    source_url: str | None = None
    cleaning: dict = Field(default_factory=dict, description="What cleaning did: joins, restorations, drops.")
    corrections: dict[str, str] = Field(
        default_factory=dict, description="Audit trail of restored words: original -> restored."
    )
    # Stored in the index (the store adds it explicitly) but left out of API answers.
    signature: list[int] = Field(default_factory=list, exclude=True, description="MinHash of the text's shingles.")
    shingles: int = 0
    edge_prints: list[str] = Field(
        default_factory=list, exclude=True, description="Fingerprints of short blocks at the document's edges."
    )
    site_dropped: list[str] = Field(
        default_factory=list, exclude=True, description="Edge blocks dropped because other documents repeat them."
    )
    running_heads: list[str] = Field(
        default_factory=list,
        description="Lines repeated at the top or bottom of its pages (a slide deck's running title): "
        "dropped from the passages, searched as context of each.",
    )


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
    fingerprint: str = Field("", description="Hash of the folded text; equal texts share it.")
    also_in: list[str] = Field(default_factory=list, description="Other documents that hold this same passage.")
    version: str = ""
    organisation: str | None = None
    document_type: str | None = None
    programs: list[str] = Field(default_factory=list)
    year: int | None = None


class DocumentRef(BaseModel):
    id: str
    title: str
    source: str
    language: str
    source_url: str | None = None
    organisation: str | None = None
    document_type: str | None = None
    date: str | None = None
    year: int | None = None
    diarienummer: list[str] = Field(default_factory=list, description="Case numbers the document names.")


class Hit(BaseModel):
    id: str
    score: float = Field(description="Fused relevance, higher is better; comparable within one result list only.")
    text: str
    snippet: str = Field(description="The passage's sentence that best matches the query, whitespace collapsed.")
    highlights: list[list[int]] = Field(
        default_factory=list, description="[start, end) character spans of query words in `snippet`."
    )
    text_highlights: list[list[int]] = Field(
        default_factory=list, description="[start, end) character spans of query words in `text`."
    )
    page: int | None
    section: list[str]
    start: int
    end: int
    language: str
    also_in: list[str] = Field(default_factory=list)
    programs: list[str] = Field(default_factory=list)
    signals: dict[str, float] = Field(
        default_factory=dict,
        description="Raw per-signal scores for diagnosis: dense, sentences, lexical, proximity (the share "
        "of the question's neighbouring words that stand side by side in the passage), answer (1 when the "
        "passage holds the kind of answer the question asks for), section (the fused score it took from a "
        "passage of its section that names the topic but holds no answer) and document (the same, from "
        "the document the question names).",
    )
    document: DocumentRef


class HitGroup(BaseModel):
    document: DocumentRef
    score: float = Field(description="The score of the group's best hit.")
    hits: list[Hit]


class TimelineEntry(BaseModel):
    """One document of an organisation's precedents, with its best passages for the question."""

    document: DocumentRef
    score: float = Field(description="The score of the document's best hit.")
    hits: list[Hit]
    programs: list[str] = Field(default_factory=list, description="Program ids the document names.")
    related: list[str] = Field(
        default_factory=list,
        description="Other documents of this timeline that share a diarienummer or a program with this one.",
    )


class OrganisationGroup(BaseModel):
    """An organisation's documents for a question, oldest first (undated last): what it did, when."""

    organisation: str = Field(description="The organisation, or 'Okänd organisation' when none is known.")
    score: float = Field(description="The score of the organisation's best hit.")
    documents: list[TimelineEntry]


class SpellingSuggestion(BaseModel):
    text: str = Field(description="The whole query with the misspelled words corrected.")
    words: dict[str, str] = Field(description="Each corrected word as typed -> its correction.")


class SynonymUse(BaseModel):
    matched: str = Field(description="The expression of the query a synonym rule matched.")
    added: list[str] = Field(description="The expressions the lexical search looked for too.")


class QueryExpansionInfo(BaseModel):
    corrections: dict[str, str] = Field(
        default_factory=dict, description="Words no document holds -> the index word one edit away, searched too."
    )
    synonyms: list[SynonymUse] = Field(default_factory=list)


class NoticeSuggestion(BaseModel):
    label: str = Field(description="What to try, in Swedish.")
    query: str | None = Field(None, description="A query to search instead.")
    remove_filters: list[str] = Field(default_factory=list, description="Filter parameters to drop.")


class Notice(BaseModel):
    level: str = Field(description="'low': the best hit probably does not answer the question.")
    message: str = Field(description="What the page says, in Swedish.")
    suggestions: list[NoticeSuggestion] = Field(default_factory=list)


class SearchResult(BaseModel):
    query: str
    took_ms: float
    total: int = Field(description="Number of hits returned.")
    offset: int = Field(0, description="Hits skipped before these (paging).")
    has_more: bool = Field(False, description="More hits follow: ask again with offset + limit.")
    sort: str = Field("relevance", description="relevance, or date (the relevant hits, newest first).")
    hits: list[Hit]
    groups: list[HitGroup] | None = Field(
        None, description="With group_by=document: the documents in order, each with its best hits."
    )
    organisations: list[OrganisationGroup] | None = Field(
        None, description="With group_by=organisation: each organisation's documents on a time line."
    )
    confidence: str = Field(
        "high", description="high; low when the best hit probably does not answer; none without hits."
    )
    notice: Notice | None = Field(None, description="When confidence is low or nothing was found: what to try.")
    did_you_mean: SpellingSuggestion | None = Field(
        None, description="The query with misspelled words replaced by words the index holds."
    )
    expansion: QueryExpansionInfo | None = Field(
        None, description="What the lexical search looked for besides the query: tolerated typos, synonyms."
    )
