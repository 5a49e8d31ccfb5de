"""The gold-string relevance rule of Vaksam's question files: a passage is relevant to a question when
its folded text holds one of the question's folded gold strings (``../shared/eval/fold.py`` states the
same rule). Metrics over the relevant passages are ir-measures' (``api.evaluation``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from search.text import fold


def fold_compact(text: str) -> str:
    """The evaluation folding rule: lower-case, no accents, only a-z and 0-9 kept."""
    return re.sub(r"[^0-9a-z]+", "", fold(text))


def contains_gold(text: str, gold: Sequence[str]) -> bool:
    folded = fold_compact(text)
    return any(fold_compact(g) and fold_compact(g) in folded for g in gold)


def relevant_passages(texts: Mapping[str, str], gold: Sequence[str]) -> dict[str, int]:
    """A question's judgements: the id of every passage (``id -> text``) holding one of its gold strings."""
    return {pid: 1 for pid, text in texts.items() if contains_gold(text, gold)}
