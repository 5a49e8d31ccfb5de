"""What kind of answer a question asks for, so a hit's snippet can show the sentence that holds it.

"Hur många gick trygghetsvandringen?" wants a count ("cirka 40 personer"), "Vem ledde
projektet?" a person ("Karin Lindqvist"), "När ...?" a date, "Vilket diarienummer ...?" a case
number. Question types are read from the question's own words (Swedish and English); answers by
shape: a number with a count unit ("12 procent", "40 personer", "250 000 kronor"), two or more
capitalised words in a row (a name), a day-month or ISO date, a case or series number
("Dnr KS/2019:412", "SOU 2021:3").

This only chooses the sentence a hit shows. As a ranking prior it gained nothing significant on
held-out questions and was removed (benchmarks/README.md, "Ranking priors judged").

Usage::

    kind = question_type("Hur många gick trygghetsvandringen?")  # AnswerType.NUMBER
    holds_answer("Vandringen lockade cirka 40 personer.", kind)  # True
"""

from __future__ import annotations

import re
from enum import StrEnum

from search.text import fold


class AnswerType(StrEnum):
    NUMBER = "number"
    PERSON = "person"
    DATE = "date"
    REFERENCE = "reference"


_QUESTION = [
    (
        AnswerType.REFERENCE,  # first: "Vilket diarienummer och datum ...?" wants the case number
        re.compile(r"\b(diarienummer|dnr|arendenummer|referensnummer|beteckning|case number|reference number)\b"),
    ),
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
    # "Dnr KS/2019:412", "SN/2020:77", "SOU 2021:3", "Prop. 2019/20:131", "dnr 4.1.2-1234/2019"
    AnswerType.REFERENCE: re.compile(
        r"\b(?i:dnr)\b[\s.:]*[\w./-]*\d|\b[A-ZÅÄÖ][A-Za-zÅÄÖåäö.]{1,6}[ /-]?(?:19|20)\d{2}(?:/\d{2})?:\d+\b"
    ),
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
    """Whether ``text`` holds an answer of the ``kind``, by its shape (a counted number, a name, a date)."""
    return bool(_ANSWER[kind].search(text))
