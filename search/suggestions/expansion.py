"""What a query becomes before the lexical signal looks it up: typos tolerated, synonyms added.

The embedding model reads the query as typed; only the lexical (BM25) query is widened:

* **typos**: a word of ``TOLERANT_LENGTH`` letters or more that nothing vouches for (the index
  does not hold it, it is no ordinary Swedish or English word: :mod:`search.suggestions.spelling`)
  finds nothing lexically; the index word one edit away is looked up in its place;
* **synonyms**: the administrator's rules (:mod:`search.suggestions.synonyms`) add their
  other expressions.

The answer reports both, so a page can say what was searched, and their words are marked in
the hits like the typed ones. "Menade du …?" (``did_you_mean``) is separate: it offers the
whole corrected query, with up to two edits a long word, and changes nothing by itself.

Usage::

    expander = QueryExpander(live_words, SynonymFile(Path("data/synonyms.txt")))
    expansion = expander.expand("våldsprevension och hedersvåld")
    expansion.lexical_query("våldsprevension och hedersvåld")
    # 'våldsprevension och hedersvåld våldsprevention hedersrelaterat våld och förtryck ...'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from search.suggestions.live import LiveWords
from search.suggestions.spelling import Correction
from search.suggestions.synonyms import SynonymExpansion, SynonymFile
from search.suggestions.vocabulary import replace_words, words_of
from search.text import fold

TOLERANT_LENGTH = 6


@dataclass(frozen=True)
class QueryExpansion:
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> the index word searched too
    synonyms: list[SynonymExpansion] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.corrections or self.synonyms)

    def corrected(self, query: str) -> str:
        """The query with the tolerated typos replaced: the word sequence proximity compares."""
        return replace_words(query, self.corrections)

    def added_text(self) -> str:
        """The words the lexical query gains, to be looked up and highlighted."""
        return " ".join([*self.corrections.values(), *(t for s in self.synonyms for t in s.added)])

    def lexical_query(self, query: str) -> str:
        extra = self.added_text()
        return f"{query} {extra}" if extra else query


class QueryExpander:
    """Expansions and "Menade du" for queries, from the live vocabulary and the synonym file."""

    def __init__(self, words: LiveWords | None, synonyms: SynonymFile | None = None, *, typos: bool = True) -> None:
        self.words = words
        self.synonyms = synonyms
        self.typos = typos

    def expand(self, query: str) -> QueryExpansion:
        corrections: dict[str, str] = {}
        if self.typos and self.words is not None:
            corrector = self.words.current().corrector
            for word in dict.fromkeys(words_of(query)):
                if len(fold(word)) >= TOLERANT_LENGTH:
                    fixed = corrector.correct_word(word, max_edits=1)
                    if fixed is not None and fold(fixed) != fold(word):
                        corrections[word] = fixed
        synonyms = self.synonyms.current().expand(query) if self.synonyms is not None else []
        return QueryExpansion(corrections, synonyms)

    def did_you_mean(self, query: str) -> Correction | None:
        if self.words is None:
            return None
        return self.words.current().corrector.correct_query(query)
