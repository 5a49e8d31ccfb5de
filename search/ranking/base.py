"""The ranking stage interface: candidates in, candidates out, best first.

Every stage sees the whole candidate list and the question (:class:`RankingQuery`) and returns the
list in its new order with new scores. A stage names the search modes it runs in, so a dense search
stays the model's own ranking and the lexical stages only run where there is a lexical query.

Usage::

    class Shortest(RankingStage):
        name = "shortest"
        modes = ALL_MODES

        def run(self, items, query):
            return sorted(items, key=lambda i: len(i.passage.text))
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from search.modes import Fusion, SearchMode
from search.ranking.scored import ScoredPassage

ALL_MODES = frozenset(SearchMode)
LEXICAL_MODES = frozenset({SearchMode.SPARSE, SearchMode.HYBRID})


@dataclass(frozen=True)
class RankingQuery:
    """One question as the stages see it.

    ``stems`` are the analyzer's stems of the question with tolerated typos corrected (empty in a
    dense search); ``fusion`` and ``diversity`` are the request's own choices (None: the pipeline's);
    ``limit`` is how many hits the caller will show.
    """

    text: str
    mode: SearchMode
    limit: int
    stems: Sequence[str] = field(default_factory=tuple)
    fusion: Fusion | None = None
    diversity: float | None = None


class RankingStage(ABC):
    """One step of the ranking pipeline."""

    name: ClassVar[str]
    modes: ClassVar[frozenset[SearchMode]] = ALL_MODES

    @abstractmethod
    def run(self, items: list[ScoredPassage], query: RankingQuery) -> list[ScoredPassage]:
        """``items`` best first after this stage."""

    def active(self) -> bool:
        """False when the stage's settings make it a no-op (a weight of 0, no model)."""
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
