"""The reranking interface, its stage in the pipeline, and its settings."""

import pytest

from search.modes import SearchMode
from search.ranking import RankingQuery, Reranker, build_pipeline, load_reranker
from search.ranking.scored import ScoredPassage
from search.records import PassageRecord
from search.settings import Settings


def _item(text: str, score: float) -> ScoredPassage:
    passage = PassageRecord(id=text, document_id="d", index=0, text=text, start=0, end=1, language="sv")
    return ScoredPassage(score, passage, None, {})


class ByLength(Reranker):
    name = "by-length"

    def scores(self, query, items):
        return [float(len(i.passage.text)) for i in items]


def test_rerank_reorders_only_the_top_k():
    items = [_item("a", 0.9), _item("ccc", 0.8), _item("bb", 0.7), _item("dddd", 0.1)]
    ranked = ByLength().rerank("q", items, top_k=3)
    assert [i.passage.id for i in ranked] == ["ccc", "bb", "a", "dddd"]
    assert ranked[0].score == 3.0 and ranked[-1].score == 0.1


def test_a_configured_reranker_runs_after_dedupe_and_before_mmr():
    settings = Settings(rerank_depth=3, _env_file=None)
    pipeline = build_pipeline(settings, None, ByLength())
    assert pipeline.describe(SearchMode.DENSE) == ["fuse", "dedupe", "rerank", "mmr"]
    items = [_item("a", 0.9), _item("ccc", 0.8), _item("bb", 0.7), _item("a", 0.6)]
    items = [ScoredPassage(0, i.passage, None, {"dense": i.score}) for i in items]
    ranked = pipeline.run(items, RankingQuery("q", SearchMode.DENSE, 10))
    assert [i.passage.id for i in ranked] == ["ccc", "bb", "a"]  # the twin "a" went before reranking


def test_reranker_settings():
    assert load_reranker(Settings(_env_file=None)) is None
    with pytest.raises(ValueError, match="VAKSAM_RERANK_MODEL"):
        load_reranker(Settings(rerank="cross-encoder", _env_file=None))
    with pytest.raises(ValueError, match="'none', 'cross-encoder' or 'late-interaction'"):
        Settings(rerank="sentence-window", _env_file=None)


def test_compare_runs_the_three_modes_without_a_reranker(service, tmp_path):
    from api.evaluation import compare_variants, evaluate_queries, render_comparison

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Julmarknaden i Hallunda lockade cirka 500 besökare.", encoding="utf-8")
    service.ingest([corpus], progress=False)
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "q1", "query": "julmarknaden", "gold": ["500 besökare"], "kind": "factoid"}\n')
    variants = compare_variants(service)
    assert [v.label for v in variants] == ["dense", "sparse", "hybrid"]
    reports = [evaluate_queries(service, questions, variant=v) for v in variants]
    assert all(r.metrics["mrr@10"] == 1.0 for r in reports)
    table = render_comparison(reports).splitlines()
    assert table[0].endswith("p, mrr")
    # each mode is tested question by question against hybrid; the hybrid row has no p of its own
    assert table[1].endswith("1.000") and table[2].endswith("1.000") and not table[3].endswith("1.000")


def test_late_interaction_needs_the_encoder_and_lists_the_modes():
    with pytest.raises(ValueError, match="needs the embedding model"):
        load_reranker(Settings(rerank="late-interaction", _env_file=None))
    with pytest.raises(ValueError, match="'late-interaction'"):
        Settings(rerank="colbert", _env_file=None)


def test_late_interaction_lifts_the_passage_whose_words_answer_the_question(tiny_encoder):
    """A passage holding the question's own words gains over ones that do not; the
    gain is at most the weight over the fused score, and below the depth nothing moves."""
    from search.ranking.late_interaction import WEIGHT, LateInteractionReranker

    reranker = load_reranker(Settings(rerank="late-interaction", _env_file=None), tiny_encoder)
    assert isinstance(reranker, LateInteractionReranker)
    query = "trygghetsvandringar i alby"
    items = [
        _item("kommunen har infört mvp i skolan", 0.50),
        _item("trygghetsvandringar i alby och fittja", 0.45),
        _item("julmarknaden i hallunda", 0.10),
    ]
    sims = reranker.maxsim(query, [i.passage.text for i in items])
    assert sims[1] == max(sims)  # every question word is in that passage (in another context)
    ranked = reranker.rerank(query, items, top_k=2)
    assert [i.passage.id for i in ranked] == [items[1].passage.id, items[0].passage.id, items[2].passage.id]
    assert ranked[0].score == pytest.approx(0.45 + WEIGHT, abs=1e-6)
    assert ranked[1].score == pytest.approx(0.50, abs=1e-6)
    assert ranked[2].score == 0.10
