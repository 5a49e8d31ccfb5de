"""Paging helpers, date order and recency, organisation time lines, confidence and notices."""

from __future__ import annotations

from datetime import date

from search.confidence import MIN_DENSE, Confidence, assess
from search.filters import SearchFilters
from search.grouping import UNKNOWN_ORGANISATION, group_by_organisation
from search.lexical.analyzer import SwedishAnalyzer
from search.notices import build_notice
from search.ranking.scored import ScoredPassage
from search.recency import by_date, freshness, recency_prior
from search.records import DocumentRecord, DocumentRef, Hit, PassageRecord, SpellingSuggestion


def _item(doc_id: str, score: float, *, when=None, year=None, org=None, dnr=(), programs=(), text="Text.", dense=None):
    document = DocumentRecord(
        id=doc_id,
        title=f"Dokument {doc_id}",
        source=f"{doc_id}.txt",
        language="sv",
        content_hash="x",
        date=when,
        year=year,
        organisation=org,
        diarienummer=list(dnr),
        programs=list(programs),
    )
    passage = PassageRecord(
        id=f"{doc_id}-{score}", document_id=doc_id, index=0, text=text, start=0, end=len(text), language="sv"
    )
    signals = {"dense": dense} if dense is not None else {}
    return ScoredPassage(score, passage, document, signals)


def _hit(item: ScoredPassage) -> Hit:
    d = item.document
    ref = DocumentRef(
        id=d.id,
        title=d.title,
        source=d.source,
        language="sv",
        date=d.date,
        year=d.year,
        organisation=d.organisation,
        diarienummer=d.diarienummer,
    )
    p = item.passage
    return Hit(
        id=p.id,
        score=item.score,
        text=p.text,
        snippet=p.text,
        page=None,
        section=[],
        start=0,
        end=1,
        language="sv",
        document=ref,
    )


def test_freshness_halves_every_five_years_and_undated_documents_get_none():
    today = date(2026, 1, 1)
    assert freshness(date(2026, 1, 1), today) == 1.0
    assert abs(freshness(date(2021, 1, 1), today) - 0.5) < 0.01
    assert freshness(None, today) == 0.0


def test_recency_lifts_newer_documents_within_relevance_but_not_past_a_much_better_one():
    items = [_item("old", 1.0, when="2010-01-01"), _item("new", 0.9, when="2025-06-01"), _item("x", 0.0)]
    assert [i.passage.document_id for i in recency_prior(items, 0)] == ["old", "new", "x"]
    lifted = recency_prior(items, 0.5, today=date(2026, 1, 1))
    assert [i.passage.document_id for i in lifted] == ["new", "old", "x"]
    assert lifted[0].signals["recency"] > 0.8
    far = [_item("old", 1.0, when="2010-01-01"), _item("new", 0.1, when="2025-06-01"), _item("x", 0.0)]
    assert recency_prior(far, 0.5, today=date(2026, 1, 1))[0].passage.document_id == "old"


def test_date_order_keeps_the_relevant_hits_newest_first_and_undated_last():
    items = [
        _item("a", 1.0, when="2019-05-01"),
        _item("b", 0.9),  # undated
        _item("c", 0.8, year=2023),  # only a year
        _item("d", 0.7, when="2021-01-01"),
        _item("e", 0.2, when="2026-01-01"),  # too weak to be listed
    ]
    assert [i.passage.document_id for i in by_date(items)] == ["c", "d", "a", "b"]
    assert by_date([]) == []


def test_organisations_get_their_documents_in_date_order_linked_by_diarienummer_and_program():
    items = [
        _item("report", 1.0, when="2019-03-01", org="Botkyrka kommun", dnr=["KS/2017:290"]),
        _item("agency", 0.95, when="2015-01-01", org="MUCF", programs=["mvp"]),
        _item("decision", 0.9, when="2017-09-21", org="Botkyrka kommun", dnr=["KS/2017:290", "KOF/2017:175"]),
        _item("routine", 0.8, org="Botkyrka kommun", programs=["taget"]),
        _item("nobody", 0.7),
        _item("report", 0.6, when="2019-03-01", org="Botkyrka kommun", dnr=["KS/2017:290"]),
    ]
    groups = group_by_organisation(items, limit=5, group_size=2, hit=_hit)
    assert [g.organisation for g in groups] == ["Botkyrka kommun", "MUCF", UNKNOWN_ORGANISATION]
    botkyrka = groups[0]
    assert [e.document.id for e in botkyrka.documents] == ["decision", "report", "routine"]
    assert botkyrka.score == 1.0 and len(botkyrka.documents[1].hits) == 2
    assert botkyrka.documents[0].related == ["report"] and botkyrka.documents[2].related == []
    assert len(group_by_organisation(items, limit=1, group_size=1, hit=_hit)) == 1


def test_a_weak_best_hit_is_low_confidence_and_a_matching_one_is_not():
    analyzer = SwedishAnalyzer.default()
    terms = analyzer.terms("Hur bakar man kanelbullar?")
    weak = [_item("a", 1.0, text="Kommunen arbetar med trygghet.", dense=MIN_DENSE - 0.01)]
    assert assess(weak, terms, analyzer)[0] is Confidence.LOW
    near = [_item("a", 1.0, text="Kommunen arbetar med trygghet.", dense=MIN_DENSE + 0.01)]
    assert assess(near, terms, analyzer)[0] is Confidence.HIGH  # the model finds it close
    worded = [_item("a", 1.0, text="Vi bakar kanelbullar på fritidsgården.", dense=MIN_DENSE - 0.05)]
    assert assess(worded, terms, analyzer)[0] is Confidence.HIGH  # the passage holds the words
    assert assess([], terms, analyzer)[0] is Confidence.NONE
    assert assess([_item("a", 1.0)], terms, analyzer)[0] is Confidence.HIGH  # sparse mode: no cosine


def test_a_notice_proposes_dropping_filters_the_spelling_and_broader_words():
    filters = SearchFilters(organisation="Botkyrka kommun", document_type="beslut")
    spelled = SpellingSuggestion(text="våld i skolan", words={"vlåd": "våld"})
    notice = build_notice(
        Confidence.LOW, "vlåd i skolan kanelbulle", filters, spelled, lambda w: w.lower() in {"skolan"}
    )
    assert notice.level == "low" and "verkar inte svara" in notice.message
    removals = [s.remove_filters for s in notice.suggestions if s.remove_filters]
    assert removals == [["organisation"], ["type"], ["organisation", "type"]]
    queries = [s.query for s in notice.suggestions if s.query]
    assert queries == ["våld i skolan", "skolan"]
    assert build_notice(Confidence.HIGH, "q", None, None, lambda w: True) is None
    empty = build_notice(Confidence.NONE, "q", None, None, lambda w: False)
    assert empty.message.startswith("Inga träffar") and empty.suggestions == []
