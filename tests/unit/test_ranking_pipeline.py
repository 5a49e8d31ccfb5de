"""The ranking package: one stage interface, a pipeline built from the settings in one place, and
the modes each stage runs in."""

import numpy as np
import pytest

from search.lexical.analyzer import SwedishAnalyzer
from search.modes import Fusion, SearchMode
from search.ranking import RankingPipeline, RankingQuery, RankingStage, build_pipeline
from search.ranking.dedupe import Deduplicate
from search.ranking.fusion import Fuse, fuse, lexical_coverage
from search.ranking.scored import DENSE, LEXICAL, SENTENCES, ScoredPassage
from search.records import PassageRecord
from search.settings import Settings

ANALYZER = SwedishAnalyzer(None)


def _item(pid: str, text: str, dense: float, lexical: float | None, vector=None) -> ScoredPassage:
    passage = PassageRecord(id=pid, document_id=f"doc-{pid}", index=0, text=text, start=0, end=1, language="sv")
    signals = {DENSE: dense, SENTENCES: dense}
    if lexical is not None:
        signals[LEXICAL] = lexical
    return ScoredPassage(0.0, passage, None, signals, vector)


def _query(text: str, mode: SearchMode = SearchMode.HYBRID, **kw) -> RankingQuery:
    stems = ANALYZER.stems(text) if mode is not SearchMode.DENSE else []
    return RankingQuery(text, mode, kw.pop("limit", 10), stems, **kw)


def test_the_settings_build_one_pipeline_and_say_what_runs_in_each_mode():
    pipeline = build_pipeline(Settings(_env_file=None), ANALYZER)
    assert pipeline.describe(SearchMode.HYBRID) == ["fuse", "proximity", "dedupe", "mmr"]
    assert pipeline.describe(SearchMode.SPARSE) == ["fuse", "proximity", "dedupe", "mmr"]
    # A dense search stays the model's own ranking: no lexical prior.
    assert pipeline.describe(SearchMode.DENSE) == ["fuse", "dedupe", "mmr"]
    # A weight of 0 leaves the stage out, so describe() lists what really runs.
    off = build_pipeline(Settings(proximity_weight=0, _env_file=None), ANALYZER)
    assert off.describe(SearchMode.HYBRID) == ["fuse", "dedupe", "mmr"]
    assert "Proximity(weight=0.5, depth=30)" in repr(pipeline)


def test_the_settings_reach_the_stages():
    pipeline = build_pipeline(Settings(fusion="rrf", dense_weight=0.3, proximity_weight=0.8, _env_file=None), ANALYZER)
    fuse, proximity = pipeline.stage("fuse"), pipeline.stage("proximity")
    assert fuse.fusion is Fusion.RRF and fuse.dense_weight == 0.3
    assert proximity.weight == 0.8
    assert fuse.analyzer is ANALYZER  # lexical coverage is on by default
    plain = build_pipeline(Settings(lexical_coverage=False, _env_file=None), ANALYZER).stage("fuse")
    assert plain.analyzer is None and "lexical coverage" not in repr(plain)


def test_stages_run_in_order_and_a_request_can_choose_its_fusion():
    items = [
        _item("a", "Fritidsgården i Alby har öppet på kvällar.", 0.90, 1.0),
        _item("b", "Alby fritidsgård öppnar en ny lokal.", 0.80, 9.0),
        _item("c", "Något annat.", 0.10, None),
    ]
    pipeline = build_pipeline(Settings(proximity_weight=0, _env_file=None), ANALYZER)
    dense = pipeline.run(list(items), _query("fritidsgård alby", SearchMode.DENSE))
    assert [i.passage.id for i in dense] == ["a", "b", "c"]  # the dense side only
    lexical = pipeline.run(list(items), _query("fritidsgård alby", SearchMode.SPARSE))
    assert [i.passage.id for i in lexical] == ["b", "a", "c"]
    weighted = pipeline.run(list(items), _query("fritidsgård alby"))
    rrf = pipeline.run(list(items), _query("fritidsgård alby", fusion=Fusion.RRF))
    assert weighted[0].score != rrf[0].score  # the request's fusion, not the pipeline's


def test_proximity_runs_only_where_there_is_a_lexical_query():
    scattered = _item("s", "Teknisk utrustning köps in. Samordnaren svarar för schemat.", 0.9, 5.0)
    phrase = _item("p", "Den tekniska samordnaren ansvarar för ljud och ljus.", 0.85, 4.8)
    other = _item("o", "Något helt annat.", 0.1, 1.0)
    pipeline = build_pipeline(Settings(_env_file=None), ANALYZER)
    hybrid = pipeline.run([scattered, phrase, other], _query("teknisk samordnare"))
    assert hybrid[0].passage.id == "p" and hybrid[0].signals["proximity"] == 1.0
    dense = pipeline.run([scattered, phrase, other], _query("teknisk samordnare", SearchMode.DENSE))
    assert dense[0].passage.id == "s" and all("proximity" not in i.signals for i in dense)


def test_mmr_runs_only_when_a_request_asks_for_diversity_and_keeps_the_vectors_through_fusion():
    same, copy, new = np.array([1.0, 0.0]), np.array([0.99, 0.01]), np.array([0.0, 1.0])
    items = [
        _item("a", "Lovskolan startar i juni.", 0.90, None, same),
        _item("b", "Lovskolan börjar i juni i år.", 0.89, None, copy),
        _item("c", "Biblioteket har nya öppettider.", 0.80, None, new),
    ]
    pipeline = build_pipeline(Settings(_env_file=None), None)
    plain = pipeline.run(list(items), _query("lovskolan", SearchMode.DENSE))
    assert [i.passage.id for i in plain] == ["a", "b", "c"]
    assert all(i.vector is not None for i in plain)
    diverse = pipeline.run(list(items), _query("lovskolan", SearchMode.DENSE, diversity=0.7))
    assert [i.passage.id for i in diverse] == ["a", "c", "b"]


def test_a_stage_of_ones_own_plugs_in_and_each_name_runs_once():
    class Shortest(RankingStage):
        name = "shortest"

        def run(self, items, query):
            return sorted(items, key=lambda i: len(i.passage.text))

    items = [_item("a", "En lång mening om fritidsgården.", 0.9, None), _item("b", "Kort.", 0.1, None)]
    pipeline = RankingPipeline([Fuse(), Deduplicate()]).replacing(Shortest())
    assert pipeline.describe(SearchMode.DENSE) == ["fuse", "dedupe", "shortest"]  # added after the others
    assert [i.passage.id for i in pipeline.run(items, _query("x", SearchMode.DENSE))] == ["b", "a"]
    assert pipeline.without("shortest").describe(SearchMode.DENSE) == ["fuse", "dedupe"]
    with pytest.raises(ValueError, match="each stage once"):
        RankingPipeline([Fuse(), Fuse()])


def test_lexical_coverage_is_the_share_of_the_question_the_best_bm25_hit_holds():
    items = [
        _item("a", "Fritidsgården i Alby har öppet på kvällar.", 0.9, 2.0),
        _item("b", "Alby fritidsgård öppnar en ny lokal.", 0.8, 5.0),
        _item("c", "Kvällsöppet i Alby.", 0.7, None),
    ]
    assert lexical_coverage(items, ANALYZER.stems("fritidsgård alby kvällar"), ANALYZER) == pytest.approx(1.0)
    # English over Swedish text: one word of four is found, so the lexical side counts a quarter.
    english = ANALYZER.stems("youth centre opening hours Alby")
    assert lexical_coverage(items, english, ANALYZER) == pytest.approx(1 / len(set(english)))
    assert lexical_coverage(items, [], ANALYZER) == 1.0  # no content words: nothing to scale
    assert lexical_coverage(items[2:], english, ANALYZER) == 0.0  # no lexical candidate


def test_coverage_scales_the_lexical_side_of_hybrid_fusion_only():
    items = [
        _item("a", "Ungdomar och fritid i Alby.", 0.9, 1.0),
        _item("b", "Alby fritidsgård.", 0.5, 9.0),
        _item("c", "Något annat.", 0.1, 0.5),
    ]
    full = fuse(items, SearchMode.HYBRID, Fusion.WEIGHTED, 0.5)
    assert [i.passage.id for i in full][:2] == ["b", "a"]  # BM25's best wins at full weight
    weak = fuse(items, SearchMode.HYBRID, Fusion.WEIGHTED, 0.5, coverage=0.2)
    assert [i.passage.id for i in weak][:2] == ["a", "b"]  # a weak lexical match leaves it to the dense side
    assert [i.passage.id for i in fuse(items, SearchMode.SPARSE, coverage=0.2)] == ["b", "a", "c"]
    stage = Fuse(analyzer=ANALYZER)
    ranked = stage.run(list(items), _query("young people leisure Alby"))
    assert ranked[0].passage.id == "a" and "lexical coverage" in repr(stage)
