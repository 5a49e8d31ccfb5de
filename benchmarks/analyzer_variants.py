"""Changes to the Swedish analyzer, judged on held-out questions over indexes built with them.

An analyzer change alters what the index holds, so each corpus is indexed once with the variant
(``ingest``) and every question set is searched over production's index and the variant's
(``judge``: ``--pair`` the two indexes, then ``--queries`` the files asked over them). SweQuAD-MC
is indexed twice by the evaluation itself; its training split is the tuning split, dev and test
are held out. The variant replaces ``SwedishAnalyzer.default`` in this process, in ingest and in
search alike. The variants:

* ``derivations``: an "-ing" noun also carries the stem of the verb it is made from. Snowball strips
  inflections, not derivations, so "finansiera" (finansier) and "finansieringen" (finansiering)
  share no term, nor "utreda" and "utredningen".
* ``written-stems``: a word with å, ä or ö also carries the stem of the word as written, folded
  after stemming. Folding first lets text typed without å/ä/ö match, but Snowball then reads the
  folded letters as suffixes: "område" becomes "omr" and "området" "omrad", "Borås" becomes "bor"
  (as in "hon bor"), "förstå" becomes "forst" (as "först").

Usage (the results are in benchmarks/README.md, "Two changes to the Swedish analyzer, and the weight
of a question's compound parts")::

    .venv/bin/python -m benchmarks.analyzer_variants ingest derivations /tmp/bundled_deriv data/corpus
    .venv/bin/python -m benchmarks.analyzer_variants ingest derivations /tmp/real_deriv ../shared/corpus/real
    .venv/bin/python -m benchmarks.analyzer_variants judge derivations \\
        --pair data/index /tmp/bundled_deriv --queries ../shared/eval/dev_queries.jsonl eval/bundled_queries.jsonl \\
        --pair /tmp/real /tmp/real_deriv --queries eval/real_queries.jsonl eval/real_queries_2.jsonl \\
        eval/real_queries_3.jsonl eval/real_queries_english.jsonl eval/real_queries_english_2.jsonl \\
        --beir ../shared/eval/swequad_mc
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import TypeVar
from unittest import mock

from api.evaluation import EvalReport, evaluate_beir, evaluate_queries, paired_p
from api.service import VaksamService
from api.settings import ApiSettings
from benchmarks.priors import _split
from search.lexical.analyzer import WORD, SwedishAnalyzer
from search.lexical.hunspell import CompoundLexicon
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


VARIANTS = {"derivations": DerivationAnalyzer, "written-stems": WrittenStemAnalyzer}


@contextmanager
def analyzer_variant(name: str | None) -> Iterator[None]:
    """``SwedishAnalyzer.default`` replaced by the variant ``name`` (production's when None)."""
    if name is None:
        yield
        return
    analyzer = VARIANTS[name](CompoundLexicon.default())
    with mock.patch.object(SwedishAnalyzer, "default", lambda *args, **kwargs: analyzer):
        yield


def _with_service(variant: str | None, index: Path | None, work: Callable[[VaksamService], T]) -> T:
    """``work`` done by a service over ``index`` (the configured one when None) with ``variant``'s analyzer."""
    with analyzer_variant(variant):
        service = VaksamService(ApiSettings(**({"qdrant_path": index} if index is not None else {})))
        try:
            return work(service)
        finally:
            service.close()


def _only(report: EvalReport, ids: set[str] | None) -> EvalReport:
    return report if ids is None else dataclasses.replace(report, details=[d for d in report.details if d.id in ids])


def _row(name: str, base: EvalReport, variant: EvalReport, ids: set[str] | None = None) -> str:
    base, variant = _only(base, ids), _only(variant, ids)
    cells = []
    for metric in METRICS:
        if metric not in base.details[0].metrics:
            cells.append("")
            continue
        p = paired_p(variant, base, metric)
        if p is None:
            raise ValueError(f"{name}: the two runs asked different questions")
        mean_a, mean_b = (sum(d.metrics[metric] for d in r.details) / len(r.details) for r in (base, variant))
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
        runs = {
            name: _with_service(name, None, lambda service: evaluate_beir(service, beir, progress=False)[0])
            for name in (None, variant)
        }
        splits = _split(beir)
        tuning = {q for q, split in splits.items() if split == "training"}
        rows.append(_row("SweQuAD-MC training (tuning)", runs[None], runs[variant], tuning))
        rows.append(_row("SweQuAD-MC dev + test", runs[None], runs[variant], set(splits) - tuning))
    print("\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("ingest", help="index files with the variant")
    build.add_argument("variant", choices=sorted(VARIANTS))
    build.add_argument("index", type=Path)
    build.add_argument("paths", nargs="+", type=Path)
    compare = commands.add_parser("judge", help="production against the variant, question set by question set")
    compare.add_argument("variant", choices=sorted(VARIANTS))
    compare.add_argument("--pair", nargs=2, type=Path, action="append", default=[], metavar=("PRODUCTION", "VARIANT"))
    compare.add_argument("--queries", nargs="+", type=Path, action="append", default=[])
    compare.add_argument("--beir", type=Path)
    args = parser.parse_args()
    if args.command == "ingest":
        ingest(args.variant, args.index, args.paths)
    elif len(args.pair) != len(args.queries):
        parser.error("give one --queries list after each --pair")
    else:
        judge(args.variant, args.pair, args.queries, args.beir)


if __name__ == "__main__":
    main()
