"""Fusion of dense and lexical signals, and hybrid search through the store and the API."""

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import QueryError
from search.fusion import fuse
from search.modes import Fusion, SearchMode
from search.records import PassageRecord
from search.store import DENSE, LEXICAL, SENTENCES, ScoredPassage


def _item(name: str, **signals: float) -> ScoredPassage:
    passage = PassageRecord(id=name, document_id="d", index=0, text=name, start=0, end=1, language="sv")
    return ScoredPassage(0.0, passage, None, signals)


def _names(items):
    return [i.passage.id for i in items]


def test_weighted_fusion_mixes_normalised_signals():
    items = [
        _item("dense-best", dense=0.9, sentences=0.9, lexical=1.0),
        _item("both-good", dense=0.85, sentences=0.88, lexical=9.0),
        _item("lexical-best", dense=0.7, sentences=0.7, lexical=10.0),
    ]
    assert _names(fuse(items, SearchMode.HYBRID, Fusion.WEIGHTED, 0.5))[0] == "both-good"
    assert _names(fuse(items, SearchMode.HYBRID, Fusion.WEIGHTED, 1.0))[0] == "dense-best"
    assert _names(fuse(items, SearchMode.HYBRID, Fusion.WEIGHTED, 0.0))[0] == "lexical-best"


def test_a_missing_lexical_signal_counts_as_no_match():
    items = [
        _item("no-terms", dense=0.9, sentences=0.9),
        _item("terms", dense=0.89, sentences=0.89, lexical=3.0),
        _item("weak", dense=0.5, sentences=0.5, lexical=1.0),
    ]
    assert _names(fuse(items, SearchMode.HYBRID))[0] == "terms"


def test_rrf_and_dbsf_rank_too():
    items = [_item("a", dense=0.9, lexical=1.0), _item("b", dense=0.8, lexical=5.0), _item("c", dense=0.1)]
    for fusion in (Fusion.RRF, Fusion.DBSF):
        ranked = fuse(items, SearchMode.HYBRID, fusion)
        assert _names(ranked)[-1] == "c"
        assert [i.score for i in ranked] == sorted((i.score for i in ranked), reverse=True)


def test_exact_ties_rank_the_same_whatever_order_the_engine_returns():
    # The same passage on twin pages scores the same on every signal; the engine's order of the two
    # changes between builds of an index, the ranking must not.
    twins = [_item(name, dense=0.8, sentences=0.8, lexical=4.0) for name in ("twin-b", "twin-a", "twin-c")]
    others = [_item("better", dense=0.9, sentences=0.9, lexical=6.0), _item("worse", dense=0.5, lexical=1.0)]
    for fusion in Fusion:
        for mode in SearchMode:
            arrivals = (twins + others, others + twins[::-1])
            orders = {tuple(_names(fuse(arrival, mode, fusion))) for arrival in arrivals}
            assert len(orders) == 1, (mode, fusion, orders)
            ranked = orders.pop()
            if mode is SearchMode.HYBRID:
                assert ranked[:4] == ("better", "twin-a", "twin-b", "twin-c"), fusion


def test_single_modes_use_their_own_signals():
    items = [_item("a", dense=0.9, sentences=0.5, lexical=1.0), _item("b", dense=0.7, sentences=0.95, lexical=2.0)]
    assert _names(fuse(items, SearchMode.SPARSE)) == ["b", "a"]
    assert _names(fuse(items, SearchMode.DENSE)) == ["b", "a"]  # best sentence lifts b: (0.7+0.95)/2
    assert fuse([], SearchMode.HYBRID) == []


def test_unknown_modes_list_the_valid_values():
    with pytest.raises(ValueError, match="dense"):
        SearchMode("fuzzy")
    with pytest.raises(ValueError, match="rrf"):
        Fusion("sum")


@pytest.fixture
def hybrid_service(service, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Studieresa\n\nSyftet med resan är att arbeta med våldsprevention utifrån en socioekologisk modell. "
        "Delegationen besökte Iowa.",
        encoding="utf-8",
    )
    (corpus / "b.txt").write_text(
        "Julmarknad\n\nJulmarknaden i Hallunda lockade cirka 500 besökare. Det var mycket folk på torget.",
        encoding="utf-8",
    )
    service.ingest([corpus], progress=False)
    return service


def test_candidates_carry_every_signal(hybrid_service):
    searcher = hybrid_service.searcher
    vector = searcher.encoder.encode_query("julmarknad")
    sparse = searcher.sparse_encoder.encode_query("julmarknad")
    found = hybrid_service.store.candidates(vector, sparse, limit=10)
    by_text = {c.passage.text.split()[0]: c.signals for c in found}
    assert set(by_text["Julmarknad"]) == {DENSE, SENTENCES, LEXICAL}
    assert LEXICAL not in by_text["Studieresa"]  # no shared term


@pytest.mark.parametrize("mode", list(SearchMode))
def test_every_mode_finds_a_word_without_diacritics(hybrid_service, mode):
    result = hybrid_service.search("julmarknaden hallunda besokare", limit=2, mode=mode)
    if mode is SearchMode.DENSE:
        assert result.hits  # the tiny model is random: only the shape is checked
    elif mode is SearchMode.SPARSE:
        assert "Julmarknaden i Hallunda" in result.hits[0].text
    else:
        # With two passages and a random dense side, hybrid is a tie (dense 1 + lexical 0 against
        # dense 0 + lexical 1) that the random model's order breaks: only the lexical match is checked.
        found = [h for h in result.hits if "Julmarknaden i Hallunda" in h.text]
        assert found and "lexical" in found[0].signals


def test_hits_carry_snippet_highlights(hybrid_service):
    hit = hybrid_service.search("vald i Iowa", limit=1, mode="sparse").hits[0]
    assert hit.snippet.startswith("Syftet") or hit.snippet.startswith("Delegationen")
    marked = [hit.snippet[a:b] for a, b in hit.highlights]
    assert marked and all(m.lower() in {"våldsprevention", "iowa"} for m in marked)
    assert [hit.text[a:b] for a, b in hit.text_highlights] == ["våldsprevention", "Iowa"]
    assert set(hit.signals) == {"lexical"}


def test_hybrid_search_weighs_proximity_and_dense_search_does_not(hybrid_service):
    hybrid = hybrid_service.search("julmarknaden hallunda", limit=2, mode="hybrid").hits
    found = next(h for h in hybrid if "Julmarknaden i Hallunda" in h.text)
    assert found.signals["proximity"] == 1.0  # "Julmarknaden i Hallunda": "i" is a stop word
    assert all("proximity" not in h.signals for h in hybrid_service.search("julmarknaden hallunda", mode="dense").hits)
    hybrid_service.searcher.proximity_weight = 0.0
    assert all("proximity" not in h.signals for h in hybrid_service.search("julmarknaden hallunda").hits)


def test_a_query_of_stop_words_finds_nothing_lexical(hybrid_service):
    assert hybrid_service.search("vem är det", mode="sparse").hits == []


@pytest.mark.parametrize("mode", list(SearchMode))
@pytest.mark.parametrize("query", ["???", "\U0001f600", " -- ", "\x00"])
def test_a_query_without_letters_or_digits_finds_nothing(hybrid_service, mode, query):
    # Dense search alone would still return the nearest passages to a wordless query.
    assert hybrid_service.search(query, mode=mode).hits == []
    assert hybrid_service.search("julmarknad?", mode=mode).hits  # one word is enough


def test_unknown_mode_is_a_clear_error(hybrid_service):
    with pytest.raises(QueryError, match="valid modes: dense, sparse, hybrid"):
        hybrid_service.search("resa", mode="fuzzy")


def test_api_takes_a_mode_and_returns_highlights(hybrid_service):
    with TestClient(create_app(service=hybrid_service)) as client:
        body = client.get("/api/search", params={"q": "julmarknaden", "mode": "sparse"}).json()
        assert body["hits"][0]["highlights"] == [[0, 12]]
        bad = client.get("/api/search", params={"q": "julmarknaden", "mode": "fuzzy"})
        assert bad.status_code == 422 and "hybrid" in bad.text


def test_an_index_of_the_old_layout_asks_for_a_rebuild(settings, tiny_encoder, tmp_path):
    from qdrant_client import QdrantClient, models

    from api.service import VaksamService
    from search.modes import IndexEngine
    from search.store import SchemaMismatchError

    # the layout Vaksam wrote before the edge engine, with qdrant-client's local mode
    settings = settings.model_copy(update={"index_engine": IndexEngine.LOCAL})
    client = QdrantClient(path=str(settings.qdrant_path))
    client.create_collection(
        settings.collection,
        vectors_config=models.VectorParams(size=tiny_encoder.dimension, distance=models.Distance.COSINE),
        metadata={"model": tiny_encoder.name, "dimension": tiny_encoder.dimension},
    )
    client.close()
    service = VaksamService(settings, encoder=tiny_encoder)
    try:
        with pytest.raises(SchemaMismatchError, match="vaksam ingest --rebuild"):
            service.search("resa")
        corpus = tmp_path / "c"
        corpus.mkdir()
        (corpus / "a.txt").write_text("Resa till Iowa med delegationen.", encoding="utf-8")
        with pytest.raises(SchemaMismatchError):
            service.ingest([corpus], progress=False)
        summary = service.ingest([corpus], progress=False, rebuild=True)
        assert summary.indexed == 1
        assert service.search("Iowa", mode="sparse").hits
    finally:
        service.close()


@pytest.fixture
def three_documents(service, tmp_path):
    corpus = tmp_path / "three"
    corpus.mkdir()
    for name, topic in (("a", "Julmarknaden i Hallunda"), ("b", "Julmarknaden i Fittja"), ("c", "Hälsodagen i Alby")):
        paragraphs = [
            f"{topic} lockade många besökare. Föreningar sålde julpynt och kommunen bjöd på glögg.",
            f"Polisen och fältassistenter fanns på plats under {topic.lower()}. Tryggheten ökade enligt enkäten.",
            f"Nästa år planeras {topic.lower()} igen. Budgeten för arrangemanget var 40 000 kronor.",
        ]
        (corpus / f"{name}.txt").write_text(f"{topic}\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    service.ingest([corpus], progress=False)
    return service


def test_group_by_document_counts_documents(three_documents):
    result = three_documents.search("julmarknaden besökare", limit=2, group_by="document", group_size=2, mode="sparse")
    assert result.groups is not None and len(result.groups) == 2
    assert all(1 <= len(g.hits) <= 2 and all(h.document.id == g.document.id for h in g.hits) for g in result.groups)
    assert [h.id for g in result.groups for h in g.hits] == [h.id for h in result.hits]
    assert result.groups[0].score >= result.groups[1].score
    assert three_documents.search("julmarknaden", limit=2).groups is None


def test_diversity_reorders_but_keeps_the_best_first(three_documents):
    plain = three_documents.search("julmarknaden besökare", limit=5)
    diverse = three_documents.search("julmarknaden besökare", limit=5, diversity=0.7)
    assert diverse.hits[0].id == plain.hits[0].id
    assert {h.id for h in diverse.hits} <= {
        h.id for h in three_documents.search("julmarknaden besökare", limit=50).hits
    }
    with pytest.raises(QueryError, match="diversity"):
        three_documents.search("julmarknaden", diversity=2)


def test_mmr_prefers_a_new_passage_over_a_near_copy():
    import numpy as np

    from search.searcher import mmr

    def item(name, score, vector):
        return ScoredPassage(score, _item(name).passage, None, {}, np.asarray(vector, dtype=np.float32))

    items = [item("best", 1.0, [1, 0]), item("copy", 0.95, [1, 0.01]), item("other", 0.9, [0, 1])]
    assert _names(mmr(items, 0.5, 3)) == ["best", "other", "copy"]
    assert _names(mmr(items, 0.0, 3)) == ["best", "copy", "other"]


def test_similar_passages_come_from_other_documents(three_documents):
    source = three_documents.search("Julmarknaden i Hallunda glögg", limit=1, mode="sparse").hits[0]
    found = three_documents.similar(source.id, limit=5)
    assert found and all(item.passage.document_id != source.document.id for item in found)
    assert three_documents.similar("00000000-0000-0000-0000-000000000000") is None
    assert three_documents.similar("not-a-uuid") is None
    with TestClient(create_app(service=three_documents)) as client:
        body = client.get(f"/api/similar/{source.id}", params={"limit": 3}).json()
        assert body["document_id"] == source.document.id and 1 <= body["total"] <= 3
        assert all(h["document"]["id"] != source.document.id for h in body["hits"])
        assert client.get("/api/similar/00000000-0000-0000-0000-000000000000").status_code == 404
        grouped = client.get("/api/search", params={"q": "julmarknaden", "group_by": "document", "limit": 2}).json()
        assert len(grouped["groups"]) == 2
        assert client.get("/api/search", params={"q": "x", "group_by": "page"}).status_code == 422


def test_duplicate_text_shows_once_and_names_every_document():
    from search.searcher import deduplicate

    def hit(pid: str, doc: str, text: str, also_in: list[str] | None = None) -> ScoredPassage:
        passage = PassageRecord(
            id=pid, document_id=doc, index=0, text=text, start=0, end=1, language="sv", also_in=also_in or []
        )
        return ScoredPassage(1.0, passage, None, {})

    text = "Ansökan om uppehållstillstånd görs på webben."
    kept = deduplicate(
        [
            hit("a", "page-a", text),
            hit("b", "page-b", text.upper()),  # same text after folding
            hit("c", "page-c", "Ansökan om uppehållstillstånd", ["page-d"]),  # inside a's text
            hit("e", "page-a", text + " Mer text."),  # a longer text is not a duplicate
            hit("f", "page-a", text),  # the same document again adds nothing
            hit("g", "page-g", "mer TEXT"),  # inside e's text only: e names it
        ]
    )
    assert [k.passage.id for k in kept] == ["a", "e"]
    assert kept[0].passage.also_in == ["page-b", "page-c", "page-d"]
    assert kept[1].passage.also_in == ["page-g"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Hur många kom till hälsodagen på Fittja torg?", "number"),
        ("hur manga besokare kom", "number"),
        ("What share of the participants were officials?", "number"),
        ("Vem skrev förordet?", "person"),
        ("Who lectured on violence prevention?", "person"),
        ("När hölls konferensen?", "date"),
        ("Vilket diarienummer och datum har beslutet?", "reference"),
        ("What is the reference number of the decision?", "reference"),
        ("Vad innebär en hela kommunen-ansats?", None),
        ("Varför hade anställningsavtalet fel datum?", None),
    ],
)
def test_question_types(question, kind):
    from search.answer_types import question_type

    assert question_type(question) == kind


def test_answer_prior_lifts_passages_that_hold_the_answer():
    from search.answer_types import AnswerType, answer_prior, holds_answer

    assert holds_answer("Aktiviteten lockade cirka 300 personer.", AnswerType.NUMBER)
    assert holds_answer("Av deltagarna var 55 procent tjänstepersoner.", AnswerType.NUMBER)
    assert not holds_answer("Sidan 12 av rapporten från 2015.", AnswerType.NUMBER)  # pages and years are not counts
    assert holds_answer("Förordet skrevs av Eva Theisz, generaldirektör.", AnswerType.PERSON)
    assert holds_answer("Mötet hölls den 15 december.", AnswerType.DATE)
    for reference in ("Dnr KOF/2017:175", "finansiera (KS/2017:290).", "enligt SOU 2002:71", "Prop. 2002/03:70"):
        assert holds_answer(reference, AnswerType.REFERENCE), reference
    for other in ("år 2017 kom 40 personer", "klockan 10:30", "mellan 2017:1"):
        assert not holds_answer(other, AnswerType.REFERENCE), other

    def item(text: str, score: float) -> ScoredPassage:
        passage = PassageRecord(id=text, document_id="d", index=0, text=text, start=0, end=1, language="sv")
        return ScoredPassage(score, passage, None, {})

    items = [item("Hälsodagen på Fittja torg stärker samverkan.", 1.0), item("Den lockade cirka 300 personer.", 0.9)]
    items.append(item("Annat.", 0.0))
    lifted = answer_prior(items, "Hur många kom till hälsodagen?", 0.15)
    assert [i.passage.id for i in lifted][:2] == ["Den lockade cirka 300 personer.", items[0].passage.id]
    assert lifted[0].signals["answer"] == 1.0 and lifted[0].score == pytest.approx(0.9 + 0.15 * 1.0)
    untyped = answer_prior(items, "Vad gör hälsodagen?", 0.15)
    assert [i.passage.id for i in untyped] == [i.passage.id for i in items]
    assert [i.passage.id for i in answer_prior(items, "Hur många kom?", 0.0)] == [i.passage.id for i in items]


def test_the_answer_beside_the_topic_passage_takes_its_place_in_the_section():
    """The count sits under "Effekt av aktiviteten", the words of the question under "Beskrivning":
    the best holder of the section takes the topic passage's score; other sections, other holders
    of the same section and untyped questions are left as fused."""
    from search.answer_types import answer_prior

    def item(text: str, score: float, section: list[str], doc: str = "d") -> ScoredPassage:
        passage = PassageRecord(
            id=text, document_id=doc, index=0, text=text, start=0, end=1, language="sv", section=section
        )
        return ScoredPassage(score, passage, None, {})

    topic = item("Hälsodagen på Fittja torg utgör ett led i aktiveringen.", 1.0, ["Hälsodagen", "Beskrivning"])
    others = [
        item("Luciatåget bestod av ca 20 barn.", 0.70, ["Luciatåg", "Genomförande"]),
        item("Hälsodagen avser att föra dialog om hälsa.", 0.65, ["Hälsodagen", "Beskrivning"]),
        item("Aktiviteten lockade cirka 300 personer.", 0.60, ["Hälsodagen", "Effekt"]),
        item("Tidigare kom 40 personer.", 0.50, ["Hälsodagen", "Effekt"]),
        item("Samma rubrik, annat dokument: 12 personer.", 0.55, ["Hälsodagen", "Effekt"], doc="e"),
        item("Utan rubrik.", 0.0, []),
    ]
    lifted = answer_prior([topic, *others], "Hur många kom till hälsodagen på Fittja torg?", 0.15)
    order = [i.passage.id for i in lifted]
    assert order[:2] == ["Aktiviteten lockade cirka 300 personer.", topic.passage.id]
    assert lifted[0].signals == {"answer": 1.0, "section": 1.0} and lifted[0].score == pytest.approx(1.15)
    by_id = {i.passage.id: i for i in lifted}
    assert by_id["Tidigare kom 40 personer."].score == pytest.approx(0.50 + 0.15)  # one holder per section
    assert "section" not in by_id["Samma rubrik, annat dokument: 12 personer."].signals  # its own document
    assert "section" not in by_id["Luciatåget bestod av ca 20 barn."].signals  # its section has no topic passage
    untyped = answer_prior([topic, *others], "Vad gör hälsodagen?", 0.15)
    assert [i.passage.id for i in untyped] == [i.passage.id for i in [topic, *others]]


def test_a_heading_that_holds_the_answer_speaks_for_its_section():
    """Under "10. Utbildningsplattformen (4 318 001 kronor)" a paragraph mentions "540 kr per
    medarbetare" and scores higher: the passage that opens with the heading holding the amount
    takes the section's place; without such a heading the best-scoring holder still does."""
    from search.answer_types import answer_prior

    def item(text: str, score: float, section: list[str]) -> ScoredPassage:
        passage = PassageRecord(
            id=text, document_id="d", index=0, text=text, start=0, end=1, language="sv", section=section
        )
        return ScoredPassage(score, passage, None, {})

    chapter = "10. Plattformen (4 318 001 kronor)"
    topic = item("Plattformen kompletterar det ordinarie arbetet.", 1.0, [chapter, "Ambition"])
    body = item("Varje kurs har kostat 540 kr per medarbetare.", 0.8, [chapter, "Ambition"])
    heading = item(f"{chapter}\n\nKommunen har tagit fram en plattform.", 0.6, [chapter])
    ranked = answer_prior([topic, body, heading], "Hur mycket gick till plattformen?", 0.15)
    assert ranked[0].passage.id == heading.passage.id and ranked[0].signals["section"] == 1.0
    assert "section" not in {i.passage.id: i for i in ranked}[body.passage.id].signals
    # A heading that names no amount gives no preference: the best holder is lifted.
    plain = item("Plattformen\n\nKommunen har tagit fram en plattform för 12 skolor.", 0.6, [chapter])
    ranked = answer_prior([topic, body, plain], "Hur mycket gick till plattformen?", 0.15)
    assert ranked[0].passage.id == body.passage.id


def test_a_question_that_names_a_document_treats_it_as_one_section():
    """ "Vem höll presentationen Trygg i förorten?": the deck's running head is in the question, so
    the slide with the presenter's name takes the place of the slide that matches the title; a
    document the question does not name, and a two-word name, lift nothing."""
    from search.answer_types import answer_prior
    from search.records import DocumentRecord

    def doc(id: str, title: str, heads: list[str]) -> DocumentRecord:
        return DocumentRecord(
            id=id, title=title, source=id, language="sv", content_hash="", passages=3, characters=9, running_heads=heads
        )

    deck = doc("deck", "Kultur och fritid", ["Trygg i förorten", "Botkyrka kommun"])
    other = doc("other", "Årsrapport", [])

    def item(text: str, score: float, section: str, document: DocumentRecord) -> ScoredPassage:
        passage = PassageRecord(
            id=text, document_id=document.id, index=0, text=text, start=0, end=1, language="sv", section=[section]
        )
        return ScoredPassage(score, passage, document, {})

    title_slide = item("Trygg i förorten: unga vuxna i fokus.", 1.0, "Trygg i förorten", deck)
    presenter = item("Anna Lindberg\n\nUtbildning: socionom.", 0.6, "Anna Lindberg", deck)
    elsewhere = item("Rapporten skrevs av Karin Berg.", 0.7, "Förord", other)
    items = [title_slide, elsewhere, presenter]
    ranked = answer_prior(items, "Vem höll presentationen Trygg i förorten?", 0.15)
    assert ranked[0].passage.id == presenter.passage.id and ranked[0].signals["document"] == 1.0
    assert "document" not in {i.passage.id: i for i in ranked}[elsewhere.passage.id].signals
    # The organisation's two-word running head does not name the document.
    ranked = answer_prior(items, "Vem i Botkyrka kommun höll presentationen?", 0.15)
    assert ranked[0].passage.id == title_slide.passage.id
    assert all("document" not in i.signals for i in ranked)


def test_the_snippet_is_the_sentence_that_answers_never_the_bare_heading():
    from search.answer_types import AnswerType, holds_answer
    from search.text import best_sentence

    text = (
        "Effekt av aktiviteten\n\nAktiviteten lockade cirka 300 personer i olika åldrar. Vuxennärvaron skapar trygghet."
    )
    headings = ["Hälsodagen", "Effekt av aktiviteten"]
    counts = lambda sentence: holds_answer(sentence, AnswerType.NUMBER)  # noqa: E731
    assert best_sentence(text, {"halsodag"}, answers=counts, headings=headings).startswith("Aktiviteten lockade")
    # No answer asked for and no word shared: the first sentence that is not only a heading.
    assert best_sentence(text, set(), headings=headings).startswith("Aktiviteten lockade")
    assert best_sentence(text, set()) == "Effekt av aktiviteten"  # without headings: the first sentence
    # A heading that holds the answer is not pushed back: it says it best.
    chapter = "4. Fritidsgården (1 250 000 kronor)"
    budget = f"{chapter}\n\nKommunen har byggt om fritidsgården."
    assert best_sentence(budget, {"fritidsgard"}, answers=counts, headings=[chapter]) == chapter
    # Shared words still count most: two of them beat the answer's one.
    shared = best_sentence(text, {"vuxennarvaron", "trygghet"}, answers=counts, headings=headings)
    assert shared.startswith("Vuxennärvaron")


def test_each_part_of_the_answer_prior_can_be_switched_off():
    """A holder of a count in another section than the topic passage of a council's minutes: the
    section lift moves it first, and nothing moves it with the sections rule off; the case-number
    type and the named rules follow their switches."""
    from search.answer_types import AnswerRules, AnswerType, answer_prior, question_type

    def item(text: str, score: float, section: list[str]) -> ScoredPassage:
        passage = PassageRecord(
            id=text, document_id="minutes", index=0, text=text, start=0, end=1, language="sv", section=section
        )
        return ScoredPassage(score, passage, None, {})

    topic = item("Nämnden behandlade simskolan för nyanlända.", 1.0, ["§ 12 Simskola", "Ärendet"])
    count = item("Kursen hade 18 deltagare i år.", 0.5, ["§ 12 Simskola", "Uppföljning"])
    filler = item("Övrigt.", 0.0, [])
    question = "Hur många deltog i simskolan?"
    assert answer_prior([topic, count, filler], question, 0.1)[0].passage.id == count.passage.id
    off = answer_prior([topic, count, filler], question, 0.1, AnswerRules(sections=False))
    assert off[0].passage.id == topic.passage.id and "section" not in off[1].signals
    assert question_type("Vilket diarienummer har beslutet?") is AnswerType.REFERENCE
    assert question_type("Vilket diarienummer har beslutet?", references=False) is None
    assert AnswerRules.named(["sections"]) == AnswerRules(
        sections=True, documents=False, references=False, headings=False
    )
    with pytest.raises(ValueError, match="valid rules: sections, documents, references, headings"):
        AnswerRules.named(["sections", "typos"])
