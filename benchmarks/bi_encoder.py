"""The e5 bi-encoder itself fine-tuned on SweQuAD-MC's training questions, judged against the model
the product ships on questions it never saw.

``train`` mines the same groups as ``cross_encoder.py`` (a passage of a relevant page that holds the
answer; hard negatives from Vaksam's own hybrid search) and fine-tunes the sentence-transformers
folder with in-batch and hard negatives (the multiple-negatives ranking loss, scale 20), word
embeddings frozen, one epoch. It saves a sentence-transformers folder that the product loads as
``VAKSAM_EMBEDDING_MODEL``. ``--corpus-index`` adds question-free groups mined from indexed documents
(:func:`mine_corpus`: a specific heading or a title with the passage under it, a negative from the
same document), the corpus pairs the issue names; mixed with SweQuAD-MC's groups in one epoch::

    .venv/bin/python -m benchmarks.bi_encoder train --beir ../shared/eval/swequad_mc \\
        --corpus-index /tmp/real data/index --out models/bi-encoder-corpus

``judge`` needs the bundled and real corpora indexed with the tuned model (the ingest commands
below) and compares, question by question, the product with each model: the dev and bundled
held-out questions, the real-corpus questions, and SweQuAD-MC's dev and test splits (each model
indexes the pages itself). p is the paired sign-flip test.

    .venv/bin/python -m benchmarks.bi_encoder train --beir ../shared/eval/swequad_mc --out models/bi-encoder
    VAKSAM_EMBEDDING_MODEL=models/bi-encoder VAKSAM_QDRANT_PATH=/tmp/bundled_ft .venv/bin/vaksam ingest data/corpus
    VAKSAM_EMBEDDING_MODEL=models/bi-encoder VAKSAM_QDRANT_PATH=/tmp/real_ft \\
        .venv/bin/vaksam ingest ../shared/corpus/real
    .venv/bin/python -m benchmarks.bi_encoder judge --model models/bi-encoder \\
        --queries ../shared/eval/dev_queries.jsonl eval/bundled_queries.jsonl --index /tmp/bundled_ft \\
        --held-out eval/real_queries.jsonl --held-out-index /tmp/real --tuned-held-out-index /tmp/real_ft \\
        --beir ../shared/eval/swequad_mc --english eval/swequad_mc_english.jsonl

``blend`` averages the tuned weights with the base model's (WiSE-FT, which often keeps a fine-tune's
gain and the base model's robustness); judge the blend as the tuned model above, with its own indexes::

    .venv/bin/python -m benchmarks.bi_encoder blend --model models/bi-encoder --weight 0.5 --out models/wise-ft
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter
from pathlib import Path

from ranx import Qrels

from api.evaluation import beir_index
from api.service import VaksamService
from benchmarks.cross_encoder import SEED, TRAINED_ON, mine, write_training_record
from benchmarks.priors import _split, _with_ids, beir_runs, gold_runs, read_english, read_graded, runs_of, table
from search.embedding.resolve import resolve_model
from search.settings import Settings
from search.store import QdrantStore
from search.text import fold

BASE, TUNED = "production", "e5 fine-tuned (--model)"


def _words(text: str) -> int:
    return len(fold(text).split())


def _without_prefix(text: str, prefix: str) -> str:
    """``text`` without ``prefix`` at its start (compared folded), so a pair cannot be matched on the
    heading the passage repeats."""
    words, head = text.split(), fold(prefix).split()
    for n in range(1, len(words) + 1):
        if fold(" ".join(words[:n])).split() == head:
            return " ".join(words[n:])
        if len(fold(" ".join(words[:n])).split()) > len(head):
            break
    return text


def mine_corpus(indexes: list[Path], limit: int, min_chars: int = 200) -> list[dict]:
    """Question-free training groups from indexed documents: a specific heading (three words or more,
    the deepest heading of at most three passages) with the first passage under it, and a title with
    its document's first passage; the heading or title is cut from the passage's start. The negative
    is another passage of the same document (another section where it has one): what the ranking
    misses most is the right document's wrong passage."""
    rng = random.Random(SEED)
    groups: list[dict] = []
    for index in indexes:
        store = QdrantStore.from_settings(Settings(qdrant_path=index))
        try:
            titles = {d.id: d.title for d in store.list_documents()}
            passages = sorted(store.live_passages(), key=lambda p: (p.document_id, p.index))
        finally:
            store.close()
        by_document: dict[str, list] = {}
        for p in passages:
            by_document.setdefault(p.document_id, []).append(p)
        spread = Counter(fold(p.section[-1]) for p in passages if p.section)
        for document, own in by_document.items():
            title = titles.get(document) or ""
            pairs, seen = [], set()
            if _words(title) >= 3:
                pairs.append((title, own[0]))
            for p in own:
                head = p.section[-1] if p.section else ""
                key = fold(head)
                if key in seen or key == fold(title) or _words(head) < 3 or spread[key] > 3:
                    continue
                seen.add(key)
                pairs.append((head, p))
            for query, passage in pairs:
                text = _without_prefix(passage.text, query)
                others = [
                    o for o in own if o is not passage and (o.section or [""])[-1] != (passage.section or [""])[-1]
                ]
                others = others or [o for o in own if o is not passage]
                if len(text) < min_chars or not others:
                    continue
                groups.append({"query": query, "positive": text, "negatives": [rng.choice(others).text]})
    rng.shuffle(groups)
    return groups[:limit]


def train(groups: list[dict], out: Path, batch: int, lr: float, max_length: int, trained_on: str = TRAINED_ON) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    random.seed(SEED)
    torch.manual_seed(SEED)
    settings = Settings()
    base = resolve_model(settings.embedding_model, settings.model_dir)
    model = SentenceTransformer(str(base), device="cpu")
    window, model.max_seq_length = model.max_seq_length, max_length
    model[0].auto_model.get_input_embeddings().weight.requires_grad_(False)  # 96M of its 118M parameters
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(parameters, lr=lr, weight_decay=0.01)
    steps = math.ceil(len(groups) / batch)
    warmup = max(1, int(0.1 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    prompts = model.prompts
    order = list(range(len(groups)))
    random.shuffle(order)
    model.train()
    started = time.perf_counter()
    for step, at in enumerate(range(0, len(order), batch), start=1):
        chunk = [groups[i] for i in order[at : at + batch]]
        queries = [prompts["query"] + g["query"] for g in chunk]
        passages = [prompts["passage"] + g["positive"] for g in chunk]
        passages += [prompts["passage"] + n for g in chunk for n in g["negatives"]]
        q = model(model.preprocess(queries))["sentence_embedding"]
        p = model(model.preprocess(passages))["sentence_embedding"]
        q, p = torch.nn.functional.normalize(q, dim=-1), torch.nn.functional.normalize(p, dim=-1)
        loss = torch.nn.functional.cross_entropy(20.0 * q @ p.T, torch.arange(len(chunk)))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        if step % 5 == 0 or step == steps:
            print(f"step {step}/{steps} loss {loss.item():.3f} ({time.perf_counter() - started:.0f} s)", flush=True)
    model.eval()
    model.max_seq_length = window  # the chunker reads the window: the tuned model must cut passages as the base does
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    write_training_record(out, base, len(groups), started, trained_on, batch=batch, lr=lr, max_length=max_length)


def blend(tuned: Path, out: Path, weight: float) -> None:
    """A folder whose weights are ``weight`` x the tuned model's + the rest x the base model's (WiSE-FT,
    weight-space ensembling); everything else is the base folder's, its window included."""
    import shutil

    from safetensors.torch import load_file, save_file

    settings = Settings()
    base = Path(resolve_model(settings.embedding_model, settings.model_dir))
    shutil.rmtree(out, ignore_errors=True)
    # Without the conversion marker the folder is read as any sentence-transformers folder.
    shutil.copytree(base, out, ignore=shutil.ignore_patterns("vaksam_source.json", "*.onnx"))
    a, b = load_file(str(base / "model.safetensors")), load_file(str(tuned / "model.safetensors"))
    if set(a) != set(b):
        raise SystemExit(f"{tuned} is not a fine-tuned copy of {base}: their weights differ in name")
    mixed = {k: ((1 - weight) * a[k].float() + weight * b[k].float()).to(a[k].dtype).contiguous() for k in a}
    save_file(mixed, str(out / "model.safetensors"), metadata={"format": "pt"})


def judge(args: argparse.Namespace) -> None:
    tuned = str(args.model)
    sets = []
    for n, path in enumerate(args.queries):
        label = "dev" if n == 0 else "held out (bundled corpus)"
        sets.append((label, path, Settings(), Settings(embedding_model=tuned, qdrant_path=args.index)))
    if args.held_out:
        base, other = (
            Settings(qdrant_path=args.held_out_index),
            Settings(embedding_model=tuned, qdrant_path=args.tuned_held_out_index),
        )
        sets += [("held out (real corpus)", path, base, other) for path in args.held_out]
    for label, path, base, other in sets:
        runs, qrels = {}, {}
        for name, settings in ((BASE, base), (TUNED, other)):
            service = VaksamService(settings)
            try:
                found, run, _ = gold_runs(service, path, {BASE: None})
                runs[name] = run[BASE]
                runs[name].name = name
                for q, docs in found.qrels.items():
                    qrels.setdefault(q, {}).update(docs)
            finally:
                service.close()
        print("\n".join(table(f"{label}: {path.name}", Qrels(qrels), runs)), flush=True)
    if args.beir:
        corpus, queries, graded = read_graded(args.beir)
        held_out = [q for q in graded if _split(args.beir).get(q) != "training"]
        english = read_english(args.english)
        sweq: dict[str, dict] = {}
        in_english: dict[str, dict] = {}
        for name, settings in ((BASE, Settings()), (TUNED, Settings(embedding_model=tuned))):
            service = VaksamService(settings)
            try:
                with _with_ids(beir_index(service, corpus, progress=False)) as (searcher, ids):
                    sweq[name] = beir_runs(searcher, queries, held_out, {BASE: None}, ids)[BASE]
                    if english:
                        in_english[name] = beir_runs(searcher, {**queries, **english}, list(english), {BASE: None})[
                            BASE
                        ]
            finally:
                service.close()
        subset = Qrels({q: graded[q] for q in held_out})
        print("\n".join(table(f"SweQuAD-MC dev and test splits: {len(held_out)}", subset, runs_of(sweq))), flush=True)
        if english:
            subset = Qrels({q: graded[q] for q in english})
            print("\n".join(table(f"SweQuAD-MC in English: {len(english)}", subset, runs_of(in_english))), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train")
    tr.add_argument("--beir", type=Path, required=True)
    tr.add_argument("--out", type=Path, default=Path("models/bi-encoder"))
    tr.add_argument("--batch", type=int, default=32)
    tr.add_argument("--lr", type=float, default=2e-5)
    tr.add_argument("--max-length", type=int, default=256)
    tr.add_argument("--negatives", type=int, default=1)
    tr.add_argument(
        "--corpus-index", type=Path, nargs="*", default=[], help="indexes to mine heading and title pairs from too"
    )
    tr.add_argument("--corpus-pairs", type=int, default=1500, help="at most this many pairs from --corpus-index")
    bl = sub.add_parser("blend")
    bl.add_argument("--model", type=Path, default=Path("models/bi-encoder"))
    bl.add_argument("--weight", type=float, default=0.5)
    bl.add_argument("--out", type=Path, default=Path("models/wise-ft"))
    ju = sub.add_parser("judge")
    ju.add_argument("--model", type=Path, required=True)
    ju.add_argument("--queries", type=Path, nargs="+", required=True)
    ju.add_argument("--index", type=Path, required=True, help="the --queries corpus indexed with --model")
    ju.add_argument("--held-out", type=Path, nargs="*", default=[])
    ju.add_argument("--held-out-index", type=Path)
    ju.add_argument("--tuned-held-out-index", type=Path)
    ju.add_argument("--beir", type=Path)
    ju.add_argument("--english", type=Path)
    args = parser.parse_args()
    if args.command == "train":
        started = time.perf_counter()
        groups = mine(args.beir, depth=20, negatives=args.negatives)
        print(f"mined {len(groups)} groups ({time.perf_counter() - started:.0f} s)", flush=True)
        trained_on = TRAINED_ON
        if args.corpus_index:
            corpus = mine_corpus(args.corpus_index, args.corpus_pairs)
            print(f"mined {len(corpus)} heading and title groups from {len(args.corpus_index)} indexes", flush=True)
            groups = groups + corpus
            trained_on += f" + {len(corpus)} heading and title pairs from {', '.join(map(str, args.corpus_index))}"
        train(groups, args.out, args.batch, args.lr, args.max_length, trained_on)
    elif args.command == "blend":
        blend(args.model, args.out, args.weight)
    else:
        judge(args)


if __name__ == "__main__":
    main()
