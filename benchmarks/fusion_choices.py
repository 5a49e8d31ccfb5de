"""The fusion choices made before held-out questions existed, judged as ``priors.py`` judges.

Three choices of ``search/ranking/fusion.py`` and the settings were made in November on the dev
questions and on all of SweQuAD-MC at once, without a split or a significance test
(benchmarks/README.md, "Measurement history"):

- **The best-sentence signal**: the dense side is the mean of the min-max scaled passage and
  best-sentence similarities. Judged here at sentence weights 0 (the passage vector alone), .25,
  .75 and 1 (the best sentence alone); production is .5.
- **Weighted min-max fusion**, against reciprocal-rank fusion (ranks, which the lexical coverage
  does not scale) and distribution-based score fusion (with the coverage, as production has it).
- **The candidate depth** (``VAKSAM_CANDIDATES``, 50 by dense and 50 by lexical similarity): 25 and
  100.

SweQuAD-MC is reported by split: training (the tuning split) apart from dev and test (judging).
Takes ``priors.py``'s arguments (``--held-out`` takes several files over the same index); the results
are in benchmarks/README.md ("The fusion choices judged on held-out questions")::

    .venv/bin/python -m benchmarks.fusion_choices --queries ../shared/eval/dev_queries.jsonl \\
        eval/bundled_queries.jsonl --held-out eval/real_queries.jsonl eval/real_queries_2.jsonl \\
        --held-out-index /tmp/real --beir ../shared/eval/swequad_mc --as-files \\
        --english eval/swequad_mc_english.jsonl --no-diacritics
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from benchmarks.priors import fuse_replaced, main
from search.modes import Fusion
from search.ranking import fusion
from search.ranking.base import RankingQuery
from search.ranking.fusion import Fuse
from search.ranking.scored import DENSE, SENTENCES, ScoredPassage
from search.searcher import Searcher


class SentenceWeightFuse(Fuse):
    """Fusion whose dense side weighs the best sentence by ``weight`` and the passage by ``1 - weight``."""

    def __init__(self, base: Fuse, weight: float) -> None:
        super().__init__(base.fusion, base.dense_weight, base.analyzer)
        self.weight = weight

    def dense_side(self, items: Sequence[ScoredPassage], normalise=fusion.minmax) -> list[float]:
        passage = normalise([item.signals.get(DENSE) for item in items])
        sentence = normalise([item.signals.get(SENTENCES) for item in items])
        return [(1 - self.weight) * p + self.weight * s for p, s in zip(passage, sentence, strict=True)]

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        # fuse() reads the module's dense_scores; the benchmark runs one question at a time.
        production = fusion.dense_scores
        fusion.dense_scores = self.dense_side  # type: ignore[assignment]
        try:
            return super().run(items, query)
        finally:
            fusion.dense_scores = production


def _candidates(depth: int) -> Callable[[Searcher], None]:
    def apply(searcher: Searcher) -> None:
        searcher.candidates = depth

    return apply


VARIANTS: dict[str, Callable[[Searcher], None] | None] = {
    "production": None,
    "passage vector only (sentence weight 0)": fuse_replaced(lambda f: SentenceWeightFuse(f, 0.0)),
    "sentence weight .25": fuse_replaced(lambda f: SentenceWeightFuse(f, 0.25)),
    "sentence weight .75": fuse_replaced(lambda f: SentenceWeightFuse(f, 0.75)),
    "best sentence only (sentence weight 1)": fuse_replaced(lambda f: SentenceWeightFuse(f, 1.0)),
    "reciprocal-rank fusion": fuse_replaced(lambda f: Fuse(Fusion.RRF, f.dense_weight, f.analyzer)),
    "distribution-based fusion": fuse_replaced(lambda f: Fuse(Fusion.DBSF, f.dense_weight, f.analyzer)),
    "25 candidates": _candidates(25),
    "100 candidates": _candidates(100),
}


if __name__ == "__main__":
    main(VARIANTS, by_split=True)
