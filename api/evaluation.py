"""``vaksam eval``: question files against the live index, BEIR folders in a throwaway index.

``--compare`` runs every search mode (dense, sparse, hybrid) over the same questions in
one run, and hybrid without the configured reranker when there is one, so their numbers and
median latencies can be read side by side.

Question files are JSON lines like ``{"id", "query", "gold": [...], "kind", "lang"}``;
a passage is relevant when its folded text contains a folded gold string
(``api.relevance``). nDCG's ideal ranking counts every passage in
the index that contains a gold string, capped at ``k``. Every metric is computed by
ir-measures (trec_eval's definitions, through pytrec_eval), one ranked list at a time.

Gold strings are written before any search; ``--judgments`` adds the strings a person judged to
answer the question after reading what the searches returned (pooling, ``benchmarks/pool.py``),
JSON lines like ``{"set": "real_queries_3", "id": "t45", "also": [...]}`` where ``set`` is the
question file's name without ``.jsonl``. Both numbers are reported; the gold-string one stays the
primary, since the judged strings were added after the rankings were seen.

A BEIR folder (``corpus.jsonl``, ``queries.jsonl``, ``qrels/test.tsv``) is
chunked with the same chunker as any document, embedded into a temporary
embedded Qdrant folder, searched, and the passage hits are collapsed to
their documents before scoring.
"""

from __future__ import annotations

import csv
import json
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import ir_measures
import numpy as np
from ir_measures import RR, R, Success, nDCG

from api.relevance import relevant_passages
from api.service import VaksamService
from api.settings import ApiSettings
from ingest.blocks import Block, ParsedDocument
from ingest.chunking import chunk_document
from ingest.cleaning import clean_document
from ingest.metadata import program_names
from ingest.pipeline import encode_passages
from ingest.preparation import make_passages
from search.modes import SearchMode
from search.records import DocumentRecord
from search.searcher import Searcher
from search.settings import Settings
from search.store import QdrantStore
from search.suggestions.expansion import QueryExpander
from search.suggestions.live import LiveWords

K = 10


@dataclass
class QueryOutcome:
    id: str
    query: str
    kind: str
    rank: int | None
    metrics: dict[str, float]
    ms: float


@dataclass
class EvalReport:
    name: str
    queries: int
    metrics: dict[str, float]
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    median_ms: float = 0.0
    details: list[QueryOutcome] = field(default_factory=list)

    def as_dict(self, details: bool = False) -> dict:
        out = {
            "name": self.name,
            "queries": self.queries,
            "metrics": self.metrics,
            "by_kind": self.by_kind,
            "median_ms": self.median_ms,
        }
        if details:
            out["details"] = [d.__dict__ for d in self.details]
        return out

    def render(self) -> str:
        names = list(self.metrics)
        lines = [f"{self.name}: {self.queries} queries, median {self.median_ms:.1f} ms/query"]
        lines.append(f"{'':14}" + "".join(f"{n:>10}" for n in names))
        lines.append(f"{'all':14}" + "".join(f"{self.metrics[n]:>10.3f}" for n in names))
        for kind, values in sorted(self.by_kind.items()):
            lines.append(f"{kind[:14]:14}" + "".join(f"{values[n]:>10.3f}" for n in names))
        misses = [d for d in self.details if d.rank is None][:10]
        if misses:
            lines.append("not found in the top 10:")
            lines += [f"  {d.id}: {d.query}" for d in misses]
        return "\n".join(lines)


# vaksam eval's metric names, each computed by ir-measures.
MEASURES = {"hit@1": Success @ 1, "hit@5": Success @ 5, "mrr@10": RR @ K, "ndcg@10": nDCG @ K, "recall@10": R @ K}
GOLD_METRICS = ("hit@1", "hit@5", "mrr@10", "ndcg@10")
BEIR_METRICS = ("ndcg@10", "recall@10", "mrr@10")


def score_ranking(
    ranked: Sequence[str], relevant: Mapping[str, float], names: Sequence[str] = GOLD_METRICS
) -> dict[str, float]:
    """The named metrics of one ranked list of ids (best first) against graded judgements, by ir-measures.

    A question with nothing relevant scores 0 on every metric: trec_eval would leave it out, which
    would flatter a set whose answers the index lacks."""
    scores = dict.fromkeys(names, 0.0)
    judged = {doc: int(level) for doc, level in relevant.items() if level > 0}
    order = list(dict.fromkeys(ranked))  # a repeated id keeps its best rank
    if not judged or not order:
        return scores
    run = {"q": {doc: float(len(order) - i) for i, doc in enumerate(order)}}  # no ties: the order is kept
    wanted = {MEASURES[n]: n for n in names}
    for metric in ir_measures.iter_calc(list(wanted), {"q": judged}, run):
        scores[wanted[metric.measure]] = float(metric.value)
    return scores


def _aggregate(details: list[QueryOutcome]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    names = list(details[0].metrics) if details else []
    overall = {n: round(statistics.fmean(d.metrics[n] for d in details), 4) for n in names}
    groups: dict[str, list[QueryOutcome]] = defaultdict(list)
    for d in details:
        groups[d.kind].append(d)
    by_kind = {k: {n: round(statistics.fmean(d.metrics[n] for d in v), 4) for n in names} for k, v in groups.items()}
    return overall, by_kind


def _json_lines(path: Path) -> Iterator[tuple[int, object]]:
    """Each non-blank line of a JSON-lines file, parsed, with its line number for error messages."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from exc
        yield n, item


def load_queries(path: Path) -> list[dict]:
    queries = []
    for n, item in _json_lines(path):
        if not isinstance(item, dict) or not item.get("query") or not item.get("gold"):
            raise ValueError(f"{path}:{n}: each line needs a 'query' and a non-empty 'gold' list")
        queries.append(item)
    if not queries:
        raise ValueError(f"{path}: no questions")
    return queries


def load_judgments(path: Path) -> dict[tuple[str, str], list[str]]:
    """``(question file stem, question id) -> strings judged to answer it`` from a judgments file."""
    judged: dict[tuple[str, str], list[str]] = {}
    for n, item in _json_lines(path):
        also = item.get("also") if isinstance(item, dict) else None
        if not isinstance(item, dict) or not item.get("set") or not item.get("id") or not isinstance(also, list):
            raise ValueError(f"{path}:{n}: each line needs a 'set', an 'id' and an 'also' list (may be empty)")
        if not all(isinstance(s, str) and s.strip() for s in also):
            raise ValueError(f"{path}:{n}: 'also' holds non-empty strings only")
        key = (str(item["set"]), str(item["id"]))
        if key in judged:
            raise ValueError(f"{path}:{n}: {key[0]} {key[1]} is judged twice")
        judged[key] = also
    return judged


def _judged_for(path: Path, queries: list[dict], judgments: dict[tuple[str, str], list[str]]) -> dict[str, list[str]]:
    """The judged strings of one question file's questions; a judgment naming no question is an error."""
    ids = {str(q.get("id")) for q in queries}
    mine = {qid: also for (stem, qid), also in judgments.items() if stem == path.stem}
    unknown = sorted(set(mine) - ids)
    if unknown:
        raise ValueError(f"judgments name questions {path.name} does not hold: {', '.join(unknown)}")
    return mine


@dataclass(frozen=True)
class Variant:
    """One configuration of ``--compare``: a search mode, with the configured reranker (``rerank``
    None, as a search runs), without it (False), or insisting on one (True)."""

    label: str
    mode: SearchMode
    rerank: bool | None = None


def compare_variants(service: VaksamService) -> list[Variant]:
    """dense, sparse and hybrid as the settings run them, and hybrid without the configured reranker
    when there is one (what the reranker adds is then its row against hybrid)."""
    reranker = service.reranker
    variants = [
        Variant("dense", SearchMode.DENSE),
        Variant("sparse", SearchMode.SPARSE),
        Variant("hybrid", SearchMode.HYBRID),
    ]
    if reranker is not None:
        variants.append(Variant(f"hybrid without {reranker.name}", SearchMode.HYBRID, False))
    return variants


@dataclass(frozen=True)
class _Searched:
    """One question searched: its id, text, kind, the ranked passage ids and the time taken."""

    id: str
    query: str
    kind: str
    ids: list[str]
    ms: float


def _search_questions(service: VaksamService, queries: list[dict], variant: Variant) -> list[_Searched]:
    out: list[_Searched] = []
    for item in queries:
        query = service.check_query(item["query"])
        started = time.perf_counter()
        ranked = service.searcher.ranked(query, K, mode=variant.mode, rerank=variant.rerank)
        ms = (time.perf_counter() - started) * 1000
        qid = str(item.get("id", len(out)))
        out.append(_Searched(qid, item["query"], item.get("kind") or "all", [h.passage.id for h in ranked], ms))
    return out


def _gold_report(
    name: str, queries: list[dict], searched: list[_Searched], texts: dict[str, str], judged: dict[str, list[str]]
) -> EvalReport:
    """hit@1, hit@5, MRR@10 and nDCG@10 of searched questions against their gold (and judged) strings."""
    details: list[QueryOutcome] = []
    for item, hit in zip(queries, searched, strict=True):
        relevant = relevant_passages(texts, [*item["gold"], *judged.get(str(item.get("id")), [])])
        rank = next((i + 1 for i, pid in enumerate(hit.ids) if pid in relevant), None)
        details.append(QueryOutcome(hit.id, hit.query, hit.kind, rank, score_ranking(hit.ids, relevant), hit.ms))
    overall, by_kind = _aggregate(details)
    return EvalReport(name, len(details), overall, by_kind, statistics.median(d.ms for d in details), details)


def _searched_file(
    service: VaksamService, queries: list[dict], mode: SearchMode | None, variant: Variant | None
) -> tuple[list[_Searched], dict[str, str], Variant]:
    """The questions searched in ``variant`` (default: ``mode`` or the configured one), and every passage's text."""
    service.check_index()
    texts = {p.id: p.text for doc in service.documents() for p in service.document_passages(doc.id)}
    variant = variant or Variant(
        (mode or service.settings.search_mode).value, SearchMode(mode or service.settings.search_mode)
    )
    return _search_questions(service, queries, variant), texts, variant


def evaluate_queries(
    service: VaksamService, path: Path, mode: SearchMode | None = None, variant: Variant | None = None
) -> EvalReport:
    """hit@1, hit@5, MRR@10 and nDCG@10 of the current index on a gold-string question file."""
    queries = load_queries(path)
    searched, texts, variant = _searched_file(service, queries, mode, variant)
    return _gold_report(f"{path.name} [{variant.label}]", queries, searched, texts, {})


def evaluate_judged(
    service: VaksamService,
    path: Path,
    judgments: dict[tuple[str, str], list[str]],
    mode: SearchMode | None = None,
    variant: Variant | None = None,
) -> tuple[EvalReport, EvalReport]:
    """The gold-string report of a question file and, from the same searches, the report that counts
    ``judgments``' strings as gold too (its name says ``judged``)."""
    queries = load_queries(path)
    judged = _judged_for(path, queries, judgments)
    searched, texts, variant = _searched_file(service, queries, mode, variant)
    gold = _gold_report(f"{path.name} [{variant.label}]", queries, searched, texts, {})
    return gold, _gold_report(f"{path.name} [{variant.label}, judged]", queries, searched, texts, judged)


def sign_flip_p(a: Sequence[float], b: Sequence[float], rounds: int = 20_000, seed: int = 0) -> float:
    """Two-sided p of a paired sign-flip randomisation test of mean(b - a), over per-question scores
    of two configurations (seeded, so a rerun gives the same p)."""
    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    if not diff.any():
        return 1.0
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=(rounds, len(diff)))
    return float((np.abs((signs * diff).mean(axis=1)) >= abs(diff.mean()) - 1e-12).mean())


def _throwaway_settings(settings: Settings, folder: Path, collection: str, **changes) -> ApiSettings:
    """``settings`` pointed at an embedded index in ``folder``, never at the user's server or index."""
    return ApiSettings(
        **{
            **settings.model_dump(),
            "qdrant_path": folder,
            "qdrant_url": None,
            "index_process": None,
            "collection": collection,
            **changes,
        }
    )


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _read_qrels(folder: Path) -> dict[str, dict[str, float]]:
    qrels_dir = folder / "qrels"
    files = [qrels_dir / "test.tsv"] if (qrels_dir / "test.tsv").exists() else sorted(qrels_dir.glob("*.tsv"))
    if not files:
        raise ValueError(f"{folder}: no qrels/*.tsv file")
    qrels: dict[str, dict[str, float]] = defaultdict(dict)
    with files[0].open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels[row["query-id"]][row["corpus-id"]] = float(row["score"])
    return qrels


def _beir_document(record: dict) -> ParsedDocument:
    text = record.get("text") or ""
    title = (record.get("title") or "").strip()
    paragraphs = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n")]
    blocks = [Block(p) for p in paragraphs if p]
    if title and (not blocks or blocks[0].text != title):
        blocks.insert(0, Block(title))
    return ParsedDocument(path=Path(record["_id"]), blocks=blocks, title=title or record["_id"])


def read_beir(folder: Path) -> tuple[list[dict], dict[str, str], dict[str, dict[str, float]]]:
    """A BEIR folder's corpus records, queries (id -> text) and qrels (query id -> {doc id: gain})."""
    for name in ("corpus.jsonl", "queries.jsonl"):
        if not (folder / name).exists():
            raise ValueError(f"{folder}: missing {name} (expected a BEIR folder)")
    corpus = _read_jsonl(folder / "corpus.jsonl")
    queries = {q["_id"]: q["text"] for q in _read_jsonl(folder / "queries.jsonl")}
    return corpus, queries, _read_qrels(folder)


@contextmanager
def beir_index(service: VaksamService, corpus: list[dict], progress: bool = True) -> Iterator[Searcher]:
    """A searcher over ``corpus`` indexed into a throwaway embedded collection, the way ingest
    would index it (cleaned, chunked, embedded, optimised), with the product's query expansion
    (typos per ``typo_tolerance``, the synonym file) over that collection's own words."""
    from tqdm import tqdm

    encoder = service.encoder
    settings = service.settings
    with tempfile.TemporaryDirectory(prefix="vaksam-beir-") as tmp:
        beir_settings = _throwaway_settings(settings, Path(tmp), "beir")
        store = QdrantStore.from_settings(beir_settings)
        try:
            store.ensure_collections(encoder.name, encoder.dimension)
            for record in tqdm(corpus, desc="Indexerar BEIR", unit="dok", disable=not progress or None, leave=False):
                parsed = _beir_document(record)
                report = clean_document(parsed) if settings.clean and parsed.blocks else None
                if not parsed.blocks:
                    continue
                text, chunks = chunk_document(
                    parsed, encoder.token_lengths, settings.passage_tokens, encoder.max_tokens
                )
                doc_id = str(record["_id"])
                passages = make_passages(doc_id, chunks, "sv", detect=False)
                doc = DocumentRecord(
                    id=doc_id,
                    title=parsed.title or doc_id,
                    source=doc_id,
                    language="sv",
                    content_hash="",
                    passages=len(passages),
                    characters=len(text),
                    running_heads=report.boilerplate.running_heads if report else [],
                )
                vectors = encode_passages(
                    doc.title, passages, encoder, service.sparse_encoder, settings, running_heads=doc.running_heads
                )
                store.replace_document(doc, passages, vectors)
            store.optimize()  # search the index as `vaksam ingest` leaves it (HNSW built)
            words = LiveWords(store, service.sparse_encoder.analyzer, program_names)
            expander = QueryExpander(words, service.synonyms, typos=settings.typo_tolerance)
            yield Searcher.from_settings(encoder, store, service.sparse_encoder, settings, service.reranker, expander)
        finally:
            store.close()


@contextmanager
def beir_files_index(service: VaksamService, corpus: list[dict]) -> Iterator[tuple[Searcher, dict[str, str]]]:
    """``corpus`` written as text files (a page's title, then its paragraphs) and indexed by the same
    ingest as any folder, so the parser finds the pages' headings and twin pages are recorded as
    duplicates, as they would be for a user. Yields the searcher and the map from Vaksam's document
    ids to the corpus's ids."""
    with tempfile.TemporaryDirectory(prefix="vaksam-beir-files-") as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        names: dict[str, str] = {}
        for n, record in enumerate(corpus):
            name = f"{n:06d}.txt"
            names[name] = str(record["_id"])
            title = (record.get("title") or "").strip()
            text = (record.get("text") or "").replace("\r\n", "\n")
            (folder / name).write_text(f"{title}\n\n{text}\n" if title else text, encoding="utf-8")
        settings = _throwaway_settings(
            service.settings, Path(tmp) / "index", "beirfiles", uploads_dir=Path(tmp) / "uploads", query_stats=False
        )
        files = VaksamService(settings, encoder=service.encoder)
        try:
            files.ingest([folder], progress=False)
            ids = {doc.id: names[Path(doc.source).name] for doc in files.documents() if Path(doc.source).name in names}
            yield files.searcher, ids
        finally:
            files.close()


def evaluate_beir(
    service: VaksamService,
    folder: Path,
    progress: bool = True,
    variants: list[Variant] | None = None,
    as_files: bool = False,
) -> list[EvalReport]:
    """nDCG@10, recall@10 and MRR@10 on a BEIR folder, indexed once into a throwaway embedded
    collection and searched in each of ``variants`` (default: the configured mode). ``as_files``
    indexes the pages as text files through ingest (:func:`beir_files_index`) instead."""
    corpus, queries, qrels = read_beir(folder)
    settings = service.settings
    variants = variants or [Variant(settings.search_mode.value, settings.search_mode)]
    if as_files:
        with beir_files_index(service, corpus) as (searcher, ids):
            name = f"{folder.name} as files"
            return [search_beir(searcher, v, queries, qrels, name, progress, ids) for v in variants]
    with beir_index(service, corpus, progress) as searcher:
        return [search_beir(searcher, v, queries, qrels, folder.name, progress) for v in variants]


def beir_ranking(scored: list, ids: dict[str, str] | None = None) -> list[str]:
    """The corpus ids a ranked list of passages stands for, best first: a text several pages hold
    is one hit naming them all (``also_in``, and the duplicates ingest recorded); ``ids`` maps
    Vaksam's document ids to the corpus's when they differ."""
    ranked: list[str] = []
    for item in scored:
        twins = item.document.duplicates if item.document is not None else []
        for doc_id in (item.passage.document_id, *item.passage.also_in, *twins):
            name = ids.get(doc_id, doc_id) if ids is not None else doc_id
            if name not in ranked:
                ranked.append(name)
    return ranked


def search_beir(
    searcher: Searcher,
    variant: Variant,
    queries: dict[str, str],
    qrels: dict,
    name: str,
    progress: bool,
    ids: dict[str, str] | None = None,
) -> EvalReport:
    from tqdm import tqdm

    details = []
    bar = tqdm(qrels.items(), desc=f"Söker ({variant.label})", unit="fråga", disable=not progress or None)
    for qid, relevant in bar:
        if qid not in queries:
            continue
        started = time.perf_counter()
        scored = searcher.ranked(queries[qid], 5 * K, mode=variant.mode, rerank=variant.rerank)
        ms = (time.perf_counter() - started) * 1000
        ranked = beir_ranking(scored, ids)
        metrics = score_ranking(ranked, relevant, BEIR_METRICS)
        rank = next((i + 1 for i, d in enumerate(ranked[:K]) if relevant.get(d, 0) > 0), None)
        details.append(QueryOutcome(qid, queries[qid], "all", rank, metrics, ms))
    if not details:
        raise ValueError(f"{name}: no query in qrels matches queries.jsonl")
    overall, _ = _aggregate(details)
    median = statistics.median(d.ms for d in details)
    return EvalReport(f"{name} [{variant.label}]", len(details), overall, {}, median, details)


def question_sets(reports: list[EvalReport]) -> list[list[int]]:
    """The positions of ``reports`` grouped by question set (the name before `` [mode]``), in order."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(reports):
        groups.setdefault(r.name.split(" [")[0], []).append(i)
    return list(groups.values())


def _label(report: EvalReport) -> str:
    return report.name.rsplit(" [", 1)[-1].rstrip("]")


def paired_p(report: EvalReport, reference: EvalReport, metric: str = "mrr@10") -> float | None:
    """The sign-flip p of ``report`` against ``reference`` on one metric, question by question; None when
    they did not judge the same questions."""
    if [d.id for d in report.details] != [d.id for d in reference.details] or not report.details:
        return None
    return sign_flip_p([d.metrics[metric] for d in reference.details], [d.metrics[metric] for d in report.details])


def against_hybrid(reports: list[EvalReport]) -> list[float | None]:
    """For each report of one question set, the paired sign-flip p of its MRR@10 against the hybrid report
    judged the same way (gold strings, or with judgments); None for hybrid itself or when there is none."""
    out: list[float | None] = []
    for r in reports:
        judged = _label(r).endswith(", judged")
        reference = next((h for h in reports if _label(h) == ("hybrid, judged" if judged else "hybrid")), None)
        out.append(paired_p(r, reference) if reference is not None and reference is not r else None)
    return out


def render_comparison(reports: list[EvalReport]) -> str:
    """One table: a row per report (mode), a column per metric, the paired sign-flip p of MRR@10 against
    the hybrid row judged the same way, per query kind below."""
    if not reports:
        return ""
    names = list(reports[0].metrics)
    width = max(len(r.name) for r in reports) + 2
    lines = [f"{'':{width}}" + "".join(f"{n:>10}" for n in names) + f"{'ms/query':>10}{'p, mrr':>10}"]
    for r, p in zip(reports, against_hybrid(reports), strict=True):
        lines.append(
            f"{r.name:{width}}"
            + "".join(f"{r.metrics[n]:>10.3f}" for n in names)
            + f"{r.median_ms:>10.1f}"
            + (f"{p:>10.3f}" if p is not None else f"{'':>10}")
        )
    kinds = sorted({k for r in reports for k in r.by_kind})
    if len(kinds) > 1:
        lines.append("")
        lines.append(
            f"{'by kind (' + names[2 if len(names) > 2 else 0] + ')':{width}}" + "".join(f"{k[:12]:>14}" for k in kinds)
        )
        metric = names[2 if len(names) > 2 else 0]
        for r in reports:
            lines.append(f"{r.name:{width}}" + "".join(f"{r.by_kind.get(k, {}).get(metric, 0):>14.3f}" for k in kinds))
    return "\n".join(lines)
