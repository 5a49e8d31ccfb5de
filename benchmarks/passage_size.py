"""Judge the passage size on questions it was not chosen on, with paired significance.

For every size the corpora are indexed afresh into throwaway embedded indexes with the production
search (hybrid, every default stage) and each set is scored per question with ranx:

- the dev questions over the bundled corpus (the set the size was first chosen on, dense only) and
  any further ``--queries`` files over it (``eval/bundled_queries.jsonl``, held out);
- ``--held-out`` questions over ``--held-out-corpus`` (``eval/real_queries.jsonl`` over the real
  corpus: written before any search);
- ``--beir`` SweQuAD-MC: its training split is the tuning split for a size, its dev and test splits
  judge; ``--as-files`` also indexes its pages as text files through ingest (headings found), and
  ``--english`` adds its questions asked in English.

A gold-string question is relevant to every passage of that size holding a gold string, so each size
is scored against its own passages (longer passages hold a straddling answer more often: a small
bias for size that the SweQuAD-MC sets, judged by page, do not have). Each size is compared with the
production size (``--baseline``, default ``VAKSAM_PASSAGE_TOKENS``) by a paired sign-flip test.
Run from the project root (about 10 minutes a size with the real corpus and both SweQuAD indexes)::

    .venv/bin/python -m benchmarks.passage_size --queries ../shared/eval/dev_queries.jsonl eval/bundled_queries.jsonl \\
        --held-out eval/real_queries.jsonl --held-out-corpus ../shared/corpus/real \\
        --beir ../shared/eval/swequad_mc --as-files --english eval/swequad_mc_english.jsonl \\
        --sizes 128 160 200 256
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from ranx import Qrels, Run

from api.evaluation import beir_files_index, beir_index, sign_flip_p
from api.service import VaksamService
from api.settings import ApiSettings
from benchmarks.priors import K, _split, _with_ids, beir_runs, gold_runs, per_question, read_english, read_graded
from search.embedding.encoder import Encoder
from search.settings import Settings

METRICS = ["mrr@10", "hit_rate@1", "hit_rate@5", "ndcg@10"]
PRODUCTION = {"production": None}

# per set: size -> (per-question metric arrays, passages in the index)
Scores = dict[str, dict[int, tuple[dict[str, np.ndarray], int]]]


def gold_sets(settings: Settings, encoder: Encoder, corpus: Path, files: list[Path]) -> dict[Path, tuple[dict, int]]:
    """Index ``corpus`` at this size and score each question file (each size against its own passages)."""
    service = VaksamService(settings, encoder=encoder)
    try:
        summary = service.ingest([corpus], progress=False)
        out = {}
        for questions in files:
            qrels, runs, _ = gold_runs(service, questions, PRODUCTION)
            out[questions] = (per_question(qrels, runs["production"], METRICS), summary.passages)
        return out
    finally:
        service.close()


def beir_sets(settings: Settings, encoder: Encoder, args: argparse.Namespace) -> dict[str, tuple[dict, int]]:
    corpus, queries, graded = read_graded(args.beir)
    split = _split(args.beir)
    tuning = [q for q in graded if split.get(q) == "training"]
    judging = [q for q in graded if split.get(q) != "training"]
    english = {q: text for q, text in read_english(args.english).items() if q in graded}
    service = VaksamService(settings, encoder=encoder)
    indexes = [("SweQuAD-MC", lambda: _with_ids(beir_index(service, corpus, progress=False)))]
    if args.as_files:
        indexes.append(("SweQuAD-MC as files", lambda: beir_files_index(service, corpus)))
    out: dict[str, tuple[dict, int]] = {}
    try:
        for title, index in indexes:
            with index() as (searcher, ids):
                passages = searcher.store.count_passages()
                run = beir_runs(searcher, queries, list(graded), PRODUCTION, ids)["production"]
                in_english = beir_runs(searcher, {**queries, **english}, list(english), PRODUCTION, ids)
            for label, qids, source in [
                (f"{title}, training split (tuning)", tuning, run),
                (f"{title}, dev and test splits", judging, run),
                (f"{title}, asked in English", list(english), in_english["production"]),
            ]:
                if qids:
                    subset = Qrels({q: graded[q] for q in qids})
                    out[label] = (per_question(subset, Run({q: source[q] for q in qids}), METRICS), passages)
    finally:
        service.close()
    return out


def render(scores: Scores, baseline: int) -> list[str]:
    lines = [f"(each size against {baseline} tokens: change and sign-flip p, paired by question; * = p < .05)"]
    for label, by_size in scores.items():
        if baseline not in by_size:
            continue
        base = by_size[baseline][0]
        count = len(next(iter(base.values())))
        lines += [f"\n{label}: {count} questions", "| tokens | passages | " + " | ".join(METRICS) + " |"]
        lines.append("|---" * (len(METRICS) + 2) + "|")
        for size, (metrics, passages) in sorted(by_size.items()):
            cells = []
            for m in METRICS:
                score = float(metrics[m].mean())
                if size == baseline:
                    cells.append(f"{score:.3f}")
                    continue
                p = sign_flip_p(base[m], metrics[m])
                mark = " *" if p < 0.05 else ""
                cells.append(f"{score:.3f} ({score - float(base[m].mean()):+.3f}, p {p:.2f}){mark}")
            lines.append(f"| {size} | {passages} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--queries", type=Path, nargs="+", required=True, help="question files over --corpus (dev, held out)"
    )
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    parser.add_argument(
        "--held-out", type=Path, nargs="+", default=[], help="held-out question files over --held-out-corpus"
    )
    parser.add_argument("--held-out-corpus", type=Path)
    parser.add_argument("--beir", type=Path)
    parser.add_argument("--as-files", action="store_true", help="also SweQuAD-MC's pages as text files")
    parser.add_argument("--english", type=Path, help="SweQuAD-MC questions asked in English")
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 160, 200, 256])
    parser.add_argument("--baseline", type=int, default=Settings().passage_tokens)
    args = parser.parse_args()
    sizes = sorted(set(args.sizes) | {args.baseline})

    encoder = Encoder.load(Settings())
    scores: Scores = defaultdict(dict)
    for size in sizes:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="vaksam-size-") as tmp:
            settings = ApiSettings(
                qdrant_path=Path(tmp) / "dev", passage_tokens=size, query_stats=False, uploads_dir=Path(tmp) / "up"
            )
            for path, result in gold_sets(settings, encoder, args.corpus, args.queries).items():
                scores[f"{path.name} over {args.corpus}"][size] = result
            if args.held_out and args.held_out_corpus:
                settings = settings.model_copy(update={"qdrant_path": Path(tmp) / "held-out"})
                for path, result in gold_sets(settings, encoder, args.held_out_corpus, args.held_out).items():
                    scores[f"{path.name} over {args.held_out_corpus}"][size] = result
            if args.beir:
                settings = settings.model_copy(update={"qdrant_path": Path(tmp) / "beir"})
                for label, result in beir_sets(settings, encoder, args).items():
                    scores[label][size] = result
        print(f"{size} tokens: {time.perf_counter() - started:.0f} s", flush=True)
        print("\n".join(render(scores, args.baseline)), flush=True)
    print(f"\nK = {K}")


if __name__ == "__main__":
    main()
