"""Scanned PDFs: OCR'd in Swedish when tesseract is installed, reported when it is not."""

import pytest

from ingest import parsing
from tests.files import make_scanned_pdf

LINES = ["Rutin mot hot och våld", "Alla medarbetare ska känna till rutinen.", "Chefen ansvarar för uppföljningen."]


def test_scanned_pdf_without_ocr_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(parsing, "ocr_available", lambda: False)
    pdf = make_scanned_pdf(tmp_path / "skannad.pdf", LINES)
    with pytest.raises(parsing.EmptyDocumentError, match="OCR is not available"):
        parsing.parse_file(pdf)


@pytest.mark.skipif(not parsing.ocr_available(), reason="tesseract with Swedish data is not installed")
def test_scanned_pdf_is_read_with_swedish_ocr(tmp_path):
    doc = parsing.parse_file(make_scanned_pdf(tmp_path / "skannad.pdf", LINES))
    text = " ".join(b.text for b in doc.blocks)
    assert doc.metadata["ocr"] == "tesseract (swe)"
    assert "medarbetare" in text and "våld" in text and "uppföljningen" in text
    assert {b.page for b in doc.blocks} == {1}
