"""The index's vocabulary, "Menade du", completions, synonyms and the lexical query expansion."""

from __future__ import annotations

import os
import time

import pytest

from search.lexical.analyzer import SwedishAnalyzer
from search.records import DocumentRecord, DocumentStatus, PassageRecord
from search.suggestions import Completer, SpellingCorrector, Synonyms, Vocabulary
from search.suggestions.expansion import QueryExpander, QueryExpansion
from search.suggestions.synonyms import SynonymFile
from search.suggestions.vocabulary import PhraseKind

TEXTS = [
    ("Våldsprevention i skolan bygger på den socioekologiska modellen.", ["Våldsprevention i skolan"]),
    ("Modellen beskriver risker på flera nivåer. Våldsprevention kräver samverkan.", ["Våldsprevention i skolan"]),
    ("Trygghetsvandringen i Alby samlade många. Vandring och trygghet hör ihop.", ["Trygghet i Alby"]),
    ("Skolan arbetar med våld i nära relationer och hedersrelaterat våld och förtryck.", ["Rutin vid våld"]),
    ("Våldet i nära relationer drabbar barn. Skolans personal ska agera.", ["Rutin vid våld"]),
]


def _passage(i: int, text: str, section: list[str], doc: str = "d1") -> PassageRecord:
    return PassageRecord(
        id=f"p{i}", document_id=doc, index=i, text=text, section=section, start=0, end=len(text), language="sv"
    )


def _document(doc_id: str, title: str, programs=(), status=DocumentStatus.INDEXED) -> DocumentRecord:
    return DocumentRecord(
        id=doc_id,
        title=title,
        source=f"{doc_id}.txt",
        language="sv",
        content_hash="x",
        status=status,
        programs=list(programs),
    )


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    passages = [_passage(i, text, section) for i, (text, section) in enumerate(TEXTS)]
    documents = [
        _document("d1", "Handbok om våldsprevention", programs=["mvp"]),
        _document("d2", "Ett misslyckat dokument", status=DocumentStatus.FAILED),
    ]
    return Vocabulary.build(passages, documents, programs={"mvp": "MVP (Mentors in Violence Prevention)"})


@pytest.fixture(scope="module")
def analyzer() -> SwedishAnalyzer:
    return SwedishAnalyzer.default()


@pytest.fixture(scope="module")
def corrector(vocabulary, analyzer) -> SpellingCorrector:
    return SpellingCorrector(vocabulary, analyzer)


def test_the_vocabulary_counts_passages_keys_folded_words_and_keeps_the_documents_spelling(vocabulary):
    assert vocabulary.count("valdsprevention") == 2  # once per passage, not per occurrence
    assert vocabulary.display("valdsprevention") == "våldsprevention"
    assert "handbok" in vocabulary and vocabulary.count("handbok") == 0  # a title word is known, held by none
    assert "misslyckat" not in vocabulary  # a failed document's title is not indexed
    kinds = {(p.kind, p.text) for p in vocabulary.phrases}
    assert (PhraseKind.TITLE, "Handbok om våldsprevention") in kinds
    assert (PhraseKind.HEADING, "Rutin vid våld") in kinds
    assert (PhraseKind.PROGRAM, "MVP (Mentors in Violence Prevention)") in kinds
    assert not any(p.text == "Ett misslyckat dokument" for p in vocabulary.phrases)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("våldsprevension i skolan", "våldsprevention i skolan"),  # one letter wrong
        ("socioekologiska modelen", "socioekologiska modellen"),  # one letter missing
        ("Vlådsprevention", "Våldsprevention"),  # two letters swapped is one edit; capital kept
        ("vldsprevenion", "våldsprevention"),  # two edits in a long word
        ("trygghetsvandrig", "trygghetsvandring"),  # a known head ("trygghet" + s) and a corrected tail
    ],
)
def test_misspelled_words_are_corrected_to_words_the_index_holds(corrector, query, expected):
    correction = corrector.correct_query(query)
    assert correction is not None and correction.text == expected


@pytest.mark.parametrize(
    "query",
    [
        "valdsprevention i skolan",  # typed without å/ä/ö: not a misspelling
        "What did the report recommend?",  # English words are words
        "kanelbulle",  # a Swedish word the documents do not use: nothing to suggest
        "skolvåld",  # a compound of two index words
        "mvp",  # too short to judge
        "Dnr 2017",
    ],
)
def test_words_something_vouches_for_are_left_alone(corrector, query):
    assert corrector.correct_query(query) is None


def test_a_compound_with_a_misspelled_tail_is_corrected_part_by_part(analyzer):
    passages = [_passage(0, "Trygghet i Alby. En vandring i parken.", [])]
    words = Vocabulary.build(passages, [])
    corrector = SpellingCorrector(words, analyzer)
    assert corrector.correct_word("trygghetsvandrig") == "trygghetsvandring"
    # nothing in the index is near: no suggestion rather than a guess
    assert corrector.correct_word("xyzzyplughvandrig") is None


def test_completions_come_from_titles_headings_programs_and_words(vocabulary, analyzer):
    completer = Completer(vocabulary, analyzer.stop_words)
    texts = [c.text for c in completer.complete("vålds")]
    assert "våldsprevention" in texts and "Våldsprevention i skolan" in texts
    assert texts.index("Våldsprevention i skolan") < texts.index("våldsprevention")  # a heading before a word
    # folded: typed without å/ä/ö; a phrase met inside ("... om våldsprevention") comes after those it starts
    folded = [c.text for c in completer.complete("valdsprev")]
    assert folded[0] == "Våldsprevention i skolan" and "Handbok om våldsprevention" in folded
    # the words typed are kept and the last one completed; stop words are never offered
    last = [c.text for c in completer.complete("våld i nä")]
    assert "våld i nära" in last and "våld i när" not in last
    assert [c.kind for c in completer.complete("mvp")][0] is PhraseKind.PROGRAM
    assert completer.complete("v") == []  # one letter: nothing
    assert len(completer.complete("s", limit=3)) == 0 and len(completer.complete("sk", limit=2)) == 2
    assert len({c.text.lower() for c in completer.complete("skola")}) == len(completer.complete("skola"))


def test_synonym_rules_in_solr_format_expand_whole_words(tmp_path):
    synonyms = Synonyms.parse(
        "# a comment\n"
        "hedersvåld, hedersrelaterat våld och förtryck\n"
        "VIN => våld i nära relationer\n"
        "ensam\n"
        "a => b => c\n"
        " , \n"
    )
    assert len(synonyms) == 2
    assert [p.split(":")[1] for p in synonyms.problems] == ["4", "5", "6"]  # each bad line named, the rest kept
    assert synonyms.expand("Hur arbetar skolan mot hedersvald?")[0].added == ["hedersrelaterat våld och förtryck"]
    assert synonyms.expand("hedersrelaterat våld och förtryck")[0].added == ["hedersvåld"]
    assert synonyms.expand("rutin för VIN")[0].added == ["våld i nära relationer"]
    assert synonyms.expand("våld i nära relationer") == []  # one way only
    assert synonyms.expand("vinter") == []  # whole words


def test_the_synonym_file_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "synonyms.txt"
    live = SynonymFile(path)
    assert len(live.current()) == 0  # missing: no rules, no error
    path.write_text("VIN => våld i nära relationer\n", encoding="utf-8")
    assert len(live.current()) == 1
    path.write_text("VIN => våld i nära relationer\nIPV => våld i nära relationer\n", encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert len(live.current()) == 2
    path.write_bytes(b"\xff\xfe broken")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    assert len(live.current()) == 0 and live.current().problems


class _Words:
    def __init__(self, corrector):
        self._current = type("W", (), {"corrector": corrector})()

    def current(self):
        return self._current


def test_the_lexical_query_gains_corrections_of_long_unknown_words_and_synonyms(corrector, tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text("hedersvåld, hedersrelaterat våld och förtryck\n", encoding="utf-8")
    expander = QueryExpander(_Words(corrector), SynonymFile(path))
    expansion = expander.expand("våldsprevension och hedersvåld")
    assert expansion.corrections == {"våldsprevension": "våldsprevention"}
    assert expansion.lexical_query("q") == "q våldsprevention hedersrelaterat våld och förtryck"
    assert expansion.corrected("våldsprevension nu") == "våldsprevention nu"
    # one edit only in the lexical signal, and only for long words ("did you mean" may go further)
    assert expander.expand("vldsprevenion").corrections == {}
    assert corrector.correct_query("vldsprevenion") is not None
    assert expander.expand("modelen").corrections == {"modelen": "modellen"}
    assert expander.expand("modlen").corrections == {}  # a short word: only "did you mean"
    assert QueryExpander(_Words(corrector), None, typos=False).expand("våldsprevension") == QueryExpansion()
    assert not QueryExpansion()
