"""What kind of answer a question asks for, and a small prior for passages that hold one.

"Hur många gick trygghetsvandringen?" wants a count ("cirka 40 personer"), "Vem ledde
projektet?" a person ("Karin Lindqvist"), "När ...?" a date. Neither e5-small nor BM25 sees
that: the passage that describes the walk outranks the one that counts who came. So
after fusion, passages holding the asked-for kind of answer get ``weight`` × the spread of
the candidates' fused scores added (scale-free, so it means the same under every fusion).

**Off by default.** Every rule below was chosen on one or two of the 24 dev questions. Judged on
questions none was chosen on (``benchmarks/priors.py``), the prior gained nothing significant on
SweQuAD-MC or on 50 questions over the real corpus, so ``VAKSAM_ANSWER_WEIGHT`` is 0 and
``VAKSAM_ANSWER_RULES`` is empty. Question types still choose each hit's snippet
(:func:`question_type`, :func:`holds_answer`). The measurements below are this module's history.

Question types are read from the question's own words (Swedish and English); answers by
shape: a number with a count unit ("12 procent", "40 personer", "250 000 kronor"), two
or more capitalised words in a row (a name), a day-month date or an ISO date, a case or
series number ("Dnr KS/2019:412", "SOU 2021:3": what "Vilket diarienummer ...?" asks for).

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

The answer often sits beside the passage that names the topic: under "Trygghetsvandring i Alby",
the part "Bakgrund" says what the walk was (and matches "trygghetsvandringen" best) while
"Resultat" says "samlade 45 personer"; a foreword's signature is in its
last passage. So within each section of a document (a passage's headings less the last level,
which is the passage's own sub-heading), the best passage holding the answer first takes the
score of the section's best passage that holds none (the topic passage), then gets the prior.
Only one holder per section is lifted, and only from a topic passage that lacks the answer, so a
section full of names does not crowd the list. The one lifted is the best-scoring holder, unless a
holder opens with a heading that itself holds the answer ("6. Fritidsgården (1 250 000 kronor)"
over a paragraph under it that mentions "120 kr per besök"): a heading speaks for
its whole section, a number in the body often for a part of it. Measured (``vaksam eval --compare``; SweQuAD-MC
offline): dev MRR@10 .801 -> .870 (a count of visitors and a foreword's author go from rank 4
and 10 to 1, no question loses); SweQuAD-MC .877 unchanged (its pages have no headings: the rule
never applies there; with SweQuAD's pages read as text files, which finds their headings, it
gave .875 against .875 without). Grouping by the top heading instead gave the same; by the
passage's own full heading path .839 (sub-headings split the topic from its answer). With the
lift, weights .05 / .10 / .15 / .30 gave dev .861 / .863 / .870 / .880 and SweQuAD .876 / .877 /
.877 / .875. The case-number type then took dev to .891 (the question for a decision's
"diarienummer" found it second, first with it; SweQuAD-MC asks for none). Preferring the holder
whose own heading holds the answer, with the outline's unlisted sub-headings nested under their
numbered chapter (``ingest.outline.nest_unlisted``), took dev from .884 to .915 (the amount in a
chapter heading, from rank 4 to 1; the nesting alone had moved a near tie of another question
from 2 to 3 by changing the candidates' score range); SweQuAD-MC unchanged (.880 offline both).

A question may name the document itself: "Vem höll presentationen Trygg i förorten?" names a slide
deck by the running head on its every slide, and the presenter's slide is not the one that matches
the title best. When the question holds a document's title or a running head of three words or
more, that document is one section: its best holder takes the score of its best passage without an
answer (signal ``document``). Dev .915 -> .943 (a presenter from rank 3 to 1, no question lost);
SweQuAD-MC .880 unchanged offline (9 of its 198 typed questions name a title, none with three
words; with any length, .8795 against .8796). Two-word names are left out: a running head of two
words is as often the organisation ("Botkyrka kommun"), which questions name for other reasons.

Usage::

    kind = question_type("Hur många gick trygghetsvandringen?")  # AnswerType.NUMBER
    holds_answer("Vandringen lockade cirka 40 personer.", kind)  # True
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from search.store import ScoredPassage
from search.text import fold, folded_words


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


def question_type(query: str, *, references: bool = True) -> AnswerType | None:
    """The kind of answer ``query`` asks for, or None for questions of what, why and how;
    ``references=False`` never asks for a case number."""
    folded = fold(query)
    for kind, pattern in _QUESTION:
        if (references or kind is not AnswerType.REFERENCE) and pattern.search(folded):
            return kind
    return None


def holds_answer(text: str, kind: AnswerType) -> bool:
    return bool(_ANSWER[kind].search(text))


def _section_key(item: ScoredPassage) -> tuple[str, tuple[str, ...]] | None:
    """The document and the section a passage belongs to: its headings less its own sub-heading."""
    section = tuple(item.passage.section or ())
    if not section:
        return None
    return item.passage.document_id, section[:-1] if len(section) > 1 else section


def _heading_holds(item: ScoredPassage, kind: AnswerType) -> bool:
    """Whether the passage opens with its own heading and that heading holds the answer
    ("6. Fritidsgården (1 250 000 kronor)"): it then speaks for the whole section."""
    section = item.passage.section
    return bool(section) and item.passage.text.lstrip().startswith(section[-1]) and holds_answer(section[-1], kind)


def _lifts(
    groups: Iterable[list[int]],
    items: Sequence[ScoredPassage],
    holds: Sequence[bool],
    kind: AnswerType,
    current: dict[int, float],
    headings: bool = True,
) -> dict[int, float]:
    """Per item index: the score its group's topic (best passage without an answer) lends it.

    In each group the holder is the one whose own heading holds the answer, else the best-scoring
    holder (``current`` gives a score already lifted); it takes the topic's score when that is
    higher. Sections and named documents are both such groups (see the module doc).
    """
    lifts = {}
    for members in groups:
        topic = max((items[i].score for i in members if not holds[i]), default=None)
        holder = max(
            (i for i in members if holds[i]),
            key=lambda i: (headings and _heading_holds(items[i], kind), current.get(i, items[i].score)),
            default=None,
        )
        if topic is not None and holder is not None and topic > current.get(holder, items[holder].score):
            lifts[holder] = topic
    return lifts


def _section_lifts(
    items: Sequence[ScoredPassage], holds: Sequence[bool], kind: AnswerType, headings: bool = True
) -> dict[int, float]:
    """Per item index: the score it takes from its section's topic passage (see the module doc)."""
    sections: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        key = _section_key(item)
        if key is not None:
            sections[key].append(i)
    return _lifts(sections.values(), items, holds, kind, {}, headings)


MIN_NAME_WORDS = 3  # "Trygg i förorten"; two-word running heads are often the organisation ("Botkyrka kommun")


def _named_documents(items: Sequence[ScoredPassage], query: str) -> set[str]:
    """The documents whose title or running head (three words or more) the question names."""
    asked = f" {folded_words(query)} "
    named = set()
    for item in items:
        doc = item.document
        if doc is None or doc.id in named:
            continue
        for name in (doc.title, *doc.running_heads):
            words = folded_words(name or "")
            if len(words.split()) >= MIN_NAME_WORDS and f" {words} " in asked:
                named.add(doc.id)
                break
    return named


def _document_lifts(
    items: Sequence[ScoredPassage],
    holds: Sequence[bool],
    kind: AnswerType,
    query: str,
    lifted: dict[int, float],
    headings: bool = True,
) -> dict[int, float]:
    """Per item index: the score it takes from the best passage that holds no answer in a document
    the question names (see the module doc); ``lifted``, the section lifts, count as its score."""
    named = _named_documents(items, query)
    members: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        if item.document is not None and item.document.id in named:
            members[item.document.id].append(i)
    return _lifts(members.values(), items, holds, kind, lifted, headings)


@dataclass(frozen=True)
class AnswerRules:
    """The parts of the answer prior, each of which can be switched off to judge it on its own:
    ``sections`` (a holder takes its section's topic score), ``documents`` (the same across a
    document the question names), ``references`` (the case-number question type) and ``headings``
    (prefer a holder whose own heading holds the answer)."""

    sections: bool = True
    documents: bool = True
    references: bool = True
    headings: bool = True

    @classmethod
    def named(cls, names: Iterable[str]) -> AnswerRules:
        """The rules listed by name (``VAKSAM_ANSWER_RULES``); the others are off."""
        names = set(names)
        unknown = names - set(cls.__dataclass_fields__)
        if unknown:
            valid = ", ".join(cls.__dataclass_fields__)
            raise ValueError(f"unknown answer rule(s) {', '.join(sorted(unknown))}; valid rules: {valid}")
        return cls(**{name: name in names for name in cls.__dataclass_fields__})


ALL_RULES = AnswerRules()


def answer_prior(
    items: Sequence[ScoredPassage], query: str, weight: float, rules: AnswerRules = ALL_RULES
) -> list[ScoredPassage]:
    """``items`` (fused, best first) re-sorted with the answer-type prior; unchanged for untyped
    questions or ``weight`` 0. The signal ``answer`` (0 or 1) is recorded on each item, ``section``
    (the topic passage's score) on one that took its section's place, and ``document`` on one that
    took the place of a document the question names."""
    kind = question_type(query, references=rules.references) if weight else None
    if kind is None or len(items) < 2:
        return list(items)
    spread = max(i.score for i in items) - min(i.score for i in items)
    holds = [holds_answer(item.passage.text, kind) for item in items]
    lifts = _section_lifts(items, holds, kind, rules.headings) if rules.sections else {}
    named = _document_lifts(items, holds, kind, query, lifts, rules.headings) if rules.documents else {}
    out = []
    for i, (item, hit) in enumerate(zip(items, holds, strict=True)):
        signals = {**item.signals, "answer": float(hit)}
        score = item.score
        if i in lifts:
            score = signals["section"] = lifts[i]
        if i in named:
            score = signals["document"] = named[i]
        out.append(ScoredPassage(round(score + weight * spread * hit, 6), item.passage, item.document, signals))
    return sorted(out, key=lambda i: -i.score)
