"""Cleaning: hyphenation, diacritics, boilerplate, repeats, tables."""

from pathlib import Path

import pytest

from ingest.blocks import Block, BlockKind, ParsedDocument
from ingest.cleaning import clean_document
from ingest.cleaning.boilerplate import find_boilerplate
from ingest.cleaning.diacritics import restore_diacritics, restore_word
from ingest.cleaning.hyphenation import repair_hyphenation
from ingest.cleaning.lexicon import SwedishLexicon
from ingest.parsing import parse_file


@pytest.fixture(scope="module")
def lexicon():
    return SwedishLexicon.default()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fort-\nsatta studier", "fortsatta studier"),
        ("att samord- na insatser", "att samordna insatser"),
        ("finansie- ring.", "finansiering."),
        ("arbets- och miljöfrågor", "arbets- och miljöfrågor"),
        ("hot om våld- eller kränkningar", "hot om våld- eller kränkningar"),
        ("Myndigheten för ungdoms- och civilsamhällesfrågor", "Myndigheten för ungdoms- och civilsamhällesfrågor"),
        ("handlingsplanen- våld i nära relationer", "handlingsplanen- våld i nära relationer"),
        ("åren 2014- 2015", "åren 2014- 2015"),
    ],
)
def test_hyphenation(text, expected, lexicon):
    assert repair_hyphenation(text, lexicon.knows)[0] == expected


def test_lexicon_knows_swedish_and_compounds(lexicon):
    assert lexicon.knows("mångfald") and lexicon.knows("jordbruksmiljö")
    assert not lexicon.knows("mangfald")
    assert lexicon.zipf("för") > lexicon.zipf("for")


FLAT = [
    "Langt ifran lagom",
    "Hur ska kommunen utveckla mangfald i organisationen for att mota invanares behov?",
    "53% utlandsk bakgrund. Varfor ar det viktigt att 6verbrygga gapet? Rani Kasapi, fil.kand.",
]


def test_flattened_text_is_restored_and_audited(lexicon):
    texts, result = restore_diacritics(FLAT)
    assert result.flattened
    assert texts[0] == "Långt ifrån lagom"
    assert "mångfald" in texts[1] and "för att" in texts[1] and "invånares" in texts[1]
    assert "utländsk" in texts[2] and "överbrygga" in texts[2] and "är det" in texts[2]
    assert "Rani Kasapi" in texts[2] and "fil.kand" in texts[2]  # a name and an abbreviation stay
    assert result.corrections["mangfald"] == "mångfald" and result.corrections["6verbrygga"] == "överbrygga"


def test_ambiguous_words_stay(lexicon):
    assert restore_word("man", lexicon) is None  # man / män are both common
    assert restore_word("vara", lexicon) is None
    assert restore_word("fortsatta", lexicon) is None


def test_clean_swedish_is_untouched():
    text = ["Kommunen arbetar förebyggande mot våld i nära relationer och erbjuder stöd till alla som utsätts."]
    texts, result = restore_diacritics(text)
    assert texts == text and not result.flattened


def test_english_is_never_restored():
    doc = ParsedDocument(Path("x.txt"), [Block("The council will star in a far better plan for the hall " * 5)])
    report = clean_document(doc)
    assert report.restoration.replaced == 0


def _blocks(*specs):
    return [Block(t, k, p) for t, k, p in specs]


H, P = BlockKind.HEADING, BlockKind.PARAGRAPH


def test_running_heads_and_page_numbers_on_pages_are_dropped():
    blocks = []
    for page in range(1, 6):
        blocks += _blocks(
            ("Botkyrka kommun – Rutin", P, page),
            (f"Innehåll på sidan {page}: en mening om våld som är lång nog att räknas.", P, page),
            (f"Sida {page} av 5", P, page),
        )
    kept, report = find_boilerplate(blocks)
    assert [b.page for b in kept] == [1, 2, 3, 4, 5]
    assert all(b.text.startswith("Innehåll") for b in kept)
    assert report.total == 10
    assert report.running_heads == ["Botkyrka kommun – Rutin"]  # page numbers are not a name


def test_repeated_section_heading_stays_but_slide_footer_goes():
    blocks = []
    for i in range(4):
        blocks += _blocks(("Sammanfattning", H, None), (f"Text nummer {i} om förebyggande arbete.", P, None))
    for i in range(3):
        blocks += _blocks(
            (f"Bild {i}: innehåll om trygghet i stadsdelen.", P, None), ("BOTKYRKA", H, None), ("KOMMUN", H, None)
        )
    kept, report = find_boilerplate(blocks)
    texts = [b.text for b in kept]
    assert texts.count("Sammanfattning") == 4
    assert "BOTKYRKA" not in texts and "KOMMUN" not in texts
    assert report.running_heads == ["BOTKYRKA", "KOMMUN"]


def test_link_farm_cards_and_labels_are_dropped():
    body = _blocks(("Rapporten", H, None), ("Kommunen har arbetat med våldsprevention i skolan sedan 2015.", P, None))
    cards = []
    for i in range(4):
        title = f"Annat dokument {i} om något helt annat"
        cards += _blocks(
            (title, P, None), (f"{title} Teasertext om ett orelaterat ämne {i}", P, None), ("Läs mer", P, None)
        )
    kept, report = find_boilerplate(body + cards)
    assert [b.text for b in kept] == [b.text for b in body]
    assert report.dropped["link card"] == 8
    assert report.running_heads == []  # widget labels are not the document's name


def test_outside_pages_and_repeated_blocks():
    long = (
        "Kultur- och fritidsnämnden godkänner studieresa till Iowa för en arbetsledare, med kostnader som anges nedan."
    )
    blocks = [Block("Spara som PDF", outside=True), Block(long, P, 1), Block("Kort rad.", P, 1), Block(long, P, 2)]
    kept, report = find_boilerplate(blocks)
    assert [b.text for b in kept] == [long, "Kort rad."]
    assert report.dropped == {"outside pages": 1, "repeated block": 1}


def test_scraped_viewer_text_keeps_only_its_pages(tmp_path):
    pages = "\n\n".join(f"{n} Sidan {n} handlar om förebyggande arbete mot våld i kommunen." for n in range(1, 5))
    teasers = "\n\n".join(f"Annan rapport {i}\n\nAnnan rapport {i} om något annat\n\nLäs mer" for i in range(5))
    path = tmp_path / "scraped.txt"
    path.write_text(f"RAPPORT\n\nSave this PDF as:\n\nDownload\n\n{pages}\n\n{teasers}\n", encoding="utf-8")
    doc = parse_file(path)
    clean_document(doc)
    assert [b.page for b in doc.blocks] == [1, 2, 3, 4]
    assert not any("Läs mer" in b.text or "Save" in b.text for b in doc.blocks)


def test_tab_separated_rows_stay_rows(tmp_path):
    path = tmp_path / "table.txt"
    path.write_text(
        "Bidrag\t\t2023-09-19\tKorpen för unga\nBidrag\t\t2023-09-20\tCricket i Norsborg\n", encoding="utf-8"
    )
    text = " ".join(b.text for b in parse_file(path).blocks)
    assert "Bidrag | 2023-09-19 | Korpen för unga" in text


def test_docx_table_rows_are_readable(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Aktiviteter och belopp under året.")
    table = document.add_table(rows=2, cols=2)
    for r, (a, b) in enumerate([("Aktivitet", "Belopp"), ("Julmarknad", "12 000 kronor")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    path = tmp_path / "t.docx"
    document.save(path)
    tables = [b.text for b in parse_file(path).blocks if b.kind is BlockKind.TABLE]
    assert tables == ["Aktivitet | Belopp\nJulmarknad | 12 000 kronor"]


def test_repeated_data_fields_are_not_labels():
    blocks = []
    for law in ("Brottsbalken", "Socialtjänstlagen", "Skollagen"):
        blocks += _blocks(
            (f"Lag om ändring i {law}", H, None),
            ("Ikraftträdande: 1 juli 2022", P, None),
            ("Ändringar: Brottsbalken", P, None),
        )
    kept, report = find_boilerplate(blocks)
    assert len(kept) == len(blocks) and report.total == 0
