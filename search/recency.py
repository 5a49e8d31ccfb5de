"""Newer documents first, when a user asks for it: a lift by age, and sorting by date.

``recency`` (0-1, off by default) lifts each candidate by ``recency`` × the spread of the fused
scores × its document's freshness, ``0.5 ** (age in years / HALF_LIFE_YEARS)``: a document from
this year gains almost the whole lift, one from five years ago half of it, an undated one none.
The lift is relative to the spread, as the other priors are, so at 1 the newest relevant passage
can overtake an older one that fits the question only a little better, not every older one.

``sort=date`` orders by date instead of relevance, among the passages that are relevant: those
scoring at least ``DATE_SORT_FLOOR`` of the best fused score, newest first, undated last, ties
(one document's passages) in relevance order. The floor is a plain product choice, not a measured
one: without it a date-sorted list would lead with whatever passage of the newest document came
last among the candidates.

Usage::

    items = recency_prior(items, weight=0.5, today=date.today())
    items = by_date(items)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from search.ranking.scored import ScoredPassage

HALF_LIFE_YEARS = 5.0
DATE_SORT_FLOOR = 0.5


def document_date(item: ScoredPassage) -> date | None:
    """The document's date, or the middle of its year when only the year is known."""
    raw = item.document.date if item.document else None
    if raw:
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            pass
    year = (item.document.year if item.document else None) or item.passage.year
    return date(year, 7, 1) if year else None


def freshness(when: date | None, today: date) -> float:
    if when is None:
        return 0.0
    age = max(0.0, (today - when).days / 365.25)
    return 0.5 ** (age / HALF_LIFE_YEARS)


def recency_prior(items: Sequence[ScoredPassage], weight: float, today: date | None = None) -> list[ScoredPassage]:
    """``items`` re-scored by freshness and re-sorted; the freshness is the signal ``recency``."""
    if not weight or len(items) < 2:
        return list(items)
    today = today or date.today()
    spread = max(i.score for i in items) - min(i.score for i in items)
    out = []
    for item in items:
        fresh = freshness(document_date(item), today)
        signals = {**item.signals, "recency": round(fresh, 4)}
        out.append(ScoredPassage(round(item.score + weight * spread * fresh, 6), item.passage, item.document, signals))
    out.sort(key=lambda i: -i.score)
    return out


def by_date(items: Sequence[ScoredPassage]) -> list[ScoredPassage]:
    """The relevant ``items`` (see ``DATE_SORT_FLOOR``) newest first, undated last."""
    if not items:
        return []
    top = items[0].score
    floor = top * DATE_SORT_FLOOR if top > 0 else top
    relevant = [i for i in items if i.score >= floor]
    dated = [(document_date(i), n, i) for n, i in enumerate(relevant)]
    dated.sort(key=lambda d: (d[0] is None, -(d[0].toordinal() if d[0] else 0), d[1]))
    return [i for _, _, i in dated]
