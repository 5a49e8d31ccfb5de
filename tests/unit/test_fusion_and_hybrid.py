"""Fusion of dense and lexical signals, and hybrid search through the store and the API."""

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import QueryError
from search.modes import Fusion, SearchMode
from search.ranking.fusion import fuse
from search.ranking.scored import DENSE, LEXICAL, SENTENCES, ScoredPassage
from search.records import PassageRecord


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
    hybrid_service.searcher.pipeline = hybrid_service.searcher.pipeline.without("proximity")
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

    from search.ranking.mmr import mmr

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
    from search.ranking.dedupe import deduplicate

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
        ("Hur många deltog i simskolan för nyanlända?", "number"),
        ("hur manga platser har fritidsgarden", "number"),  # typed without å/ä/ö
        ("Hur stor andel av eleverna känner sig trygga?", "number"),
        ("How much did the summer camp cost?", "number"),
        ("Vem leder samverkansgruppen?", "person"),
        ("Who chairs the safety council?", "person"),
        ("När öppnade fältgruppen sitt kontor?", "date"),
        ("Vilket dnr har yttrandet om kameraövervakning?", "reference"),
        ("What is the case number of the ruling?", "reference"),
        ("Vad är situationell prevention?", None),
        ("Varför flyttades mötet till hösten?", None),  # a "why" that names no kind
    ],
)
def test_question_types(question, kind):
    from search.answer_types import question_type

    assert question_type(question) == kind


@pytest.mark.parametrize(
    ("text", "kind", "holds"),
    [
        ("Lägret samlade 64 deltagare från tre skolor.", "number", True),
        ("Andelen steg till 12,5 procent.", "number", True),
        ("Ombyggnaden kostade 1 200 000 kronor.", "number", True),
        ("Se sidan 14 i bilaga 2019.", "number", False),  # pages and years are not counts
        ("Gruppen leds av Sara Nyström, enhetschef.", "person", True),
        ("gruppen leds av en enhetschef.", "person", False),
        ("Kontoret öppnade den 3 mars.", "date", True),
        ("Beslutet fattades 2021-09-30.", "date", True),
        ("Ärendet har Dnr SOC/2021:88.", "reference", True),
        ("Se SOU 2010:15 och Prop. 2015/16:4.", "reference", True),
        ("Mötet började klockan 10:30.", "reference", False),
        ("Under år 2018 kom 40 personer.", "reference", False),
    ],
)
def test_answers_are_recognised_by_their_shape(text, kind, holds):
    from search.answer_types import AnswerType, holds_answer

    assert holds_answer(text, AnswerType(kind)) is holds


def test_the_snippet_is_the_sentence_that_answers_never_the_bare_heading():
    from search.answer_types import AnswerType, holds_answer
    from search.text import best_sentence

    text = "Uppföljning av kursen\n\nKursen hade 18 deltagare i olika åldrar. Ledarna skapar trygghet i bassängen."
    headings = ["Simskola för nyanlända", "Uppföljning av kursen"]
    counts = lambda sentence: holds_answer(sentence, AnswerType.NUMBER)  # noqa: E731
    assert best_sentence(text, {"simskol"}, answers=counts, headings=headings).startswith("Kursen hade")
    # No answer asked for and no word shared: the first sentence that is not only a heading.
    assert best_sentence(text, set(), headings=headings).startswith("Kursen hade")
    assert best_sentence(text, set()) == "Uppföljning av kursen"  # without headings: the first sentence
    # A heading that holds the answer is not pushed back: it says it best.
    chapter = "3. Simhallen (850 000 kronor)"
    budget = f"{chapter}\n\nKommunen har byggt om simhallen."
    assert best_sentence(budget, {"simhall"}, answers=counts, headings=[chapter]) == chapter
    # Shared words still count most: two of them beat the answer's one.
    shared = best_sentence(text, {"ledarna", "trygghet"}, answers=counts, headings=headings)
    assert shared.startswith("Ledarna")
