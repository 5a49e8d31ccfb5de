"""The shapes the HTTP API answers with, and the ids its paths take.

Ids in paths are checked by shape first, so a mistyped or hostile id is a 422 that says so.
"""

from typing import Annotated

from fastapi import Path as PathParam
from pydantic import AfterValidator, BaseModel, Field

from search.records import DocumentRecord, Hit, PassageRecord

API_VERSION = "1"
# Ids are hexadecimal, matched in either case: the index keeps them in lower case.
DocumentId = Annotated[
    str,
    PathParam(pattern=r"^[0-9a-fA-F]{16}$", description="A document id: 16 hexadecimal digits"),
    AfterValidator(str.lower),
]
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
PassageId = Annotated[
    str, PathParam(pattern=UUID_PATTERN, description="A passage id (a UUID)"), AfterValidator(str.lower)
]


class ErrorResponse(BaseModel):
    detail: str = Field(description="What went wrong and what to do about it, in one sentence.")
    errors: list[dict] | None = Field(None, description="Each invalid parameter, for 422 answers.")


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


class Suggestion(BaseModel):
    text: str = Field(description="The completed text, as the documents spell it.")
    kind: str = Field(description="program, title, heading or term (a word of the index).")
    weight: int = Field(description="Documents (program, title) or passages (heading, term) that carry it.")


class SuggestResult(BaseModel):
    query: str
    took_ms: float
    suggestions: list[Suggestion]


class QueryCount(BaseModel):
    query: str = Field(description="The question, folded (lower case, no accents, spaces collapsed).")
    no_hits: int
    weak: int
    last_day: str


class QueryStatsResult(BaseModel):
    days: int = Field(description="Days counted (at most VAKSAM_QUERY_STATS_DAYS, the days kept).")
    since: str
    searches: int
    no_hits: int
    weak: int = Field(description="Searches whose best hit was weak (confidence low).")
    queries: list[QueryCount] = Field(description="Questions with no or weak hits, most frequent first.")


class SimilarResult(BaseModel):
    passage_id: str
    document_id: str
    total: int
    hits: list[Hit] = Field(description="Passages of other documents, most similar first.")


class CpuHealth(BaseModel):
    model: str
    machine: str
    flags: list[str] = Field(
        description="The flags that choose ONNX Runtime's int8 kernel, as /proc/cpuinfo names them."
    )
    vnni: bool
    avx512: bool
    int8_kernel: str = Field(description="How int8 products are summed on this CPU.")


class EncoderHealth(BaseModel):
    backend: str = Field(description="The configured encoder backend: torch, onnx or onnx-int8.")
    precision: str | None = Field(
        description="What runs: int8 or fp32 (onnx-int8 runs fp32 where int8 drifts on this CPU); "
        "null until the model is loaded."
    )
    quantization: str | None = Field(None, description="How the int8 model is made, when int8 is configured.")
    parity_mean: float | None = Field(None, description="Mean cosine of int8 to fp32 vectors on this CPU.")
    parity_min: float | None = None
    parity_floor: float | None = None
    fallback: str | None = Field(None, description="Why fp32 runs although int8 is configured.")
    cpu: CpuHealth
    onnxruntime: str | None = None


class Health(BaseModel):
    status: str
    collection: str
    backend: str = Field(description="The index engine: edge (embedded, default), local or server.")
    model: str
    documents: int
    passages: int
    encoder: EncoderHealth


class Readiness(BaseModel):
    ready: bool
    model: bool = Field(description="The embedding model is loaded.")
    index: bool = Field(description="The index answers.")
    detail: str | None = None


class UploadResult(BaseModel):
    document: DocumentRecord
    created: bool = Field(description="False when the same file was already indexed unchanged.")
    passages: int
    seconds: float


def errors(*codes: int) -> dict:
    """The OpenAPI description of the error answers ``codes``, all in :class:`ErrorResponse`'s shape."""
    described = {
        400: "The multipart body cannot be read",
        401: "No valid API key (send `Authorization: Bearer <key>` or `X-API-Key`)",
        404: "No such id",
        413: "The request body is larger than the limit",
        415: "Unsupported file type",
        422: "Invalid parameters or an unreadable document",
        429: "Too many requests from this client; see Retry-After",
        503: "The model or the index is not ready",
    }
    return {code: {"model": ErrorResponse, "description": described[code]} for code in codes}
