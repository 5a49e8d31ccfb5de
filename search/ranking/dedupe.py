"""Deduplication: a result list never shows the same text twice.

A hit whose text equals or lies inside a better hit's text (after folding) is dropped, and its
documents join the kept hit's ``also_in``, so a text that several documents hold shows once and
still names them all (dropping without naming cost SweQuAD-MC .026 nDCG@10: the page a question
was about was hidden behind its twin).

Usage::

    kept = deduplicate(ranked)
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace
from functools import lru_cache

from search.ranking.base import ALL_MODES, RankingQuery, RankingStage
from search.ranking.scored import ScoredPassage
from search.text import fold

_TOKEN = re.compile(r"[a-z0-9]+")
_SEPARATOR = "|"  # never in a compact text (only a-z and 0-9)


@lru_cache(maxsize=20_000)  # the same candidates come back query after query
def _compact(text: str) -> str:
    return "".join(_TOKEN.findall(fold(text)))


def deduplicate(items: list[ScoredPassage]) -> list[ScoredPassage]:
    """``items`` without the hits whose text a better hit already shows, best first."""
    kept: list[ScoredPassage] = []
    # The kept texts joined by a separator no compact text holds, so one search of the joined text
    # finds the first kept text holding a new one (a match cannot span two of them): one scan per
    # candidate instead of one per kept text.
    joined = ""
    starts: list[int] = []
    for item in items:
        compact = _compact(item.passage.text)
        at = joined.find(compact) if starts else -1
        if at < 0:
            kept.append(item)
            starts.append(len(joined))
            joined += compact + _SEPARATOR
            continue
        owner = bisect_right(starts, at) - 1
        first = kept[owner]
        others = {item.passage.document_id, *item.passage.also_in} - {first.passage.document_id}
        if others - set(first.passage.also_in):
            also_in = sorted({*first.passage.also_in, *others})
            kept[owner] = replace(first, passage=first.passage.model_copy(update={"also_in": also_in}))
    return kept


class Deduplicate(RankingStage):
    name = "dedupe"
    modes = ALL_MODES

    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        return deduplicate(items)
