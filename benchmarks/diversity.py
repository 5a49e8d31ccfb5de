"""Maximal marginal relevance on by default, judged as ``priors.py`` judges.

Today MMR runs only when a request asks for ``diversity``. The idea judged here: a little diversity
by default lets a passage that says something new reach the first five in place of a third
passage of the same section saying the same thing, which would raise hit@5 at little cost to the
first hit (MMR's first pick is always the most relevant passage). Diversity .3 and .5 against
production (none). SweQuAD-MC is reported by split: training (the tuning split) apart from dev and
test (judging). Takes ``priors.py``'s arguments; the results are in benchmarks/README.md ("Feedback,
neighbour context, a heading vector and diversity")::

    .venv/bin/python -m benchmarks.diversity --queries ../shared/eval/dev_queries.jsonl \\
        eval/bundled_queries.jsonl --held-out eval/real_queries.jsonl --held-out-index /tmp/real \\
        --beir ../shared/eval/swequad_mc --as-files --english eval/swequad_mc_english.jsonl --no-diacritics
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.context import with_vectors
from benchmarks.priors import main
from search.ranking.base import RankingQuery
from search.ranking.mmr import MaximalMarginalRelevance, mmr
from search.ranking.scored import ScoredPassage
from search.searcher import Searcher


class DefaultDiversity(MaximalMarginalRelevance):
    """MMR with ``diversity`` whenever a request does not ask for its own."""

    def __init__(self, diversity: float) -> None:
        self.diversity = diversity

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        return mmr(items, query.diversity or self.diversity, query.limit)


def _diverse(diversity: float) -> Callable[[Searcher], None]:
    def apply(searcher: Searcher) -> None:
        searcher.pipeline = searcher.pipeline.replacing(DefaultDiversity(diversity))

    return apply


VARIANTS: dict[str, Callable[[Searcher], None] | None] = {
    "production": None,
    "diversity .3 by default": _diverse(0.3),
    "diversity .5 by default": _diverse(0.5),
}


if __name__ == "__main__":
    with_vectors()
    main(VARIANTS, by_split=True)
