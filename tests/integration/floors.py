"""The quality-floor check the integration tests share: one question file, one mode, two floors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from search.modes import SearchMode

if TYPE_CHECKING:
    from api.evaluation import EvalReport
    from api.service import VaksamService


def assert_floor(service: VaksamService, questions: Path, mode: SearchMode, mrr: float, hit5: float) -> EvalReport:
    """Evaluate ``questions`` in ``mode``; fail with the whole report when MRR@10 or hit@5 is under
    its floor. Returns the report for further checks."""
    from api.evaluation import evaluate_queries

    report = evaluate_queries(service, questions, mode)
    print(report.render())
    assert report.metrics["mrr@10"] >= mrr, report.render()
    assert report.metrics["hit@5"] >= hit5, report.render()
    return report
