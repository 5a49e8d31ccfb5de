"""Query answering: embed and analyse the question, gather candidates, fuse, shape the hits.

Dense (e5 passage and best-sentence vectors) and lexical (Swedish BM25) retrieval each
propose ``settings.candidates`` passages; every candidate is scored on every signal and
fused (:mod:`search.fusion`). Hits whose text another, better hit already shows (the
same sentence in two renderings, a passage inside a longer one) are dropped, so a
result list never shows the same text twice. Each hit carries its best sentence as
``snippet`` and the character spans of the query's words in it (``highlights``) and in
the passage (``text_highlights``), so clients mark them without any HTML in the payload.

Usage::

    searcher = Searcher(encoder, store, sparse_encoder)
    result = searcher.search("Vilka kommuner har infört MVP i skolan?", limit=5)
    counts = searcher.facets("MVP i skolan")
"""

from __future__ import annotations

import re
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import replace
from functools import lru_cache

import numpy as np

from search.answer_types import ALL_RULES, AnswerRules, AnswerType, answer_prior, holds_answer, question_type
from search.confidence import Confidence, assess
from search.embedding.encoder import Encoder
from search.filters import FACET_FIELDS, SearchFilters
from search.fusion import fuse
from search.grouping import group_by_document, group_by_organisation
from search.lexical.sparse import SparseEncoder
from search.modes import Fusion, GroupBy, SearchMode, SortOrder
from search.notices import build_notice
from search.proximity import proximity_prior
from search.recency import by_date, recency_prior
from search.records import (
    DocumentRef,
    Hit,
    QueryExpansionInfo,
    SearchResult,
    SpellingSuggestion,
    SynonymUse,
)
from search.rerank.base import Reranker
from search.settings import Settings
from search.store import DENSE, LEXICAL, SENTENCES, QdrantStore, ScoredPassage
from search.suggestions.expansion import QueryExpander, QueryExpansion
from search.text import best_sentence, fold, has_words

OVERFETCH = 2
# The settings' own defaults, so a Searcher built by hand ranks as a configured one does (it once
# proposed 100 candidates where the settings said 50).
_DEFAULTS = {name: field.default for name, field in Settings.model_fields.items()}
FACET_DEPTH = 100
_TOKEN = re.compile(r"[a-z0-9]+")
_SEPARATOR = "|"  # never in a compact text (only a-z and 0-9)


@lru_cache(maxsize=20_000)  # the same candidates come back query after query
def _compact(text: str) -> str:
    return "".join(_TOKEN.findall(fold(text)))


def mmr(items: list[ScoredPassage], diversity: float, limit: int) -> list[ScoredPassage]:
    """Maximal marginal relevance over the items' dense vectors: each pick maximises
    ``(1 - diversity)·relevance - diversity·(highest similarity to a passage already picked)``,
    relevance being the fused score scaled to 0-1. Items without a vector keep their place."""
    if not items or not 0 < diversity <= 1 or any(i.vector is None for i in items):
        return items
    top = max(i.score for i in items)
    low = min(i.score for i in items)
    span = (top - low) or 1.0
    relevance = [(i.score - low) / span for i in items]
    vectors = np.stack([i.vector for i in items])
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    similarity = vectors @ vectors.T
    picked: list[int] = []
    left = list(range(len(items)))
    while left and len(picked) < limit:

        def value(i: int) -> float:
            redundancy = max((similarity[i, j] for j in picked), default=0.0)
            return (1 - diversity) * relevance[i] - diversity * redundancy

        best = max(left, key=value)
        picked.append(best)
        left.remove(best)
    return [items[i] for i in picked] + [items[i] for i in left]


def deduplicate(items: list[ScoredPassage]) -> list[ScoredPassage]:
    """Drop hits whose text equals or lies inside a better hit's text (after folding).

    The documents of the dropped hits join the kept hit's ``also_in``, so a text that several
    documents hold shows once and still names them all. On SweQuAD-MC, where a quarter of
    the passages repeat in other pages, dropping without naming cost .026 nDCG@10 (BM25 .860
    -> .834): the page the question was about was hidden behind its twin.
    """
    kept: list[ScoredPassage] = []
    # The kept texts joined by a separator no compact text holds, so one search of the joined text
    # finds the first kept text holding a new one (a match cannot span two of them): one scan per
    # candidate instead of one per kept text (1.3 -> 0.7 ms for a 10k-passage query's ~100).
    joined = ""
    starts: list[int] = []
    for item in items:
        compact = _compact(item.passage.text)
        at = joined.find(compact) if starts else -1
        if at < 0:
            kept.append(item)
            starts.append(len(joined))
            joined += compact + _SEPARATOR
            continue
        owner = bisect_right(starts, at) - 1
        first = kept[owner]
        others = {item.passage.document_id, *item.passage.also_in} - {first.passage.document_id}
        if others - set(first.passage.also_in):
            also_in = sorted({*first.passage.also_in, *others})
            kept[owner] = replace(first, passage=first.passage.model_copy(update={"also_in": also_in}))
    return kept


class Searcher:
    """Hybrid retrieval with the model's query prompt, filters, fusion and deduplicated hits."""

    def __init__(
        self,
        encoder: Encoder,
        store: QdrantStore,
        sparse_encoder: SparseEncoder | None = None,
        *,
        mode: SearchMode = _DEFAULTS["search_mode"],
        fusion: Fusion = _DEFAULTS["fusion"],
        dense_weight: float = _DEFAULTS["dense_weight"],
        answer_weight: float = _DEFAULTS["answer_weight"],
        proximity_weight: float = _DEFAULTS["proximity_weight"],
        candidates: int = _DEFAULTS["candidates"],
        reranker: Reranker | None = None,
        rerank_depth: int = _DEFAULTS["rerank_depth"],
        expander: QueryExpander | None = None,
        answer_rules: AnswerRules = ALL_RULES,
    ) -> None:
        self.expander = expander
        self.answer_rules = answer_rules
        self.reranker = reranker
        self.rerank_depth = rerank_depth
        self.encoder = encoder
        self.store = store
        self.sparse_encoder = sparse_encoder
        self.mode = SearchMode(mode) if sparse_encoder is not None else SearchMode.DENSE
        self.fusion = Fusion(fusion)
        self.dense_weight = dense_weight
        self.answer_weight = answer_weight
        self.proximity_weight = proximity_weight
        self.candidates = candidates

    @classmethod
    def from_settings(
        cls,
        encoder: Encoder,
        store: QdrantStore,
        sparse_encoder: SparseEncoder | None,
        settings: Settings,
        reranker: Reranker | None = None,
        expander: QueryExpander | None = None,
    ) -> Searcher:
        """A searcher tuned by the ``VAKSAM_`` settings (mode, fusion, weights, candidates, rerank depth)."""
        return cls(
            encoder,
            store,
            sparse_encoder,
            mode=settings.search_mode,
            fusion=settings.fusion,
            dense_weight=settings.dense_weight,
            answer_weight=settings.answer_weight,
            answer_rules=AnswerRules.named(settings.answer_rules),
            proximity_weight=settings.proximity_weight,
            candidates=settings.candidates,
            reranker=reranker,
            rerank_depth=settings.rerank_depth,
            expander=expander,
        )

    def ranked(
        self,
        query: str,
        limit: int = 10,
        *,
        filters: SearchFilters | None = None,
        mode: SearchMode | None = None,
        fusion: Fusion | None = None,
        depth: int | None = None,
        diversity: float | None = None,
        rerank: bool | Reranker | None = None,
        expansion: QueryExpansion | None = None,
    ) -> list[ScoredPassage]:
        """The best passages for ``query``, fused and deduplicated, without shaping them into hits.

        ``diversity`` (0-1) re-orders them by maximal marginal relevance: 0 keeps relevance
        order, higher values push passages that say what a better one said further down.
        ``expansion`` (default: the expander's for the query) widens the lexical query only.
        """
        mode = SearchMode(mode or self.mode)
        if mode is not SearchMode.DENSE and self.sparse_encoder is None:
            raise ValueError(f"search mode {mode.value!r} needs the lexical index; use 'dense'")
        if not has_words(query):
            # "???", "😀", "---": the model would still place it somewhere and return whatever lies
            # nearest (on the bundled corpus a bare date and an attachment list); nothing matches.
            return []
        if expansion is None:
            expansion = self.expand(query) if mode is not SearchMode.DENSE else QueryExpansion()
        vector = self.encoder.encode_query(query) if mode is not SearchMode.SPARSE else None
        lexical = expansion.lexical_query(query)
        sparse = self.sparse_encoder.encode_query(lexical) if mode is not SearchMode.DENSE else None
        if mode is SearchMode.SPARSE and not len(sparse):
            return []  # only stop words: nothing lexical to look for
        signals = {
            SearchMode.DENSE: (DENSE, SENTENCES),
            SearchMode.SPARSE: (LEXICAL,),
            SearchMode.HYBRID: (DENSE, SENTENCES, LEXICAL),
        }[mode]
        pool = max(depth or self.candidates, limit * OVERFETCH)
        found = self.store.candidates(
            vector, sparse, limit=pool, filters=filters, signals=signals, with_vectors=bool(diversity)
        )
        fused = fuse(found, mode, fusion or self.fusion, self.dense_weight)
        if mode is not SearchMode.DENSE:  # a lexical signal: dense mode stays the model's own ranking
            analyzer = self.sparse_encoder.analyzer
            stems = analyzer.stems(expansion.corrected(query))
            fused = proximity_prior(fused, stems, analyzer, self.proximity_weight)
        ranked = deduplicate(answer_prior(fused, query, self.answer_weight, self.answer_rules))
        reranker = self.reranker if rerank is None or rerank is True else rerank or None
        if rerank is True and reranker is None:
            raise ValueError("no reranker is configured (VAKSAM_RERANK)")
        if reranker is not None:
            ranked = reranker.rerank(query, ranked, self.rerank_depth)
        if diversity:
            ranked = mmr(ranked, diversity, limit)
        return ranked[:limit]

    def similar(self, passage_id: str, limit: int = 10) -> list[ScoredPassage] | None:
        """Passages of other documents most like this one (precedents), by both dense and
        lexical similarity; None when the passage does not exist."""
        stored = self.store.passage_with_vectors(passage_id)
        if stored is None:
            return None
        passage, dense, sparse = stored
        found = self.store.candidates(
            dense, sparse, limit=max(self.candidates, limit * OVERFETCH), exclude_document=passage.document_id
        )
        return deduplicate(fuse(found, SearchMode.HYBRID, self.fusion, self.dense_weight))[:limit]

    def expand(self, query: str) -> QueryExpansion:
        """Tolerated typos and synonyms for the lexical query (none without an expander)."""
        return self.expander.expand(query) if self.expander is not None else QueryExpansion()

    def search(
        self,
        query: str,
        limit: int = 10,
        *,
        filters: SearchFilters | None = None,
        mode: SearchMode | None = None,
        fusion: Fusion | None = None,
        group_by: GroupBy | None = None,
        group_size: int = 3,
        diversity: float | None = None,
        offset: int = 0,
        sort: SortOrder = SortOrder.RELEVANCE,
        recency: float = 0.0,
    ) -> SearchResult:
        """Hits for ``query``, ``offset`` hits on. With ``group_by`` ``limit`` counts documents
        (``document``) or organisations (``organisation``), each with its best ``group_size``
        passages a document. ``sort=date`` orders the relevant hits newest first; ``recency``
        (0-1) lifts newer documents within relevance order (:mod:`search.recency`)."""
        started = time.perf_counter()
        mode = SearchMode(mode or self.mode)
        sort = SortOrder(sort)
        expansion = self.expand(query) if mode is not SearchMode.DENSE else QueryExpansion()
        terms = self._query_terms(query, expansion)
        # the snippet leans to a sentence holding the asked-for answer whether or not the prior ranks by it:
        # it chooses what a hit shows, not which hits come first
        kind = question_type(query)
        grouped = group_by is not None
        wanted = max(self.candidates, limit * group_size * OVERFETCH) if grouped else offset + limit + 1
        if sort is SortOrder.DATE or recency:
            wanted = max(wanted, self.candidates)
        scored = self.ranked(
            query,
            wanted,
            filters=filters,
            mode=mode,
            fusion=fusion,
            depth=wanted if grouped else None,
            diversity=None if grouped else diversity,
            expansion=expansion,
        )
        if recency:
            scored = recency_prior(scored, recency)
        if sort is SortOrder.DATE:
            scored = by_date(scored)
        confidence, _, _ = self.confidence(scored, query)
        hit = lambda item: self.hit(item, terms, kind)  # noqa: E731
        groups = organisations = None
        has_more = False
        if group_by is GroupBy.DOCUMENT:
            groups = group_by_document(scored, limit, group_size, hit)
            hits = [h for g in groups for h in g.hits]
        elif group_by is GroupBy.ORGANISATION:
            organisations = group_by_organisation(scored, limit, group_size, hit)
            hits = [h for g in organisations for d in g.documents for h in d.hits]
        else:
            page = scored[offset : offset + limit]
            has_more = len(scored) > offset + limit
            hits = [hit(item) for item in page]
        did_you_mean = self.did_you_mean(query)
        notice = build_notice(confidence, query, filters, did_you_mean, self._is_content_word)
        took_ms = (time.perf_counter() - started) * 1000
        return SearchResult(
            query=query,
            took_ms=round(took_ms, 2),
            total=len(hits),
            offset=0 if grouped else offset,
            has_more=has_more,
            sort=sort.value,
            hits=hits,
            groups=groups,
            organisations=organisations,
            confidence=confidence.value,
            notice=notice,
            did_you_mean=did_you_mean,
            expansion=_expansion_info(expansion),
        )

    def did_you_mean(self, query: str) -> SpellingSuggestion | None:
        correction = self.expander.did_you_mean(query) if self.expander is not None else None
        return SpellingSuggestion(text=correction.text, words=correction.words) if correction else None

    def confidence(self, scored: list[ScoredPassage], query: str) -> tuple[Confidence, float | None, float | None]:
        """How sure a ranked list is of answering ``query``, with the best cosine and word share
        it was judged on (:mod:`search.confidence`)."""
        analyzer = self.sparse_encoder.analyzer if self.sparse_encoder is not None else None
        return assess(scored, analyzer.terms(query) if analyzer else [], analyzer)

    def _is_content_word(self, word: str) -> bool:
        if self.sparse_encoder is None or not self.sparse_encoder.analyzer.terms(word):
            return False
        words = self.expander.words if self.expander is not None else None
        return words is not None and fold(word.lower()) in words.current().vocabulary

    def _query_terms(self, query: str, expansion: QueryExpansion | None = None) -> list[str]:
        """The terms to highlight: the query's, and those the expansion added."""
        if self.sparse_encoder is None:
            return []
        return self.sparse_encoder.analyzer.terms(expansion.lexical_query(query) if expansion else query)

    def facets(self, query: str | None, filters: SearchFilters | None = None) -> dict[str, dict[str, int]]:
        """Documents per facet value: among the best ``FACET_DEPTH`` passages for a query, or over
        the whole index without one. Counts are documents, so "MVP (12)" means twelve documents;
        the ``document`` facet counts each document's passages among them instead."""
        documents: dict[str, dict] = {}
        passages: Counter[str] = Counter()  # the document facet counts passages, not documents
        if query:
            for item in self.ranked(query, FACET_DEPTH, filters=filters):
                p = item.passage
                passages[p.document_id] += 1
                documents.setdefault(
                    p.document_id,
                    {
                        "organisation": p.organisation,
                        "document_type": p.document_type,
                        "programs": p.programs,
                        "year": p.year,
                        "language": item.document.language if item.document else p.language,
                    },
                )
        else:
            for d in self.store.list_documents():
                if d.status == "indexed":
                    documents[d.id] = {f: getattr(d, f) for f in FACET_FIELDS}
                    passages[d.id] = d.passages + d.shared_passages
        counts: dict[str, Counter] = defaultdict(Counter)
        for values in documents.values():
            for facet in FACET_FIELDS:
                value = values.get(facet)
                for v in value if isinstance(value, list) else [value]:
                    if v not in (None, ""):
                        counts[facet][str(v)] += 1
        out = {facet: dict(counts[facet].most_common()) for facet in FACET_FIELDS}
        out["document"] = dict(passages.most_common())
        return out

    def hit(self, item: ScoredPassage, terms: list[str], answer: AnswerType | None = None) -> Hit:
        """A scored passage as the API shows it, with snippet and highlights for ``terms``; the
        snippet leans to a sentence holding the ``answer`` kind the question asks for."""
        p, d = item.passage, item.document
        ref = DocumentRef(
            id=p.document_id,
            title=d.title if d else p.document_id,
            source=d.source if d else "",
            language=d.language if d else p.language,
            source_url=d.source_url if d else None,
            organisation=d.organisation if d else None,
            document_type=d.document_type if d else None,
            date=d.date if d else None,
            year=d.year if d else p.year,
            diarienummer=list(d.diarienummer) if d else [],
        )
        analyzer = self.sparse_encoder.analyzer if self.sparse_encoder is not None else None
        answers = (lambda sentence: holds_answer(sentence, answer)) if answer is not None else None
        snippet = best_sentence(p.text, terms, analyzer, answers=answers, headings=p.section)
        return Hit(
            id=p.id,
            score=round(item.score, 6),
            text=p.text,
            snippet=snippet,
            highlights=[list(s) for s in analyzer.highlights(snippet, terms)] if analyzer else [],
            text_highlights=[list(s) for s in analyzer.highlights(p.text, terms)] if analyzer else [],
            page=p.page,
            section=p.section,
            start=p.start,
            end=p.end,
            language=p.language,
            # where else this text appears: documents sharing the passage, and near-duplicate copies
            also_in=sorted({*p.also_in, *(d.duplicates if d else [])}),
            programs=p.programs,
            signals={k: round(v, 6) for k, v in item.signals.items()},
            document=ref,
        )


def _expansion_info(expansion: QueryExpansion) -> QueryExpansionInfo | None:
    if not expansion:
        return None
    synonyms = [SynonymUse(matched=s.matched, added=s.added) for s in expansion.synonyms]
    return QueryExpansionInfo(corrections=expansion.corrections, synonyms=synonyms)
