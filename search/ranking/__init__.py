"""Ranking: the stages that turn a search's candidates into its hits, and the pipeline that runs them.

One stage interface (:class:`RankingStage`), one small module per stage (fusion, proximity,
dedupe, rerank, MMR), and :func:`build_pipeline`, the one place the settings become a pipeline.
"""

from search.ranking.base import ALL_MODES, LEXICAL_MODES, RankingQuery, RankingStage
from search.ranking.pipeline import RankingPipeline, build_pipeline
from search.ranking.rerank import Reranker, load_reranker
from search.ranking.scored import DENSE, LEXICAL, SENTENCES, SIGNALS, ScoredPassage

__all__ = [
    "ALL_MODES",
    "DENSE",
    "LEXICAL",
    "LEXICAL_MODES",
    "SENTENCES",
    "SIGNALS",
    "RankingPipeline",
    "RankingQuery",
    "RankingStage",
    "Reranker",
    "ScoredPassage",
    "build_pipeline",
    "load_reranker",
]
