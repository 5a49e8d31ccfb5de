"""The quality-floor rule the integration tests share: a floor sits two questions under what was measured.

A set of 24 to 50 questions moves by 1/n per question, and the same code answers a question or two
differently on another CPU, index layout or ONNX Runtime build. So each test records what was
measured and the floor is derived here: ``measured - MARGIN_QUESTIONS / n``, one rule for every set.
A failure prints the CPU's flags and what ran the model beside the report, so a machine's
difference can be told from a ranking regression.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from search.modes import SearchMode

if TYPE_CHECKING:
    from api.evaluation import EvalReport
    from api.service import VaksamService
    from search.embedding.encoder import Encoder

MARGIN_QUESTIONS = 2


def floor(measured: float, questions: int) -> float:
    """The lowest score a set of ``questions`` may reach: ``MARGIN_QUESTIONS`` questions under ``measured``."""
    return measured - MARGIN_QUESTIONS / questions


def machine(encoder: Encoder) -> str:
    """What ran the model here, for a failure message."""
    return "\n".join(["this machine:", *(f"  {line}" for line in encoder.runtime.lines())])


def check_floor(report: EvalReport, metric: str, measured: float, encoder: Encoder) -> None:
    """Fail when ``report``'s ``metric`` is under the floor of ``measured``, saying where it ran."""
    lowest = floor(measured, report.queries)
    found = report.metrics[metric]
    assert found >= lowest - 1e-9, (
        f"{report.name}: {metric} {found:.3f} is under its floor {lowest:.3f} "
        f"(measured {measured:.3f}, less {MARGIN_QUESTIONS} of {report.queries} questions)\n"
        f"{report.render()}\n{machine(encoder)}"
    )


def assert_floor(service: VaksamService, questions: Path, mode: SearchMode, mrr: float, hit5: float) -> EvalReport:
    """Evaluate ``questions`` in ``mode`` and hold MRR@10 and hit@5 to the floors of the measured
    ``mrr`` and ``hit5``. Returns the report for further checks."""
    from api.evaluation import evaluate_queries

    report = evaluate_queries(service, questions, mode)
    print(report.render())
    check_floor(report, "mrr@10", mrr, service.encoder)
    check_floor(report, "hit@5", hit5, service.encoder)
    return report
