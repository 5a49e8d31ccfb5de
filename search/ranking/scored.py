"""What every ranking stage passes on: candidate passages with their scores.

A candidate carries the score the last stage gave it and the raw ``signals`` it was scored on
(the store's ``dense``, ``sentences`` and ``lexical``; stages add their own, such as
``proximity``), so a hit can show why it ranked where it did.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from search.records import DocumentRecord, PassageRecord

# The store's named vectors, and the signals a candidate is scored on.
DENSE, SENTENCES, LEXICAL = "dense", "sentences", "lexical"
SIGNALS = (DENSE, SENTENCES, LEXICAL)


@dataclass(frozen=True)
class ScoredPassage:
    """A candidate and its scores. ``document`` is its record as searches read it: without
    ``UNSEARCHED_DOCUMENT_FIELDS`` (never write it back)."""

    score: float
    passage: PassageRecord
    document: DocumentRecord | None
    signals: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)

    def rescored(self, score: float, **signals: float) -> ScoredPassage:
        """The same candidate with a new score (rounded, so equal inputs tie) and added signals."""
        return ScoredPassage(
            round(float(score), 6), self.passage, self.document, {**self.signals, **signals}, self.vector
        )
