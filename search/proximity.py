"""Term proximity: a passage where the question's words stand together comes before one where
they are scattered.

BM25 scores every term on its own, so for "Vad gör en teknisk samordnare?" a passage that says
"teknisk" in one sentence and "samordnare" three sentences later scores like the one that names
the role, and e5-small sees little difference on a long passage. After fusion, each of the best
``depth`` candidates gets ``weight`` × the spread of their fused scores × the share of the
question's adjacent word pairs that stand next to each other in the passage too (either order).
Words are compared as the analyzer's stems with stop words left out, so "tekniska samordnaren"
matches "teknisk samordnare", and "samordnare för fritidsgården" pairs "samordnare" with
"fritidsgården" ("för" is a stop word).
A question of one content word, or one in another language than the passage, is left alone.

Measured with the product's own search (SweQuAD-MC nDCG@10 over one index built as
``vaksam eval --beir`` builds it; dev MRR@10 with ``vaksam eval --queries``):

========  =====  =======  ======
weight    depth  SweQuAD  dev
========  =====  =======  ======
0         -      .877     .943
0.3       20     .882     .943
0.3       30     .884     .943
0.3       50     .885     .943
0.5       30     .885     .943
0.8       30     .886     .943
========  =====  =======  ======

The gain is flat from 0.3 up and dev MRR@10 stays .943 at every weight up to 0.8 (the
answer-type prior comes after it), so 0.5 at depth 30 is the default. Offline, on the same
candidates, a window of one (the words side by side) beat a window of two (.885 vs .883 at 0.3),
and adding an IDF-weighted share of the question's words found in the passage gained .001 while
costing dev questions. Scoring 30 candidates costs ~1.5 ms a query (the stems are cached per word).

Usage::

    ranked = proximity_prior(fused, analyzer.stems("Vad gör en teknisk samordnare?"), analyzer, weight=0.5)
"""

from __future__ import annotations

from collections.abc import Sequence

from search.lexical.analyzer import SwedishAnalyzer
from search.store import ScoredPassage

DEFAULT_DEPTH = 30


def adjacent_pairs(stems: Sequence[str]) -> set[tuple[str, str]]:
    """Neighbouring stems as unordered pairs (a repeated word makes no pair)."""
    return {(a, b) if a < b else (b, a) for a, b in zip(stems, stems[1:], strict=False) if a != b}


def adjacency_share(pairs: set[tuple[str, str]], text_stems: Sequence[str]) -> float:
    """The share of the question's ``pairs`` that stand side by side somewhere in ``text_stems``."""
    if not pairs:
        return 0.0
    return len(pairs & adjacent_pairs(text_stems)) / len(pairs)


def proximity_prior(
    items: Sequence[ScoredPassage],
    query_stems: Sequence[str],
    analyzer: SwedishAnalyzer,
    weight: float,
    depth: int = DEFAULT_DEPTH,
) -> list[ScoredPassage]:
    """``items`` (fused, best first) with the best ``depth`` re-scored by proximity and re-sorted;
    the share is recorded as the signal ``proximity``. Unchanged for ``weight`` 0 or a question
    without a pair of content words."""
    pairs = adjacent_pairs(query_stems)
    head = list(items[:depth])
    if not weight or not pairs or len(head) < 2:
        return list(items)
    spread = max(i.score for i in head) - min(i.score for i in head)
    rescored = []
    for item in head:
        share = adjacency_share(pairs, analyzer.stems(item.passage.text))
        signals = {**item.signals, "proximity": round(share, 4)}
        score = round(item.score + weight * spread * share, 6)
        rescored.append(ScoredPassage(score, item.passage, item.document, signals))
    rescored.sort(key=lambda i: -i.score)
    return rescored + list(items[depth:])
