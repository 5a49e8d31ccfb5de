"""Per-candidate coordination of the lexical side, and the dense weight, judged as ``priors.py`` judges.

Coordination is Lucene's classic ``coord``: a candidate's BM25 score counts by the share of the
question's distinct stems it holds. Two forms are tried against production (lexical coverage, dense
weight .5): relative to the best share among the candidates on top of the coverage, and absolute in
place of it. The dense weight is tried at .4 and .6 with everything else as production. SweQuAD-MC is
reported by split: training (the tuning split) apart from dev and test (judging). Takes
``priors.py``'s arguments; the results are in benchmarks/README.md ("Coordination and the dense
weight")::

    .venv/bin/python -m benchmarks.coordination --queries ../shared/eval/dev_queries.jsonl \\
        eval/bundled_queries.jsonl --held-out eval/real_queries.jsonl --held-out-index /tmp/real \\
        --beir ../shared/eval/swequad_mc --as-files --english eval/swequad_mc_english.jsonl --no-diacritics
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.priors import fuse_replaced, main
from search.modes import SearchMode
from search.ranking.base import RankingQuery
from search.ranking.fusion import Fuse, fuse, lexical_coverage
from search.ranking.scored import LEXICAL, ScoredPassage
from search.searcher import Searcher


class CoordinatedFuse(Fuse):
    """Fusion with each candidate's BM25 score scaled by its share of the question's stems."""

    def __init__(self, base: Fuse, relative: bool) -> None:
        super().__init__(base.fusion, base.dense_weight, base.analyzer)
        self.relative = relative

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        if self.analyzer is None or query.mode is not SearchMode.HYBRID or not query.stems:
            return super().run(items, query)
        wanted = set(query.stems)
        shares = {
            item.passage.id: len(wanted.intersection(self.analyzer.stems(item.passage.text))) / len(wanted)
            for item in items
            if item.signals.get(LEXICAL)
        }
        best = max(shares.values(), default=0.0) or 1.0
        coverage = lexical_coverage(items, query.stems, self.analyzer) if self.relative else 1.0
        scaled = []
        for item in items:
            if item.passage.id in shares:
                factor = shares[item.passage.id] / best if self.relative else shares[item.passage.id]
                item = item.rescored(item.score, **{LEXICAL: item.signals[LEXICAL] * factor})
            scaled.append(item)
        return fuse(scaled, query.mode, query.fusion or self.fusion, self.dense_weight, coverage)


VARIANTS: dict[str, Callable[[Searcher], None] | None] = {
    "production": None,
    "coordination relative to the best, with coverage": fuse_replaced(lambda f: CoordinatedFuse(f, relative=True)),
    "coordination absolute, no coverage": fuse_replaced(lambda f: CoordinatedFuse(f, relative=False)),
    "dense weight .4": fuse_replaced(lambda f: Fuse(f.fusion, 0.4, f.analyzer)),
    "dense weight .6": fuse_replaced(lambda f: Fuse(f.fusion, 0.6, f.analyzer)),
}


if __name__ == "__main__":
    main(VARIANTS, by_split=True)
