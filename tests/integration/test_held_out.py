"""Quality floors on held-out questions: ``eval/real_queries.jsonl``, ``eval/real_queries_2.jsonl``,
``eval/real_queries_3.jsonl``, ``eval/real_queries_english.jsonl`` and
``eval/real_queries_english_2.jsonl``, written over the real corpus before any ranking was looked at
(eval/README.md), searched over the documents that answer them (the two PDFs, and every routine or
regeringen.se page holding a gold string of any set) as ingest reads them.

The floors sit a little under what was measured; a rule tuned on the dev questions that costs
these questions fails here."""

from __future__ import annotations

import json
import shutil

import pytest

from api.relevance import fold_compact
from search.modes import SearchMode
from tests.conftest import ROOT, SHARED
from tests.integration.floors import assert_floor

REAL = SHARED / "corpus" / "real"
QUESTIONS = ROOT / "eval" / "real_queries.jsonl"
SECOND = ROOT / "eval" / "real_queries_2.jsonl"
THIRD = ROOT / "eval" / "real_queries_3.jsonl"
ENGLISH = ROOT / "eval" / "real_queries_english.jsonl"
ENGLISH_2 = ROOT / "eval" / "real_queries_english_2.jsonl"
ENGLISH_FLOORS = {ENGLISH: 0.70, ENGLISH_2: 0.59}  # measured .725 and .613 with the default reranker


def _answering_files() -> list:
    sets = (QUESTIONS, SECOND, THIRD, ENGLISH, ENGLISH_2)
    lines = [line for path in sets for line in path.read_text(encoding="utf-8").splitlines()]
    golds = [fold_compact(g) for line in lines for g in json.loads(line)["gold"]]
    files = sorted(REAL.glob("*.pdf"))
    for path in sorted(REAL.rglob("*.md")):
        text = fold_compact(path.read_text(encoding="utf-8"))
        if any(g in text for g in golds):
            files.append(path)
    return files


@pytest.fixture(scope="module")
def held_out_service(e5_encoder, tmp_path_factory):
    from api.service import VaksamService
    from search.settings import Settings

    folder = tmp_path_factory.mktemp("held-out")
    files = _answering_files()
    for path in files:
        target = folder / path.relative_to(REAL)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    shutil.copy(REAL / "regeringen" / "_index.jsonl", folder / "regeringen" / "_index.jsonl")
    service = VaksamService(Settings(qdrant_path=folder / "idx", _env_file=None), encoder=e5_encoder)
    summary = service.ingest([folder], progress=False)
    assert not summary.failed, summary.render()
    yield service
    service.close()


@pytest.mark.parametrize(
    ("questions", "mode", "mrr", "hit5"),
    [
        # Measured on these documents (MRR@10 / hit@5, December 6, with all five sets' documents and the
        # default reranker, late interaction for English questions), the floors a little under. The first
        # set: dense .654 / .80, hybrid .769 / .88. The second: dense .776 / .95, hybrid .844 / 1.0. The
        # third: dense .702 / .84, hybrid .772 / .86. Each set's documents that join the index move the
        # others' scores a little (the second English set's took the third set's hybrid from .786 to .776 with
        # the reranker's earlier batches of eight).
        (QUESTIONS, SearchMode.DENSE, 0.63, 0.76),
        (QUESTIONS, SearchMode.HYBRID, 0.75, 0.84),
        (SECOND, SearchMode.DENSE, 0.74, 0.92),
        (SECOND, SearchMode.HYBRID, 0.82, 0.95),
        (THIRD, SearchMode.DENSE, 0.68, 0.80),
        (THIRD, SearchMode.HYBRID, 0.75, 0.84),
    ],
    ids=["first-dense", "first-hybrid", "second-dense", "second-hybrid", "third-dense", "third-hybrid"],
)
def test_held_out_questions_keep_their_floor(held_out_service, questions, mode, mrr, hit5):
    assert_floor(held_out_service, questions, mode, mrr, hit5)


def test_english_questions_gain_from_the_default_reranker(held_out_service):
    """Late interaction reads English questions by default because it paid for itself on questions
    written to judge it, twice (benchmarks/README.md); it must keep doing so on them, by at least
    .04 MRR@10 over both sets (measured +.073 and +.041, .057 over the 80 questions)."""
    from api.evaluation import Variant, evaluate_queries

    gains = []
    for questions, floor in ENGLISH_FLOORS.items():
        default = evaluate_queries(held_out_service, questions, variant=Variant("hybrid", SearchMode.HYBRID))
        plain = evaluate_queries(held_out_service, questions, variant=Variant("no reranker", SearchMode.HYBRID, False))
        print(default.render(), plain.render(), sep="\n")
        assert default.metrics["mrr@10"] >= floor, default.render()
        gains.append(default.metrics["mrr@10"] - plain.metrics["mrr@10"])
    assert sum(gains) / len(gains) >= 0.04, gains
