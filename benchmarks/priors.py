"""Every ranking prior judged on and off, on the dev questions, the held-out questions over the bundled
and the real corpus, and SweQuAD-MC, with paired significance, in one run.

Metrics are ranx's, per question. Two paired tests are reported: ranx's ``compare`` with Student's
paired t-test, and an exact-in-the-limit sign-flip randomisation test over the same per-question
scores (20,000 rounds), which decides. ranx's own Fisher randomisation test is not used: with two
questions that both gain .5 reciprocal rank and 48 unchanged it gave p = .000, where the sign-flip
test gives .50 (the two gains have the same sign half the time).

A prior earns its place by a significant gain on a set it was not chosen on and no significant loss
on any: the dev questions are the set most priors were designed on, so their gains there prove little
(DEVELOPERS.md). Each row switches one prior off (or one tolerance), all else as in production.

``--queries`` takes the dev questions first, then held-out files over the same index
(``eval/bundled_queries.jsonl``); ``--held-out`` takes one or more files over ``--held-out-index``
(``eval/real_queries.jsonl``, ``eval/real_queries_2.jsonl``, ``eval/real_queries_3.jsonl``).
``--english`` adds SweQuAD-MC questions asked in English (``eval/swequad_mc_english.jsonl``, judged by
SweQuAD-MC's qrels) and ``--no-diacritics`` its dev and test questions typed without å, ä and ö.

``--cross-encoder DIR`` adds the learned stage (``make cross-encoder``: trained on SweQuAD-MC's
training questions) as one more variant: production + that reranker over the best 20. On SweQuAD-MC
it runs only on the questions of the dev and test splits, which it never saw, and a second table
judges every variant on those alone.

    .venv/bin/python benchmarks/priors.py --queries ../shared/eval/dev_queries.jsonl eval/bundled_queries.jsonl \\
        --held-out eval/real_queries.jsonl --held-out-index /tmp/real --beir ../shared/eval/swequad_mc \\
        --as-files --english eval/swequad_mc_english.jsonl --no-diacritics --cross-encoder models/cross-encoder
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from ranx import Qrels, Run, compare, evaluate

from api.evaluation import beir_files_index, beir_index, beir_ranking, load_queries, read_beir, sign_flip_p
from api.relevance import relevant_passages
from api.service import VaksamService
from search.ranking.base import RankingStage
from search.ranking.fusion import Fuse
from search.ranking.pipeline import RankingPipeline
from search.searcher import Searcher
from search.settings import Settings

K = 10
METRICS = ["mrr@10", "ndcg@10", "hit_rate@1", "hit_rate@5"]
MAX_P = 0.05


def _without(stage: str) -> Callable[[Searcher], None]:
    def apply(searcher: Searcher) -> None:
        searcher.pipeline = searcher.pipeline.without(stage)

    return apply


def _no_typos(searcher: Searcher) -> None:
    searcher.expander.typos = False


def fuse_replaced(build: Callable[[Fuse], RankingStage]) -> Callable[[Searcher], None]:
    """A variant whose fusion stage is ``build(production's fusion stage)``."""

    def apply(searcher: Searcher) -> None:
        fuse = searcher.pipeline.stage("fuse")
        assert isinstance(fuse, Fuse), "needs the production pipeline"
        searcher.pipeline = searcher.pipeline.replacing(build(fuse))

    return apply


def before_dedupe(build: Callable[[Searcher], RankingStage]) -> Callable[[Searcher], None]:
    """A variant with ``build(searcher)`` as one more stage just before dedupe (after fusion and
    proximity), where a stage that moves passages by their scores belongs."""

    def apply(searcher: Searcher) -> None:
        stages = list(searcher.pipeline.stages)
        at = next(i for i, s in enumerate(stages) if s.name == "dedupe")
        searcher.pipeline = RankingPipeline([*stages[:at], build(searcher), *stages[at:]])

    return apply


# Fusion with the lexical side at full weight whatever share of the question the BM25 hits hold.
_no_lexical_coverage = fuse_replaced(lambda fuse: Fuse(fuse.fusion, fuse.dense_weight))


# Each variant changes one thing from production. The answer-type prior and its four parts were judged
# here too, switched on, until they were removed (benchmarks/README.md has that table).
VARIANTS: dict[str, Callable[[Searcher], None] | None] = {
    "production": None,
    "no proximity": _without("proximity"),
    "no typo tolerance": _no_typos,
    "no lexical coverage": _no_lexical_coverage,
}


@contextmanager
def variant(searcher: Searcher, change: Callable[[Searcher], None] | None):
    saved = (searcher.pipeline, searcher.expander.typos, searcher.candidates, searcher.encoder, searcher.sparse_encoder)
    if change is not None:
        change(searcher)
    try:
        yield searcher
    finally:
        (searcher.pipeline, searcher.expander.typos, searcher.candidates, searcher.encoder, searcher.sparse_encoder) = (
            saved
        )


def _reranked(model: Path, depth: int = 20) -> Callable[[Searcher], None]:
    from search.ranking.cross_encoder import CrossEncoderReranker
    from search.ranking.rerank import Rerank

    stage = Rerank(CrossEncoderReranker(str(model)), depth)

    def apply(searcher: Searcher) -> None:
        searcher.pipeline = searcher.pipeline.replacing(stage)

    return apply


def gold_runs(
    service: VaksamService, path: Path, variants: dict[str, Callable[[Searcher], None] | None]
) -> tuple[Qrels, dict[str, Run], float]:
    """Qrels (every passage holding a gold string) and one run per variant for a question file."""
    questions = load_queries(path)
    texts = {p.id: p.text for p in service.store.live_passages()}
    qrels = {q["id"]: relevant_passages(texts, q["gold"]) for q in questions}
    runs, started = {}, time.perf_counter()
    for name, change in variants.items():
        with variant(service.searcher, change) as searcher:
            run = {}
            for q in questions:
                ranked = searcher.ranked(service.check_query(q["query"]), K)
                run[q["id"]] = {item.passage.id: float(K - r) for r, item in enumerate(ranked)} or {"-": 0.0}
        runs[name] = Run(run, name=name)
    return Qrels(qrels), runs, time.perf_counter() - started


def beir_runs(
    searcher: Searcher,
    queries: dict[str, str],
    qids: list[str],
    variants: dict[str, Callable[[Searcher], None] | None],
    ids: dict[str, str] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Per variant, the ranked corpus ids of each question in ``qids`` (a run as ranx reads it)."""
    runs = {}
    for name, change in variants.items():
        with variant(searcher, change):
            run = {}
            for qid in qids:
                ranked = beir_ranking(searcher.ranked(queries[qid], 5 * K), ids)
                run[qid] = {d: float(5 * K - r) for r, d in enumerate(ranked[:K])} or {"-": 0.0}
        runs[name] = run
    return runs


def _subset_table(
    title: str, graded: dict[str, dict[str, int]], runs: dict[str, dict[str, dict[str, float]]], qids: list[str]
) -> list[str]:
    kept = {n: Run({q: r[q] for q in qids}, name=n) for n, r in runs.items()}
    return table(f"{title}: {len(qids)} questions", Qrels({q: graded[q] for q in qids}), kept)


def beir_tables(
    title: str,
    graded: dict[str, dict[str, int]],
    runs: dict[str, dict[str, dict[str, float]]],
    held_out: list[str],
    by_split: bool = False,
) -> list[str]:
    """Every variant over all questions it ran on (``by_split``: over the training split, the tuning
    split, alone), then all of them over the held-out splits alone."""
    everywhere = {n: r for n, r in runs.items() if set(r) == set(graded)}
    if by_split:
        judging = set(held_out)
        training = [q for q in graded if q not in judging]
        lines = _subset_table(f"{title}, training split (tuning)", graded, everywhere, training)
    else:
        lines = _subset_table(title, graded, everywhere, list(graded))
    if by_split or len(everywhere) < len(runs):
        lines += _subset_table(f"{title}, dev and test splits only", graded, runs, held_out)
    return lines


def read_graded(folder: Path) -> tuple[list[dict], dict[str, str], dict[str, dict[str, int]]]:
    """A BEIR folder's corpus, questions and integer relevance of the questions it has."""
    corpus, queries, qrels = read_beir(folder)
    graded = {q: {d: int(s) for d, s in docs.items()} for q, docs in qrels.items() if q in queries}
    return corpus, queries, graded


def read_english(path: Path | None) -> dict[str, str]:
    """SweQuAD-MC question ids and their English wording (``eval/swequad_mc_english.jsonl``)."""
    lines = path.read_text(encoding="utf-8").splitlines() if path else []
    return {q["_id"]: q["text"] for q in map(json.loads, lines)}


def per_question(qrels: Qrels, run: Run, metrics: list[str] = METRICS) -> dict[str, np.ndarray]:
    """Each metric's score for every question of ``run``, in ranx's question order."""
    return {m: np.asarray(evaluate(qrels, run, m, return_mean=False), dtype=float) for m in metrics}


def _split(folder: Path) -> dict[str, str]:
    """SweQuAD-MC's split of each question (training, dev, test), from ``metadata.split``."""
    lines = (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return {q["_id"]: q.get("metadata", {}).get("split", "test") for q in records}


@contextmanager
def _with_ids(index):
    """A plain BEIR index's searcher, with no id map (its document ids are the corpus's)."""
    with index as searcher:
        yield searcher, None


def _without_diacritics(text: str) -> str:
    return text.translate(str.maketrans("åäöÅÄÖé", "aaoAAOe"))


def runs_of(runs: dict[str, dict[str, dict[str, float]]]) -> dict[str, Run]:
    return {name: Run(run, name=name) for name, run in runs.items()}


def table(title: str, qrels: Qrels, runs: dict[str, Run]) -> list[str]:
    """Each run against the first (production, or what a script judges against), question by question."""
    student = compare(qrels, list(runs.values()), metrics=METRICS, stat_test="student", max_p=MAX_P).to_dict()
    scores = {name: per_question(qrels, run) for name, run in runs.items()}
    first = next(iter(runs))
    base = scores[first]
    lines = [f"\n{title}", "| variant | " + " | ".join(METRICS) + " |", "|---" * (len(METRICS) + 1) + "|"]
    for name in runs:
        cells = []
        for metric in METRICS:
            score = float(scores[name][metric].mean())
            if name == first:
                cells.append(f"{score:.3f}")
                continue
            p = sign_flip_p(base[metric], scores[name][metric])
            t = float(student[first]["comparisons"][name][metric])
            delta = score - float(base[metric].mean())
            mark = " *" if p < MAX_P else ""
            cells.append(f"{score:.3f} ({delta:+.3f}, p {p:.2f} / t {t:.2f}){mark}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main(variants: dict[str, Callable[[Searcher], None] | None] = VARIANTS, by_split: bool = False) -> None:
    """Judge ``variants`` (the one judged against first) on the sets the command line names; ``by_split`` reports
    SweQuAD-MC's training split apart from its dev and test splits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--queries", type=Path, nargs="+", required=True, help="question files over data/index (dev, then held out)"
    )
    parser.add_argument(
        "--held-out", type=Path, nargs="+", default=[], help="held-out question files over --held-out-index"
    )
    parser.add_argument("--held-out-index", type=Path)
    parser.add_argument("--beir", type=Path)
    parser.add_argument(
        "--as-files", action="store_true", help="also SweQuAD-MC's pages as text files through ingest (headings)"
    )
    parser.add_argument(
        "--english", type=Path, help="SweQuAD-MC questions asked in English (eval/swequad_mc_english.jsonl)"
    )
    parser.add_argument(
        "--no-diacritics", action="store_true", help="also SweQuAD-MC's dev and test questions typed without å, ä, ö"
    )
    parser.add_argument("--cross-encoder", type=Path, help="judge this reranker folder as the learned stage")
    args = parser.parse_args()
    learned = {"cross-encoder, top 20": _reranked(args.cross_encoder)} if args.cross_encoder else {}
    every = {**variants, **learned}
    out: list[str] = [
        "(p: sign-flip randomisation test, t: ranx's paired t-test, both against the first variant, paired by question;"
        " * = p < .05)"
    ]
    sets = [("dev" if n == 0 else "held out (bundled corpus)", path, Settings()) for n, path in enumerate(args.queries)]
    if args.held_out_index:
        real = Settings(qdrant_path=args.held_out_index)
        sets += [("held out (real corpus)", path, real) for path in args.held_out]
    for label, path, settings in sets:
        service = VaksamService(settings)
        try:
            qrels, runs, seconds = gold_runs(service, path, every)
            out += table(f"{label}: {path.name}, {len(qrels.qrels)} questions ({seconds:.0f} s)", qrels, runs)
        finally:
            service.close()
        print("\n".join(out), flush=True)
        out = []
    if args.beir:
        service = VaksamService(Settings())
        try:
            corpus, queries, graded = read_graded(args.beir)
            held_out = [q for q in graded if _split(args.beir).get(q) != "training"]
            indexes = [("SweQuAD-MC", lambda: _with_ids(beir_index(service, corpus, progress=False)))]
            if args.as_files:
                indexes.append(("SweQuAD-MC as text files", lambda: beir_files_index(service, corpus)))
            english = read_english(args.english)
            plain = {q: _without_diacritics(queries[q]) for q in held_out} if args.no_diacritics else {}
            for title, index in indexes:
                with index() as (searcher, ids):
                    runs = beir_runs(searcher, queries, list(graded), variants, ids)
                    runs |= beir_runs(searcher, queries, held_out, learned, ids)
                    in_english = beir_runs(searcher, {**queries, **english}, list(english), every, ids)
                    typed_plain = beir_runs(searcher, {**queries, **plain}, list(plain), variants, ids)
                out += beir_tables(title, graded, runs, held_out, by_split)
                if english:
                    subset = Qrels({q: graded[q] for q in english})
                    out += table(f"{title}, asked in English: {len(english)} questions", subset, runs_of(in_english))
                if plain:
                    subset = Qrels({q: graded[q] for q in plain})
                    label = f"{title}, dev and test splits typed without å, ä, ö: {len(plain)} questions"
                    out += table(label, subset, runs_of(typed_plain))
                print("\n".join(out), flush=True)
                out = []
        finally:
            service.close()
    print("\n".join(out))
    print(json.dumps({"variants": list(every)}))


if __name__ == "__main__":
    main()
