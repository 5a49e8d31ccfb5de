"""The index's own words and phrases: the only material suggestions are built from.

A suggestion must lead somewhere: "Menade du: trygghetsvandring?" is only offered when
the index holds that word, and a completion is a title, a heading, a program name or a
word that some passage holds. The vocabulary is read from the stored passages and
document records, so it follows the index, not a dictionary.

Words are keyed by their folded form ("valdsprevention"), so a query typed without
å/ä/ö is not a misspelling, and each keeps the spelling the documents use most
("våldsprevention") for display.

Usage::

    vocabulary = Vocabulary.build(passages, documents, programs={"mvp": "Mentors in Violence Prevention"})
    vocabulary.count("valdsprevention")  # passages holding the word
    vocabulary.display("valdsprevention")  # 'våldsprevention'
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from search.records import DocumentRecord, DocumentStatus, PassageRecord
from search.text import fold

_WORD = re.compile(r"[^\W\d_](?:[^\W_]|-(?=[^\W\d_]))*", re.UNICODE)  # letters, digits inside, inner hyphens
MIN_WORD, MAX_WORD = 2, 40
MAX_PHRASE = 90  # a longer "heading" is a paragraph the parser mistook for one


class PhraseKind(StrEnum):
    """Where a phrase comes from; the order is the order completions prefer."""

    PROGRAM = "program"
    TITLE = "title"
    HEADING = "heading"
    TERM = "term"


@dataclass(frozen=True)
class Phrase:
    text: str
    kind: PhraseKind
    folded: str
    weight: int  # documents (titles, programs) or passages (headings, terms) that carry it


def words_of(text: str) -> list[str]:
    """The words of ``text`` as written, hyphenated compounds kept whole ("hela-kommunen")."""
    return [w for w in _WORD.findall(text) if MIN_WORD <= len(w) <= MAX_WORD]


def replace_words(text: str, replacements: Mapping[str, str]) -> str:
    """``text`` with each whole word that ``replacements`` names replaced ("modelen" -> "modellen",
    never inside "modelenheter")."""
    for word, replacement in replacements.items():
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, text)
    return text


def folded_phrase(text: str) -> str:
    return " ".join(fold(w) for w in words_of(text))


class Vocabulary:
    """Folded word -> passages holding it, the spelling to show, and the phrases to complete."""

    def __init__(self, counts: Mapping[str, int], forms: Mapping[str, str], phrases: Iterable[Phrase]) -> None:
        self._counts = dict(counts)
        self._forms = dict(forms)
        self.phrases = sorted(phrases, key=lambda p: (p.folded, p.kind))
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in self._counts:
            by_length[len(word)].append(word)
        self.by_length = {n: sorted(words) for n, words in by_length.items()}

    @classmethod
    def build(
        cls,
        passages: Iterable[PassageRecord],
        documents: Iterable[DocumentRecord],
        programs: Mapping[str, str] | None = None,
    ) -> Vocabulary:
        """Count each word once per passage; titles and headings count too (they are searched)."""
        counts: Counter[str] = Counter()
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        heading_counts: Counter[str] = Counter()
        heading_forms: dict[str, str] = {}
        for passage in passages:
            seen = set()
            for word in words_of(passage.text):
                lowered = word.lower()
                key = fold(lowered)
                spellings[key][lowered] += 1
                seen.add(key)
            counts.update(seen)
            for heading in passage.section:
                heading = " ".join(heading.split())
                if 2 < len(heading) <= MAX_PHRASE:
                    key = folded_phrase(heading)
                    if key:
                        heading_counts[key] += 1
                        heading_forms.setdefault(key, heading)
        phrases: list[Phrase] = []
        titles: Counter[str] = Counter()
        title_forms: dict[str, str] = {}
        used_programs: Counter[str] = Counter()
        for doc in documents:
            if doc.status != DocumentStatus.INDEXED:
                continue
            key = folded_phrase(doc.title)
            if key and len(doc.title) <= MAX_PHRASE:
                titles[key] += 1
                title_forms.setdefault(key, " ".join(doc.title.split()))
            used_programs.update(doc.programs)
            for word in words_of(doc.title):
                spellings[fold(word.lower())][word.lower()] += 1
                counts[fold(word.lower())] += 0  # known, even when only a title holds it
        phrases += [Phrase(title_forms[k], PhraseKind.TITLE, k, n) for k, n in titles.items()]
        phrases += [Phrase(heading_forms[k], PhraseKind.HEADING, k, n) for k, n in heading_counts.items()]
        for program, n in used_programs.items():  # only programs some document names
            name = (programs or {}).get(program, program)
            phrases.append(Phrase(name, PhraseKind.PROGRAM, folded_phrase(name), n))
        forms = {key: spelled.most_common(1)[0][0] for key, spelled in spellings.items()}
        phrases += [Phrase(forms[k], PhraseKind.TERM, k, n) for k, n in counts.items() if n > 0]
        return cls(counts, forms, phrases)

    def __contains__(self, folded: str) -> bool:
        return folded in self._counts

    def __len__(self) -> int:
        return len(self._counts)

    def count(self, folded: str) -> int:
        """Passages holding the word (0 for a word only a title holds, or an unknown one)."""
        return self._counts.get(folded, 0)

    def display(self, folded: str) -> str:
        """The spelling the documents use most, or ``folded`` itself when unknown."""
        return self._forms.get(folded, folded)

    def words_near_length(self, length: int, spread: int) -> Iterable[str]:
        for n in range(max(1, length - spread), length + spread + 1):
            yield from self.by_length.get(n, ())
