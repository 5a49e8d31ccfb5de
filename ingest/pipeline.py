"""Ingest files and folders into the index: parse, clean, describe, chunk, embed, write.

Unchanged files (same SHA-256 and same chunking settings) are skipped, so a
second run over the same corpus only hashes files. One bad file is recorded
with its reason (in the summary and as the document's status) and the run goes
on; a file that fails after it was indexed keeps its old passages. ``prune``
removes documents whose files are gone. A near-duplicate of an indexed document
is recorded as a duplicate of it and adds no passages; a passage that another
document already holds is stored once and lists both (``also_in``). When a
canonical copy goes away, the documents that leaned on it are re-ingested.

Usage::

    ingestor = Ingestor(settings, encoder, store)
    summary = ingestor.ingest([Path("data/corpus")], prune=True)
    print(summary.render())
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ingest.cleaning.boilerplate import SITE_MIN_DOCUMENTS
from ingest.duplicates import NEAR_DUPLICATE, SignatureIndex, covered, word_shingles
from ingest.language import UNKNOWN
from ingest.parsing import SUPPORTED_SUFFIXES
from ingest.preparation import PreparedFile, document_id_for, prepare_file, wait_for_warm_up
from ingest.timing import StageSeconds
from search.embedding.encoder import Encoder
from search.lexical.sparse import SparseEncoder
from search.records import DocumentRecord, DocumentStatus, PassageRecord
from search.settings import Settings
from search.store import PassageVectors, QdrantStore
from search.text import sentence_texts

log = logging.getLogger(__name__)
STAGES = ("parse", "clean", "chunk", "dedupe", "embed", "lexical", "write", "optimize")


@dataclass
class FileFailure:
    path: str
    reason: str


@dataclass
class IngestSummary:
    files: int = 0
    indexed: int = 0
    passages: int = 0
    shared_passages: int = 0
    skipped: int = 0
    pruned: int = 0
    reingested: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    failed: list[FileFailure] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # files in the folders that Vaksam does not read
    seconds: float = 0.0
    stage_seconds: StageSeconds = field(default_factory=StageSeconds)

    def render(self) -> str:
        lines = [
            f"files: {self.files}  indexed: {self.indexed}  passages: {self.passages}  "
            f"shared: {self.shared_passages}  duplicates: {len(self.duplicates)}  "
            f"skipped (unchanged): {self.skipped}  pruned: {self.pruned}  re-ingested: {self.reingested}  "
            f"failed: {len(self.failed)}  "
            f"seconds: {self.seconds:.1f}"
        ]
        if self.stage_seconds:
            lines.append("  time: " + "  ".join(f"{s} {self.stage_seconds[s]:.1f}s" for s in STAGES))
        lines += [f"  duplicate: {path}: same text as {of}" for path, of in self.duplicates]
        lines += [f"  failed: {f.path}: {f.reason}" for f in self.failed]
        if self.unsupported:
            kinds = Counter(Path(p).suffix.lower() or "(no suffix)" for p in self.unsupported)
            listed = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
            supported = " ".join(sorted(SUPPORTED_SUFFIXES))
            lines.append(
                f"  not read: {len(self.unsupported)} files of other types ({listed}); Vaksam reads {supported}"
            )
        return "\n".join(lines)


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[FileFailure], list[str]]:
    """Expand folders into supported files; report what cannot be used, one line each, and list
    the files of types Vaksam does not read (not failures: a folder may hold spreadsheets).

    Folders are walked without following links to folders (no symlink loops); a linked
    file is used only when it resolves inside the folder given.
    """
    found: list[Path] = []
    problems: list[FileFailure] = []
    unsupported: list[str] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            root = path.resolve()
            candidates: list[Path] = []
            for folder, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    if Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                        candidates.append(Path(folder) / name)
                    else:
                        unsupported.append(str(Path(folder) / name))
        elif path.is_file():
            root, candidates = None, [path]
        elif path.is_symlink():
            problems.append(FileFailure(str(path), "a broken or looping symbolic link"))
            continue
        else:
            problems.append(FileFailure(str(path), "no such file or folder"))
            continue
        for candidate in candidates:
            try:
                key = candidate.resolve(strict=True)
            except (OSError, RuntimeError):
                problems.append(FileFailure(str(candidate), "a broken or looping symbolic link"))
                continue
            if root is not None and not key.is_relative_to(root):
                problems.append(FileFailure(str(candidate), f"links to {key}, outside the folder {root}; skipped"))
                continue
            if not key.is_file():
                problems.append(FileFailure(str(candidate), "not a regular file"))
                continue
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found, problems, unsupported


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it, else absolute."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


def lexical_context(title: str | None, passage: PassageRecord, running_heads: Sequence[str] = ()) -> str:
    """Title, running heads and headings, added to a passage's lexical vector (not its text or
    dense vector): a title repeated on every slide names the presentation each slide is from."""
    parts = [t for t in [title, *running_heads, *passage.section] if t]
    return "\n".join(t for i, t in enumerate(parts) if t not in parts[:i])


def passage_sentences(text: str) -> list[str]:
    """The sentences of a passage as the sentence vectors see them (whitespace collapsed)."""
    return sentence_texts(text, min_chars=3)


def encode_passages(
    title: str | None,
    passages: list[PassageRecord],
    encoder: Encoder,
    sparse_encoder: SparseEncoder | None,
    settings: Settings,
    timings: StageSeconds | None = None,
    running_heads: Sequence[str] = (),
) -> PassageVectors:
    """Dense, per-sentence and lexical vectors of a document's passages.

    Sentences of all passages are embedded in one batch; a passage of one sentence
    reuses its passage vector, so sentence vectors cost only what multi-sentence
    passages add.
    """
    timings = timings if timings is not None else StageSeconds()
    t0 = time.perf_counter()
    dense = encoder.encode_passages([p.text for p in passages])  # the passage alone: a title in front hurt e5-small
    sentences = None
    if settings.sentence_vectors:
        per_passage = [passage_sentences(p.text) for p in passages]
        flat = [s for group in per_passage if len(group) > 1 for s in group]
        flat_vectors = iter(encoder.encode_passages(flat)) if flat else iter(())
        sentences = [
            np.stack([next(flat_vectors) for _ in group]) if len(group) > 1 else dense[i : i + 1]
            for i, group in enumerate(per_passage)
        ]
    timings["embed"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    sparse = None
    if sparse_encoder is not None:
        sparse = [sparse_encoder.encode_passage(p.text, lexical_context(title, p, running_heads)) for p in passages]
    timings["lexical"] += time.perf_counter() - t0
    return PassageVectors(dense, sparse, sentences)


class RecordBook(dict):
    """The known document records by id, with their MinHash signatures kept in a
    :class:`SignatureIndex` (indexed documents only) that follows every change."""

    def __init__(self, records: dict[str, DocumentRecord]) -> None:
        super().__init__()
        self.signatures = SignatureIndex()
        for doc_id, record in records.items():
            self[doc_id] = record

    def __setitem__(self, doc_id: str, record: DocumentRecord) -> None:
        super().__setitem__(doc_id, record)
        if record.status is DocumentStatus.INDEXED:
            self.signatures.put(doc_id, record.signature, record.shingles)
        else:
            self.signatures.remove(doc_id)

    def pop(self, doc_id: str, *default):  # noqa: ANN201 - dict's signature
        self.signatures.remove(doc_id)
        return super().pop(doc_id, *default)

    def __delitem__(self, doc_id: str) -> None:
        self.signatures.remove(doc_id)
        super().__delitem__(doc_id)


class Ingestor:
    """Turns files into indexed passages through the store.

    Crash safety: a document's record is written after its passages, so a file whose record does
    not match it is simply read again. What one document's write does to others (documents that
    lean on its passages, smaller ones it absorbs as duplicates) is the run's pending work, lost
    with the process on a crash; so before any write the documents it may touch are added to a
    journal in the index (:meth:`QdrantStore.add_pending_documents`), cleared when the run ends.
    The next run reads every journalled document again, in its place among the files or at the
    end, and converges on the index a clean run makes (tests/reliability/test_crash_consistency.py
    kills runs at random points and write boundaries and compares whole indexes).
    """

    def __init__(
        self, settings: Settings, encoder: Encoder, store: QdrantStore, sparse_encoder: SparseEncoder | None = None
    ) -> None:
        self.settings = settings
        self.encoder = encoder
        self.store = store
        self.sparse_encoder = sparse_encoder
        self._records: RecordBook | None = None
        self._orphans: set[str] = set()
        self._absorbed: list[tuple[str, str]] = []
        self._edges: Counter[str] | None = None
        self._journal: set[str] = set()  # documents this run (or an interrupted one) is changing
        self._resume: set[str] = set()  # documents an interrupted run left pending, not yet read again

    # -- the run journal ---------------------------------------------------------------------
    def _begin(self) -> None:
        self._resume = self.store.pending_documents()
        self._journal = set(self._resume)
        if self._resume:
            log.warning("an earlier run was interrupted: reading %d documents again", len(self._resume))

    def _intend(self, *document_ids: str | None) -> None:
        """Journal the documents the next writes may change, before writing anything."""
        new = {d for d in document_ids if d} - self._journal
        if new:
            self._journal |= new
            self.store.add_pending_documents(new)

    def _finish(self) -> None:
        if self._journal:
            self.store.clear_pending_documents()
        self._journal, self._resume = set(), set()

    # -- run ---------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path], *, prune: bool = False, progress: bool = True) -> IngestSummary:
        from tqdm import tqdm

        started = time.perf_counter()
        self.store.ensure_collections(self.encoder.name, self.encoder.dimension)
        self._begin()
        files, problems, unsupported = discover(paths)
        summary = IngestSummary(files=len(files) + len(problems), failed=problems, unsupported=unsupported)
        bar = tqdm(files, desc="Indexerar", unit="fil", disable=not progress or None, leave=False)
        wait_for_warm_up()
        for path in bar:
            bar.set_postfix_str(path.name[:40])
            self._ingest_one(path, summary)
        if prune:
            summary.pruned = self.prune()
        self._reingest_orphans(summary)
        self._recheck_site_boilerplate(summary)
        summary.duplicates = list(dict.fromkeys([*summary.duplicates, *self._absorbed]))
        self._absorbed = []
        optimizing = time.perf_counter()
        self.store.optimize()  # HNSW and payload indexes once per run, not per document
        summary.stage_seconds["optimize"] = time.perf_counter() - optimizing
        self._finish()
        summary.seconds = time.perf_counter() - started
        return summary

    def _ingest_one(self, path: Path, summary: IngestSummary, *, force: bool = False) -> None:
        try:
            outcome = self.ingest_file(path, force=force, timings=summary.stage_seconds)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
            log.warning("failed to ingest %s: %s", path, exc)
            if not path.exists():  # moved or deleted while the run read it: nothing to record
                summary.failed.append(FileFailure(str(path), "the file disappeared during the run (moved or deleted)"))
                return
            reason = _reason(exc)
            summary.failed.append(FileFailure(str(path), reason))
            self._record_failure(path, reason)
            return
        if outcome is None:
            summary.skipped += 1
        elif isinstance(outcome, str):
            summary.duplicates.append((str(path), outcome))
        else:
            summary.indexed += 1
            summary.passages += outcome[0]
            summary.shared_passages += outcome[1]

    def _reingest_orphans(self, summary: IngestSummary) -> None:
        """Re-ingest documents whose canonical passages or original went away (bounded rounds),
        and those an interrupted run left pending that this run's files did not include."""
        self._orphans |= self._resume
        self._resume = set()
        for _ in range(3):
            orphans, self._orphans = sorted(self._orphans), set()
            if not orphans:
                return
            for doc_id in orphans:
                record = self._known().get(doc_id)
                if record is not None and Path(record.source).is_file():
                    summary.reingested += 1
                    self._ingest_one(Path(record.source), summary, force=True)
                elif record is None:  # an interrupted first write: nothing but leftovers to remove
                    self._orphans.update(self.store.delete_passages(doc_id))

    # -- one file ----------------------------------------------------------------------------
    def _plan(self, path: Path, force: bool = False) -> Callable[[], PreparedFile]:
        """Preparing ``path``, with what it needs from the index (its record, the corpus's site boilerplate)."""
        doc_id = document_id_for(path)
        existing = self._known().get(doc_id)
        healthy = existing is not None and existing.error is None and not force and doc_id not in self._resume
        return functools.partial(
            prepare_file,
            path,
            settings=self.settings,
            token_lengths=self.encoder.token_lengths,
            max_tokens=self.encoder.max_tokens,
            site_prints=frozenset(self._site_prints(doc_id)),
            indexed_hash=existing.content_hash if healthy and existing is not None else None,
        )

    def ingest_file(
        self,
        path: Path,
        *,
        force: bool = False,
        timings: StageSeconds | None = None,
    ) -> tuple[int, int] | str | None:
        """Index one file. Returns (stored, shared) passage counts, the title of the document it
        duplicates, or None when it was unchanged."""
        timings = timings if timings is not None else StageSeconds()
        doc_id = document_id_for(path)
        existing = self._known().get(doc_id)
        resumed = doc_id in self._resume
        force = force or resumed
        prepared = self._plan(path, force)()
        self._resume.discard(doc_id)
        # Nothing in the index can lean on a document it has never held (an interrupted first write
        # is in the journal, so "resumed"): its links and dependants need no lookup.
        fresh = existing is None and not resumed
        if not force and existing is not None and existing.content_hash == prepared.digest and existing.error is None:
            return None
        if prepared.unchanged:  # found unchanged, but its record failed or it is forced: read it all the same
            prepared = self._plan(path, force=True)()
        timings.add(prepared.seconds)
        parsed, report, metadata, text = prepared.parsed, prepared.report, prepared.metadata, prepared.text
        doc_language, passages, digest = prepared.language, prepared.passages, prepared.digest
        assert parsed is not None and metadata is not None and passages is not None

        record = DocumentRecord(
            id=doc_id,
            title=metadata.title or path.stem,
            source=display_path(path),
            language=doc_language,
            content_hash=digest,
            pages=parsed.pages,
            characters=len(text),
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
            cleaning={
                **(report.summary() if report else {}),
                **({"ocr": parsed.metadata["ocr"]} if "ocr" in parsed.metadata else {}),
            },
            corrections=report.restoration.corrections if report else {},
            signature=prepared.signature,
            shingles=prepared.shingles,
            edge_prints=report.edge_prints if report else [],
            site_dropped=sorted(set(report.boilerplate.site_dropped)) if report else [],
            running_heads=report.boilerplate.running_heads if report else [],
            **metadata.model_dump(exclude={"title"}),
        )
        t0 = time.perf_counter()
        self._note_edges(existing, record)
        original = self._contained_in(record)
        timings["dedupe"] += time.perf_counter() - t0
        if original is not None:
            extra = self._unique_remainder(passages, original)
            chained = existing.duplicates if existing else []
            self._intend(doc_id, original.id, *chained, *([] if fresh else self.store.dependants(doc_id)))
            # What only it says may be what another duplicate of the same original says too.
            shared = self.store.find_fingerprints([p.fingerprint for p in extra], exclude_documents=[doc_id])
            extra = [
                p.model_copy(update={"index": i}) for i, p in enumerate(x for x in extra if x.fingerprint not in shared)
            ]
            record.shared_passages = len(shared)
            self._link(list(shared.values()), doc_id, fresh)
            if extra:
                vectors = encode_passages(
                    record.title, extra, self.encoder, self.sparse_encoder, self.settings, timings, record.running_heads
                )
                return self._store_duplicate(record, original, extra, vectors)
            return self._store_duplicate(record, original)

        # Smaller documents this one holds become its duplicates: its passages must not lean on theirs.
        t0 = time.perf_counter()
        absorbed = self._contained(record)
        shared = self.store.find_fingerprints(
            [p.fingerprint for p in passages], exclude_documents=[doc_id, *(d.id for d in absorbed)]
        )
        timings["dedupe"] += time.perf_counter() - t0
        own = [p for p in passages if p.fingerprint not in shared]
        if not own:
            raise ValueError("every passage of this file is already indexed under other documents")
        own = [p.model_copy(update={"index": i}) for i, p in enumerate(own)]
        vectors = encode_passages(
            record.title, own, self.encoder, self.sparse_encoder, self.settings, timings, record.running_heads
        )
        t0 = time.perf_counter()
        record.passages, record.shared_passages = len(own), len(shared)
        if existing is not None:
            record.duplicates = [d for d in existing.duplicates if d in self._known()]
        self._intend(
            doc_id,
            *([] if fresh else self.store.dependants(doc_id, keep=[p.id for p in own])),
            *(d.id for d in absorbed),
            *(chained for d in absorbed for chained in d.duplicates),
            *(dependant for d in absorbed for dependant in self.store.dependants(d.id)),
        )
        self._link(list(shared.values()), doc_id, fresh)
        self._orphans.update(self.store.replace_document(record, own, vectors))  # writes the record last
        self._known()[doc_id] = record
        for other in absorbed:
            self._store_duplicate(other, record)
            self._absorbed.append((other.source, record.title))
            self._orphans.add(other.id)  # re-read later to keep what only it says
        self._orphans.discard(doc_id)
        timings["write"] += time.perf_counter() - t0
        return len(own), len(shared)

    def _link(self, shared: list[PassageRecord], doc_id: str, fresh: bool) -> None:
        """Record that the document holds these passages of others too (its links recomputed whole)."""
        if fresh:
            self.store.add_also_in(shared, doc_id)
        else:
            self.store.set_also_in(shared, doc_id)

    # -- boilerplate shared across documents ------------------------------------------------
    def _edge_counts(self) -> Counter[str]:
        if self._edges is None:
            self._edges = Counter(p for d in self._known().values() for p in set(d.edge_prints))
        return self._edges

    def _site_prints(self, doc_id: str) -> set[str]:
        """Edge blocks that enough other documents carry, not counting this document's old version."""
        own = set(self._known()[doc_id].edge_prints) if doc_id in self._known() else set()
        need = SITE_MIN_DOCUMENTS - 1
        return {p for p, n in self._edge_counts().items() if n - (p in own) >= need}

    def _note_edges(self, existing: DocumentRecord | None, record: DocumentRecord) -> None:
        counts = self._edge_counts()
        counts.subtract(set(existing.edge_prints) if existing else set())
        counts.update(set(record.edge_prints))

    def _recheck_site_boilerplate(self, summary: IngestSummary) -> None:
        """Documents read before a footer was known to repeat are cleaned again (once, at the end)."""
        counts = self._edge_counts()
        site = {p for p, n in counts.items() if n >= SITE_MIN_DOCUMENTS}
        stale = [
            d
            for d in self._known().values()
            if d.status is DocumentStatus.INDEXED
            and d.error is None
            and ((set(d.edge_prints) & site) != set(d.site_dropped))
            and Path(d.source).is_file()
        ]
        for doc in stale:
            summary.reingested += 1
            self._ingest_one(Path(doc.source), summary, force=True)

    # -- near duplicates ---------------------------------------------------------------------
    def _known(self) -> RecordBook:
        if self._records is None:
            self._records = RecordBook({d.id: d for d in self.store.list_documents()})
        return self._records

    def _contained_in(self, record: DocumentRecord) -> DocumentRecord | None:
        """An indexed document at least as large that holds this one's text."""
        best, best_score = None, NEAR_DUPLICATE
        known = self._known()
        for other_id, size, score in known.signatures.containments(record.signature, record.shingles):
            if other_id != record.id and size >= record.shingles and score >= best_score:
                best, best_score = known[other_id], score
        return best

    def _unique_remainder(self, passages: list[PassageRecord], original: DocumentRecord) -> list[PassageRecord]:
        """Passages of a near-duplicate that its original does not hold (a signature block, a
        date line): they stay searchable under the duplicate instead of being lost with it."""
        shingles: set[str] = set()
        for passage in self.store.passages_holding(original.id):
            shingles |= word_shingles(passage.text)
        extra = [p for p in passages if not covered(p.text, shingles)]
        return [p.model_copy(update={"index": i}) for i, p in enumerate(extra)]

    def _store_duplicate(
        self,
        record: DocumentRecord,
        original: DocumentRecord,
        extra: list[PassageRecord] | None = None,
        vectors: PassageVectors | None = None,
    ) -> str:
        previous = self._known().get(record.id)
        # Its own duplicates must not point at a duplicate: they are read again against the original.
        chained = {*record.duplicates, *(previous.duplicates if previous else [])} - {original.id, record.id}
        record.status, record.duplicate_of, record.duplicates = DocumentStatus.DUPLICATE, original.id, []
        record.passages = len(extra or [])
        if extra and vectors is not None:
            self._orphans.update(self.store.replace_document(record, extra, vectors))
        else:
            self._orphans.update(self.store.delete_passages(record.id))
            self.store.put_document(record)
        self._known()[record.id] = record
        self._orphans.update(chained)
        if record.id not in original.duplicates:
            original.duplicates = sorted({*original.duplicates, record.id})
            self.store.put_document(original)
        return original.title

    def _contained(self, record: DocumentRecord) -> list[DocumentRecord]:
        """Smaller indexed documents whose text this one holds."""
        known = self._known()
        return [
            known[other_id]
            for other_id, size, score in known.signatures.containments(record.signature, record.shingles)
            if other_id != record.id and size <= record.shingles and score >= NEAR_DUPLICATE
        ]

    # -- failures and pruning ----------------------------------------------------------------
    def _record_failure(self, path: Path, reason: str) -> None:
        """Failed files are listed with their reason; an indexed older version stays searchable."""
        try:
            doc_id = document_id_for(path)
        except (OSError, RuntimeError):
            return
        existing = self._known().get(doc_id)
        if existing is not None and existing.status is not DocumentStatus.FAILED:
            record = existing.model_copy(update={"error": reason})
        else:
            record = DocumentRecord(
                id=doc_id,
                title=path.stem,
                source=display_path(path),
                language=UNKNOWN,
                content_hash="",
                status=DocumentStatus.FAILED,
                error=reason,
                ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        self.store.put_document(record)
        self._known()[doc_id] = record

    def prune(self) -> int:
        """Delete documents whose source file no longer exists; their dependants are re-ingested."""
        gone = [d for d in self._known().values() if not Path(d.source).exists()]
        for doc in gone:
            self._forget(doc)
        return len(gone)

    def remove(self, document_id: str) -> IngestSummary | None:
        """Delete one document from the index (not its file); documents that leaned on it, by
        sharing its passages or being its duplicate, are re-ingested. None when it is unknown."""
        doc = self._known().get(document_id)
        if doc is None:
            return None
        started = time.perf_counter()
        self._begin()
        self._forget(doc)
        summary = IngestSummary(pruned=1)
        self._reingest_orphans(summary)
        self._finish()
        summary.seconds = time.perf_counter() - started
        return summary

    def _forget(self, doc: DocumentRecord) -> None:
        self._intend(doc.id, doc.duplicate_of, *doc.duplicates, *self.store.dependants(doc.id))
        self._orphans.update(self.store.delete_document(doc.id))
        self._known().pop(doc.id, None)
        if doc.duplicate_of and doc.duplicate_of in self._known():
            original = self._known()[doc.duplicate_of]
            original.duplicates = [d for d in original.duplicates if d != doc.id]
            self.store.put_document(original)


def _reason(exc: Exception) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ValueError) and message:
        return message
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
