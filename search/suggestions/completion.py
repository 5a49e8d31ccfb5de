"""Autocomplete: what the user is typing, completed from titles, headings, program names and
the index's words (:class:`~search.suggestions.vocabulary.Vocabulary`).

A completion either continues the whole input ("rutin v" -> "Rutin vid våld i nära relationer"),
or starts at a word inside a phrase ("nära rel" -> "Rutin vid våld i nära relationer"), or keeps
the words already typed and completes the last one from the index's words ("våld i nä" ->
"våld i nära"; stop words are never offered). Matching is on folded words, so "vald" completes
"Våld".

Lookups are binary searches over sorted folded keys: nothing is scanned per keystroke but the
matching range.

Order: completions that start with the input come before those that only meet it inside a phrase;
then programs, titles, headings and words; then the phrases more documents or passages hold.

Usage::

    completer = Completer(vocabulary)
    completer.complete("trygghetsv", limit=5)
    # [Completion(text='trygghetsvandring', kind='term', ...), ...]
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from search.suggestions.vocabulary import Phrase, PhraseKind, Vocabulary, folded_phrase, words_of
from search.text import fold

MIN_PREFIX = 2
MAX_SCAN = 5_000  # a one-letter-wide prefix on a large index: the best of the first 5,000 matches
_RANK = {PhraseKind.PROGRAM: 0, PhraseKind.TITLE: 1, PhraseKind.HEADING: 2, PhraseKind.TERM: 3}
CompletionKind = PhraseKind


@dataclass(frozen=True)
class Completion:
    text: str
    kind: PhraseKind
    weight: int


class Completer:
    """Prefix lookups over one vocabulary; build a new one when the index changes."""

    def __init__(self, vocabulary: Vocabulary, stop_words: frozenset[str] = frozenset()) -> None:
        phrases = [p for p in vocabulary.phrases if p.kind is not PhraseKind.TERM]
        terms = [p for p in vocabulary.phrases if p.kind is PhraseKind.TERM and p.folded not in stop_words]
        self._phrases = sorted(phrases, key=lambda p: p.folded)
        self._phrase_keys = [p.folded for p in self._phrases]
        inner = []  # (the phrase from its second, third, ... word on, the phrase)
        for phrase in self._phrases:
            at = phrase.folded.find(" ")
            while at >= 0:
                inner.append((phrase.folded[at + 1 :], phrase))
                at = phrase.folded.find(" ", at + 1)
        inner.sort(key=lambda item: item[0])
        self._inner_keys = [key for key, _ in inner]
        self._inner = [phrase for _, phrase in inner]
        self._terms = sorted(terms, key=lambda p: p.folded)
        self._term_keys = [p.folded for p in self._terms]

    @staticmethod
    def _range(keys: list[str], prefix: str) -> range:
        start = bisect_left(keys, prefix)
        end = bisect_left(keys, prefix + "\uffff", lo=start)
        return range(start, min(end, start + MAX_SCAN))

    def complete(self, text: str, limit: int = 8) -> list[Completion]:
        """Up to ``limit`` completions of ``text``, best first, none repeated (folded)."""
        typed = folded_phrase(text)
        if len(typed.replace(" ", "")) < MIN_PREFIX:
            return []
        if text[-1:].isspace():
            typed += " "  # "våld " completes phrases that go on after the word, not "våldet"
        scored: list[tuple[tuple, Phrase, str]] = []
        for i in self._range(self._phrase_keys, typed):
            phrase = self._phrases[i]
            scored.append(((0, _RANK[phrase.kind], -phrase.weight, len(phrase.folded)), phrase, phrase.text))
        for i in self._range(self._inner_keys, typed):
            phrase = self._inner[i]
            scored.append(((1, _RANK[phrase.kind], -phrase.weight, len(phrase.folded)), phrase, phrase.text))
        words = words_of(text)
        last = fold(words[-1].lower()) if words and not text[-1:].isspace() else ""
        if len(last) >= MIN_PREFIX:
            lead = text[: text.lower().rfind(words[-1].lower())]
            for i in self._range(self._term_keys, last):
                term = self._terms[i]
                if term.folded == last:
                    continue  # the word is already whole
                shown = " ".join((lead + term.text).split())
                scored.append(((0, _RANK[term.kind], -term.weight, len(term.folded)), term, shown))
        out: list[Completion] = []
        seen: set[str] = {typed.strip()}
        for _, phrase, shown in sorted(scored, key=lambda s: s[0]):
            key = folded_phrase(shown)
            if key in seen:
                continue
            seen.add(key)
            out.append(Completion(text=shown, kind=phrase.kind, weight=phrase.weight))
            if len(out) == limit:
                break
        return out
