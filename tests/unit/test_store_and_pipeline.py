import numpy as np
import pytest
from qdrant_client import models

from ingest.pipeline import Ingestor, document_id_for
from search.records import DocumentRecord, PassageRecord
from search.store import JOURNAL_KEY, JOURNAL_POINT, ModelMismatchError, QdrantStore, passage_point_id

SV = (
    "Botkyrka kommun har startat ett samarbete kring MVP med tre skolor. Mentorerna utbildas under hösten. "
    "Arbetet följs upp av kommunens samordnare för våldsprevention."
)


def write_corpus(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text("MVP i skolan\n\n" + SV, encoding="utf-8")
    (folder / "b.md").write_text(
        "# Julmarknad\n\nJulmarknaden i Hallunda lockade cirka 500 besökare.\n", encoding="utf-8"
    )
    return folder


def test_ingest_is_idempotent_and_skips_unchanged(service, tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    first = service.ingest([corpus], progress=False)
    assert (first.indexed, first.skipped, first.failed) == (2, 0, [])
    ids = sorted(p.id for d in service.documents() for p in service.document_passages(d.id))
    second = service.ingest([corpus], progress=False)
    assert (second.indexed, second.skipped) == (0, 2)
    assert sorted(p.id for d in service.documents() for p in service.document_passages(d.id)) == ids
    assert service.store.count_passages() == len(ids)


def test_changed_file_replaces_its_passages(service, tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    service.ingest([corpus], progress=False)
    (corpus / "a.txt").write_text("Ny rubrik\n\nHelt ny text om Tåget i förskolan.", encoding="utf-8")
    summary = service.ingest([corpus], progress=False)
    assert summary.indexed == 1 and summary.skipped == 1
    passages = service.document_passages(document_id_for(corpus / "a.txt"))
    assert passages and all("Tåget" in p.text or "Ny rubrik" in p.text for p in passages)
    assert not any("MVP" in p.text for p in passages)


def test_bad_file_is_reported_and_the_rest_indexed(service, tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    (corpus / "empty.txt").write_text("")
    summary = service.ingest([corpus, tmp_path / "missing"], progress=False)
    reasons = {f.path.split("/")[-1]: f.reason for f in summary.failed}
    assert set(reasons) == {"broken.pdf", "empty.txt", "missing"}
    assert "no such file" in reasons["missing"]
    assert summary.indexed == 2
    assert "failed: 3" in summary.render()


def test_prune_removes_documents_whose_files_are_gone(service, tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    service.ingest([corpus], progress=False)
    (corpus / "b.md").unlink()
    summary = service.ingest([corpus], prune=True, progress=False)
    assert summary.pruned == 1
    assert [d.title for d in service.documents()] == ["MVP i skolan"]


def test_search_filters_by_document_and_language(service, tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    service.ingest([corpus], progress=False)
    doc_b = document_id_for(corpus / "b.md")
    result = service.search("julmarknad besökare", limit=5, document=doc_b)
    assert result.hits and {h.document.id for h in result.hits} == {doc_b}
    assert service.search("julmarknad", limit=5, language="xx").hits == []
    hit = result.hits[0]
    assert hit.snippet and hit.document.title == "Julmarknad" and hit.section == ["Julmarknad"]


def test_store_refuses_a_second_model(settings):
    store = QdrantStore.from_settings(settings)
    try:
        store.ensure_collections("model-a", 8)
        with pytest.raises(ModelMismatchError, match="model-a"):
            store.ensure_collections("model-b", 8)
        with pytest.raises(ModelMismatchError, match="dimension"):
            store.ensure_collections("model-a", 16)
    finally:
        store.close()


def test_replace_document_drops_stale_passages(settings):
    store = QdrantStore.from_settings(settings)
    try:
        store.ensure_collections("m", 4)
        doc = DocumentRecord(id="d1", title="T", source="s", language="sv", content_hash="h1")

        def passages(texts):
            return [
                PassageRecord(
                    id=passage_point_id("d1", i, t),
                    document_id="d1",
                    index=i,
                    text=t,
                    start=0,
                    end=len(t),
                    language="sv",
                )
                for i, t in enumerate(texts)
            ]

        store.replace_document(doc, passages(["a", "b", "c"]), np.eye(4, dtype=np.float32)[:3])
        store.replace_document(doc, passages(["a", "x"]), np.eye(4, dtype=np.float32)[:2])
        assert [p.text for p in store.document_passages("d1")] == ["a", "x"]
        with pytest.raises(ValueError):
            store.replace_document(doc, passages(["a"]), np.eye(4, dtype=np.float32)[:2])
        store.delete_document("d1")
        assert store.get_document("d1") is None and store.count_passages() == 0
    finally:
        store.close()


def test_the_run_journal_adds_pages_and_clears_them_all(settings):
    store = QdrantStore.from_settings(settings)
    try:
        assert store.pending_documents() == set()
        store.ensure_collections("m", 4)
        store.add_pending_documents(["a", "b"])
        store.add_pending_documents(["c"])
        store.add_pending_documents([])
        # an index written by a version with one journal point keeps it readable
        legacy = models.PointStruct(id=JOURNAL_POINT, vector={}, payload={JOURNAL_KEY: ["old"]})
        store.engine.upsert(store.documents_collection, [legacy])
        assert store.pending_documents() == {"a", "b", "c", "old"}
        assert store.list_documents() == []  # journal pages are no document records
        store.clear_pending_documents()
        assert store.pending_documents() == set()
        assert store.engine.count(store.documents_collection) == 0
    finally:
        store.close()


def test_oversized_files_are_refused(service, tmp_path, settings):
    big = tmp_path / "big.txt"
    big.write_text("x")
    ingestor = Ingestor(settings.model_copy(update={"max_file_mb": 1e-9}), service.encoder, service.store)
    service.store.ensure_collections(service.encoder.name, service.encoder.dimension)
    with pytest.raises(ValueError, match="limit"):
        ingestor.ingest_file(big)
