"""Term proximity: a passage where the question's words stand together comes before one where
they are scattered.

BM25 scores every term on its own, so for "Vad gör en teknisk samordnare?" a passage that says
"teknisk" in one sentence and "samordnare" three sentences later scores like the one that names
the role, and e5-small sees little difference on a long passage. After fusion, each of the best
``depth`` candidates gets ``weight`` × the spread of their fused scores × the share of the
question's adjacent word pairs that stand next to each other in the passage too (either order).
Words are compared as the analyzer's stems with stop words left out, so "tekniska samordnaren"
matches "teknisk samordnare", and "samordnare för fritidsgården" pairs "samordnare" with
"fritidsgården" ("för" is a stop word).
A question of one content word, or one in another language than the passage, is left alone.

Kept on by default because it gained on held-out questions (SweQuAD-MC nDCG@10 .888 against .880
without, sign-flip p < .001; benchmarks/README.md has the weights and depths tried). Scoring 30
candidates costs ~1.5 ms a query (the stems are cached per word).

Usage::

    ranked = proximity_prior(fused, analyzer.stems("Vad gör en teknisk samordnare?"), analyzer, weight=0.5)
    stage = Proximity(analyzer, weight=0.5)   # the same as a pipeline stage
"""

from __future__ import annotations

from collections.abc import Sequence

from search.lexical.analyzer import SwedishAnalyzer
from search.ranking.base import LEXICAL_MODES, RankingQuery, RankingStage
from search.ranking.scored import ScoredPassage

DEFAULT_DEPTH = 30


def adjacent_pairs(stems: Sequence[str]) -> set[tuple[str, str]]:
    """Neighbouring stems as unordered pairs (a repeated word makes no pair)."""
    return {(a, b) if a < b else (b, a) for a, b in zip(stems, stems[1:], strict=False) if a != b}


def adjacency_share(pairs: set[tuple[str, str]], text_stems: Sequence[str]) -> float:
    """The share of the question's ``pairs`` that stand side by side somewhere in ``text_stems``."""
    if not pairs:
        return 0.0
    return len(pairs & adjacent_pairs(text_stems)) / len(pairs)


def proximity_prior(
    items: Sequence[ScoredPassage],
    query_stems: Sequence[str],
    analyzer: SwedishAnalyzer,
    weight: float,
    depth: int = DEFAULT_DEPTH,
) -> list[ScoredPassage]:
    """``items`` (fused, best first) with the best ``depth`` re-scored by proximity and re-sorted;
    the share is recorded as the signal ``proximity``. Unchanged for ``weight`` 0 or a question
    without a pair of content words."""
    pairs = adjacent_pairs(query_stems)
    head = list(items[:depth])
    if not weight or not pairs or len(head) < 2:
        return list(items)
    spread = max(i.score for i in head) - min(i.score for i in head)
    rescored = []
    for item in head:
        share = adjacency_share(pairs, analyzer.stems(item.passage.text))
        rescored.append(item.rescored(item.score + weight * spread * share, proximity=round(share, 4)))
    rescored.sort(key=lambda i: -i.score)
    return rescored + list(items[depth:])


class Proximity(RankingStage):
    """The proximity prior as a stage; it needs the question's stems, so it runs where there is a lexical query."""

    name = "proximity"
    modes = LEXICAL_MODES

    def __init__(self, analyzer: SwedishAnalyzer, weight: float = 0.5, depth: int = DEFAULT_DEPTH) -> None:
        self.analyzer = analyzer
        self.weight = weight
        self.depth = depth

    def active(self) -> bool:
        return self.weight > 0

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        return proximity_prior(items, query.stems, self.analyzer, self.weight, self.depth)

    def __repr__(self) -> str:
        return f"Proximity(weight={self.weight}, depth={self.depth})"
