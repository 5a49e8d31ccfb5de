"""A probe: English questions given a Swedish lexical query by pseudo-relevance feedback from dense
search (cross-lingual RM3 in its simplest form), judged on every English held-out question.

English questions are the weakest kind (benchmarks/README.md): BM25 cannot match English words to
Swedish text, so hybrid search leans on e5 alone. Here the lexical side of an English question searches
the question's own words plus the ``--terms`` words that best mark the ``--depth`` passages dense search
puts first (summed over them: occurrences times log inverse passage frequency, stop words and words
shorter than four letters left out). The dense vector is the English question's, unchanged. Nothing
else changes, and Swedish questions are not touched, so only the English questions are judged: those
of the three real-corpus sets (over ``--held-out-index``), of the bundled set (over the default index)
and SweQuAD-MC's 40 in English (``--english``, over a throwaway index of its pages). k = 5 passages and
10 words are the textbook defaults, fixed before the run.

    .venv/bin/python -m benchmarks.english_feedback --held-out eval/real_queries.jsonl eval/real_queries_2.jsonl \\
        eval/real_queries_3.jsonl --held-out-index /tmp/real --queries eval/bundled_queries.jsonl \\
        --beir ../shared/eval/swequad_mc --english eval/swequad_mc_english.jsonl
"""

from __future__ import annotations

import argparse
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from api.evaluation import beir_index, beir_ranking, load_queries, read_beir, score_ranking, sign_flip_p
from api.relevance import relevant_passages
from api.service import VaksamService
from benchmarks.priors import read_english
from search.lexical.analyzer import stop_words
from search.modes import SearchMode
from search.searcher import Searcher
from search.settings import Settings
from search.suggestions.expansion import QueryExpansion
from search.text import fold

K = 10
_WORD = re.compile(r"[a-z0-9åäöéü]{4,}")


@dataclass(frozen=True)
class FeedbackExpansion(QueryExpansion):
    """A lexical query of the question and the feedback words; the coverage and proximity stages read the
    same words, so BM25's hits are weighed against what it was asked for."""

    words: str = ""

    def corrected(self, query: str) -> str:
        return f"{query} {self.words}"

    def lexical_query(self, query: str) -> str:
        return f"{query} {self.words}"


class Feedback:
    """Feedback words from dense search's first passages, weighed by inverse passage frequency."""

    def __init__(self, texts: list[str], depth: int, terms: int) -> None:
        stop = stop_words()
        self.depth, self.terms, self.stop = depth, terms, stop
        frequency = Counter(w for text in texts for w in set(self._words(text)))
        self.idf = {w: math.log(len(texts) / n) for w, n in frequency.items()}

    def _words(self, text: str) -> list[str]:
        return [w for w in _WORD.findall(fold(text).lower()) if w not in self.stop]

    def expansion(self, searcher: Searcher, query: str) -> FeedbackExpansion:
        top = searcher.ranked(query, self.depth, mode=SearchMode.DENSE)
        weight: Counter[str] = Counter()
        for item in top:
            for word, n in Counter(self._words(item.passage.text)).items():
                weight[word] += n * self.idf.get(word, 0.0)
        return FeedbackExpansion(words=" ".join(w for w, _ in weight.most_common(self.terms)))


def _row(label: str, base: list[float], fed: list[float]) -> str:
    a, b = np.asarray(base), np.asarray(fed)
    p = sign_flip_p(a, b)
    mark = " *" if p < 0.05 else ""
    return f"| {label} ({len(a)}) | {a.mean():.3f} | {b.mean():.3f} ({b.mean() - a.mean():+.3f}, p {p:.2f}){mark} |"


def gold_set(service: VaksamService, path: Path, feedback: Feedback) -> tuple[list[float], list[float]]:
    """MRR@10 of production and of the feedback variant on ``path``'s English questions."""
    texts = {p.id: p.text for p in service.store.live_passages()}
    base, fed = [], []
    for q in load_queries(path):
        if q.get("kind") != "english":
            continue
        relevant = relevant_passages(texts, q["gold"])
        query = service.check_query(q["query"])
        plain = service.searcher.ranked(query, K)
        widened = service.searcher.ranked(query, K, expansion=feedback.expansion(service.searcher, query))
        base.append(score_ranking([i.passage.id for i in plain], relevant)["mrr@10"])
        fed.append(score_ranking([i.passage.id for i in widened], relevant)["mrr@10"])
    return base, fed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=Path, nargs="*", default=[], help="files over the default index")
    parser.add_argument("--held-out", type=Path, nargs="*", default=[])
    parser.add_argument("--held-out-index", type=Path)
    parser.add_argument("--beir", type=Path)
    parser.add_argument("--english", type=Path)
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--terms", type=int, default=10)
    args = parser.parse_args()

    rows, all_base, all_fed = [], [], []
    sets = [(Settings(qdrant_path=args.held_out_index), p) for p in args.held_out] if args.held_out_index else []
    sets += [(Settings(), p) for p in args.queries]
    for settings, path in sets:
        service = VaksamService(settings)
        try:
            feedback = Feedback([p.text for p in service.store.live_passages()], args.depth, args.terms)
            base, fed = gold_set(service, path, feedback)
        finally:
            service.close()
        rows.append(_row(path.stem, base, fed))
        all_base += base
        all_fed += fed
        print(rows[-1], flush=True)
    if args.beir and args.english:
        corpus, _, qrels = read_beir(args.beir)
        english = read_english(args.english)
        service = VaksamService(Settings())
        try:
            with beir_index(service, corpus, progress=False) as searcher:
                feedback = Feedback([d["text"] for d in corpus], args.depth, args.terms)
                base, fed = [], []
                for qid, text in english.items():
                    plain = beir_ranking(searcher.ranked(text, 5 * K))
                    widened = beir_ranking(searcher.ranked(text, 5 * K, expansion=feedback.expansion(searcher, text)))
                    base.append(score_ranking(plain, qrels[qid])["mrr@10"])
                    fed.append(score_ranking(widened, qrels[qid])["mrr@10"])
        finally:
            service.close()
        rows.append(_row("SweQuAD-MC in English", base, fed))
        all_base += base
        all_fed += fed
        print(rows[-1], flush=True)
    print("\n| set (English questions) | production MRR@10 | feedback |\n| --- | --- | --- |")
    print("\n".join(rows))
    if all_base:
        print(_row("every English question", all_base, all_fed))


if __name__ == "__main__":
    main()
