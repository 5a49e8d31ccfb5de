"""Fusion: the candidates' per-signal scores turned into one ranking.

Signals (:mod:`search.ranking.scored`): ``dense`` (passage cosine), ``sentences`` (best sentence,
max-sim) and ``lexical`` (BM25). The dense side is the mean of the two dense signals after
normalisation; hybrid fusion then mixes dense and lexical. Weighted min-max is the default because
it keeps how far ahead the best passages are on each signal, which rank-based RRF throws away
(dev MRR@10 .731 against RRF's .688; the weights and the other fusions are compared in
benchmarks/README.md). In hybrid search the lexical side is scaled by its coverage of the question
(:func:`lexical_coverage`), which took SweQuAD-MC questions asked in English from MRR@10 .385 to .517
(p < .01) and lost significantly on no set.

Usage::

    ranked = fuse(candidates, SearchMode.HYBRID, Fusion.WEIGHTED, dense_weight=0.5)
    stage = Fuse(Fusion.WEIGHTED, dense_weight=0.5, analyzer=analyzer)   # a stage, with lexical coverage
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from search.lexical.analyzer import SwedishAnalyzer
from search.modes import Fusion, SearchMode
from search.ranking.base import ALL_MODES, RankingQuery, RankingStage
from search.ranking.scored import DENSE, LEXICAL, SENTENCES, ScoredPassage

RRF_K = 60
COVERAGE_DEPTH = 10


def minmax(values: Sequence[float | None]) -> list[float]:
    """Each value scaled to 0-1 over the present ones (None: 0; all equal: 1)."""
    present = [v for v in values if v is not None]
    if not present:
        return [0.0] * len(values)
    lo, hi = min(present), max(present)
    span = hi - lo
    return [0.0 if v is None else ((v - lo) / span if span > 0 else 1.0) for v in values]


def _dbsf(values: Sequence[float | None]) -> list[float]:
    present = [v for v in values if v is not None]
    if not present:
        return [0.0] * len(values)
    mean = sum(present) / len(present)
    sd = math.sqrt(sum((v - mean) ** 2 for v in present) / len(present))
    lo, hi = mean - 3 * sd, mean + 3 * sd
    return [0.0 if v is None else (min(1.0, max(0.0, (v - lo) / (hi - lo))) if hi > lo else 1.0) for v in values]


def _ranks(values: Sequence[float | None]) -> list[float]:
    present = {i: v for i, v in enumerate(values) if v is not None}
    order = sorted(present, key=lambda i: -present[i])
    out = [0.0] * len(values)
    for rank, i in enumerate(order):
        out[i] = 1.0 / (RRF_K + rank + 1)
    return out


def _signal(items: Sequence[ScoredPassage], name: str) -> list[float | None]:
    return [item.signals.get(name) for item in items]


def dense_scores(items: Sequence[ScoredPassage], normalise=minmax) -> list[float]:
    """The dense side: passage and best-sentence similarity, each normalised, averaged."""
    passage = normalise(_signal(items, DENSE))
    sentence_raw = _signal(items, SENTENCES)
    if all(v is None for v in sentence_raw):
        return passage
    sentence = normalise(sentence_raw)
    return [(a + b) / 2 for a, b in zip(passage, sentence, strict=True)]


def lexical_coverage(
    items: Sequence[ScoredPassage], query_stems: Sequence[str], analyzer: SwedishAnalyzer, depth: int = COVERAGE_DEPTH
) -> float:
    """The largest share of the question's distinct stems that one of the ``depth`` best lexical
    candidates holds: 1.0 when some passage has every content word, near 0 for a question whose
    words the corpus does not use (one in English over Swedish text). 1.0 without stems."""
    wanted = set(query_stems)
    if not wanted:
        return 1.0
    scored = [item for item in items if item.signals.get(LEXICAL)]
    best = sorted(scored, key=lambda item: -(item.signals[LEXICAL]))[:depth]
    held = (len(wanted.intersection(analyzer.stems(item.passage.text))) for item in best)
    return max(held, default=0) / len(wanted)


def fuse(
    items: Sequence[ScoredPassage],
    mode: SearchMode,
    fusion: Fusion = Fusion.WEIGHTED,
    dense_weight: float = 0.5,
    coverage: float = 1.0,
) -> list[ScoredPassage]:
    """The candidates re-scored and sorted best first; exact ties go by passage id.

    The engine returns tied candidates in the order of its segments, which differs from one build
    of an index to the next: rebuilding the SweQuAD-MC index twice changed the top 10 of 179 of
    its 1,190 questions, every one a tie between the same passage on twin pages, and with it which
    page a hit names first. Sorting the candidates by id first makes every later (stable) sort
    break ties the same way.

    ``coverage`` (0..1) scales the lexical side of a weighted or DBSF hybrid fusion: min-max makes
    the best BM25 candidate 1.0 even when it matches one word of ten (:func:`lexical_coverage`).
    """
    if not items:
        return []
    items = sorted(items, key=lambda item: item.passage.id)
    mode, fusion = SearchMode(mode), Fusion(fusion)
    if mode is SearchMode.SPARSE:
        scores = [v or 0.0 for v in _signal(items, LEXICAL)]
    elif mode is SearchMode.DENSE:
        passage, sentence = _signal(items, DENSE), _signal(items, SENTENCES)
        scores = [((p or 0.0) + (s if s is not None else p or 0.0)) / 2 for p, s in zip(passage, sentence, strict=True)]
    elif fusion is Fusion.RRF:
        ranks = _ranks(dense_scores(items)), _ranks(_signal(items, LEXICAL))
        scores = [a + b for a, b in zip(*ranks, strict=True)]
    else:
        normalise = _dbsf if fusion is Fusion.DBSF else minmax
        sides = dense_scores(items, normalise), normalise(_signal(items, LEXICAL))
        w = dense_weight if fusion is Fusion.WEIGHTED else 0.5
        scores = [w * a + (1 - w) * coverage * b for a, b in zip(*sides, strict=True)]
    order = sorted(range(len(items)), key=lambda i: -scores[i])
    return [items[i].rescored(scores[i]) for i in order]


class Fuse(RankingStage):
    """The first stage: one score per candidate from its signals, by the request's fusion or this one;
    with an ``analyzer``, a hybrid search's lexical side is scaled by :func:`lexical_coverage`."""

    name = "fuse"
    modes = ALL_MODES

    def __init__(
        self, fusion: Fusion = Fusion.WEIGHTED, dense_weight: float = 0.5, analyzer: SwedishAnalyzer | None = None
    ) -> None:
        self.fusion = Fusion(fusion)
        self.dense_weight = dense_weight
        self.analyzer = analyzer

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        coverage = 1.0
        if self.analyzer is not None and query.mode is SearchMode.HYBRID:
            coverage = lexical_coverage(items, query.stems, self.analyzer)
        return fuse(items, query.mode, query.fusion or self.fusion, self.dense_weight, coverage)

    def __repr__(self) -> str:
        scaled = ", lexical coverage" if self.analyzer is not None else ""
        return f"Fuse({self.fusion.value}, dense_weight={self.dense_weight}{scaled})"
