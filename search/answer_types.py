"""What kind of answer a question asks for, and a small prior for passages that hold one.

"Hur många gick trygghetsvandringen?" wants a count ("cirka 40 personer"), "Vem ledde
projektet?" a person ("Karin Lindqvist"), "När ...?" a date. Neither e5-small nor BM25 sees
that: the passage that describes the walk outranks the one that counts who came. So
after fusion, passages holding the asked-for kind of answer get ``weight`` × the spread of
the candidates' fused scores added (scale-free, so it means the same under every fusion).

Question types are read from the question's own words (Swedish and English); answers by
shape: a number with a count unit ("12 procent", "40 personer", "250 000 kronor"), two
or more capitalised words in a row (a name), a day-month date or an ISO date.

Measured with weighted fusion (dev: ``vaksam eval --compare``; SweQuAD-MC: the same
passages and signals offline; 198 of its 1190 questions are typed):

========  ===========  ==========================
weight    dev MRR@10   SweQuAD nDCG@10 (typed)
========  ===========  ==========================
0         .743         .881 (.780)
0.10      .784         .881 (.785)
0.15      .795         .881 (.784)
0.30      .819         .880 (.778)
========  ===========  ==========================

0.15 is the default: most of the dev gain, no loss on the held-out-style set.

Usage::

    kind = question_type("Hur många gick trygghetsvandringen?")  # AnswerType.NUMBER
    holds_answer("Vandringen lockade cirka 40 personer.", kind)  # True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from search.store import ScoredPassage
from search.text import fold


class AnswerType(StrEnum):
    NUMBER = "number"
    PERSON = "person"
    DATE = "date"


_QUESTION = [
    (
        AnswerType.NUMBER,
        re.compile(
            r"\b(hur (manga|mycket|stor|stora|lange|langt|ofta|gammal|hog)|(vilken|hur stor) andel|antal"
            r"|how (many|much)|what (share|percentage|proportion))\b"
        ),
    ),
    (AnswerType.PERSON, re.compile(r"\b(vem|vilka personer|who)\b")),
    (AnswerType.DATE, re.compile(r"^(nar|vilket (ar|datum)|when)\b")),
]
_MONTHS = "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
_UNITS = (
    "procent|%|personer|deltagare|besökare|kr|kronor|tkr|mkr|st|stycken|elever|barn|unga|ungdomar|"
    "timmar|dagar|veckor|månader|år|kommuner|skolor"
)
_ANSWER = {
    AnswerType.NUMBER: re.compile(rf"(?<![\d/:.-])\d{{1,3}}(?:[  ]\d{{3}})*(?:,\d+)?\s+(?:{_UNITS})\b", re.I),
    AnswerType.PERSON: re.compile(r"\b[A-ZÅÄÖ][a-zåäöéü]+(?:[ -][A-ZÅÄÖ][a-zåäöéü]+)+\b"),
    AnswerType.DATE: re.compile(
        rf"\b(\d{{1,2}} (?:{_MONTHS})|\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTHS}) (?:19|20)\d{{2}})\b", re.I
    ),
}


def question_type(query: str) -> AnswerType | None:
    """The kind of answer ``query`` asks for, or None for questions of what, why and how."""
    folded = fold(query)
    for kind, pattern in _QUESTION:
        if pattern.search(folded):
            return kind
    return None


def holds_answer(text: str, kind: AnswerType) -> bool:
    return bool(_ANSWER[kind].search(text))


def answer_prior(items: Sequence[ScoredPassage], query: str, weight: float) -> list[ScoredPassage]:
    """``items`` (fused, best first) re-sorted with the answer-type prior; unchanged for untyped
    questions or ``weight`` 0. The signal ``answer`` (0 or 1) is recorded on each item."""
    kind = question_type(query) if weight else None
    if kind is None or len(items) < 2:
        return list(items)
    spread = max(i.score for i in items) - min(i.score for i in items)
    out = []
    for item in items:
        hit = 1.0 if holds_answer(item.passage.text, kind) else 0.0
        signals = {**item.signals, "answer": hit}
        out.append(ScoredPassage(round(item.score + weight * spread * hit, 6), item.passage, item.document, signals))
    return sorted(out, key=lambda i: -i.score)
