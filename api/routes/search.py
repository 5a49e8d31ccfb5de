"""Search routes: ``/search``, ``/suggest``, ``/similar/{id}`` and ``/facets``, all reads.

Handlers are plain ``def`` functions: FastAPI runs them in its thread pool, so embedding a query
(CPU work) never blocks the event loop and searches run side by side.
"""

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.dependencies import Filters, Service, Stats
from api.schemas import Facets, FacetValue, PassageId, SimilarResult, Suggestion, SuggestResult, errors
from api.service import MAX_OFFSET, MAX_SUGGEST_CHARS
from ingest.metadata import document_type_names, program_names
from search.modes import GroupBy, SearchMode, SortOrder
from search.records import SearchResult

# The parameter's own bound; the configured VAKSAM_MAX_QUERY_CHARS (at most this) is checked by the service.
MAX_QUERY_PARAM = 10_000
READ_ERRORS = (429,)  # and 401 where VAKSAM_READ_REQUIRES_KEY is set (added where the app mounts reads)

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResult, responses=errors(422, *READ_ERRORS))
def search(
    svc: Service,
    filters: Filters,
    stats: Stats,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_PARAM, pattern=r"\S", description="The question")],
    limit: Annotated[int, Query(ge=1, le=100, description="Number of hits")] = 10,
    mode: Annotated[
        SearchMode | None, Query(description="dense, sparse or hybrid (default: the server's setting)")
    ] = None,
    group_by: Annotated[
        GroupBy | None, Query(description="document: `limit` documents, each with its best passages")
    ] = None,
    group_size: Annotated[int, Query(ge=1, le=10, description="Passages per document when grouped")] = 3,
    diversity: Annotated[
        float | None, Query(ge=0, le=1, description="0-1: push passages that repeat better ones down (MMR)")
    ] = None,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Hits to skip (paging: the previous offset + limit)")
    ] = 0,
    sort: Annotated[
        SortOrder, Query(description="relevance, or date: the relevant hits, newest first")
    ] = SortOrder.RELEVANCE,
    recency: Annotated[
        float, Query(ge=0, le=1, description="0-1: lift newer documents within relevance order (0: off)")
    ] = 0.0,
) -> SearchResult:
    """Passages that answer the question, best first, never the same text twice. Each hit has
    its best sentence as ``snippet`` and ``highlights``: character spans of the query's words in
    it (``text_highlights`` for the whole passage), so pages mark them without HTML.

    The answer also says how sure it is (``confidence``, with a ``notice`` of what to try when
    it is low), offers the query with misspelled words corrected (``did_you_mean``) and lists
    what the lexical search looked for besides the query (``expansion``: tolerated typos,
    synonyms). ``group_by=organisation`` gives each organisation's documents on a time line."""
    result = svc.search(
        q,
        limit,
        filters=filters,
        mode=mode,
        group_by=group_by,
        group_size=group_size,
        diversity=diversity,
        offset=offset,
        sort=sort,
        recency=recency,
    )
    if stats is not None and offset == 0:  # a page further on is the same question
        stats.record(result.query, len(result.hits), result.confidence)
    return result


@router.get("/suggest", response_model=SuggestResult, responses=errors(422, *READ_ERRORS))
def suggest(
    svc: Service,
    q: Annotated[str, Query(min_length=1, max_length=MAX_SUGGEST_CHARS, description="What has been typed so far")],
    limit: Annotated[int, Query(ge=1, le=20, description="Number of suggestions")] = 8,
) -> SuggestResult:
    """Completions of what is being typed, for a search box's list: program names, document
    titles, headings and words of the index, matched on folded words ("vald" completes "Våld").
    Fewer than two letters give none."""
    started = time.perf_counter()
    found = svc.suggest(q, limit)
    suggestions = [Suggestion(text=c.text, kind=c.kind.value, weight=c.weight) for c in found]
    return SuggestResult(query=q, took_ms=round((time.perf_counter() - started) * 1000, 2), suggestions=suggestions)


@router.get("/similar/{passage_id}", response_model=SimilarResult, responses=errors(404, 422, *READ_ERRORS))
def similar(
    passage_id: PassageId,
    svc: Service,
    limit: Annotated[int, Query(ge=1, le=100, description="Number of passages")] = 10,
) -> SimilarResult:
    """Passages from other documents most like this one: precedents for what it describes."""
    found = svc.similar(passage_id, limit)
    passage = svc.passage(passage_id)
    if found is None or passage is None:
        raise HTTPException(404, f"no passage with id {passage_id!r}")
    hits = [svc.searcher.hit(item, []) for item in found]
    return SimilarResult(passage_id=passage_id, document_id=passage.document_id, total=len(hits), hits=hits)


@router.get("/facets", response_model=Facets, responses=errors(422, *READ_ERRORS))
def facets(
    svc: Service,
    filters: Filters,
    q: Annotated[str | None, Query(max_length=MAX_QUERY_PARAM, description="The question")] = None,
) -> Facets:
    """Documents per organisation, type, program, year and language, and passages per
    document: for a query's best passages, or for the whole index without ``q``."""
    counts = svc.facets(q, filters=filters)
    titles = {d.id: d.title for d in svc.documents()}
    labels = {"programs": program_names(), "document_type": document_type_names(), "document": titles}
    return Facets(
        query=q,
        facets={
            facet: [FacetValue(value=v, label=labels.get(facet, {}).get(v, v), count=n) for v, n in values.items()]
            for facet, values in counts.items()
        },
    )
