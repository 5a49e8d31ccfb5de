"""The reranking interface and its offline implementation."""

import pytest

from search.records import PassageRecord
from search.rerank import load_reranker
from search.rerank.base import Reranker
from search.rerank.sentence_window import SentenceWindowReranker, sentence_windows
from search.settings import Settings
from search.store import ScoredPassage


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


def test_sentence_windows_overlap():
    text = "Ett. Två. Tre."
    assert sentence_windows(text, 2) == ["Ett. Två.", "Två. Tre."]
    assert sentence_windows("Bara en mening.", 2) == ["Bara en mening."]


def test_sentence_window_reranker_prefers_the_window_that_answers(tiny_encoder):
    items = [_item("Julmarknaden lockade 500 besökare. Det var kallt.", 0.5), _item("Något annat helt.", 0.6)]
    scores = SentenceWindowReranker(tiny_encoder, weight=1.0).scores("Julmarknaden lockade 500 besökare.", items)
    assert scores[0] > scores[1]


def test_reranker_settings(tiny_encoder):
    assert load_reranker(Settings(_env_file=None), tiny_encoder) is None
    assert isinstance(load_reranker(Settings(rerank="sentence-window", _env_file=None), tiny_encoder), Reranker)
    with pytest.raises(ValueError, match="VAKSAM_RERANK_MODEL"):
        load_reranker(Settings(rerank="cross-encoder", _env_file=None), tiny_encoder)
    with pytest.raises(ValueError, match="'none', 'cross-encoder' or 'sentence-window'"):
        Settings(rerank="bm25", _env_file=None)


def test_compare_runs_four_variants(service, tmp_path):
    from api.evaluation import compare_variants, evaluate_queries

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Julmarknaden i Hallunda lockade cirka 500 besökare.", encoding="utf-8")
    service.ingest([corpus], progress=False)
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "q1", "query": "julmarknaden", "gold": ["500 besökare"], "kind": "factoid"}\n')
    variants = compare_variants(service)
    assert [v.label for v in variants] == ["dense", "sparse", "hybrid", "hybrid+sentence-window"]
    reports = [evaluate_queries(service, questions, variant=v) for v in variants]
    assert all(r.metrics["mrr@10"] == 1.0 for r in reports)
    assert [v.label for v in compare_variants(service, offline_rerank=False)] == ["dense", "sparse", "hybrid"]
