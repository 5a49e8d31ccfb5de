"""Search quality with typos and without, with the lexical typo tolerance on and off, in one run.

Each question gets one typo in one randomly chosen long word (six letters or more, no stop word):
a letter dropped, doubled, swapped with its neighbour or replaced by a neighbouring key on a
Swedish keyboard, never the first letter (seeded, so every run makes the same typos). A second
copy has one typo in every long word. The dev questions are searched in the current index
(``data/index`` from ``make ingest``); SweQuAD-MC is indexed once into a throwaway collection.
Differences are tested with a paired sign-flip randomisation test over the per-question scores.

    .venv/bin/python benchmarks/typos.py --queries ../shared/eval/dev_queries.jsonl \\
        --beir ../shared/eval/swequad_mc
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
from pathlib import Path

import numpy as np

from api.evaluation import Variant, beir_index, evaluate_queries, load_queries, read_beir, search_beir, sign_flip_p
from api.service import VaksamService
from search.lexical.analyzer import stop_words
from search.modes import SearchMode
from search.settings import Settings
from search.text import fold

WORD = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]+")
ROWS = ["qwertyuiopå", "asdfghjklöä", "zxcvbnm"]
NEIGHBOURS = {
    ch: "".join(
        ROWS[r2][c2]
        for r2 in (r - 1, r, r + 1)
        for c2 in (c - 1, c, c + 1)
        if 0 <= r2 < len(ROWS) and 0 <= c2 < len(ROWS[r2]) and (r2, c2) != (r, c)
    )
    for r, row in enumerate(ROWS)
    for c, ch in enumerate(row)
}


def typo(word: str, rng: random.Random) -> str:
    """One edit of ``word`` past its first letter."""
    at = rng.randrange(1, len(word))
    kind = rng.choice(("drop", "double", "swap", "key"))
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "double":
        return word[:at] + word[at] + word[at:]
    if kind == "swap" and at < len(word) - 1 and word[at] != word[at + 1]:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    near = NEIGHBOURS.get(word[at].lower())
    if not near:  # a letter off the keyboard map, or a swap of two equal letters: drop it
        return word[:at] + word[at + 1 :]
    return word[:at] + rng.choice(near) + word[at + 1 :]


def long_words(query: str) -> list[re.Match]:
    stop = stop_words()
    return [m for m in WORD.finditer(query) if len(m.group()) >= 6 and fold(m.group()) not in stop]


def with_typos(query: str, rng: random.Random, every: bool) -> str:
    found = long_words(query)
    if not found:
        return query
    chosen = found if every else [rng.choice(found)]
    for match in sorted(chosen, key=lambda m: -m.start()):
        query = query[: match.start()] + typo(match.group(), rng) + query[match.end() :]
    return query


def dev_scores(service: VaksamService, path: Path, tolerant: bool) -> dict[str, list[float]]:
    service.expander.typos = tolerant
    report = evaluate_queries(service, path)
    return {m: [d.metrics[m] for d in report.details] for m in ("mrr@10", "hit@1", "hit@5")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--beir", type=Path)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="vaksam-typos-"))
    rng = random.Random(args.seed)
    dev = load_queries(args.queries)
    sets = {"clean": args.queries}
    for name, every in (("one typo", False), ("every long word", True)):
        lines = [json.dumps({**q, "query": with_typos(q["query"], rng, every)}, ensure_ascii=False) for q in dev]
        sets[name] = out / f"dev-{name.replace(' ', '-')}.jsonl"
        sets[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    changed = sum(a["query"] != b["query"] for a, b in zip(dev, load_queries(sets["one typo"]), strict=True))
    print(f"dev: {len(dev)} questions, {changed} with a typo; examples:")
    for q in load_queries(sets["one typo"])[:4]:
        print("   ", q["query"])

    service = VaksamService(Settings())
    rows = []
    try:
        for name, path in sets.items():
            off, on = dev_scores(service, path, False), dev_scores(service, path, True)
            rows.append(("dev", name, "mrr@10", off["mrr@10"], on["mrr@10"]))
            rows.append(("dev", name, "hit@5", off["hit@5"], on["hit@5"]))
        if args.beir is not None:
            corpus, queries, qrels = read_beir(args.beir)
            typod = {
                name: {
                    qid: with_typos(text, random.Random(f"{args.seed}:{qid}"), every) for qid, text in queries.items()
                }
                for name, every in (("one typo", False), ("every long word", True))
            }
            with beir_index(service, corpus, progress=False) as searcher:
                hybrid = Variant("hybrid", SearchMode.HYBRID)
                for name, asked in (("clean", queries), *typod.items()):
                    scores = {}
                    for tolerant in (False, True):
                        searcher.expander.typos = tolerant
                        report = search_beir(searcher, hybrid, asked, qrels, "swequad", progress=False)
                        scores[tolerant] = [d.metrics["ndcg@10"] for d in report.details]
                    rows.append(("swequad-mc", name, "ndcg@10", scores[False], scores[True]))
    finally:
        service.close()
    print(f"\n{'set':12}{'queries':18}{'metric':9}{'off':>8}{'on':>8}{'on-off':>8}{'p':>8}")
    for data, name, metric, off, on in rows:
        gain = np.mean(on) - np.mean(off)
        p = sign_flip_p(off, on, rounds=10_000)
        print(f"{data:12}{name:18}{metric:9}{np.mean(off):8.3f}{np.mean(on):8.3f}{gain:+8.3f}{p:8.3f}")


if __name__ == "__main__":
    main()
