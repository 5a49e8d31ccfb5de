"""The weight of a question's compound parts on the lexical side, judged as ``priors.py`` judges.

A question's lexical vector holds 1.0 for each distinct term, and a compound brings its parts as
terms of their own: "våldspreventiva" is three terms (valdspreventiv, vald, preventiv), "Borås" one,
so a question about Borås's violence prevention weighs the compound three times the town. Work on
decompounding for retrieval gives parts less weight than the whole word. Two forms, fixed before
the run, change the question only (the index is the same):

* compound parts at half the weight of the whole word;
* every question word weighs 1 in all, shared by its terms (a compound's whole word and two parts
  a third each).

Takes ``priors.py``'s arguments; SweQuAD-MC's training split is the tuning split; the results are in
benchmarks/README.md ("Two changes to the Swedish analyzer, and the weight of a question's compound
parts")::

    .venv/bin/python -m benchmarks.query_term_weights --queries ../shared/eval/dev_queries.jsonl \\
        eval/bundled_queries.jsonl --held-out eval/real_queries.jsonl eval/real_queries_2.jsonl \\
        eval/real_queries_3.jsonl eval/real_queries_english.jsonl eval/real_queries_english_2.jsonl \\
        --held-out-index /tmp/real --beir ../shared/eval/swequad_mc --as-files \\
        --english eval/swequad_mc_english.jsonl --no-diacritics
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.priors import main
from search.lexical.analyzer import WORD
from search.lexical.sparse import SparseEncoder, SparseVector, term_id
from search.searcher import Searcher


class WeightedQueryEncoder(SparseEncoder):
    """Production's passages; a question's terms weighted by their place in the word they come from."""

    def __init__(self, base: SparseEncoder, part_weight: float | None) -> None:
        super().__init__(
            base.analyzer, k1=base.k1, b=base.b, avg_terms=base.avg_terms, context_weight=base.context_weight
        )
        self.part_weight = part_weight  # None: a word's terms share its weight of 1

    def encode_query(self, text: str) -> SparseVector:
        weights: dict[int, float] = {}
        for word in WORD.findall(text):
            terms = self.analyzer.terms(word)
            for i, term in enumerate(terms):
                if self.part_weight is None:
                    weight = 1.0 / len(terms)
                else:
                    weight = 1.0 if i == 0 else self.part_weight
                key = term_id(term)
                weights[key] = max(weights.get(key, 0.0), weight)
        ids = sorted(weights)
        return SparseVector(ids, [weights[i] for i in ids])


def _weighted(part_weight: float | None) -> Callable[[Searcher], None]:
    def apply(searcher: Searcher) -> None:
        assert searcher.sparse_encoder is not None
        searcher.sparse_encoder = WeightedQueryEncoder(searcher.sparse_encoder, part_weight)

    return apply


VARIANTS: dict[str, Callable[[Searcher], None] | None] = {
    "production": None,
    "compound parts at .5": _weighted(0.5),
    "each word weighs 1": _weighted(None),
}


if __name__ == "__main__":
    main(VARIANTS, by_split=True)
