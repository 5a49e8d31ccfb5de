"""Changes to how passages are indexed lexically, judged on held-out questions over indexes built with them.

A change to the Swedish analyzer or to BM25's parameters alters what the index holds, so each corpus
is indexed once with the variant (``ingest``) and every question set is searched over production's
index and the variant's (``judge``: ``--pair`` the two indexes, then ``--queries`` the files asked
over them). SweQuAD-MC is indexed twice by the evaluation itself; its training split is the tuning
split, dev and test are held out. ``tune`` searches a grid of BM25 parameters on the training split
alone, so the point judged held out is chosen without seeing a held-out question. A variant holds
in this process, in ingest and in search alike. The variants:

* ``derivations``: an "-ing" noun also carries the stem of the verb it is made from. Snowball strips
  inflections, not derivations, so "finansiera" (finansier) and "finansieringen" (finansiering)
  share no term, nor "utreda" and "utredningen".
* ``written-stems``: a word with å, ä or ö also carries the stem of the word as written, folded
  after stemming. Folding first lets text typed without å/ä/ö match, but Snowball then reads the
  folded letters as suffixes: "område" becomes "omr" and "området" "omrad", "Borås" becomes "bor"
  (as in "hon bor"), "förstå" becomes "forst" (as "först").
* ``bm25=K1,B``: BM25's term-frequency saturation ``k1`` and length normalisation ``b`` in the
  passages' sparse vectors (production: Lucene's 1.2 and .75).

Re-indexing embeds every passage again; ``--embedding-cache FILE`` keeps the passage vectors of
earlier runs (a pickle keyed by text), since no variant here changes them.

Usage (the results are in benchmarks/README.md, "Two changes to the Swedish analyzer, and the weight
of a question's compound parts" and "BM25's parameters")::

    .venv/bin/python -m benchmarks.lexical_variants ingest derivations /tmp/bundled_deriv data/corpus
    .venv/bin/python -m benchmarks.lexical_variants ingest derivations /tmp/real_deriv ../shared/corpus/real
    .venv/bin/python -m benchmarks.lexical_variants judge derivations \\
        --pair data/index /tmp/bundled_deriv --queries ../shared/eval/dev_queries.jsonl eval/bundled_queries.jsonl \\
        --pair /tmp/real /tmp/real_deriv --queries eval/real_queries.jsonl eval/real_queries_2.jsonl \\
        eval/real_queries_3.jsonl eval/real_queries_english.jsonl eval/real_queries_english_2.jsonl \\
        --beir ../shared/eval/swequad_mc
    .venv/bin/python -m benchmarks.lexical_variants tune --beir ../shared/eval/swequad_mc \\
        --k1 0.6 0.9 1.2 1.6 2.0 --b 0.3 0.5 0.75 0.9 --embedding-cache /tmp/vectors.pkl
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain, product
from pathlib import Path
from typing import TypeVar
from unittest import mock

import numpy as np

from api.evaluation import EvalReport, evaluate_beir, evaluate_queries, paired_p
from api.service import VaksamService
from api.settings import ApiSettings
from benchmarks.priors import _split
from search.embedding.encoder import Encoder
from search.lexical.analyzer import WORD, SwedishAnalyzer
from search.lexical.hunspell import CompoundLexicon
from search.lexical.sparse import SparseEncoder
from search.text import fold

METRICS = ("mrr@10", "hit@5", "ndcg@10")
T = TypeVar("T")
# Shorter stems ending in "ing" are rarely nouns made from a verb ("ting", "kring", "omkring").
MIN_NOMINAL = 7


def verb_stems(stem: str) -> tuple[str, ...]:
    """The stems of the verb an "-ing" noun is made from, as Snowball stems the verb: an "-ering"
    noun comes from an "-era" verb ("finansiering" -> "finansier"), a "-ning" noun from a verb in
    "-a" or "-na" ("utbildning" -> "utbild", "samordning" -> "samordn"), so both are given."""
    if len(stem) < MIN_NOMINAL or not stem.endswith("ing"):
        return ()
    base = stem[:-3]
    return (base, base[:-1]) if base.endswith("n") else (base,)


class DerivationAnalyzer(SwedishAnalyzer):
    """Production's terms, and the verb stems of every "-ing" term (whole words and compound parts)."""

    def _plain_terms(self, folded: str) -> tuple[str, ...]:
        terms = super()._plain_terms(folded)
        return terms + tuple(verb for term in terms for verb in verb_stems(term))


class WrittenStemAnalyzer(SwedishAnalyzer):
    """Production's terms, and for a word with letters that fold the stem of the word as written."""

    def terms(self, text: str) -> list[str]:
        return list(chain.from_iterable(map(self._word_terms, WORD.findall(text.lower()))))

    def stems(self, text: str) -> list[str]:
        return [terms[0] for terms in map(self._word_terms, WORD.findall(text.lower())) if terms]

    def _terms_of_word(self, word: str) -> tuple[str, ...]:
        folded = fold(word)
        terms = super()._terms_of_word(folded)
        if folded != word and terms:
            written = fold(self._stemmer.stemWord(word))
            if written not in terms:
                terms = (*terms, written)
        return terms


ANALYZERS = {"derivations": DerivationAnalyzer, "written-stems": WrittenStemAnalyzer}
BM25 = "bm25="


def bm25_parameters(spec: str) -> tuple[float, float] | None:
    """``bm25=K1,B`` read as (k1, b); None when ``spec`` is not that form with k1 > 0 and 0 <= b <= 1."""
    if not spec.startswith(BM25):
        return None
    try:
        k1, b = (float(part) for part in spec.removeprefix(BM25).split(","))
    except ValueError:
        return None
    return (k1, b) if k1 > 0 and 0 <= b <= 1 else None


def variant_name(spec: str) -> str:
    """``spec`` checked: an analyzer's name or ``bm25=K1,B``."""
    if spec in ANALYZERS or bm25_parameters(spec) is not None:
        return spec
    valid = ", ".join(sorted(ANALYZERS))
    raise argparse.ArgumentTypeError(f"unknown variant {spec!r}: give one of {valid} or bm25=K1,B (e.g. bm25=0.9,0.4)")


def bm25_name(k1: float, b: float) -> str:
    return f"{BM25}{k1:g},{b:g}"


@contextmanager
def index_variant(name: str | None) -> Iterator[None]:
    """The variant ``name`` in force (production when None): an analyzer replaces
    ``SwedishAnalyzer.default``, BM25's parameters replace the sparse encoder's defaults."""
    bm25 = bm25_parameters(name) if name is not None else None
    if name is None:
        yield
    elif bm25 is not None:
        with mock.patch.dict(SparseEncoder.__init__.__kwdefaults__, dict(zip(("k1", "b"), bm25, strict=True))):
            yield
    else:
        analyzer = ANALYZERS[name](CompoundLexicon.default())
        with mock.patch.object(SwedishAnalyzer, "default", lambda *args, **kwargs: analyzer):
            yield


@contextmanager
def embedding_cache(path: Path | None) -> Iterator[None]:
    """Passage vectors kept by text for this process, and in ``path`` across processes when given:
    the variants change no vector, and embedding is most of what re-indexing costs."""
    if path is None:
        yield
        return
    vectors: dict[str, np.ndarray] = pickle.loads(path.read_bytes()) if path.exists() else {}
    encode = Encoder.encode_passages

    def cached(self: Encoder, texts: list[str]) -> np.ndarray:
        if not texts:
            return encode(self, texts)
        missing = list(dict.fromkeys(t for t in texts if t not in vectors))
        if missing:
            vectors.update(zip(missing, encode(self, missing), strict=True))
        return np.stack([vectors[t] for t in texts])

    try:
        with mock.patch.object(Encoder, "encode_passages", cached):
            yield
    finally:
        path.write_bytes(pickle.dumps(vectors, protocol=pickle.HIGHEST_PROTOCOL))


def _with_service(variant: str | None, index: Path | None, work: Callable[[VaksamService], T]) -> T:
    """``work`` done by a service over ``index`` (the configured one when None) with ``variant`` in force."""
    with index_variant(variant):
        service = VaksamService(ApiSettings(**({"qdrant_path": index} if index is not None else {})))
        try:
            return work(service)
        finally:
            service.close()


def _only(report: EvalReport, ids: set[str] | None) -> EvalReport:
    return report if ids is None else dataclasses.replace(report, details=[d for d in report.details if d.id in ids])


def _row(name: str, base: EvalReport, variant: EvalReport, ids: set[str] | None = None) -> str:
    base, variant = _only(base, ids), _only(variant, ids)
    before, after = _means(base), _means(variant)
    cells = []
    for metric in METRICS:
        if metric not in before:
            cells.append("")
            continue
        p = paired_p(variant, base, metric)
        if p is None:
            raise ValueError(f"{name}: the two runs asked different questions")
        mean_a, mean_b = before[metric], after[metric]
        star = " *" if p < 0.05 else ""
        cells.append(f"{mean_a:.3f} -> {mean_b:.3f} ({mean_b - mean_a:+.3f}, p {p:.2f}){star}")
    return f"| {name} ({len(base.details)}) | " + " | ".join(cells) + " |"


def ingest(variant: str, index: Path, paths: list[Path]) -> None:
    print(_with_service(variant, index, lambda service: service.ingest(paths, progress=False)).render())


def judge(variant: str, pairs: list[list[Path]], files: list[list[Path]], beir: Path | None) -> None:
    rows = ["| set | MRR@10 | hit@5 | nDCG@10 |", "| --- | --- | --- | --- |"]
    for (production, changed), paths in zip(pairs, files, strict=True):
        reports = {
            name: _with_service(name, index, lambda service, paths=paths: [evaluate_queries(service, p) for p in paths])
            for name, index in ((None, production), (variant, changed))
        }
        for path, base, new in zip(paths, reports[None], reports[variant], strict=True):
            rows.append(_row(path.name, base, new))
            print(rows[-1], flush=True)
    if beir is not None:
        runs = {name: _beir_run(name, beir) for name in (None, variant)}
        tuning, held_out = _tuning_split(beir)
        rows.append(_row("SweQuAD-MC training (tuning)", runs[None], runs[variant], tuning))
        rows.append(_row("SweQuAD-MC dev + test", runs[None], runs[variant], held_out))
    print("\n".join(rows))


def _tuning_split(beir: Path) -> tuple[set[str], set[str]]:
    """SweQuAD-MC's question ids: the training split (tuning), then dev and test (held out)."""
    splits = _split(beir)
    tuning = {q for q, split in splits.items() if split == "training"}
    return tuning, set(splits) - tuning


def _beir_run(variant: str | None, beir: Path) -> EvalReport:
    return _with_service(variant, None, lambda service: evaluate_beir(service, beir, progress=False)[0])


def _means(report: EvalReport) -> dict[str, float]:
    names = [m for m in METRICS if m in report.details[0].metrics]
    return {m: sum(d.metrics[m] for d in report.details) / len(report.details) for m in names}


def tune(beir: Path, k1s: list[float], bs: list[float]) -> None:
    """BM25's grid searched on SweQuAD-MC's training split only; the best point by MRR@10 is the
    one to index the held-out corpora with (ties: nDCG@10, then production's point)."""
    tuning, _ = _tuning_split(beir)
    defaults = SparseEncoder.__init__.__kwdefaults__
    production = bm25_name(defaults["k1"], defaults["b"])
    rows = ["| k1 | b | MRR@10 | nDCG@10 |", "| --- | --- | --- | --- |"]
    scores: dict[str, tuple[float, float]] = {}
    for k1, b in product(k1s, bs):
        name = bm25_name(k1, b)
        means = _means(_only(_beir_run(name, beir), tuning))
        scores[name] = (means["mrr@10"], means["ndcg@10"])
        rows.append(f"| {k1:g} | {b:g} | {means['mrr@10']:.3f} | {means['ndcg@10']:.3f} |")
        print(rows[-1], flush=True)
    best = max(scores, key=lambda name: (*scores[name], name == production))
    print("\n".join(rows))
    print(f"best on the {len(tuning)} training questions: {best} (production {production})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("ingest", help="index files with the variant")
    build.add_argument("variant", type=variant_name)
    build.add_argument("index", type=Path)
    build.add_argument("paths", nargs="+", type=Path)
    compare = commands.add_parser("judge", help="production against the variant, question set by question set")
    compare.add_argument("variant", type=variant_name)
    compare.add_argument("--pair", nargs=2, type=Path, action="append", default=[], metavar=("PRODUCTION", "VARIANT"))
    compare.add_argument("--queries", nargs="+", type=Path, action="append", default=[])
    compare.add_argument("--beir", type=Path)
    grid = commands.add_parser("tune", help="BM25's parameters searched on SweQuAD-MC's training split")
    grid.add_argument("--beir", type=Path, required=True)
    grid.add_argument("--k1", nargs="+", type=float, default=[0.6, 0.9, 1.2, 1.6, 2.0])
    grid.add_argument("--b", nargs="+", type=float, default=[0.3, 0.5, 0.75, 0.9])
    for command in (build, compare, grid):
        command.add_argument("--embedding-cache", type=Path, help="a pickle of passage vectors kept across runs")
    args = parser.parse_args()
    if args.command == "judge" and len(args.pair) != len(args.queries):
        parser.error("give one --queries list after each --pair")
    if args.command == "tune":
        for k1, b in product(args.k1, args.b):
            if bm25_parameters(bm25_name(k1, b)) is None:
                parser.error(f"k1 must be above 0 and b between 0 and 1, not k1 {k1:g}, b {b:g}")
    with embedding_cache(args.embedding_cache):
        if args.command == "ingest":
            ingest(args.variant, args.index, args.paths)
        elif args.command == "tune":
            tune(args.beir, args.k1, args.b)
        else:
            judge(args.variant, args.pair, args.queries, args.beir)


if __name__ == "__main__":
    main()
