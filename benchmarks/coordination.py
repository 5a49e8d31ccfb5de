"""Per-candidate coordination of the lexical side, and the dense weight, judged as ``priors.py`` judges.

Coordination is Lucene's classic ``coord``: a candidate's BM25 score counts by the share of the
question's distinct stems it holds. Two forms are tried against production (lexical coverage, dense
weight .5): relative to the best share among the candidates on top of the coverage, and absolute in
place of it. The dense weight is tried at .4 and .6 with everything else as production. SweQuAD-MC is
reported by split: training (the tuning split) apart from dev and test (judging). Takes
``priors.py``'s arguments; the results are in benchmarks/README.md ("Coordination and the dense
weight")::

    .venv/bin/python benchmarks/coordination.py --queries ../shared/eval/dev_queries.jsonl \\
        eval/bundled_queries.jsonl --held-out eval/real_queries.jsonl --held-out-index /tmp/real \\
        --beir ../shared/eval/swequad_mc --as-files --english eval/swequad_mc_english.jsonl --no-diacritics
"""

from __future__ import annotations

from collections.abc import Callable

from ranx import Qrels, Run

from benchmarks import priors
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


def _coordinated(relative: bool) -> Callable[[Searcher], None]:
    def apply(searcher: Searcher) -> None:
        base = searcher.pipeline.stage("fuse")
        assert isinstance(base, Fuse), "needs the production pipeline"
        searcher.pipeline = searcher.pipeline.replacing(CoordinatedFuse(base, relative))

    return apply


def _dense_weight(weight: float) -> Callable[[Searcher], None]:
    def apply(searcher: Searcher) -> None:
        base = searcher.pipeline.stage("fuse")
        assert isinstance(base, Fuse), "needs the production pipeline"
        searcher.pipeline = searcher.pipeline.replacing(Fuse(base.fusion, weight, base.analyzer))

    return apply


def beir_tables(
    title: str, graded: dict[str, dict[str, int]], runs: dict[str, dict[str, dict[str, float]]], held_out: list[str]
) -> list[str]:
    """SweQuAD-MC's training split (tuning) and its dev and test splits (judging), each its own table."""
    judging = set(held_out)
    lines: list[str] = []
    for split, qids in (
        ("training split (tuning)", [q for q in graded if q not in judging]),
        ("dev and test splits", held_out),
    ):
        kept = {name: Run({q: run[q] for q in qids}, name=name) for name, run in runs.items()}
        lines += priors.table(f"{title}, {split}: {len(qids)} questions", Qrels({q: graded[q] for q in qids}), kept)
    return lines


if __name__ == "__main__":
    priors.beir_tables = beir_tables
    priors.VARIANTS = {
        "production": None,
        "coordination relative to the best, with coverage": _coordinated(True),
        "coordination absolute, no coverage": _coordinated(False),
        "dense weight .4": _dense_weight(0.4),
        "dense weight .6": _dense_weight(0.6),
    }
    priors.main()
