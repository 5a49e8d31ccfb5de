"""A cross-encoder reranker initialised from the e5-small weights, trained on CPU on SweQuAD-MC's
training questions only, and judged against production on questions it never saw.

``train`` (``make cross-encoder``) mines training groups from the product's own search over
SweQuAD-MC: for each training question, a positive is a passage of a relevant page that holds the
question's answer, negatives are the best candidates from other pages (hard negatives). It then
fine-tunes ``AutoModelForSequenceClassification`` from the e5 folder with one score per pair and a
listwise loss (the positive against its group's negatives), word embeddings frozen, and saves a
folder that ``sentence_transformers.CrossEncoder`` loads (``VAKSAM_RERANK=cross-encoder``,
``VAKSAM_RERANK_MODEL=models/cross-encoder``).

``judge`` reranks production's best ``--depth`` passages with the model on SweQuAD-MC's dev and test
splits, the held-out real-corpus questions and the dev questions, with paired sign-flip tests and
the added latency.

    make cross-encoder                      # or: .venv/bin/python benchmarks/cross_encoder.py train
    .venv/bin/python benchmarks/cross_encoder.py judge --model models/cross-encoder \\
        --queries ../shared/eval/dev_queries.jsonl --held-out eval/real_queries.jsonl --held-out-index /tmp/real
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np

from api.evaluation import beir_index, beir_ranking, load_queries, read_beir, score_ranking, sign_flip_p
from api.relevance import contains_gold, relevant_passages
from api.service import VaksamService
from search.embedding.resolve import resolve_model
from search.ranking.rerank import Reranker
from search.settings import Settings

K = 10
SEED = 13


def _splits(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    split, answers = {}, {}
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        meta = record.get("metadata", {})
        split[record["_id"]] = meta.get("split", "test")
        answers[record["_id"]] = meta.get("answer", "")
    return split, answers


def _relevant(item, relevant: dict[str, float]) -> bool:
    twins = item.document.duplicates if item.document is not None else []
    return any(relevant.get(d, 0) > 0 for d in (item.passage.document_id, *item.passage.also_in, *twins))


def mine(beir: Path, depth: int, negatives: int) -> list[dict]:
    """Training groups ``{query, positive, negatives}`` from SweQuAD-MC's training split."""
    corpus, queries, qrels = read_beir(beir)
    split, answers = _splits(beir)
    service = VaksamService(Settings())
    groups = []
    try:
        with beir_index(service, corpus, progress=False) as searcher:
            for qid, relevant in qrels.items():
                if split.get(qid) != "training" or qid not in queries or not answers.get(qid):
                    continue
                ranked = searcher.ranked(queries[qid], depth, rerank=False)
                positives = [
                    i for i in ranked if _relevant(i, relevant) and contains_gold(i.passage.text, [answers[qid]])
                ]
                others = [i for i in ranked if not _relevant(i, relevant)][:negatives]
                if positives and len(others) == negatives:
                    groups.append(
                        {
                            "query": queries[qid],
                            "positive": positives[0].passage.text,
                            "negatives": [i.passage.text for i in others],
                        }
                    )
    finally:
        service.close()
    return groups


def train(groups: list[dict], out: Path, epochs: int, batch: int, lr: float, max_length: int) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    random.seed(SEED)
    torch.manual_seed(SEED)
    settings = Settings()
    base = resolve_model(settings.embedding_model, settings.model_dir)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    model.get_input_embeddings().weight.requires_grad_(False)  # 96M of its 118M parameters
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(parameters, lr=lr, weight_decay=0.01)
    steps = epochs * math.ceil(len(groups) / batch)
    schedule = get_linear_schedule_with_warmup(optimiser, int(0.1 * steps), steps)
    model.train()
    started, step = time.perf_counter(), 0
    for epoch in range(epochs):
        order = list(range(len(groups)))
        random.shuffle(order)
        for at in range(0, len(order), batch):
            chunk = [groups[i] for i in order[at : at + batch]]
            size = 1 + len(chunk[0]["negatives"])
            queries = [g["query"] for g in chunk for _ in range(size)]
            texts = [t for g in chunk for t in (g["positive"], *g["negatives"])]
            encoded = tokenizer(
                queries, texts, truncation="only_second", max_length=max_length, padding=True, return_tensors="pt"
            )
            logits = model(**encoded).logits.view(len(chunk), size)
            loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(chunk), dtype=torch.long))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 20 == 0 or step == steps:
                elapsed = time.perf_counter() - started
                print(f"epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f} ({elapsed:.0f} s)", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    write_training_record(out, base, len(groups), started, epochs=epochs, batch=batch, lr=lr, max_length=max_length)


TRAINED_ON = "SweQuAD-MC training split (hard negatives from Vaksam's hybrid search)"


def write_training_record(
    out: Path, base: Path, groups: int, started: float, trained_on: str = TRAINED_ON, **parameters: float
) -> None:
    """``vaksam_training.json`` beside a trained model: what it was trained from, on and with."""
    record = {
        "base": str(base),
        "groups": groups,
        **parameters,
        "seed": SEED,
        "trained_on": trained_on,
        "seconds": round(time.perf_counter() - started),
    }
    (out / "vaksam_training.json").write_text(json.dumps(record, indent=2))


class _Judged:
    """Per-question metrics of production and production + reranker, and the reranker's latency."""

    def __init__(self) -> None:
        self.base: dict[str, list[float]] = {}
        self.reranked: dict[str, list[float]] = {}
        self.ms: list[float] = []

    def add(self, metrics_base: dict[str, float], metrics_reranked: dict[str, float], ms: float) -> None:
        for name, value in metrics_base.items():
            self.base.setdefault(name, []).append(value)
            self.reranked.setdefault(name, []).append(metrics_reranked[name])
        self.ms.append(ms)

    def render(self, title: str) -> str:
        lines = [f"\n{title} (rerank: median +{np.median(self.ms):.0f} ms/question)"]
        lines.append("| metric | production | + cross-encoder | p |")
        lines.append("|---|---|---|---|")
        for name in self.base:
            a, b = np.asarray(self.base[name]), np.asarray(self.reranked[name])
            p = sign_flip_p(a, b)
            mark = " *" if p < 0.05 else ""
            lines.append(f"| {name} | {a.mean():.3f} | {b.mean():.3f} ({b.mean() - a.mean():+.3f}) | {p:.3f}{mark} |")
        return "\n".join(lines)


_METRICS = ("mrr@10", "ndcg@10", "hit@1", "hit@5")


def judge(args: argparse.Namespace) -> None:
    from search.ranking.cross_encoder import CrossEncoderReranker

    reranker: Reranker = CrossEncoderReranker(str(args.model))
    out = []
    corpus, queries, qrels = read_beir(args.beir)
    split, _ = _splits(args.beir)
    service = VaksamService(Settings())
    try:
        with beir_index(service, corpus, progress=False) as searcher:
            for part in ("dev", "test"):
                judged = _Judged()
                for qid, relevant in qrels.items():
                    if split.get(qid) != part or qid not in queries:
                        continue
                    ranked = searcher.ranked(queries[qid], 5 * K, rerank=False)
                    started = time.perf_counter()
                    reranked = reranker.rerank(queries[qid], ranked, args.depth)
                    ms = (time.perf_counter() - started) * 1000
                    judged.add(
                        score_ranking(beir_ranking(ranked), relevant, _METRICS),
                        score_ranking(beir_ranking(reranked), relevant, _METRICS),
                        ms,
                    )
                out.append(judged.render(f"SweQuAD-MC {part} split: {len(judged.ms)} questions"))
                print(out[-1], flush=True)
    finally:
        service.close()
    sets = []
    if args.held_out and args.held_out_index:
        sets.append(("held out (real corpus)", Settings(qdrant_path=args.held_out_index), args.held_out))
    if args.queries:
        sets.append(("dev questions (bundled corpus)", Settings(), args.queries))
    for label, settings, path in sets:
        service = VaksamService(settings)
        try:
            texts = {p.id: p.text for p in service.store.live_passages()}
            judged = _Judged()
            for q in load_queries(path):
                query = service.check_query(q["query"])
                ranked = service.searcher.ranked(query, K, rerank=False)
                started = time.perf_counter()
                reranked = reranker.rerank(query, ranked, args.depth)
                ms = (time.perf_counter() - started) * 1000
                relevant = relevant_passages(texts, q["gold"])
                judged.add(
                    score_ranking([i.passage.id for i in ranked], relevant, _METRICS),
                    score_ranking([i.passage.id for i in reranked], relevant, _METRICS),
                    ms,
                )
            out.append(judged.render(f"{label}: {len(judged.ms)} questions"))
            print(out[-1], flush=True)
        finally:
            service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    t = commands.add_parser("train", help="mine SweQuAD-MC training groups and fine-tune the cross-encoder")
    t.add_argument("--beir", type=Path, default=Path("../shared/eval/swequad_mc"))
    t.add_argument("--out", type=Path, default=Path("models/cross-encoder"))
    t.add_argument("--depth", type=int, default=30, help="candidates mined per question")
    t.add_argument("--negatives", type=int, default=7)
    t.add_argument("--epochs", type=int, default=1)
    t.add_argument("--batch", type=int, default=2, help="groups per step")
    t.add_argument("--lr", type=float, default=3e-5)
    t.add_argument("--max-length", type=int, default=256)
    t.add_argument("--groups", type=Path, help="reuse (or write) the mined groups in this JSON-lines file")
    j = commands.add_parser("judge", help="production against production + the cross-encoder, held out")
    j.add_argument("--model", type=Path, default=Path("models/cross-encoder"))
    j.add_argument("--beir", type=Path, default=Path("../shared/eval/swequad_mc"))
    j.add_argument("--depth", type=int, default=20, help="passages the reranker re-scores")
    j.add_argument("--queries", type=Path)
    j.add_argument("--held-out", type=Path)
    j.add_argument("--held-out-index", type=Path)
    args = parser.parse_args()
    if args.command == "judge":
        judge(args)
        return
    started = time.perf_counter()
    if args.groups and args.groups.exists():
        groups = [json.loads(line) for line in args.groups.read_text(encoding="utf-8").splitlines()]
    else:
        groups = mine(args.beir, args.depth, args.negatives)
        if args.groups:
            args.groups.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in groups), encoding="utf-8")
    print(f"{len(groups)} training groups ({time.perf_counter() - started:.0f} s)", flush=True)
    train(groups, args.out, args.epochs, args.batch, args.lr, args.max_length)
    print(f"saved {args.out} ({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
