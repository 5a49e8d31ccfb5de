"""The ranking pipeline: the stages a search runs, in order, built from the settings in one place.

Production order: fuse the signals, the proximity prior (lexical modes only), deduplicate, the
reranker (when one is configured), maximal marginal relevance (when a request asks for diversity).
A stage whose settings make it a no-op (a weight of 0) is left out, so :meth:`RankingPipeline.describe`
lists what really runs in each mode.

Usage::

    pipeline = build_pipeline(settings, analyzer, reranker=None)
    ranked = pipeline.run(candidates, RankingQuery("Vad gör en teknisk samordnare?", SearchMode.HYBRID, 10, stems))
    pipeline.describe(SearchMode.DENSE)   # ['fuse', 'dedupe', 'mmr']
"""

from __future__ import annotations

from collections.abc import Sequence

from search.lexical.analyzer import SwedishAnalyzer
from search.modes import SearchMode
from search.ranking.base import RankingQuery, RankingStage
from search.ranking.dedupe import Deduplicate
from search.ranking.fusion import Fuse
from search.ranking.mmr import MaximalMarginalRelevance
from search.ranking.proximity import Proximity
from search.ranking.rerank import Rerank, Reranker
from search.ranking.scored import ScoredPassage
from search.settings import Settings


class RankingPipeline:
    """Stages run in order over a search's candidates, each in the modes it names."""

    def __init__(self, stages: Sequence[RankingStage]) -> None:
        names = [s.name for s in stages]
        if len(set(names)) != len(names):
            raise ValueError(f"a ranking pipeline runs each stage once; got {', '.join(names)}")
        self.stages = [s for s in stages if s.active()]

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        for stage in self.stages:
            if query.mode in stage.modes:
                items = stage.run(items, query)
        return items

    def describe(self, mode: SearchMode) -> list[str]:
        """The names of the stages a search in ``mode`` runs."""
        return [s.name for s in self.stages if SearchMode(mode) in s.modes]

    def stage(self, name: str) -> RankingStage | None:
        return next((s for s in self.stages if s.name == name), None)

    def replacing(self, stage: RankingStage) -> RankingPipeline:
        """A copy with ``stage`` in place of the stage of its name, or added before rerank and MMR."""
        if self.stage(stage.name) is not None:
            return RankingPipeline([stage if s.name == stage.name else s for s in self.stages])
        at = next((i for i, s in enumerate(self.stages) if s.name in ("rerank", "mmr")), len(self.stages))
        return RankingPipeline([*self.stages[:at], stage, *self.stages[at:]])

    def without(self, name: str) -> RankingPipeline:
        return RankingPipeline([s for s in self.stages if s.name != name])

    def __repr__(self) -> str:
        return f"RankingPipeline({', '.join(map(repr, self.stages))})"


def build_pipeline(
    settings: Settings, analyzer: SwedishAnalyzer | None, reranker: Reranker | None = None
) -> RankingPipeline:
    """The pipeline ``VAKSAM_`` settings describe (fusion, dense weight, lexical coverage, proximity
    weight, rerank depth)."""
    coverage_analyzer = analyzer if settings.lexical_coverage else None
    stages: list[RankingStage] = [Fuse(settings.fusion, settings.dense_weight, coverage_analyzer)]
    if analyzer is not None:
        stages.append(Proximity(analyzer, settings.proximity_weight))
    stages.append(Deduplicate())
    if reranker is not None:
        stages.append(Rerank(reranker, settings.rerank_depth, settings.rerank_languages))
    stages.append(MaximalMarginalRelevance())
    return RankingPipeline(stages)
