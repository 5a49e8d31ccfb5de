"""The bundled corpus after cleaning: what the issue's users would notice first."""

from collections import Counter

from tests.conftest import SHARED


def _docs(service):
    return {d.source.rsplit("/", 1)[-1][:3]: d for d in service.documents()}


def _text(service, doc):
    return "\n".join(p.text for p in service.document_passages(doc.id))


def test_viewer_chrome_and_teasers_never_become_passages(corpus_service):
    report = _docs(corpus_service)["004"]
    text = _text(corpus_service, report)
    for junk in ("Läs mer", "Save this PDF", "Download", "Transkript", "Kulturanalys av förskoleverksamheten"):
        assert junk not in text
    assert all(p.page is not None for p in corpus_service.document_passages(report.id))
    assert report.cleaning["dropped"]["outside pages"] > 200


def test_ocr_text_gets_its_diacritics_back_with_an_audit_trail(corpus_service):
    slides = _docs(corpus_service)["002"]
    text = _text(corpus_service, slides)
    for word in ("mångfald", "utländsk", "överbrygga", "hållbarhet"):
        assert word in text
    assert "mangfald" not in text and "Rani Kasapi" in text
    assert slides.title == "Kultur för social hållbarhet"
    assert slides.corrections["mangfald"] == "mångfald" and slides.corrections["6verbrygga"] == "överbrygga"
    # the slide footer is gone (one copy that OCR glued to a bullet line stays)
    assert not any(line.strip() in ("BOTKYRKA", "KOMMUN", "Långt ifrån lagom") for line in text.splitlines())
    assert slides.organisation == "Botkyrka kommun"  # ... but still says who wrote it


def test_the_two_renderings_of_one_decision_are_one_document(corpus_service):
    docs = _docs(corpus_service)
    short, full = docs["000"], docs["001"]
    assert short.status == "duplicate" and short.duplicate_of == full.id
    assert full.status == "indexed" and full.duplicates == [short.id]
    text = _text(corpus_service, full)
    assert text.count("Kultur- och fritidsförvaltningen har erbjudits en plats") == 1  # printed three times
    assert "finansiering" in text and "finansie- ring" not in text


def test_metadata_of_the_bundled_documents(corpus_service):
    docs = _docs(corpus_service)
    assert docs["001"].diarienummer[0] == "KOF/2017:175" and docs["001"].date == "2017-09-21"
    assert (docs["003"].organisation, docs["003"].document_type, docs["003"].date) == (
        "Botkyrka kommun",
        "yttrande",
        "2025-01-17",
    )
    assert docs["003"].title == "Yttrande Socialstyrelsen"
    assert docs["004"].document_type == "rapport" and docs["004"].pages == 25
    assert docs["004"].organisation == "Myndigheten för ungdoms- och civilsamhällesfrågor"
    assert {"mvp", "response-based-practice", "socioekologiska-modellen"} <= set(docs["004"].programs)
    assert docs["004"].diarienummer == []  # the teasers' "Dnr KS 249/2014" belongs to another document


def test_no_text_is_stored_twice_and_no_result_list_repeats(corpus_service):
    from api.evaluation import load_queries

    fingerprints = Counter(
        p.fingerprint for d in corpus_service.documents() for p in corpus_service.document_passages(d.id)
    )
    assert max(fingerprints.values()) == 1
    for item in load_queries(SHARED / "eval" / "dev_queries.jsonl"):
        texts = [h.text for h in corpus_service.search(item["query"], limit=10).hits]
        assert len(texts) == len(set(texts)), item["query"]


def test_program_filter_and_facets(corpus_service):
    facets = corpus_service.facets("Vilka kommuner har infört MVP i skolan?")
    assert facets["programs"]["mvp"] >= 1
    hits = corpus_service.search("MVP i skolan", limit=10, filters=None).hits
    assert hits
    from search.filters import SearchFilters

    only = corpus_service.search("MVP i skolan", limit=10, filters=SearchFilters(program="mvp")).hits
    assert only and all("mvp" in h.programs for h in only)
    by_type = corpus_service.search("statsbidrag", limit=5, filters=SearchFilters(document_type="yttrande")).hits
    assert by_type and all(h.document.document_type == "yttrande" for h in by_type)
    none = corpus_service.search("statsbidrag", limit=5, filters=SearchFilters(year_from=2030)).hits
    assert none == []
