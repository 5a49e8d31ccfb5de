"""Quality floors on held-out questions: ``eval/real_queries.jsonl``, ``eval/real_queries_2.jsonl``,
``eval/real_queries_3.jsonl``, ``eval/real_queries_english.jsonl`` and
``eval/real_queries_english_2.jsonl``, written over the real corpus before any ranking was looked at
(eval/README.md), searched over the documents that answer them (the two PDFs, and every routine or
regeringen.se page holding a gold string of any set) as ingest reads them.

The floors sit two questions under what was measured (tests/integration/floors.py); a rule tuned
on the dev questions that costs these questions fails here."""

from __future__ import annotations

import json
import shutil

import pytest

from api.relevance import fold_compact
from search.modes import SearchMode
from tests.conftest import ROOT, SHARED
from tests.integration.floors import assert_floor, check_floor

REAL = SHARED / "corpus" / "real"
QUESTIONS = ROOT / "eval" / "real_queries.jsonl"
SECOND = ROOT / "eval" / "real_queries_2.jsonl"
THIRD = ROOT / "eval" / "real_queries_3.jsonl"
ENGLISH = ROOT / "eval" / "real_queries_english.jsonl"
ENGLISH_2 = ROOT / "eval" / "real_queries_english_2.jsonl"
ENGLISH_MEASURED = {ENGLISH: 0.751, ENGLISH_2: 0.645}  # MRR@10 with the default reranker, December 8


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
        # Measured on these documents (MRR@10 / hit@5, December 8, with all five sets' documents, the default
        # reranker and the int8 export of issue 39); assert_floor holds each to two questions under it. Each
        # set's documents that join the index move the others' scores a little.
        (QUESTIONS, SearchMode.DENSE, 0.679, 0.840),
        (QUESTIONS, SearchMode.HYBRID, 0.777, 0.900),
        (SECOND, SearchMode.DENSE, 0.815, 0.975),
        (SECOND, SearchMode.HYBRID, 0.869, 1.000),
        (THIRD, SearchMode.DENSE, 0.700, 0.840),
        (THIRD, SearchMode.HYBRID, 0.796, 0.880),
    ],
    ids=["first-dense", "first-hybrid", "second-dense", "second-hybrid", "third-dense", "third-hybrid"],
)
def test_held_out_questions_keep_their_floor(held_out_service, questions, mode, mrr, hit5):
    assert_floor(held_out_service, questions, mode, mrr, hit5)


def test_english_questions_gain_from_the_default_reranker(held_out_service):
    """Late interaction reads English questions by default because it paid for itself on questions
    written to judge it, twice (benchmarks/README.md); it must keep doing so on them, by at least
    .04 MRR@10 over both sets (measured +.086 and +.061 on December 8)."""
    from api.evaluation import Variant, evaluate_queries

    gains = []
    for questions, measured in ENGLISH_MEASURED.items():
        default = evaluate_queries(held_out_service, questions, variant=Variant("hybrid", SearchMode.HYBRID))
        plain = evaluate_queries(held_out_service, questions, variant=Variant("no reranker", SearchMode.HYBRID, False))
        print(default.render(), plain.render(), sep="\n")
        check_floor(default, "mrr@10", measured, held_out_service.encoder)
        gains.append(default.metrics["mrr@10"] - plain.metrics["mrr@10"])
    assert sum(gains) / len(gains) >= 0.04, gains
