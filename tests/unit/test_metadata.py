"""Metadata: dates, diarienummer, programs, organisation, type, manifests and front matter."""

import json
from pathlib import Path

from ingest.blocks import Block, BlockKind, ParsedDocument
from ingest.metadata import (
    _Terms,
    extract_metadata,
    find_dates,
    find_diarienummer,
    find_document_type,
    find_organisation,
    find_programs,
)


def test_diarienummer_forms():
    text = "Dnr KOF/2017:175 ... enligt beslut KS/2017:290. Regeringsbeslut U2017/01236/GV. Dnr: KS 249/2014"
    assert find_diarienummer(text) == ["KOF/2017:175", "KS 249/2014", "KS/2017:290", "U2017/01236/GV"]
    assert find_diarienummer("Ring 08-530 610 00 eller skriv 2017-09-21.") == []


def test_dates_iso_and_swedish():
    assert find_dates("Beslutat 2017-09-21 och möte den 7 oktober 2017, ej 2017-13-40.") == ["2017-09-21", "2017-10-07"]


def test_programs_with_inflections_and_case_rules():
    text = "Skolan arbetar med MVP-programmet och den socioekologiska modellen. Tåget används i förskolan."
    assert find_programs(text) == ["mvp", "taget", "socioekologiska-modellen"]
    assert find_programs("Vi tog tåget till Iowa och pratade om mvp.") == []


def test_terms_are_whole_words_even_where_a_candidate_overlaps_them():
    terms = _Terms.of(["ab cd", "cd"])
    assert terms.search("xab cd") is True  # "ab cd" is no whole word there, "cd" inside it is
    assert terms.search("xab cdx") is False
    assert terms.search("ab cd.") is True and terms.search("abcd") is False
    assert _Terms.of([]) is None


def test_organisation_by_domain_text_and_never_the_addressee():
    assert find_organisation("x", "x", "https://www.regeringen.se/pressmeddelanden/2020/01/a/") == "Regeringskansliet"
    text = (
        "Yttrande Socialstyrelsen\nSocialstyrelsen bedömer fel.\n"
        + "Botkyrka kommun anser annat. Kommunen har gjort rätt. " * 3
    )
    assert find_organisation(text, text[:100], None) == "Botkyrka kommun"
    assert find_organisation("Varje kommun bör arbeta mot våld.", "", None) is None


def test_document_type_from_url_format_and_opening():
    assert (
        find_document_type("Något", [], "https://www.regeringen.se/pressmeddelanden/2020/01/a/", "md")
        == "pressmeddelande"
    )
    assert find_document_type("Bilder", [], None, "pptx") == "presentation"
    assert find_document_type("Tjänsteskrivelse om resa", [], None, "pdf") == "tjansteskrivelse"
    assert find_document_type("Uppdrag om jämställdhet slutrapport", [], None, "txt") == "rapport"
    assert find_document_type("Om oss", ["Välkommen"], None, "html") is None


def test_manifest_and_front_matter(tmp_path):
    folder = tmp_path / "regeringen" / "pressmeddelanden" / "2019" / "11"
    folder.mkdir(parents=True)
    page = folder / "sida.md"
    page.write_text("# Rubrik\n\nText om våld.", encoding="utf-8")
    row = {
        "path": "pressmeddelanden/2019/11/sida.md",
        "url": "https://www.regeringen.se/pressmeddelanden/2019/11/sida/",
        "title": "Sidans titel",
    }
    (tmp_path / "regeringen" / "_index.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    doc = ParsedDocument(page, [Block("Rubrik", BlockKind.HEADING), Block("Text om våld.")], title="Rubrik")
    meta = extract_metadata(doc, ["Rubrik", "Text om våld."], "md")
    assert meta.title == "Sidans titel" and meta.source_url == row["url"]
    assert meta.organisation == "Regeringskansliet" and meta.document_type == "pressmeddelande"
    assert (meta.date, meta.year) == ("2019-11", 2019)

    other = ParsedDocument(
        Path(tmp_path / "x.md"),
        [Block("Text")],
        title="x",
        metadata={"title": "Rutin", "source_url": "https://botwebb.botkyrka.se/a.pdf"},
    )
    meta = extract_metadata(other, ["Text"], "md")
    assert meta.source_url == "https://botwebb.botkyrka.se/a.pdf" and meta.organisation is None and meta.date is None


def test_html_canonical_and_title(tmp_path):
    from ingest.parsing import parse_file

    path = tmp_path / "p.html"
    path.write_text(
        '<html><head><title>Rutin mot våld</title><link rel="canonical" href="https://www.botkyrka.se/rutin">'
        "<script>var secret = 'spårning';</script></head><body><h1>Rutin</h1>"
        "<p>Alla medarbetare ska känna till rutinen mot hot och våld.</p><script>alert('x')</script></body></html>",
        encoding="utf-8",
    )
    doc = parse_file(path)
    assert doc.metadata["source_url"] == "https://www.botkyrka.se/rutin" and doc.title == "Rutin mot våld"
    text = " ".join(b.text for b in doc.blocks)
    assert "medarbetare" in text and "alert" not in text and "secret" not in text


def test_organisation_from_the_site_it_came_from():
    text = "BOTKYRKA KOMMUN\nVård- och omsorgsförvaltningen\nRutin för hot och våld."
    assert find_organisation(text, text, "https://botwebb.botkyrka.se/download/rutin.pdf") == "Botkyrka kommun"
    body = "Rutin för hot och våld. " * 40 + "Samverkan sker med Botkyrka kommun."
    assert find_organisation(body, body[:200], None) is None  # one mention deep in the text is not authorship
    assert find_organisation(body, body[:200], "https://www.botkyrka.se/rutin") == "Botkyrka kommun"
