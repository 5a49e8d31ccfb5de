"""One Swedish analyzer for documents and queries: the only place words become terms.

Steps, each measured on the dev questions (MRR@10, BM25 alone) and SweQuAD-MC
(nDCG@10, BM25 alone) over the same passages:

* lower-case and fold diacritics, so "valdsprevention" finds "våldsprevention"
  and OCR text that lost å/ä/ö still matches (plain words: .504 / .821);
* Swedish Snowball stemming (PyStemmer) on the folded word (.593 / .849 with stop words);
* stop words: Snowball's Swedish list and spaCy's English one, folded, so "Vem"/"Hur" do
  not rank passages;
* compound parts from the Hunspell dictionary's compound flags, added next to the whole
  word, so "våld" finds "våldsförebyggande" and "förebygga våld" finds it too
  (.593 -> .619 / .849 -> .852);
* abbreviations (``abbreviations_sv.txt``: "dnr", "sol", "mucf") also carry the terms of
  their written-out form, so "diarienummer" finds "Dnr KS/2020:145" (dev hybrid MRR@10
  .731 -> .743, that question from rank 5 to 2).

Character n-grams were measured too and gave nothing once fused with dense retrieval, at four to
five times the index size (benchmarks/README.md), so there are none.

Usage::

    analyzer = SwedishAnalyzer.default()
    analyzer.terms("Förebyggande av våld i nära relationer")
    # ['forebygg', 'vald', 'nar', 'relation']
    analyzer.highlights("Våldsprevention i skolan", analyzer.terms("vald"))  # [(0, 15)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import chain
from pathlib import Path

from search.text import fold

WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ]+")
# Longer runs of letters (hashes, base64, a file of "aaaa...") are kept as one truncated term, not
# stemmed, split or cut into n-grams: that work grows with the length and finds nothing.
MAX_WORD = 64
# Every character WORD can match folds to exactly one character, so a whole text folds once with
# this table and each word is a slice of it at the same offsets (folding word by word was 1,700
# calls per search for the snippets and highlights).
_WORD_CHARS = [chr(c) for c in range(0x100) if WORD.fullmatch(chr(c))]
_WORD_FOLD = str.maketrans({c: fold(c) for c in _WORD_CHARS})
assert all(len(fold(c)) == 1 and WORD.fullmatch(fold(c)) for c in _WORD_CHARS)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Snowball's Swedish list and spaCy's English list (data files beside this module), folded.

    spaCy's Swedish list is not used: it lacks "är" and holds content words such as
    "beslut", "dag" and "kr" that matter in municipal documents. The English list is a copy, so
    that searching never imports spaCy (257 MB of the API process's memory).
    """
    words = []
    for name in ("stopwords_sv.txt", "stopwords_en.txt"):
        lines = (Path(__file__).parent / name).read_text(encoding="utf-8").splitlines()
        words += [w for line in lines if not line.startswith("#") for w in line.split()]
    return frozenset(fold(w) for w in words)


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, str]:
    """Folded abbreviation -> its written-out form, from ``abbreviations_sv.txt``."""
    table: dict[str, str] = {}
    for line in (Path(__file__).parent / "abbreviations_sv.txt").read_text(encoding="utf-8").splitlines():
        short, sep, long = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            table[fold(short.strip())] = long.strip()
    return table


class SwedishAnalyzer:
    """Folded, stemmed, stop-word-free terms with compound parts."""

    def __init__(self, compounds=None, *, stop: frozenset[str] | None = None) -> None:
        import Stemmer

        self._stemmer = Stemmer.Stemmer("swedish")
        self._compounds = compounds
        self._stop = stop_words() if stop is None else stop
        self._abbreviations = abbreviations()
        self._word_terms = lru_cache(maxsize=300_000)(self._terms_of_word)

    @property
    def stop_words(self) -> frozenset[str]:
        """The folded stop words this analyzer leaves out."""
        return self._stop

    def compound_parts(self, folded: str) -> tuple[str, ...]:
        """The Hunspell compound parts of a folded word, () when it is none (or no lexicon is loaded)."""
        return self._compounds.split(folded) if self._compounds is not None else ()

    @classmethod
    @lru_cache(maxsize=4)
    def default(cls) -> SwedishAnalyzer:
        from search.lexical.hunspell import CompoundLexicon

        return cls(CompoundLexicon.default())

    def _terms_of_word(self, folded: str) -> tuple[str, ...]:
        expansion = self._abbreviations.get(folded)
        if expansion is not None:
            spelled = [t for word in self._folded_words(expansion) for t in self._plain_terms(word)]
            return tuple(dict.fromkeys([folded, *spelled]))
        return self._plain_terms(folded)

    def _plain_terms(self, folded: str) -> tuple[str, ...]:
        if folded in self._stop:
            return ()
        if len(folded) > MAX_WORD:
            return (folded[:MAX_WORD],)
        terms = [self._stemmer.stemWord(folded)]
        if self._compounds is not None and folded.isalpha():
            parts = self._compounds.split(folded)
            terms += [p for p in self._stemmer.stemWords(list(parts)) if p not in self._stop]
        return tuple(terms)

    @staticmethod
    def _folded_words(text: str) -> list[str]:
        """The folded words of ``text``. Folding keeps every word character a word character
        (asserted above), so the words of the folded text are the folded words, at the same
        offsets: found this way, the terms of the real corpus's passages took 0.47 -> 0.28 s."""
        return WORD.findall(text.translate(_WORD_FOLD))

    def terms(self, text: str) -> list[str]:
        """Every term of ``text`` in order, with repeats (term frequency matters)."""
        return list(chain.from_iterable(map(self._word_terms, self._folded_words(text))))

    def stems(self, text: str) -> list[str]:
        """The stem of each word of ``text`` in order, stop words left out and without compound
        parts or n-grams: the word sequence that term proximity compares (``search.proximity``)."""
        return [terms[0] for terms in map(self._word_terms, self._folded_words(text)) if terms]

    def highlights(self, text: str, query_terms: Iterable[str]) -> list[tuple[int, int]]:
        """Character spans of the words of ``text`` that share a term with the query.

        Offsets index the original string, so a client can mark them without any HTML
        travelling in the response.
        """
        wanted = set(query_terms)
        spans: list[tuple[int, int]] = []
        if not wanted:
            return spans
        # Each distinct word is looked up once (a passage repeats its words), on the folded text,
        # whose words lie at the same offsets: 0.64 -> 0.50 ms for the ten passages of a search.
        marked: dict[str, bool] = {}
        for match in WORD.finditer(text.translate(_WORD_FOLD)):  # folding keeps every offset (see above)
            word = match.group()
            mark = marked.get(word)
            if mark is None:
                mark = marked[word] = not wanted.isdisjoint(self._word_terms(word))
            if mark:
                start, end = match.span()
                if spans and start - spans[-1][1] <= 1 and not text[spans[-1][1] : start].strip():
                    spans[-1] = (spans[-1][0], end)  # adjacent words: one mark
                else:
                    spans.append((start, end))
        return spans
