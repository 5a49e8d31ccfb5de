"""Retrieval metrics with binary or graded relevance, as used by ``vaksam eval``."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from search.text import fold


def fold_compact(text: str) -> str:
    """The evaluation folding rule: lower-case, no accents, only a-z and 0-9 kept."""
    return re.sub(r"[^0-9a-z]+", "", fold(text))


def contains_gold(text: str, gold: Sequence[str]) -> bool:
    folded = fold_compact(text)
    return any(fold_compact(g) and fold_compact(g) in folded for g in gold)


def dcg(gains: Sequence[float], k: int) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains[:k]))


def ndcg_at_k(gains: Sequence[float], ideal_gains: Sequence[float], k: int = 10) -> float:
    ideal = dcg(sorted(ideal_gains, reverse=True), k)
    return dcg(gains, k) / ideal if ideal > 0 else 0.0


def reciprocal_rank(gains: Sequence[float], k: int = 10) -> float:
    for i, g in enumerate(gains[:k]):
        if g > 0:
            return 1.0 / (i + 1)
    return 0.0


def hit_at_k(gains: Sequence[float], k: int) -> float:
    return 1.0 if any(g > 0 for g in gains[:k]) else 0.0


def recall_at_k(retrieved: Sequence[str], relevant: set[str], k: int = 10) -> float:
    return len(set(retrieved[:k]) & relevant) / len(relevant) if relevant else 0.0


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
