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
    assert load_reranker(Settings(rerank="none", _env_file=None)) is None
    with pytest.raises(ValueError, match="VAKSAM_RERANK_MODEL"):
        load_reranker(Settings(rerank="cross-encoder", _env_file=None))
    with pytest.raises(ValueError, match="'none', 'cross-encoder' or 'late-interaction'"):
        Settings(rerank="sentence-window", _env_file=None)


def test_compare_runs_the_three_modes_and_hybrid_without_the_reranker(service, tmp_path):
    from api.evaluation import compare_variants, evaluate_queries, render_comparison

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Julmarknaden i Hallunda lockade cirka 500 besökare.", encoding="utf-8")
    service.ingest([corpus], progress=False)
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "q1", "query": "julmarknaden", "gold": ["500 besökare"], "kind": "factoid"}\n')
    variants = compare_variants(service)
    assert [v.label for v in variants] == ["dense", "sparse", "hybrid", "hybrid without late-interaction"]
    assert [v.rerank for v in variants] == [None, None, None, False]  # None: as the settings run it
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


def test_question_language_reads_whole_questions():
    from search.language import UNKNOWN, question_language

    assert question_language("Which municipality trained its school staff in violence prevention?") == "en"
    assert question_language("Vilka kommuner har infört MVP i skolan?") == "sv"
    # typed without å/ä/ö it may read as Norwegian, but not as English
    assert question_language("Vilka kommuner har infort MVP i skolan?") in {"sv", "no", "da"}
    assert question_language("  2025 / 17 ") == UNKNOWN


def test_a_reranker_limited_to_languages_leaves_other_questions_in_fused_order():
    settings = Settings(rerank_depth=3, rerank_languages="en", _env_file=None)
    stage = build_pipeline(settings, None, ByLength()).stage("rerank")
    assert stage is not None and stage.languages == {"en"}
    assert "languages=['en']" in repr(stage)
    items = [_item("a", 0.9), _item("ccc", 0.8), _item("bb", 0.7)]
    english = stage.run(items, RankingQuery("Which municipality trained its staff?", SearchMode.DENSE, 10))
    swedish = stage.run(items, RankingQuery("Vilken kommun utbildade sin personal?", SearchMode.DENSE, 10))
    assert [i.passage.id for i in english] == ["ccc", "bb", "a"]
    assert swedish == items
    everyone = build_pipeline(Settings(rerank_depth=3, _env_file=None), None, ByLength()).stage("rerank")
    assert everyone is not None and everyone.reads("Vilken kommun utbildade sin personal?")


def test_rerank_languages_are_codes_from_a_list_or_a_comma_separated_string(monkeypatch):
    assert Settings(_env_file=None).rerank_languages is None  # the reranker's own
    assert Settings(rerank_languages="", _env_file=None).rerank_languages == []  # every question
    assert Settings(rerank_languages=" EN, de ,", _env_file=None).rerank_languages == ["en", "de"]
    assert Settings(rerank_languages=["zh-cn"], _env_file=None).rerank_languages == ["zh-cn"]
    monkeypatch.setenv("VAKSAM_RERANK_LANGUAGES", "en,sv")
    assert Settings(_env_file=None).rerank_languages == ["en", "sv"]
    with pytest.raises(ValueError, match="not language codes: english"):
        Settings(rerank_languages="english", _env_file=None)
    monkeypatch.setenv("VAKSAM_RERANK_LANGUAGES", "")
    assert Settings(_env_file=None).rerank_languages == []


def test_late_interaction_is_the_default_and_reads_english_questions_only(tiny_encoder):
    """Measured on held-out questions: English questions over Swedish text gain (benchmarks/README.md);
    Swedish questions keep the fused order and do not pay for the token vectors."""
    settings = Settings(_env_file=None)
    reranker = load_reranker(settings, tiny_encoder)
    assert reranker is not None and reranker.name == "late-interaction"
    stage = build_pipeline(settings, None, reranker).stage("rerank")
    assert stage is not None and stage.languages == {"en"}
    assert stage.reads("Which municipalities train school staff against violence?")
    assert not stage.reads("Vilka kommuner utbildar skolpersonal mot våld?")
    every = build_pipeline(Settings(rerank_languages="", _env_file=None), None, reranker).stage("rerank")
    assert every is not None and every.reads("Vilka kommuner utbildar skolpersonal mot våld?")


class _CountingEncoder:
    """The tiny encoder, counting the batches of passages it encodes for token vectors."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        self.passage_batches = 0

    def token_vectors(self, texts, *, passage=True, batch_size=None):
        self.passage_batches += passage
        return self.encoder.token_vectors(texts, passage=passage, batch_size=batch_size)


def test_late_interaction_reuses_the_scores_of_a_search_it_has_seen(tiny_encoder):
    """The next page of an English question's hits costs no second encoding of its candidates."""
    from search.ranking.late_interaction import LateInteractionReranker

    counting = _CountingEncoder(tiny_encoder)
    reranker = LateInteractionReranker(counting, cache_size=2)  # type: ignore[arg-type]
    texts = ["trygghetsvandringar i alby", "julmarknaden i hallunda"]
    first = reranker.maxsim("walks in alby", texts)
    assert reranker.maxsim("walks in alby", texts) == first and counting.passage_batches == 1
    reranker.maxsim("walks in alby", texts[::-1])  # another batch: int8 numbers may differ, so encoded again
    reranker.maxsim("markets", texts)
    assert counting.passage_batches == 3
    reranker.maxsim("walks in alby", texts)  # the oldest of three searches left the cache of two
    assert counting.passage_batches == 4


def test_facets_skip_a_reranker_that_only_reorders_what_they_count(service, tmp_path):
    """Facets count the best passages, not their order: a reranker that re-orders fewer of them
    cannot change the counts, so an English question does not pay for it twice on the search page."""
    from search.ranking.rerank import Rerank
    from search.searcher import FACET_DEPTH

    class Counting(ByLength):
        calls = 0

        def scores(self, query, items):
            Counting.calls += 1
            return super().scores(query, items)

    corpus = tmp_path / "c"
    corpus.mkdir()
    for name, text in [
        ("alby.txt", "Trygghetsvandringar i Alby är en del av våldsprevention i Botkyrka."),
        ("mvp.txt", "MVP i skolan är våldsprevention som hela skolan arbetar med."),
        ("hallunda.txt", "Julmarknaden i Hallunda lockade cirka 500 besökare."),
    ]:
        (corpus / name).write_text(text, encoding="utf-8")
    service.ingest([corpus], progress=False)
    searcher = service.searcher
    plain = searcher.facets("våldsprevention")
    searcher.pipeline = searcher.pipeline.replacing(Rerank(Counting(), depth=FACET_DEPTH, languages=()))
    assert searcher.facets("våldsprevention") == plain and Counting.calls == 0
    searcher.search("våldsprevention")
    assert Counting.calls == 1
    searcher.pipeline = searcher.pipeline.replacing(Rerank(Counting(), depth=FACET_DEPTH + 1, languages=()))
    searcher.facets("våldsprevention")  # it could move a passage into the first FACET_DEPTH: it runs
    assert Counting.calls == 2
