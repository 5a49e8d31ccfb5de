"""Whether a search found something that answers it, so a page can say when it probably did not.

Fused scores are relative (min-max within one query's candidates): the best hit always scores
high, whatever it is. Two absolute signals tell a weak best hit instead:

* the best hit's cosine similarity to the question (e5-small places everything within .75-.95);
* the share of the question's content words (analyzer terms) that any of the best three hits
  holds, in its text, section or title.

A result is ``low`` when under ``MIN_COVERAGE`` of the words are found *and* the cosine is under
``MIN_DENSE``. Both thresholds were chosen on the 24 dev questions and 20 off-topic questions
(baking, football, tyres) while the answer-type prior was on: no dev question was flagged, and 11 of
the 20 off-topic ones were. With the prior off (the default since), one dev question is flagged: an
English question over Swedish text, which shares almost no words with it. On sets written
afterwards (``benchmarks/confidence.py``), 1 of 16 on-topic questions is flagged (English again) and
10 of 20 off-topic ones. The notice errs towards staying quiet, because a false notice tells a user
that a good answer is bad.

Usage::

    notice = assess(result_items, analyzer.terms(query), analyzer)
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from search.lexical.analyzer import SwedishAnalyzer
from search.ranking.scored import DENSE, ScoredPassage

MIN_DENSE = 0.815
MIN_COVERAGE = 0.5
DEPTH = 3


class Confidence(StrEnum):
    HIGH = "high"
    LOW = "low"
    NONE = "none"  # no hits at all


def word_coverage(items: Sequence[ScoredPassage], query_terms: Sequence[str], analyzer: SwedishAnalyzer) -> float:
    """The largest share of the distinct query terms that one of the best ``DEPTH`` hits holds."""
    wanted = set(query_terms)
    if not wanted:
        return 0.0
    best = 0.0
    for item in items[:DEPTH]:
        title = item.document.title if item.document else ""
        held = set(analyzer.terms(" ".join([item.passage.text, *item.passage.section, title])))
        best = max(best, len(wanted & held) / len(wanted))
    return best


def assess(
    items: Sequence[ScoredPassage], query_terms: Sequence[str], analyzer: SwedishAnalyzer | None
) -> tuple[Confidence, float | None, float | None]:
    """(confidence, best cosine, word coverage). Without a dense score (sparse mode) or an analyzer
    (dense mode without a lexical index) there is too little to judge, and the answer is ``high``."""
    if not items:
        return Confidence.NONE, None, None
    dense = max((i.signals[DENSE] for i in items[:DEPTH] if DENSE in i.signals), default=None)
    if dense is None or analyzer is None:
        return Confidence.HIGH, dense, None
    coverage = word_coverage(items, query_terms, analyzer)
    low = dense < MIN_DENSE and coverage < MIN_COVERAGE
    return (Confidence.LOW if low else Confidence.HIGH), dense, coverage
