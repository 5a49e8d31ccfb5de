from pathlib import Path

import pytest

from ingest.blocks import BlockKind
from ingest.parsing import EmptyDocumentError, UnsupportedFileError, parse_file, read_text, split_front_matter
from ingest.pdf_title import claimed_title
from tests.files import make_docx, make_pdf, make_pptx


def test_pdf_pages_and_text(tmp_path):
    pdf = make_pdf(
        tmp_path / "r.pdf",
        [
            ["Våld i nära relationer", "Första sidans text om förebyggande arbete."],
            ["Andra sidan handlar om MVP i skolan."],
        ],
    )
    doc = parse_file(pdf)
    assert doc.pages == 2
    texts = {b.page: b.text for b in doc.blocks}
    assert "MVP i skolan" in texts[2]
    assert any("förebyggande" in b.text and b.page == 1 for b in doc.blocks)


def test_pdf_title_is_the_cover_line_its_document_information_names(tmp_path):
    """The first line is the publisher's label; /Title names the report, with a template's stale
    year: the title is the cover line as printed. A /Title no line matches changes nothing."""
    cover = [["Myndighetens publikation", "Särskilt stöd i förskolan Läsåret 2024/25", "Rapporten beskriver stödet."]]
    stale = "Särskilt stöd i förskolan - Läsåret 2019/20"
    named = parse_file(make_pdf(tmp_path / "a.pdf", cover, title=stale, leading=40))
    assert named.title == "Särskilt stöd i förskolan Läsåret 2024/25"
    assert named.metadata["cover_title"] == named.title
    for name, title in (("b.pdf", "Microsoft Word - dokument1.docx"), ("c.pdf", None)):
        doc = parse_file(make_pdf(tmp_path / name, cover, title=title, leading=40))
        assert "cover_title" not in doc.metadata and doc.title != "Särskilt stöd i förskolan Läsåret 2024/25"
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n garbage without a trailer")
    assert claimed_title(broken) is None


def test_docx_headings_and_title(tmp_path):
    path = make_docx(
        tmp_path / "rutin.docx",
        "Rutin vid hot och våld",
        [("Inledning", ["Alla medarbetare ska känna till rutinen."]), ("Ansvar", ["Chefen ansvarar."])],
    )
    doc = parse_file(path)
    assert doc.title == "Rutin vid hot och våld"
    headings = [(b.text, b.level) for b in doc.blocks if b.kind is BlockKind.HEADING]
    assert ("Inledning", 2) in headings and ("Ansvar", 2) in headings


def test_pptx_slides_are_pages(tmp_path):
    path = make_pptx(
        tmp_path / "p.pptx",
        [
            ("Långt ifrån lagom", "Kultur för social hållbarhet"),
            ("Kompetens", "Se till arbetsgruppens totala kompetens"),
        ],
    )
    doc = parse_file(path)
    assert {b.page for b in doc.blocks} == {1, 2}
    assert any("totala kompetens" in b.text and b.page == 2 for b in doc.blocks)


def test_markdown_front_matter_becomes_metadata(tmp_path):
    path = tmp_path / "r.md"
    path.write_text(
        '---\ntitle: "Hot och våld - rutin"\nsource_url: "https://example.org/a.pdf"\n---\n'
        "# RUTIN\n\n## Inledning\n\nAlla ska känna till rutinen.\n",
        encoding="utf-8",
    )
    doc = parse_file(path)
    assert doc.title == "Hot och våld - rutin"
    assert doc.metadata["source_url"] == "https://example.org/a.pdf"
    assert not any("source_url" in b.text for b in doc.blocks)
    assert [b.text for b in doc.blocks if b.kind is BlockKind.HEADING] == ["RUTIN", "Inledning"]


def test_html_drops_markup(tmp_path):
    path = tmp_path / "p.html"
    path.write_text(
        "<html><body><h1>Pressmeddelande</h1><p>Regeringen satsar på våldsprevention.</p>"
        "<script>alert(1)</script></body></html>",
        encoding="utf-8",
    )
    doc = parse_file(path)
    text = " ".join(b.text for b in doc.blocks)
    assert "våldsprevention" in text and "alert" not in text


def test_markdown_and_html_paragraphs_skip_the_spacy_text_test(tmp_path, monkeypatch):
    """Paragraphs become paragraphs, bullets list items, without a sentence through spaCy."""
    from unstructured.nlp import tokenize

    def refuse(text):
        raise AssertionError(f"spaCy ran on {text!r}")

    monkeypatch.setattr(tokenize, "_process", refuse)
    path = tmp_path / "n.md"
    path.write_text(
        "# Nyhet\n\nKORT RAD I VERSALER\n\nKommunen startar en ny satsning i höst.\n\n"
        "<div>• Ett stycke som börjar med en punkt</div>\n\nx\n",
        encoding="utf-8",
    )
    kinds = [(b.kind, b.text) for b in parse_file(path).blocks]
    assert kinds == [
        (BlockKind.HEADING, "Nyhet"),
        (BlockKind.PARAGRAPH, "KORT RAD I VERSALER"),
        (BlockKind.PARAGRAPH, "Kommunen startar en ny satsning i höst."),
        (BlockKind.LIST_ITEM, "Ett stycke som börjar med en punkt"),
    ]


def test_text_in_cp1252_is_decoded(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Förebyggande arbete mot våld i Göteborg.".encode("cp1252"))
    assert read_text(path) == "Förebyggande arbete mot våld i Göteborg."
    assert "Göteborg" in parse_file(path).blocks[0].text


def test_bad_inputs_have_clear_errors(tmp_path):
    with pytest.raises(UnsupportedFileError, match="supported"):
        parse_file(tmp_path / "x.xyz")
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    with pytest.raises(EmptyDocumentError):
        parse_file(empty)
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\x00\x01\x02binary" * 100)
    with pytest.raises(ValueError, match="binary"):
        parse_file(junk)


def test_front_matter_absent():
    assert split_front_matter("# Rubrik\n\ntext") == ({}, "# Rubrik\n\ntext")


def test_scraped_viewer_pages_from_text(tmp_path: Path):
    body = "\n\n".join(
        [
            "Sajtens meny",
            "1 Rapportens titel",
            "2",
            "3 Förord Detta är rapportens förord.",
            "4 Sammanfattning Vi har arbetat med kommuner.",
            "Relaterat dokument",
            "Läs mer",
        ]
    )
    path = tmp_path / "scraped.txt"
    path.write_text(body, encoding="utf-8")
    doc = parse_file(path)
    pages = {b.text: b.page for b in doc.blocks}
    assert pages["Förord Detta är rapportens förord."] == 3
    assert pages["Sammanfattning Vi har arbetat med kommuner."] == 4
    assert pages["Sajtens meny"] is None and pages["Läs mer"] is None
