"""Hostile input, document status, near duplicates, shared passages and atomic replacement."""

import io
import os
import zipfile

import pytest

from ingest.pipeline import document_id_for
from tests.hostile import encrypted_pdf

GOOD = (
    "Botkyrka kommun har startat ett samarbete kring MVP med tre skolor. Mentorerna utbildas under hösten. "
    "Arbetet följs upp av kommunens samordnare för våldsprevention och redovisas till nämnden varje år."
)
DECISION = (
    "Kultur- och fritidsnämnden godkänner studieresa till Iowa, USA, mellan den 7 och 14 oktober för en "
    "arbetsledare. Syftet med resan är att förse delegationen med inspiration och kunskap att arbeta med "
    "våldsprevention utifrån en hela kommunen-ansats. Studiebesöket kommer att bidra med kunskap och "
    "erfarenhetsutbyte samt inspiration för vidare utveckling av det våldsförebyggande arbetet i kommunen."
)


def _statuses(service):
    return {d.source.rsplit("/", 1)[-1]: d for d in service.documents()}


def _zip_bomb(path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (60 << 20))
    path.write_bytes(buffer.getvalue())


def test_hostile_files_fail_alone_with_reasons(service, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "cp1252.txt").write_bytes(("Rutin för hot och våld på arbetsplatsen. " * 5).encode("cp1252"))
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage")
    (corpus / "misnamed.pdf").write_bytes(b"this is not a pdf at all")
    encrypted_pdf(corpus / "locked.pdf", tmp_path)
    _zip_bomb(corpus / "bomb.docx")
    (corpus / "notzip.docx").write_bytes(os.urandom(4096))
    (corpus / "junk.txt").write_bytes(bytes(range(256)) * 64)
    with (corpus / "huge.txt").open("wb") as fh:
        fh.truncate(200 << 20)  # sparse: 200 MB on paper, nothing on disk
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    outside = tmp_path / "secret.txt"
    outside.write_text("Utanför mappen.", encoding="utf-8")
    (corpus / "outside.txt").symlink_to(outside)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "up").symlink_to(corpus, target_is_directory=True)

    summary = service.ingest([corpus], progress=False)
    reasons = {f.path.rsplit("/", 1)[-1]: f.reason for f in summary.failed}
    assert summary.indexed == 2, summary.render()
    assert "empty" in reasons["empty.txt"]
    assert "corrupt" in reasons["corrupt.pdf"].lower()
    assert "not a PDF" in reasons["misnamed.pdf"]
    assert "encrypted" in reasons["locked.pdf"]
    assert "zip bomb" in reasons["bomb.docx"]
    assert "not a valid .docx" in reasons["notzip.docx"]
    assert "binary" in reasons["junk.txt"]
    assert "200 MB" in reasons["huge.txt"]
    assert "symbolic link" in reasons["loop.txt"]
    assert "outside the folder" in reasons["outside.txt"]
    for line in summary.render().splitlines()[1:]:
        assert line.count("\n") == 0
    statuses = _statuses(service)
    assert statuses["good.txt"].status == "indexed" and statuses["cp1252.txt"].status == "indexed"
    assert statuses["locked.pdf"].status == "failed" and "encrypted" in statuses["locked.pdf"].error
    assert "våld" in service.document_passages(statuses["cp1252.txt"].id)[0].text


def test_a_file_that_breaks_keeps_its_indexed_version(service, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    path = corpus / "rutin.txt"
    path.write_text(GOOD, encoding="utf-8")
    service.ingest([corpus], progress=False)
    before = [p.id for p in service.document_passages(document_id_for(path))]
    path.write_bytes(b"\0\1\2" * 100)
    summary = service.ingest([corpus], progress=False)
    assert len(summary.failed) == 1
    record = service.document(document_id_for(path))
    assert record.status == "indexed" and "binary" in record.error
    assert [p.id for p in service.document_passages(record.id)] == before
    assert service.search("MVP skolor", limit=3).hits


def test_crash_mid_swap_leaves_the_old_version(service, tmp_path, monkeypatch):
    corpus = tmp_path / "c"
    corpus.mkdir()
    path = corpus / "rutin.txt"
    path.write_text(GOOD, encoding="utf-8")
    service.ingest([corpus], progress=False)
    doc_id = document_id_for(path)
    old_texts = [p.text for p in service.document_passages(doc_id)]
    path.write_text("Helt ny version av rutinen om Tåget i förskolan och barns trygghet.", encoding="utf-8")

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(service.store.engine, "batch_update", crash)
    summary = service.ingest([corpus], progress=False)
    assert summary.failed and "power cut" in summary.failed[0].reason
    assert [p.text for p in service.document_passages(doc_id)] == old_texts
    texts = {h.text for h in service.search("rutin", limit=20).hits}
    assert texts == set(old_texts)  # staged passages stay hidden
    monkeypatch.undo()
    service.ingest([corpus], progress=False)
    assert [p.text for p in service.document_passages(doc_id)] != old_texts
    assert service.store.count_passages() == len(service.document_passages(doc_id))


def test_near_duplicate_documents_and_shared_passages(service, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a_short.txt").write_text("Beslut\n\n" + DECISION, encoding="utf-8")
    (corpus / "b_full.txt").write_text(
        "Tjänsteskrivelse\n\n" + DECISION + "\n\nDnr KOF/2017:175\n\n2017-09-21\n\nFörslag till beslut\n\n" + DECISION,
        encoding="utf-8",
    )
    (corpus / "c_other.txt").write_text(GOOD + "\n\n" + DECISION.split(". ")[0] + ".", encoding="utf-8")
    summary = service.ingest([corpus], progress=False)
    statuses = _statuses(service)
    short, full = statuses["a_short.txt"], statuses["b_full.txt"]
    assert short.status == "duplicate" and short.duplicate_of == full.id and short.passages == 0
    assert full.duplicates == [short.id]
    assert any("a_short.txt" in path for path, _ in summary.duplicates)
    hits = service.search("studieresa till Iowa", limit=10).hits
    texts = [h.text for h in hits]
    assert len(texts) == len(set(texts))
    assert all(h.document.id != short.id for h in hits)
    assert all(short.id in h.also_in for h in hits if h.document.id == full.id)

    (corpus / "b_full.txt").unlink()
    summary = service.ingest([corpus], prune=True, progress=False)
    assert summary.pruned == 1 and summary.reingested == 1
    assert _statuses(service)["a_short.txt"].status == "indexed"
    assert service.document_passages(short.id)


def test_what_only_a_near_duplicate_says_stays_searchable(service, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    signature = "Pernilla Conde Hellman\nKultur- och fritidschef\n\nAnn-Christine Andersson\nVerksamhetschef"
    body = "Tjänsteresa\n\n" + DECISION + "\n\n" + GOOD
    (corpus / "a_pdf.txt").write_text(body + "\n\n2017-09-21\n\nDnr KOF/2017:175", encoding="utf-8")
    (corpus / "b_docx.txt").write_text(body + "\n\n" + signature, encoding="utf-8")
    service.ingest([corpus], progress=False)
    statuses = _statuses(service)
    copy = next(d for d in statuses.values() if d.status == "duplicate")
    full = next(d for d in statuses.values() if d.status == "indexed")
    assert copy.duplicate_of == full.id and full.duplicates == [copy.id]
    kept = service.document_passages(copy.id)
    assert copy.passages == len(kept) == 1  # only what the original lacks
    for words, text in (("Conde Hellman fritidschef", "Conde Hellman"), ("Dnr KOF/2017:175", "KOF/2017:175")):
        assert text in service.search(words, limit=1, mode="sparse").hits[0].text
    texts = [h.text for h in service.search("studieresa till Iowa", limit=10).hits]
    assert len(texts) == len(set(texts))


def test_same_passage_in_two_documents_is_stored_once(service, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "one.md").write_text(f"# Första rutinen\n\n{GOOD}\n\n## Resan\n\n{DECISION}\n", encoding="utf-8")
    other = "Julmarknaden i Hallunda lockade cirka 500 besökare och många föreningar deltog med egna stånd. " * 2
    (corpus / "two.md").write_text(f"# Andra dokumentet\n\n{GOOD}\n\n## Julmarknad\n\n{other}\n", encoding="utf-8")
    service.ingest([corpus], progress=False)
    docs = _statuses(service)
    one, two = docs["one.md"], docs["two.md"]
    shared = [p for p in service.document_passages(one.id) if two.id in p.also_in]
    assert shared and two.shared_passages == len(shared)
    texts = [h.text for h in service.search("MVP samordnare", limit=10).hits]
    assert texts.count(shared[0].text) == 1 and len(texts) == len(set(texts))
    in_two = [h.text for h in service.search("samordnare", limit=10, document=two.id).hits]
    assert shared[0].text in in_two  # the shared passage counts for both documents

    (corpus / "one.md").unlink()
    service.ingest([corpus], prune=True, progress=False)
    assert shared[0].text in [p.text for p in service.document_passages(two.id)]


def test_a_footer_that_many_documents_share_is_dropped_from_all(service, tmp_path):
    corpus = tmp_path / "site"
    corpus.mkdir()
    topics = ["Julmarknaden i Hallunda", "Hälsodagen på Fittja torg", "Sommarlovskul i Alby", "Kulturskolans konserter"]
    for i, topic in enumerate(topics):
        body = f"{topic} lockade många besökare i år. Arrangemanget genomfördes av kommunen tillsammans med föreningar."
        (corpus / f"{i}.md").write_text(
            f"# {topic}\n\n{body}\n\nDet här är ett längre stycke nummer {i} om hur arbetet gick till och vad "
            f"som blev resultatet för barn och unga i området.\n\nKontakta oss · Cookies · Tillgänglighet\n",
            encoding="utf-8",
        )
    summary = service.ingest([corpus], progress=False)
    assert not summary.failed
    texts = [p.text for d in service.documents() for p in service.document_passages(d.id)]
    assert texts and not any("Cookies" in t for t in texts)
    assert all(d.cleaning["dropped"].get("repeated across documents") == 1 for d in service.documents())
    again = service.ingest([corpus], progress=False)
    assert again.skipped == 4 and again.reingested == 0


def test_the_signature_index_agrees_with_pairwise_containment():
    from ingest.duplicates import SignatureIndex, containment, signature

    words = [f"ord{i}" for i in range(400)]
    texts = {
        "full": " ".join(words),
        "half": " ".join(words[:200]),
        "other": " ".join(reversed(words)),
        "tiny": "för kort",
    }
    sigs = {k: signature(t) for k, t in texts.items()}
    index = SignatureIndex()
    for doc_id, (sig, n) in sigs.items():
        index.put(doc_id, sig, n)
    index.remove("other")
    found = {doc_id: score for doc_id, _, score in index.containments(*sigs["half"])}
    assert set(found) == {"full", "half"}  # removed and too-short documents never match
    assert found["full"] == pytest.approx(containment(*sigs["half"], *sigs["full"])) and found["full"] > 0.8
    index.put("full", [], 0)  # a record without a signature leaves the index
    assert {d for d, _, _ in index.containments(*sigs["half"])} == {"half"}
