"""Small text helpers shared by ingestion and search: sentences, folding, snippets."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

# A sentence ends at . ! ? or … followed by space and an upper-case letter, digit or quote,
# but not after common Swedish abbreviations ("bl.a.", "t.ex.", "s.k.") or a single initial.
_ABBREVIATIONS = {"bl", "t", "ex", "s", "k", "d", "v", "m", "fl", "o", "dvs", "osv", "resp", "jfr", "ca", "nr", "kap"}
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"”’)]?\s+(?=[\"“”(]?[A-ZÅÄÖÉÜ0-9•\-–])")
_WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ]+")
_FOLDED_WORD = re.compile(r"[a-z0-9]+")
_ORDINAL = re.compile(r"\d{1,3}(?:\.\d{1,3})*\.")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``; blank lines always end a sentence."""
    spans: list[tuple[int, int]] = []
    for block in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", text, flags=re.S):
        start = block.start()
        for boundary in _BOUNDARY.finditer(text, block.start(), block.end()):
            before = text[start : boundary.start()].rstrip()
            last_word = re.search(r"(\w+)\W*$", before)
            if last_word and (last_word.group(1).lower() in _ABBREVIATIONS or len(last_word.group(1)) == 1):
                continue
            if _ORDINAL.fullmatch(before):
                continue  # "10. Utbildning" or "2.3. Metod": a numbered heading or item, not a sentence
            spans.append((start, boundary.start()))
            start = boundary.end()
        spans.append((start, block.end()))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def sentence_texts(text: str, min_chars: int = 0) -> list[str]:
    """The sentences of ``text`` with whitespace collapsed, those shorter than ``min_chars`` left out."""
    return [s for s in (" ".join(text[a:b].split()) for a, b in split_sentences(text)) if len(s) >= min_chars]


class _StripCombining(dict):
    """``str.translate`` table that deletes combining marks, filled per character on first sight."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        value = None if unicodedata.combining(char) else char
        self[code] = value
        return value


_STRIP_COMBINING = _StripCombining()


def fold(text: str) -> str:
    """Lower-case and strip diacritics, so "Våld" and "vald" compare equal.

    ``str.translate`` with a memoised table instead of a per-character generator: folding the
    ~130 candidates of a query took half of a search's time (6 of 13 s over 150 SweQuAD questions).
    """
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text.lower()).translate(_STRIP_COMBINING)


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit: a passage or a question of dot leaders, dashes
    or emoji alone has nothing anyone could look for or find."""
    return any(ch.isalnum() for ch in text)


def folded_words(text: str) -> str:
    """The folded words of ``text`` joined by single spaces, for phrase containment checks
    ("Trygg i förorten" in "... om trygg i förorten?") that ignore case, accents and punctuation."""
    return " ".join(_FOLDED_WORD.findall(fold(text)))


def terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(fold(text)) if len(w) > 2}


def best_sentence(
    text: str,
    query_terms: list[str] | set[str],
    analyzer=None,
    max_chars: int = 300,
    *,
    answers: Callable[[str], bool] | None = None,
    headings: Sequence[str] = (),
) -> str:
    """The sentence of ``text`` holding most distinct query terms (the first on ties).

    With an ``analyzer`` terms are compared stemmed and folded, as lexical search does;
    without one, folded words of three letters or more. A sentence that ``answers`` the
    question (holds the kind of answer it asks for) counts one term more: "Hur många kom till
    trygghetsvandringen?" shows "Vandringen samlade 45 personer", which shares no word with it.
    On ties a sentence that is only one of the passage's ``headings`` comes last, unless it holds the
    answer ("4. Fritidsgården (1 250 000 kronor)" for "Hur mycket gick till fritidsgården?"). A sentence
    longer than ``max_chars`` is cut at a word boundary and ends with " …".
    """
    wanted = set(query_terms)
    sentences = split_sentences(text) or [(0, len(text))]
    heading_texts = {" ".join(h.split()) for h in headings}

    def value(span: tuple[int, int]) -> tuple[int, bool]:
        piece = text[span[0] : span[1]]
        overlap = len(wanted.intersection(analyzer.terms(piece) if analyzer is not None else terms(piece)))
        answering = answers is not None and answers(piece)
        return overlap + answering, answering or " ".join(piece.split()) not in heading_texts

    best = max(sentences, key=value)
    snippet = " ".join(text[best[0] : best[1]].split())
    if len(snippet) > max_chars:
        cut = snippet.rfind(" ", 0, max_chars)
        snippet = snippet[: cut if cut > max_chars // 2 else max_chars].rstrip() + " …"
    return snippet


def best_snippet(text: str, query: str, max_chars: int = 300) -> str:
    """The sentence of ``text`` that shares most words with ``query`` (no analyzer needed)."""
    return best_sentence(text, terms(query), None, max_chars)
