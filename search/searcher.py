"""Query answering: embed and analyse the question, gather candidates, fuse, shape the hits.

Dense (e5 passage and best-sentence vectors) and lexical (Swedish BM25) retrieval each
propose ``settings.candidates`` passages; every candidate is scored on every signal and
the ranking pipeline (:mod:`search.ranking`: fusion, proximity, dedupe, rerank, MMR) orders
them. Each hit carries its best sentence as
``snippet`` and the character spans of the query's words in it (``highlights``) and in
the passage (``text_highlights``), so clients mark them without any HTML in the payload.

Usage::

    searcher = Searcher.from_settings(encoder, store, sparse_encoder, settings)
    result = searcher.search("Vilka kommuner har infört MVP i skolan?", limit=5)
    counts = searcher.facets("MVP i skolan")
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

from search.answer_types import AnswerType, holds_answer, question_type
from search.confidence import Confidence, assess
from search.embedding.encoder import Encoder
from search.filters import FACET_FIELDS, SearchFilters
from search.grouping import group_by_document, group_by_organisation
from search.lexical.sparse import SparseEncoder
from search.modes import Fusion, GroupBy, SearchMode, SortOrder
from search.notices import build_notice
from search.ranking import DENSE, LEXICAL, SENTENCES, RankingPipeline, RankingQuery, ScoredPassage, build_pipeline
from search.ranking.dedupe import Deduplicate
from search.ranking.fusion import Fuse
from search.ranking.rerank import Rerank
from search.recency import by_date, recency_prior
from search.records import (
    DocumentRef,
    Hit,
    QueryExpansionInfo,
    SearchResult,
    SpellingSuggestion,
    SynonymUse,
)
from search.settings import Settings
from search.store import QdrantStore
from search.suggestions.expansion import QueryExpander, QueryExpansion
from search.text import best_sentence, fold, has_words

OVERFETCH = 2
FACET_DEPTH = 100


class Searcher:
    """Hybrid retrieval with the model's query prompt, filters, fusion and deduplicated hits."""

    def __init__(
        self,
        encoder: Encoder,
        store: QdrantStore,
        sparse_encoder: SparseEncoder | None = None,
        *,
        pipeline: RankingPipeline,
        mode: SearchMode,
        candidates: int,
        expander: QueryExpander | None = None,
    ) -> None:
        """Everything that tunes ranking comes in explicitly; :meth:`from_settings` reads it from ``Settings``."""
        self.encoder = encoder
        self.store = store
        self.sparse_encoder = sparse_encoder
        self.pipeline = pipeline
        self.mode = SearchMode(mode) if sparse_encoder is not None else SearchMode.DENSE
        self.candidates = candidates
        self.expander = expander

    @classmethod
    def from_settings(
        cls,
        encoder: Encoder,
        store: QdrantStore,
        sparse_encoder: SparseEncoder | None,
        settings: Settings,
        reranker=None,
        expander: QueryExpander | None = None,
    ) -> Searcher:
        """A searcher as the ``VAKSAM_`` settings describe it (mode, candidates, the ranking pipeline)."""
        analyzer = sparse_encoder.analyzer if sparse_encoder is not None else None
        return cls(
            encoder,
            store,
            sparse_encoder,
            pipeline=build_pipeline(settings, analyzer, reranker),
            mode=settings.search_mode,
            candidates=settings.candidates,
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
        rerank: bool | None = None,
        expansion: QueryExpansion | None = None,
    ) -> list[ScoredPassage]:
        """The best passages for ``query``, fused and deduplicated, without shaping them into hits.

        ``diversity`` (0-1) re-orders them by maximal marginal relevance: 0 keeps relevance
        order, higher values push passages that say what a better one said further down.
        ``expansion`` (default: the expander's for the query) widens the lexical query only;
        ``rerank=False`` leaves out a configured reranker, ``True`` insists on one.
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
        sparse = None
        stems: list[str] = []
        if mode is not SearchMode.DENSE:
            assert self.sparse_encoder is not None  # checked above
            sparse = self.sparse_encoder.encode_query(expansion.lexical_query(query))
            stems = self.sparse_encoder.analyzer.stems(expansion.corrected(query))
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
        pipeline = self.pipeline
        if rerank is False:
            pipeline = pipeline.without("rerank")
        elif rerank and pipeline.stage("rerank") is None:
            raise ValueError("no reranker is configured (VAKSAM_RERANK)")
        question = RankingQuery(query, mode, limit, stems, fusion, diversity)
        return pipeline.run(found, question)[:limit]

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
        fuse = self.pipeline.stage("fuse") or Fuse()
        question = RankingQuery(passage.text, SearchMode.HYBRID, limit)
        return RankingPipeline([fuse, Deduplicate()]).run(found, question)[:limit]

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
            stage = self.pipeline.stage("rerank")
            reorders_only = isinstance(stage, Rerank) and stage.keeps_first(FACET_DEPTH)
            for item in self.ranked(query, FACET_DEPTH, filters=filters, rerank=False if reorders_only else None):
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
