""" "Menade du …?": corrections of misspelled query words, from the index's own words.

A query word is taken for a misspelling only when nothing vouches for it:

* the index holds it (folded, so "valdsprevention" is "våldsprevention" typed without å/ä/ö);
* it is a compound whose parts the index holds ("skolvåld" when "skola" and "våld" occur);
* it is an ordinary Swedish or English word (on ``wordfreq``'s small lists: a Zipf frequency of at
  least 3, once in a million words), so an English question or a word the documents happen not
  to use is never "corrected" into a Swedish one. The small lists (30k words a language) cost the
  API 10 MB; the full ones, down to Zipf 1, cost 85 MB, more than the whole vocabulary of a
  10k-passage index;
* it is short (under ``MIN_LENGTH`` letters), holds a digit, or is a stop word.

Its correction is the index word nearest in optimal-string-alignment distance (a swap of two
neighbouring letters is one edit): at most one edit for words of four to seven letters, two
from eight, counted on the folded words, ties going to the word more passages hold. A compound
whose last part is misspelled ("trygghetsvandrig") is corrected part by part when the whole
word is not within reach: a known head ("trygghets") and a corrected tail ("vandring").

Usage::

    corrector = SpellingCorrector(vocabulary, analyzer)
    corrector.correct_query("socioekologisk modelen")
    # Correction(text='socioekologisk modellen', words={'modelen': 'modellen'})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

from search.lexical.analyzer import SwedishAnalyzer
from search.suggestions.vocabulary import Vocabulary, replace_words, words_of
from search.text import fold

MIN_LENGTH = 4
LONG_WORD = 8  # from here on two edits are allowed
REAL_WORD_ZIPF = 3.0  # the small lists hold nothing rarer
MIN_HEAD = 3
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Correction:
    """A corrected query: ``text`` as the user would have typed it, ``words`` what changed."""

    text: str
    words: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=50_000)
def _ordinary_word(word: str) -> bool:
    from wordfreq import zipf_frequency

    return any(zipf_frequency(word, language, wordlist="small") >= REAL_WORD_ZIPF for language in ("sv", "en"))


def allowed_edits(length: int) -> int:
    return 0 if length < MIN_LENGTH else (1 if length < LONG_WORD else 2)


class SpellingCorrector:
    """Corrections drawn from one :class:`Vocabulary`; build a new one when the index changes."""

    def __init__(self, vocabulary: Vocabulary, analyzer: SwedishAnalyzer | None = None) -> None:
        self.vocabulary = vocabulary
        self.analyzer = analyzer
        self._cache: dict[tuple[str, int], str | None] = {}

    def is_known(self, word: str) -> bool:
        """Whether something vouches for ``word`` (as typed): see the module docstring."""
        lowered = word.lower()
        folded = fold(lowered)
        if len(folded) < MIN_LENGTH or _DIGIT.search(folded) or folded in self.vocabulary:
            return True
        if self.analyzer is not None:
            if not self.analyzer.terms(folded):  # a stop word
                return True
            parts = self.analyzer.compound_parts(folded)
            if parts and all(self._known_part(p) for p in parts):
                return True
        return _ordinary_word(lowered)

    def _known_part(self, part: str) -> bool:
        return part in self.vocabulary or _ordinary_word(part)

    def correct_word(self, word: str, max_edits: int | None = None) -> str | None:
        """The index word ``word`` most likely meant, spelled as the documents spell it, or None
        when the word is vouched for or nothing is near enough. ``max_edits`` lowers the length's
        own allowance."""
        folded = fold(word.lower())
        edits = allowed_edits(len(folded))
        if max_edits is not None:
            edits = min(edits, max_edits)
        if edits == 0 or self.is_known(word):
            return None
        key = (folded, edits)
        if key not in self._cache:
            nearest = self._nearest(folded, edits)
            self._cache[key] = self.vocabulary.display(nearest) if nearest else self._compound(folded)
        return self._cache[key]

    def _nearest(self, folded: str, edits: int) -> str | None:
        choices = list(self.vocabulary.words_near_length(len(folded), edits))
        found = extract(folded, choices, scorer=OSA.distance, score_cutoff=edits, limit=50)
        if not found:
            return None
        # fewest edits, then the same first letter (typos rarely hit it), then the commonest word
        best = min(found, key=lambda f: (f[1], f[0][0] != folded[0], -self.vocabulary.count(f[0]), f[0]))
        return best[0]

    def _compound(self, folded: str) -> str | None:
        """A known head and a tail one edit from a known word: "trygghetsvandrig" -> "...vandring"."""
        for cut in range(len(folded) - MIN_LENGTH, MIN_HEAD - 1, -1):
            head, tail = folded[:cut], folded[cut:]
            shown_head = self._head(head)
            if shown_head is None:
                continue
            fixed = self._nearest(tail, 1)
            if fixed is not None and fixed != tail:
                return shown_head + self.vocabulary.display(fixed)
        return None

    def _head(self, head: str) -> str | None:
        """The head as the documents spell it, when it is a known word or one with a linking -s."""
        if self.vocabulary.count(head):
            return self.vocabulary.display(head)
        if head.endswith("s") and self.vocabulary.count(head[:-1]):
            return self.vocabulary.display(head[:-1]) + "s"
        return None

    def correct_query(self, query: str) -> Correction | None:
        """The query with each misspelled word replaced, or None when every word is vouched for."""
        changed: dict[str, str] = {}
        for word in dict.fromkeys(words_of(query)):
            fixed = self.correct_word(word)
            if fixed is not None:
                changed[word] = fixed.capitalize() if word[:1].isupper() else fixed
        return Correction(text=replace_words(query, changed), words=changed) if changed else None
