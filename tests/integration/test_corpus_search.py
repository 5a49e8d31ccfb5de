"""The real model on the bundled corpus and real documents."""

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from search.modes import SearchMode
from tests.conftest import ROOT, SHARED
from tests.integration.floors import assert_floor


def test_mvp_question_finds_the_mucf_passage_about_botkyrka(corpus_service):
    result = corpus_service.search("Vilken kommun startade MVP i tre skolor?", limit=3)
    assert any("Botkyrka" in h.text and "MVP" in h.text and "SLUTRAPPORT" in h.document.title for h in result.hits)
    top = next(h for h in result.hits if "Botkyrka" in h.text)
    assert top.page is not None and 1 <= top.page <= 25


def test_scraped_report_keeps_page_numbers(corpus_service):
    docs = {d.title: d for d in corpus_service.documents()}
    report = docs["Uppdrag om JÄMSTÄLLDHET SLUTRAPPORT"]
    assert report.pages == 25
    passages = corpus_service.document_passages(report.id)
    # every page with text keeps its number; page 12 of the transcript is empty, and page 6
    # holds only the table of contents, which is not indexed
    assert {p.page for p in passages if p.page} == set(range(5, 26)) - {6, 12}
    assert not any("Sammanfattning... 5" in p.text for p in passages)
    assert all(p.language in ("sv", "en", "no", "da") for p in passages)


def test_offsets_point_into_the_document(corpus_service):
    for doc in corpus_service.documents():
        passages = corpus_service.document_passages(doc.id)
        assert all(0 <= p.start < p.end <= doc.characters for p in passages)
        assert passages == sorted(passages, key=lambda p: p.start)


@pytest.mark.parametrize(
    ("mode", "mrr", "hit5"),
    [
        # Measured MRR@10 / hit@5 (December 8, the int8 export of issue 39, the same on AVX2 and VNNI CPUs);
        # assert_floor holds each to two questions under it (tests/integration/floors.py).
        (SearchMode.DENSE, 0.703, 0.792),
        (SearchMode.SPARSE, 0.719, 0.792),
        (SearchMode.HYBRID, 0.731, 0.833),
    ],
)
def test_dev_questions_regression(corpus_service, mode, mrr, hit5):
    report = assert_floor(corpus_service, SHARED / "eval" / "dev_queries.jsonl", mode, mrr, hit5)
    if mode is not SearchMode.DENSE:
        assert report.by_kind["nodiacritics"]["mrr@10"] == 1.0, report.render()


def test_lexical_search_reaches_through_diacritics_and_compounds(corpus_service):
    folded = corpus_service.search("valdsforebyggande arbete", limit=3, mode="sparse").hits
    assert folded and "våldsförebyggande" in folded[0].text.lower()
    part = corpus_service.search("förebygga våld", limit=10, mode="sparse").hits
    assert any("våldsförebyggande" in h.text.lower() or "våldsprevention" in h.text.lower() for h in part)
    hit = folded[0]
    marked = [hit.text[a:b].lower() for a, b in hit.text_highlights]
    # the folded query marks the word with its diacritics; neighbouring matches join one span
    assert any(m.split()[0] == "våldsförebyggande" for m in marked), marked
    assert "våldsförebyggande arbete" in hit.text.lower()  # the phrase itself comes first (proximity)


def test_recovered_headings_and_running_heads_reach_the_index(corpus_service):
    docs = {d.title: d for d in corpus_service.documents()}
    report = docs["Uppdrag om JÄMSTÄLLDHET SLUTRAPPORT"]
    sections = {tuple(p.section) for p in corpus_service.document_passages(report.id)}
    assert ("Frukostseminarier för att sprida Inget att vänta på", "Göteborg") in sections
    assert any(s[-1:] == ("Förord",) for s in sections)
    slides = docs["Kultur för social hållbarhet"]
    assert any("lagom" in h.lower() for h in slides.running_heads)
    hits = corpus_service.search("Långt ifrån lagom Rani Kasapi utbildning", limit=3, mode="sparse").hits
    assert any("Kasapi" in h.text for h in hits)


def test_api_end_to_end(corpus_service):
    with TestClient(create_app(service=corpus_service)) as client:
        body = client.get("/api/search", params={"q": "Vem skrev förordet till slutrapporten?", "limit": 5}).json()
        assert body["total"] == 5 and body["hits"][0]["document"]["language"] == "sv"
        assert client.get("/healthz").json()["passages"] > 200


def test_real_pdf_is_ingested_with_pages(e5_encoder, tmp_path):
    from api.service import VaksamService
    from search.settings import Settings

    pdf = SHARED / "corpus" / "real" / "Skolverket_Sarskilt_stod_i_grundskolan_2024-25_pdf1323q9.pdf"
    service = VaksamService(Settings(qdrant_path=tmp_path / "idx", _env_file=None), encoder=e5_encoder)
    try:
        summary = service.ingest([pdf], progress=False)
        assert summary.indexed == 1 and not summary.failed
        doc = service.documents()[0]
        assert doc.pages == 21 and doc.language == "sv"
        hits = service.search("Hur många elever har åtgärdsprogram?", limit=5).hits
        assert hits and all(h.page and 1 <= h.page <= 21 for h in hits)
    finally:
        service.close()


def test_bundled_corpus_is_byte_identical_to_the_seeds():
    seeds = SHARED / "corpus" / "seeds"
    for seed in seeds.iterdir():
        assert (ROOT / "data" / "corpus" / seed.name).read_bytes() == seed.read_bytes()
