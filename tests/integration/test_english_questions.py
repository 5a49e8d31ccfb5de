"""English questions over Swedish text: ``eval/swequad_mc_english.jsonl``, 40 of SweQuAD-MC's test
questions translated by hand before any search (eval/README.md), over SweQuAD-MC's pages and judged
by its own relevance judgements.

The floor sits a little under what was measured; the second and third tests fail if the lexical
coverage (search/ranking/fusion.py) or the late-interaction reranker (the default for English
questions) stops paying for itself on the questions it is there for."""

from __future__ import annotations

import json

import pytest

from search.modes import SearchMode
from tests.conftest import ROOT, SHARED

SWEQUAD = SHARED / "eval" / "swequad_mc"
ENGLISH = ROOT / "eval" / "swequad_mc_english.jsonl"


@pytest.fixture(scope="module")
def english_questions(e5_encoder, tmp_path_factory):
    """The searcher over SweQuAD-MC's pages, the English questions by id and their judgements."""
    from api.evaluation import beir_index, read_beir
    from api.service import VaksamService
    from search.settings import Settings

    service = VaksamService(
        Settings(qdrant_path=tmp_path_factory.mktemp("swequad"), _env_file=None), encoder=e5_encoder
    )
    corpus, _, qrels = read_beir(SWEQUAD)
    lines = ENGLISH.read_text(encoding="utf-8").splitlines()
    english = {q["_id"]: q["text"] for q in map(json.loads, lines)}
    try:
        with beir_index(service, corpus, progress=False) as searcher:
            yield searcher, english, {q: qrels[q] for q in english}
    finally:
        service.close()


def _report(searcher, english, qrels, *, rerank: bool | None = False):
    """The report without the reranker (``rerank=False``), or as configured (None)."""
    from api.evaluation import Variant, search_beir

    variant = Variant("hybrid" if rerank is None else "no reranker", SearchMode.HYBRID, rerank)
    return search_beir(searcher, variant, english, qrels, "english", progress=False)


def _mrr(searcher, english, qrels, *, rerank: bool | None = False) -> float:
    return _report(searcher, english, qrels, rerank=rerank).metrics["mrr@10"]


def test_english_questions_keep_their_floor(english_questions):
    from tests.integration.floors import check_floor

    # Measured hybrid MRR@10 with the default reranker and without it (December 8, the int8 export of
    # issue 39); check_floor holds each to two questions under it.
    for rerank, measured in ((None, 0.581), (False, 0.547)):
        report = _report(*english_questions, rerank=rerank)
        print(report.render())
        check_floor(report, "mrr@10", measured, english_questions[0].encoder)


def test_lexical_coverage_keeps_english_questions_from_bm25s_stray_hits(english_questions):
    from search.ranking.fusion import Fuse

    searcher = english_questions[0]
    production = searcher.pipeline
    fuse = production.stage("fuse")
    assert isinstance(fuse, Fuse) and fuse.analyzer is not None, "lexical coverage is on by default"
    scaled = _mrr(*english_questions)
    searcher.pipeline = production.replacing(Fuse(fuse.fusion, fuse.dense_weight))
    try:
        full_weight = _mrr(*english_questions)
    finally:
        searcher.pipeline = production
    # Measured .517 against .385 at full lexical weight (p < .01 over the 40 questions).
    assert scaled - full_weight >= 0.08, (scaled, full_weight)


def test_late_interaction_pays_for_itself_on_english_questions(english_questions):
    """The default reranker (``VAKSAM_RERANK=late-interaction``, English questions) is there for
    questions the lexical side cannot read; it must keep its measured gain on them."""
    from search.ranking.late_interaction import LateInteractionReranker
    from search.ranking.rerank import Rerank

    searcher = english_questions[0]
    production = searcher.pipeline
    plain = _mrr(*english_questions)
    searcher.pipeline = production.replacing(Rerank(LateInteractionReranker(searcher.encoder), depth=20))
    try:
        reranked = _mrr(*english_questions, rerank=True)
    finally:
        searcher.pipeline = production
    # Measured .574 against .517 (p .01 over the 40 questions, benchmarks/late_interaction.py).
    assert reranked - plain >= 0.03, (reranked, plain)
