"""Ingest files and folders into the index: parse, chunk, embed, write.

Unchanged files (same SHA-256 and same chunking settings) are skipped, so a
second run over the same corpus only hashes files. One bad file is recorded
with its reason and the run goes on. ``prune`` removes documents whose files
are gone.

Usage::

    ingestor = Ingestor(settings, encoder, store)
    summary = ingestor.ingest([Path("data/corpus")], prune=True)
    print(summary.render())
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ingest.chunking import Chunk, chunk_document
from ingest.language import UNKNOWN, detect_language
from ingest.parsing import SUPPORTED_SUFFIXES, parse_file
from search.embedding.encoder import Encoder
from search.records import DocumentRecord, PassageRecord
from search.settings import Settings
from search.store import QdrantStore, passage_point_id

log = logging.getLogger(__name__)
CHUNKER_VERSION = "1"


@dataclass
class FileFailure:
    path: str
    reason: str


@dataclass
class IngestSummary:
    files: int = 0
    indexed: int = 0
    passages: int = 0
    skipped: int = 0
    pruned: int = 0
    failed: list[FileFailure] = field(default_factory=list)
    seconds: float = 0.0

    def render(self) -> str:
        lines = [
            f"files: {self.files}  indexed: {self.indexed}  passages: {self.passages}  "
            f"skipped (unchanged): {self.skipped}  pruned: {self.pruned}  failed: {len(self.failed)}  "
            f"seconds: {self.seconds:.1f}"
        ]
        lines += [f"  failed: {f.path}: {f.reason}" for f in self.failed]
        return "\n".join(lines)


def document_id_for(path: Path) -> str:
    """Stable id of a file: its resolved path, hashed (paths can hold anything)."""
    return hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:16]


def file_hash(path: Path, settings: Settings) -> str:
    """Content hash plus the settings that shape passages, so changing them re-ingests."""
    h = hashlib.sha256(
        f"chunker={CHUNKER_VERSION};tokens={settings.passage_tokens};context={settings.embed_context};".encode()
    )
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[FileFailure]]:
    """Expand folders into supported files; report named paths that cannot be used."""
    found: list[Path] = []
    problems: list[FileFailure] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not _hidden(p, path)
            )
        elif path.is_file():
            candidates = [path]
        else:
            problems.append(FileFailure(str(path), "no such file or folder"))
            continue
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found, problems


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it, else absolute."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def make_passages(
    document_id: str, chunks: list[Chunk], document_language: str, *, detect: bool = True
) -> list[PassageRecord]:
    """Passage records with deterministic ids; language detected per passage unless ``detect`` is off."""
    return [
        PassageRecord(
            id=passage_point_id(document_id, i, c.text),
            document_id=document_id,
            index=i,
            text=c.text,
            page=c.page,
            section=c.section,
            start=c.start,
            end=c.end,
            language=detect_language(c.text, default=document_language) if detect else document_language,
        )
        for i, c in enumerate(chunks)
    ]


def embedding_text(title: str | None, passage: PassageRecord, with_context: bool) -> str:
    """What the model embeds: the passage, optionally led by its document title and section.

    The stored and displayed text stays the passage alone; the context only helps the
    vector say what the passage is about (a bare "Till seminariet kom 98 personer."
    means little without "Frukostseminarier"). See ``benchmarks/passage_size.py``.
    """
    if not with_context:
        return passage.text
    context = [t for t in [title, *passage.section] if t]
    deduped = [t for i, t in enumerate(context) if t not in context[:i]]
    return (" – ".join(deduped) + "\n" + passage.text) if deduped else passage.text


class Ingestor:
    """Turns files into indexed passages through the store."""

    def __init__(self, settings: Settings, encoder: Encoder, store: QdrantStore) -> None:
        self.settings = settings
        self.encoder = encoder
        self.store = store

    def ingest(self, paths: Iterable[Path], *, prune: bool = False, progress: bool = True) -> IngestSummary:
        from tqdm import tqdm

        started = time.perf_counter()
        self.store.ensure_collections(self.encoder.name, self.encoder.dimension)
        files, problems = discover(paths)
        summary = IngestSummary(files=len(files) + len(problems), failed=problems)
        bar = tqdm(files, desc="Indexerar", unit="fil", disable=not progress or None, leave=False)
        for path in bar:
            bar.set_postfix_str(path.name[:40])
            try:
                outcome = self.ingest_file(path)
            except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
                log.warning("failed to ingest %s: %s", path, exc)
                summary.failed.append(FileFailure(str(path), _reason(exc)))
                continue
            if outcome is None:
                summary.skipped += 1
            else:
                summary.indexed += 1
                summary.passages += outcome
        if prune:
            summary.pruned = self.prune()
        summary.seconds = time.perf_counter() - started
        return summary

    def ingest_file(self, path: Path) -> int | None:
        """Index one file; returns its passage count, or None when it was unchanged."""
        size_mb = path.stat().st_size / (1 << 20)
        if size_mb > self.settings.max_file_mb:
            raise ValueError(f"file is {size_mb:.0f} MB, over the {self.settings.max_file_mb:g} MB limit")
        doc_id = document_id_for(path)
        digest = file_hash(path, self.settings)
        existing = self.store.get_document(doc_id)
        if existing is not None and existing.content_hash == digest:
            return None
        parsed = parse_file(path)
        text, chunks = chunk_document(
            parsed,
            token_lengths=self.encoder.token_lengths,
            target_tokens=self.settings.passage_tokens,
            max_tokens=self.encoder.max_tokens,
        )
        if not chunks:
            raise ValueError("no passages could be made from the text")
        doc_language = detect_language(text, default=UNKNOWN, min_chars=20)
        passages = make_passages(doc_id, chunks, doc_language)
        vectors = self.encoder.encode_passages(
            [embedding_text(parsed.title, p, self.settings.embed_context) for p in passages]
        )
        document = DocumentRecord(
            id=doc_id,
            title=parsed.title or path.stem,
            source=display_path(path),
            language=doc_language,
            content_hash=digest,
            passages=len(passages),
            pages=parsed.pages,
            characters=len(text),
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.store.replace_document(document, passages, vectors)
        return len(passages)

    def prune(self) -> int:
        """Delete documents whose source file no longer exists."""
        gone = [d for d in self.store.list_documents() if not Path(d.source).exists()]
        for doc in gone:
            self.store.delete_document(doc.id)
        return len(gone)


def _reason(exc: Exception) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
