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
times its MaxSim min-max scaled over those 20, and they are re-sorted among themselves. The prompt
tokens ("query:", "passage:") and the end mark are left out of MaxSim. Passage token vectors are
computed once per passage text and cached. The weights (.3 and .6) were fixed before the run.
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
from collections.abc import Callable

import numpy as np

from benchmarks.priors import main
from search.ranking.base import ALL_MODES, RankingQuery, RankingStage
from search.ranking.fusion import minmax
from search.ranking.late_interaction import LateInteractionReranker
from search.ranking.pipeline import RankingPipeline
from search.ranking.rerank import Rerank
from search.ranking.scored import ScoredPassage
from search.searcher import Searcher

DEPTH = 20


class TokenVectors:
    """e5-small's token vectors for questions and passages, unit length, prompt and end mark left out."""

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        from search.embedding.resolve import resolve_model
        from search.settings import Settings

        settings = Settings()
        self.model = SentenceTransformer(resolve_model(settings.embedding_model, settings.model_dir), device="cpu")
        tokenizer = self.model.tokenizer
        # "<s> ▁que ry : ▁ </s>" for the prompt alone: "▁" joins the first word, "</s>" ends.
        self.skip = {name: len(tokenizer(p)["input_ids"]) - 2 for name, p in self.model.prompts.items() if p}
        self.passages: dict[str, np.ndarray] = {}

    def _encode(self, texts: list[str], prompt_name: str) -> list[np.ndarray]:
        found = self.model.encode(
            texts, prompt_name=prompt_name, output_value="token_embeddings", batch_size=16, show_progress_bar=False
        )
        out = []
        for tokens in found:
            vectors = tokens.numpy()[self.skip[prompt_name] : -1]
            out.append(vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9))
        return out

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one instance per run
    def question(self, text: str) -> np.ndarray:
        return self._encode([text], "query")[0]

    def passage_vectors(self, items: list[ScoredPassage]) -> list[np.ndarray]:
        new = list(dict.fromkeys(item.passage.text for item in items if item.passage.text not in self.passages))
        if new:
            self.passages.update(zip(new, self._encode(new, "passage"), strict=True))
        return [self.passages[item.passage.text] for item in items]


@functools.cache
def _tokens() -> TokenVectors:
    return TokenVectors()


class LateInteraction(RankingStage):
    """The best ``DEPTH`` candidates, each plus ``weight`` times its min-max scaled MaxSim."""

    name = "late interaction"
    modes = ALL_MODES

    def __init__(self, weight: float) -> None:
        self.weight = weight

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        head, tail = items[:DEPTH], items[DEPTH:]
        if not head:
            return items
        tokens = _tokens()
        question = tokens.question(query.text)
        maxsim = [float((question @ p.T).max(axis=1).mean()) for p in tokens.passage_vectors(head)]
        scaled = minmax(maxsim)
        sides = zip(head, scaled, maxsim, strict=True)
        rescored = [item.rescored(item.score + self.weight * s, late=m) for item, s, m in sides]
        return sorted(rescored, key=lambda item: -item.score) + tail


def _before_dedupe(weight: float) -> Callable[[Searcher], None]:
    def apply(searcher: Searcher) -> None:
        stages = list(searcher.pipeline.stages)
        at = next(i for i, s in enumerate(stages) if s.name == "dedupe")
        searcher.pipeline = RankingPipeline([*stages[:at], LateInteraction(weight), *stages[at:]])

    return apply


def _product(searcher: Searcher) -> None:
    """The product's reranker (``VAKSAM_RERANK=late-interaction``): the search's own encoder (ONNX
    int8 by default), after dedupe, no cache across questions."""
    stage = Rerank(LateInteractionReranker(searcher.encoder), depth=DEPTH)
    searcher.pipeline = searcher.pipeline.replacing(stage)


PROBE: dict[str, Callable[[Searcher], None] | None] = {
    "production": None,
    "late interaction, weight .3": _before_dedupe(0.3),
    "late interaction, weight .6": _before_dedupe(0.6),
}
VARIANTS: dict[str, Callable[[Searcher], None] | None] = {
    "production": None,
    "VAKSAM_RERANK=late-interaction": _product,
}


if __name__ == "__main__":
    probe = "--probe" in sys.argv
    if probe:
        sys.argv.remove("--probe")
    main(PROBE if probe else VARIANTS, by_split=True)
