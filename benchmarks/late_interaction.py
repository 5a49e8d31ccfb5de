"""Late interaction over e5's own token vectors, judged as ``priors.py`` judges: a probe of a reader
that looks at question and passage word by word, with no training.

The largest class of the hybrid default's misses is "right document, wrong passage" (18 of 41 on the
real corpus): the passage that repeats the question's phrase beats the one that states the answer. A
cross-encoder would read both together; none exists here for Swedish, and the one trained from e5
lost (benchmarks/README.md, "Learned ranking stages"). ColBERT's MaxSim is the cheaper reader: every
question token finds its most similar passage token, and the passage scores the mean of those
similarities. e5-small was trained to mean-pool its token vectors, so they are contextual and live in
the space the pooled vector comes from; whether MaxSim over them (zero-shot, as ColBERT's authors
never intended) ranks better than the pooled vector is what this measures.

The stage re-scores production's best ``DEPTH`` (20, as the cross-encoder did): each gains ``weight``
times its MaxSim min-max scaled over those 20, and they are re-sorted among themselves
(``search/ranking/late_interaction.py``; the prompt tokens and the start and end marks are left out).
The probe (``--probe``) runs it before dedupe over PyTorch fp32 token vectors, each passage's computed
once per run; without it the product's stage is judged, and with ``--english-only`` the product's stage
for the questions langdetect finds English (``VAKSAM_RERANK_LANGUAGES=en``). The weights (.3 and .6)
were fixed before the run; ``--english-weights`` judges heavier ones for English questions against
the default's .3, and ``--english-batches`` one passage a batch against eight.
SweQuAD-MC is reported by split: training (the tuning split) apart from dev and test (judging). Takes
``priors.py``'s arguments; the results are in benchmarks/README.md ("Late interaction over e5's token
vectors")::

    .venv/bin/python -m benchmarks.late_interaction --queries ../shared/eval/dev_queries.jsonl \\
        eval/bundled_queries.jsonl --held-out eval/real_queries.jsonl eval/real_queries_2.jsonl \\
        eval/real_queries_3.jsonl --held-out-index /tmp/real --beir ../shared/eval/swequad_mc --as-files \\
        --english eval/swequad_mc_english.jsonl --no-diacritics
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence

import numpy as np

from benchmarks.priors import before_dedupe, main
from search.embedding.encoder import Encoder
from search.modes import EncoderBackend
from search.ranking.base import ALL_MODES, RankingQuery, RankingStage
from search.ranking.late_interaction import BATCH_SIZE, WEIGHT, LateInteractionReranker
from search.ranking.rerank import Rerank
from search.ranking.scored import ScoredPassage
from search.searcher import Searcher
from search.settings import Settings

DEPTH = 20


class CachedTokenVectors:
    """The probe's token vectors: a PyTorch fp32 encoder's, passages cached by text across questions
    and variants (the product encodes them at query time, with the search's own backend)."""

    def __init__(self) -> None:
        self.encoder = Encoder.load(Settings(encoder_backend=EncoderBackend.TORCH))
        self.passages: dict[str, np.ndarray] = {}

    def token_vectors(
        self, texts: Sequence[str], *, passage: bool = True, batch_size: int | None = None
    ) -> list[np.ndarray]:
        if not passage:
            return self.encoder.token_vectors(texts, passage=False)
        new = [text for text in dict.fromkeys(texts) if text not in self.passages]
        if new:
            self.passages.update(zip(new, self.encoder.token_vectors(new, batch_size=batch_size), strict=True))
        return [self.passages[text] for text in texts]


@functools.cache
def _tokens() -> CachedTokenVectors:
    return CachedTokenVectors()


class LateInteraction(RankingStage):
    """The product's reranker over the best ``DEPTH`` candidates, as a stage before dedupe."""

    name = "late interaction"
    modes = ALL_MODES

    def __init__(self, weight: float) -> None:
        self.weight = weight

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        reranker = LateInteractionReranker(_tokens(), self.weight)  # type: ignore[arg-type] - same interface
        return reranker.rerank(query.text, items, DEPTH)


def _product(
    languages: tuple[str, ...], weight: float = WEIGHT, batch_size: int = BATCH_SIZE
) -> Callable[[Searcher], None]:
    """The product's reranker (``VAKSAM_RERANK=late-interaction``, ``VAKSAM_RERANK_LANGUAGES``): the
    search's own encoder (ONNX int8 by default), after dedupe, no cache across questions."""

    def apply(searcher: Searcher) -> None:
        reranker = LateInteractionReranker(searcher.encoder, weight, cache_size=0, batch_size=batch_size)
        stage = Rerank(reranker, depth=DEPTH, languages=languages)
        searcher.pipeline = searcher.pipeline.replacing(stage)

    return apply


def _no_reranker(searcher: Searcher) -> None:
    searcher.pipeline = searcher.pipeline.without("rerank")


def _then(first: Callable[[Searcher], None], second: Callable[[Searcher], None]) -> Callable[[Searcher], None]:
    def apply(searcher: Searcher) -> None:
        first(searcher)
        second(searcher)

    return apply


# Each is judged against the search without a reranker (VAKSAM_RERANK=none), the default it was
# measured against before late interaction became the default for English questions.
PROBE: dict[str, Callable[[Searcher], None] | None] = {
    "no reranker": _no_reranker,
    "late interaction, weight .3": _then(_no_reranker, before_dedupe(lambda s: LateInteraction(0.3))),
    "late interaction, weight .6": _then(_no_reranker, before_dedupe(lambda s: LateInteraction(0.6))),
}
VARIANTS: dict[str, Callable[[Searcher], None] | None] = {
    "no reranker": _no_reranker,
    "late interaction, every question (VAKSAM_RERANK_LANGUAGES='')": _product(()),
}
# English questions only (the default): the questions langdetect finds in another language keep the
# fused order, so this run costs little more than the search without a reranker.
ENGLISH_ONLY: dict[str, Callable[[Searcher], None] | None] = {
    "no reranker": _no_reranker,
    "late interaction, English questions (the default)": _product(("en",)),
}

# Since it reads English questions only, the weight no longer has Swedish questions to spare: the
# default's .3 against heavier ones, each judged against the default (the first variant).
ENGLISH_WEIGHTS: dict[str, Callable[[Searcher], None] | None] = {
    f"late interaction, English questions, weight {w:g}": _product(("en",), w) for w in (WEIGHT, 0.6, 1.0, 2.0)
}

# int8 activations are quantized per batch, so the batch shows in the numbers: one passage at a time
# pads nothing and gives each passage the same vectors whatever it is searched with.
ENGLISH_BATCHES: dict[str, Callable[[Searcher], None] | None] = {
    f"late interaction, English questions, {n} passages a batch": _product(("en",), batch_size=n) for n in (8, 1)
}


if __name__ == "__main__":
    chosen = {
        "--probe": PROBE,
        "--english-only": ENGLISH_ONLY,
        "--english-weights": ENGLISH_WEIGHTS,
        "--english-batches": ENGLISH_BATCHES,
    }
    flags = [a for a in sys.argv[1:] if a in chosen]
    sys.argv = [a for a in sys.argv if a not in chosen]
    main(chosen[flags[0]] if flags else VARIANTS, by_split=True)
