"""Reading one file into passages, apart from the index: check, hash, parse, clean, chunk.

Everything here depends only on the file, the settings and the tokenizer, plus one thing the
index knows: the edge blocks other documents of the corpus repeat (``site_prints``), so the
indexer (:mod:`ingest.pipeline`) can plan a file's preparation and keep it apart from its writes.
Files are prepared in turn: preparing the next file on a second thread while the current one was
embedded measured ahead/in turn x1.01 at the median on two cores (benchmarks/README.md).

Usage::

    prepared = prepare_file(path, settings=settings, token_lengths=encoder.token_lengths,
                            max_tokens=encoder.max_tokens)
    prepared.passages  # PassageRecords ready to embed
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import threading
import time
from collections.abc import Callable, Sequence, Set
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from ingest.blocks import ParsedDocument
from ingest.chunking import Chunk, chunk_document
from ingest.cleaning import CleaningReport, clean_document
from ingest.duplicates import fingerprint, signature
from ingest.language import UNKNOWN, detect_language, load_profiles
from ingest.long_lived import long_lived
from ingest.metadata import DocumentMetadata, extract_metadata
from ingest.parsing import SUPPORTED_SUFFIXES, parse_file
from ingest.safety import check_file
from ingest.timing import StageSeconds
from search.records import PassageRecord
from search.settings import Settings
from search.store import passage_point_id
from search.text import has_words

log = logging.getLogger(__name__)

CHUNKER_VERSION = "15"  # bump when parsing, cleaning or chunking changes what a file becomes
PREPARE_STAGES = ("parse", "clean", "chunk")


def document_id_for(path: Path) -> str:
    """Stable id of a file: its resolved path, hashed (paths can hold anything)."""
    return hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:16]


def file_hash(path: Path, settings: Settings) -> str:
    """Content hash plus the settings that shape passages, so changing them re-ingests."""
    h = hashlib.sha256(
        # "context=False" and "ngrams=0" name options since removed; kept so existing indexes are not re-embedded
        f"chunker={CHUNKER_VERSION};tokens={settings.passage_tokens};context=False;"
        f"clean={settings.clean};sentences={settings.sentence_vectors};ngrams=0;"
        f"lexctx={settings.lexical_context_weight};".encode()
    )
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def make_passages(
    document_id: str,
    chunks: list[Chunk],
    document_language: str,
    *,
    detect: bool = True,
    metadata: DocumentMetadata | None = None,
    version: str = "",
) -> list[PassageRecord]:
    """Passage records with deterministic ids, fingerprints and the document's facets.

    Language is detected per passage unless ``detect`` is off. A passage whose text
    already occurred earlier in the document is left out (stored once).
    """
    out: list[PassageRecord] = []
    seen: set[str] = set()
    for c in chunks:
        if not has_words(c.text):
            continue  # dot leaders of a table of contents, a row of dashes: nothing to find
        fp = fingerprint(c.text)
        if fp in seen:
            continue
        seen.add(fp)
        i = len(out)
        out.append(
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
                fingerprint=fp,
                version=version,
                organisation=metadata.organisation if metadata else None,
                document_type=metadata.document_type if metadata else None,
                programs=list(metadata.programs) if metadata else [],
                year=metadata.year if metadata else None,
            )
        )
    return out


@dataclass
class PreparedFile:
    """A file read into passages, or found unchanged (``passages`` is None then)."""

    path: Path
    kind: str
    digest: str
    site_prints: frozenset[str] = frozenset()
    parsed: ParsedDocument | None = None
    report: CleaningReport | None = None
    metadata: DocumentMetadata | None = None
    text: str = ""
    language: str = UNKNOWN
    passages: list[PassageRecord] | None = None
    signature: list[int] = field(default_factory=list)
    shingles: int = 0
    seconds: StageSeconds = field(default_factory=StageSeconds)

    @property
    def unchanged(self) -> bool:
        return self.passages is None


def prepare_file(
    path: Path,
    *,
    settings: Settings,
    token_lengths: Callable[[Sequence[str]], list[int]],
    max_tokens: int,
    site_prints: Set[str] = frozenset(),
    indexed_hash: str | None = None,
) -> PreparedFile:
    """Check, hash and read one file. ``indexed_hash`` is the hash of the healthy indexed version:
    when the file still has it, nothing is parsed. Raises ``ValueError`` with a readable reason."""
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower(), "")
    check_file(path, kind, settings.max_file_mb)
    digest = file_hash(path, settings)
    prepared = PreparedFile(path, kind, digest, frozenset(site_prints))
    if digest == indexed_hash:
        return prepared
    doc_id = document_id_for(path)
    seconds = prepared.seconds

    t0 = time.perf_counter()
    parsed = prepared.parsed = parse_file(path)
    seconds["parse"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    own_before = [b.text for b in parsed.blocks if not b.outside]
    report = prepared.report = clean_document(parsed, site_prints=site_prints) if settings.clean else None
    own_text = [b.text for b in parsed.blocks]
    if report is not None:
        # Running heads and letterheads are dropped from passages but still say who wrote it.
        kept = set(own_text)
        own_text = own_text + [t for t in own_before if t not in kept]
    metadata = prepared.metadata = extract_metadata(parsed, own_text, kind)
    seconds["clean"] += time.perf_counter() - t0

    t0 = time.perf_counter()
    text, chunks = chunk_document(
        parsed, token_lengths=token_lengths, target_tokens=settings.passage_tokens, max_tokens=max_tokens
    )
    if not chunks:
        raise ValueError("no text to index: the file holds only a title, headings or boilerplate")
    prepared.text = text
    prepared.language = detect_language(text, default=UNKNOWN, min_chars=20)
    prepared.passages = make_passages(doc_id, chunks, prepared.language, metadata=metadata, version=digest[:12])
    prepared.signature, prepared.shingles = signature(text)
    seconds["chunk"] += time.perf_counter() - t0
    return prepared


_PARTITIONERS = ("pdf", "docx", "pptx", "html", "md", "text")
_warming: Future[None] | None = None
_warming_lock = threading.Lock()


def warm_up() -> None:
    """Load what reading the first file would otherwise load while the indexer waits for it:
    unstructured's offline sentence splitter and partitioners, the Swedish lexicon and its word
    frequencies, langdetect's profiles. Done once per process; later files find everything loaded.

    All of it lives as long as the process, so it is built with the cyclic collector paused and
    frozen afterwards (``long_lived``): 6.4 s -> 3.0 s on the 2-core machine (median of three;
    the lexicon's ~280,000 word objects alone 2.2 s -> 0.9 s), and the collections during
    ingest no longer walk it."""
    from ingest import offline_nlp
    from ingest.cleaning.lexicon import SwedishLexicon

    with long_lived():
        offline_nlp.install()
        from unstructured.nlp.tokenize import sent_tokenize

        sent_tokenize("Ett. Två.")
        for kind in _PARTITIONERS:
            importlib.import_module(f"unstructured.partition.{kind}")
        lexicon = SwedishLexicon.default()
        lexicon.knows("våld")
        lexicon.zipf("våld")
        load_profiles()


def warm_up_in_background() -> Future[None]:
    """Start :func:`warm_up` on a thread of its own (once per process): ``vaksam ingest`` loads
    the parsers while it loads the model and opens the index."""
    global _warming
    with _warming_lock:
        if _warming is None:
            future: Future[None] = Future()

            def run() -> None:
                try:
                    warm_up()
                except BaseException as exc:  # noqa: BLE001 - the first file reports it again, with its name
                    future.set_exception(exc)
                else:
                    future.set_result(None)

            # A daemon thread, not an executor's: a run that ends early (a bad path) does not wait
            # seconds at exit for parsers it will never use.
            threading.Thread(target=run, name="vaksam-warm-up", daemon=True).start()
            _warming = future
        return _warming


def wait_for_warm_up() -> None:
    """Wait for a warm-up started in the background, so the first file does not load it all again."""
    with _warming_lock:
        warming = _warming
    if warming is None:
        return
    try:
        warming.result()
    except Exception as exc:  # noqa: BLE001 - reading the files reports what is missing, per file
        log.warning("loading the parsers ahead failed (%s); each file loads what it needs", exc)
