"""A learned ranking stage judged against production: linear learning-to-rank over the search's own
signals, trained only on SweQuAD-MC's training questions, judged on its test questions, on the
held-out real-corpus questions and on the dev questions (none of which it saw), with paired
significance.

The model replaces fusion and the proximity prior in hybrid mode: each candidate of the union the
store proposes gets a feature vector (:data:`FEATURES`) and a score ``w · standardised(x)``. The
weights come from a pairwise logistic regression (every relevant candidate against every other
candidate of the same question), the regularisation chosen on SweQuAD-MC's dev split. A gradient-
boosted pointwise model over the same features is trained too, to see whether a non-linear model
finds more.

    .venv/bin/python benchmarks/learned_ranker.py --beir ../shared/eval/swequad_mc \\
        --queries ../shared/eval/dev_queries.jsonl --held-out eval/real_queries.jsonl --held-out-index /tmp/real
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ranx import Qrels, Run, evaluate

from api.evaluation import beir_index, beir_ranking, load_queries, read_beir, sign_flip_p
from api.relevance import relevant_passages
from api.service import VaksamService
from search.modes import SearchMode
from search.ranking.dedupe import deduplicate
from search.ranking.fusion import dense_scores, fuse, minmax
from search.ranking.proximity import adjacency_share, adjacent_pairs, proximity_prior
from search.ranking.scored import DENSE, LEXICAL, SENTENCES, ScoredPassage
from search.searcher import Searcher
from search.settings import Settings

K = 10
FEATURES = [
    "fused",  # production's min-max mix, so the model can at worst keep it
    "dense_minmax",
    "sentences_minmax",
    "lexical_minmax",
    "dense_gap",  # cosine below the best candidate's
    "sentences_gap",
    "lexical_share",  # BM25 as a share of the best candidate's
    "lexical_missing",
    "proximity",
    "coverage",  # share of the question's distinct content stems the passage holds
    "log_tokens",
    "dense_rank",  # 1 / (1 + rank) on each signal
    "lexical_rank",
]


@dataclass
class Candidates:
    items: list[ScoredPassage]  # fused, in production's order before proximity
    features: np.ndarray
    production: list[ScoredPassage]


def _inverse_rank(values: list[float]) -> np.ndarray:
    order = np.argsort(-np.asarray(values, dtype=float), kind="stable")
    out = np.zeros(len(values))
    out[order] = 1.0 / (1.0 + np.arange(len(values)))
    return out


def candidates(searcher: Searcher, query: str) -> Candidates | None:
    """The union the store proposes for ``query``, fused as production fuses it, with features."""
    analyzer = searcher.sparse_encoder.analyzer
    expansion = searcher.expand(query)
    vector = searcher.encoder.encode_query(query)
    sparse = searcher.sparse_encoder.encode_query(expansion.lexical_query(query))
    found = searcher.store.candidates(vector, sparse, limit=searcher.candidates, signals=(DENSE, SENTENCES, LEXICAL))
    if len(found) < 2:
        return None
    fuse_stage, proximity_stage = searcher.pipeline.stage("fuse"), searcher.pipeline.stage("proximity")
    fused = fuse(found, SearchMode.HYBRID, fuse_stage.fusion, fuse_stage.dense_weight)
    stems = analyzer.stems(expansion.corrected(query))
    production = deduplicate(proximity_prior(fused, stems, analyzer, proximity_stage.weight))
    pairs = adjacent_pairs(stems)
    wanted = set(stems)
    dense = [i.signals.get(DENSE, 0.0) for i in fused]
    sentences = [i.signals.get(SENTENCES, i.signals.get(DENSE, 0.0)) for i in fused]
    lexical = [i.signals.get(LEXICAL) or 0.0 for i in fused]
    top_lexical = max(lexical) or 1.0
    rows = []
    dense_mm, sentences_mm, lexical_mm = minmax(dense), minmax(sentences), minmax(lexical)
    dense_rank = _inverse_rank(dense_scores(fused))
    lexical_rank = _inverse_rank(lexical)
    for n, item in enumerate(fused):
        text_stems = analyzer.stems(item.passage.text)
        rows.append(
            [
                item.score,
                dense_mm[n],
                sentences_mm[n],
                lexical_mm[n],
                dense[n] - max(dense),
                sentences[n] - max(sentences),
                lexical[n] / top_lexical,
                float(item.signals.get(LEXICAL) is None),
                adjacency_share(pairs, text_stems),
                len(wanted & set(text_stems)) / len(wanted) if wanted else 0.0,
                math.log1p(len(text_stems)),
                dense_rank[n],
                lexical_rank[n],
            ]
        )
    return Candidates(fused, np.asarray(rows, dtype=float), production)


class LinearRanker:
    """``w · (x - mean) / std``, fitted pairwise."""

    def __init__(self, c: float) -> None:
        self.c = c

    def fit(self, groups: list[tuple[np.ndarray, np.ndarray]]) -> LinearRanker:
        from sklearn.linear_model import LogisticRegression

        stacked = np.vstack([x for x, _ in groups])
        self.mean, self.std = stacked.mean(axis=0), stacked.std(axis=0) + 1e-9
        diffs = []
        for x, y in groups:
            z = (x - self.mean) / self.std
            for i in np.flatnonzero(y):
                diffs.append(z[i] - z[y == 0])
        d = np.vstack(diffs)
        model = LogisticRegression(C=self.c, fit_intercept=False, max_iter=2000)
        model.fit(np.vstack([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))])
        self.weights = model.coef_[0]
        return self

    def score(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.std) @ self.weights


class BoostedRanker:
    """Gradient-boosted trees, pointwise (relevant or not)."""

    def fit(self, groups: list[tuple[np.ndarray, np.ndarray]]) -> BoostedRanker:
        from sklearn.ensemble import HistGradientBoostingClassifier

        x = np.vstack([x for x, _ in groups])
        y = np.concatenate([y for _, y in groups])
        self.model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0)
        self.model.fit(x, y)
        return self

    def score(self, x: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(x)[:, 1]


def reorder(found: Candidates, model) -> list[ScoredPassage]:
    scores = model.score(found.features)
    order = np.argsort(-scores, kind="stable")
    return deduplicate([ScoredPassage(float(scores[i]), *_rest(found.items[i])) for i in order])


def _rest(item: ScoredPassage) -> tuple:
    return item.passage, item.document, item.signals


def beir_labels(found: Candidates, relevant: dict[str, float]) -> np.ndarray:
    def is_relevant(item: ScoredPassage) -> bool:
        twins = item.document.duplicates if item.document is not None else []
        return any(relevant.get(d, 0) > 0 for d in (item.passage.document_id, *item.passage.also_in, *twins))

    return np.asarray([float(is_relevant(i)) for i in found.items])


def run_of(rankings: dict[str, list[str]]) -> Run:
    return Run({q: {d: float(len(r) - n) for n, d in enumerate(r[:K])} or {"-": 0.0} for q, r in rankings.items()})


def compare_runs(title: str, qrels: Qrels, runs: dict[str, Run], metrics=("mrr@10", "ndcg@10", "hit_rate@5")) -> str:
    per = {
        name: {m: np.asarray(evaluate(qrels, run, m, return_mean=False), dtype=float) for m in metrics}
        for name, run in runs.items()
    }
    base = per["production"]
    lines = [f"\n{title}", "| ranking | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
    for name in runs:
        cells = []
        for m in metrics:
            score = float(per[name][m].mean())
            if name == "production":
                cells.append(f"{score:.3f}")
            else:
                p = sign_flip_p(base[m], per[name][m])
                cells.append(f"{score:.3f} ({score - base[m].mean():+.3f}, p {p:.3f}){' *' if p < 0.05 else ''}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def gold_set(settings: Settings, path: Path, models: dict[str, Callable]) -> tuple[Qrels, dict[str, Run], float, float]:
    """Production and each model over a gold-string question file; returns median ms of features."""
    service = VaksamService(settings)
    try:
        questions = load_queries(path)
        texts = {p.id: p.text for p in service.store.live_passages()}
        qrels = {q["id"]: relevant_passages(texts, q["gold"]) for q in questions}
        rankings: dict[str, dict[str, list[str]]] = {"production": {}, **{n: {} for n in models}}
        took = []
        for q in questions:
            started = time.perf_counter()
            found = candidates(service.searcher, service.check_query(q["query"]))
            took.append((time.perf_counter() - started) * 1000)
            if found is None:
                for r in rankings.values():
                    r[q["id"]] = []
                continue
            rankings["production"][q["id"]] = [i.passage.id for i in found.production]
            for name, model in models.items():
                rankings[name][q["id"]] = [i.passage.id for i in reorder(found, model)]
        return Qrels(qrels), {n: run_of(r) for n, r in rankings.items()}, float(np.median(took)), len(questions)
    finally:
        service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beir", type=Path, required=True, help="SweQuAD-MC (queries carry metadata.split)")
    parser.add_argument("--queries", type=Path, help="dev questions over data/index")
    parser.add_argument("--held-out", type=Path)
    parser.add_argument("--held-out-index", type=Path)
    parser.add_argument("--save", type=Path, help="write the linear model's weights as JSON")
    args = parser.parse_args()

    corpus, queries, qrels = read_beir(args.beir)
    split = {}
    for line in (args.beir / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        split[record["_id"]] = record.get("metadata", {}).get("split", "test")
    service = VaksamService(Settings())
    started = time.perf_counter()
    found: dict[str, Candidates] = {}
    with beir_index(service, corpus, progress=False) as searcher:
        print(f"index built in {time.perf_counter() - started:.0f} s", flush=True)
        for qid in qrels:
            if qid in queries:
                got = candidates(searcher, queries[qid])
                if got is not None:
                    found[qid] = got
    service.close()
    print(f"candidates for {len(found)} questions in {time.perf_counter() - started:.0f} s", flush=True)

    def groups(part: str) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for qid, got in found.items():
            labels = beir_labels(got, qrels[qid])
            if split[qid] == part and 0 < labels.sum() < len(labels):
                out.append((got.features, labels))
        return out

    train, tune = groups("training"), groups("dev")
    print(f"training questions with a relevant candidate: {len(train)}; tuning: {len(tune)}", flush=True)

    def beir_compare(part: str, models: dict) -> tuple[Qrels, dict[str, Run]]:
        ids = [q for q in found if split[q] == part]
        graded = Qrels({q: {d: int(s) for d, s in qrels[q].items()} for q in ids})
        rankings = {"production": {q: beir_ranking(found[q].production) for q in ids}}
        for name, model in models.items():
            rankings[name] = {q: beir_ranking(reorder(found[q], model)) for q in ids}
        return graded, {n: run_of(r) for n, r in rankings.items()}

    # regularisation chosen on the dev split, never on test
    best_c, best = None, -1.0
    for c in (0.001, 0.01, 0.1, 1.0, 10.0):
        model = LinearRanker(c).fit(train)
        graded, runs = beir_compare("dev", {"linear": model})
        score = float(evaluate(graded, runs["linear"], "ndcg@10"))
        print(f"C={c}: SweQuAD-MC dev split nDCG@10 {score:.4f}", flush=True)
        if score > best:
            best_c, best = c, score
    linear = LinearRanker(best_c).fit(train)
    boosted = BoostedRanker().fit(train)
    print("linear weights (standardised features):")
    for name, w in sorted(zip(FEATURES, linear.weights, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:18} {w:+.3f}")
    models = {f"learned linear (C={best_c})": linear, "learned boosted trees": boosted}
    report = []
    for part in ("dev", "test"):
        graded, runs = beir_compare(part, models)
        report.append(compare_runs(f"SweQuAD-MC {part} split: {len(graded.qrels)} questions", graded, runs))
    sets = []
    if args.held_out and args.held_out_index:
        sets.append(("held out (real corpus)", Settings(qdrant_path=args.held_out_index), args.held_out))
    if args.queries:
        sets.append(("dev questions (bundled corpus)", Settings(), args.queries))
    for label, settings, path in sets:
        graded, runs, ms, n = gold_set(settings, path, models)
        report.append(compare_runs(f"{label}: {n} questions (features: median {ms:.1f} ms/question)", graded, runs))
    print("\n".join(report))
    if args.save:
        args.save.write_text(
            json.dumps(
                {
                    "features": FEATURES,
                    "mean": linear.mean.tolist(),
                    "std": linear.std.tolist(),
                    "weights": linear.weights.tolist(),
                    "c": best_c,
                    "trained_on": f"{args.beir.name} training split, {len(train)} questions",
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
