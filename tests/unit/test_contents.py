"""Tables of contents leave the passages, and nothing else does."""

from pathlib import Path

from ingest.blocks import Block, BlockKind, ParsedDocument
from ingest.cleaning import clean_document
from ingest.contents import contents_blocks
from ingest.headings import looks_like_heading

H, P, T = BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.TABLE
BODY = (
    "Arbetsgivaren ska se till att det finns rutiner för första hjälpen och krisstöd, och att "
    "arbetstagarna känner till dem och vet vem de ska vända sig till när något har hänt."
)


def test_one_entry_a_block_with_titles_between_goes_with_its_heading():
    blocks = [
        Block("Förord", H),
        Block(BODY),
        Block("Innehåll", H),
        Block("1 kap. Allmänna bestämmelser ..................... 9"),
        Block("Definitioner ........................................ 11", H),  # the parser's "Title"
        Block("Bilagor", H),  # a chapter title without a page
        Block("Bilaga 1"),
        Block("Arbetsmiljöfaktorer för gravida arbetstagare ......... 49"),
        Block("Förbjudna arbetsuppgifter… | 52"),
        Block("1 kap. Allmänna bestämmelser", H),
        Block(BODY),
    ]
    assert contents_blocks(blocks) == set(range(2, 9))


def test_contents_in_one_block_go_in_both_shapes():
    scraped = "Innehåll Sammanfattning... 5 Bakgrund... 8 Tre skolors arbete Lärdomar Bilaga 1... 36"
    listed = "Områden i fokus..... | 2 Likhetsprincipen..... | 2 13. Trycksaker (12 500 kronor)..... | 15"
    for text in (scraped, listed):
        assert contents_blocks([Block("Innehållsförteckning:", H), Block(text), Block(BODY)]) == {0, 1}
        assert contents_blocks([Block(BODY), Block(text), Block(BODY)]) == {1}


def test_prose_tables_and_short_lists_stay():
    pauses = (
        "Vi väntade... 3 veckor, sedan... 2 till, och till slut... 4 månader gick innan kommunen "
        "svarade på frågan om var pengarna hade tagit vägen och vem som bar ansvaret för att de "
        "hade använts till något helt annat än det som föreningen hade sökt bidrag för."
    )
    assert contents_blocks([Block(pauses)]) == set()
    two = [Block("Inledning ........ 2"), Block("Metod ........ 4"), Block(BODY)]
    assert contents_blocks(two) == set()  # two entries are not a table of contents
    rows = [Block("Kommun | Antal\nBotkyrka | 12\nHuddinge | 9", T), Block("Summa | 21", T)]
    assert contents_blocks(rows) == set()
    # A paragraph between entries ends the run: three entries split two and one are no contents.
    split = [Block("Inledning ..... 2"), Block("Metod ..... 4"), Block(BODY), Block("Resultat ..... 9")]
    assert contents_blocks(split) == set()


def test_a_contents_line_is_never_a_heading():
    assert not looks_like_heading("Planera och förebygga risker med psykisk och fysisk påfrestning .......... 26")
    assert not looks_like_heading("Förbjudna arbetsuppgifter… | 52")
    assert looks_like_heading("Förbjudna arbetsuppgifter")


def test_cleaning_drops_the_contents_after_the_outline_read_them():
    """The contents still name the numbered line a heading; then they go, and the report says so."""
    blocks = [
        Block("Innehåll", H),
        Block("Inledning..... | 2"),
        Block("10. Studieplattformen (1 234 000 kronor)..... | 10"),
        Block("Bilagor..... | 30"),
        Block("10. Studieplattformen (1 234 000 kronor)", BlockKind.LIST_ITEM),
        Block(BODY),
    ]
    parsed = ParsedDocument(Path("yttrande.txt"), blocks)
    report = clean_document(parsed, restore=False)
    assert [(b.text[:20], b.kind) for b in parsed.blocks] == [("10. Studieplattforme", H), (BODY[:20], P)]
    assert report.summary()["dropped"]["table of contents"] == 4
