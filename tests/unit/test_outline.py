"""Headings recovered from tables of contents and from text that runs a heading into its paragraph."""

from ingest.blocks import Block, BlockKind
from ingest.cleaning.lexicon import SwedishLexicon
from ingest.outline import nest_unlisted, recover_headings, table_of_contents

FILLER = (
    "Seminariet bestod av en kort presentation av arbetet med våldsprevention och en workshop om "
    "handboken som leddes av författaren, och deltagarna kom från kommuner och myndigheter i länet."
)


def _headings(blocks: list[Block]) -> list[tuple[str, int]]:
    return [(b.text, b.level) for b in blocks if b.kind is BlockKind.HEADING]


def test_heading_run_into_the_next_sentence_is_cut_out():
    text = f"Till seminariet kom 57 personer. Göteborg Tillsammans med Länsstyrelsen arrangerade vi ett möte. {FILLER}"
    blocks, found = recover_headings([Block(text, page=23)], SwedishLexicon.zipf)
    assert found == 1
    assert [b.text for b in blocks] == [
        "Till seminariet kom 57 personer.",
        "Göteborg",
        f"Tillsammans med Länsstyrelsen arrangerade vi ett möte. {FILLER}",
    ]
    assert blocks[1].kind is BlockKind.HEADING and blocks[1].level == 2 and blocks[1].page == 23


def test_heading_at_the_start_of_a_page():
    blocks, _ = recover_headings(
        [Block(f"Förord Detta är en delredovisning av uppdraget. {FILLER}")], SwedishLexicon.zipf
    )
    assert _headings(blocks) == [("Förord", 2)]
    assert blocks[1].text.startswith("Detta är en delredovisning")


def test_sentences_names_and_cited_titles_stay_text():
    texts = [
        f"Vidare bedömer Socialstyrelsen att kommunen har gjort fel. {FILLER}",
        f"Konferensen Hållbara investeringar arrangerades i Stockholm. {FILLER}",
        f"Syftet med handboken Inget att vänta på är att stödja kommuner. {FILLER}",
        f"Eva Theisz, vikarierande generaldirektör, skrev förordet. {FILLER}",
        f"Vi läste handboken Inget att vänta på tillsammans. {FILLER}",
        f"Botkyrka anordnade Forum för kompetenshöjande nätverk. {FILLER}",
    ]
    blocks, found = recover_headings([Block(t) for t in texts], SwedishLexicon.zipf)
    assert found == 0
    assert [b.text for b in blocks] == texts


def test_short_paragraphs_are_left_alone():
    blocks, found = recover_headings([Block("Göteborg Tillsammans med Länsstyrelsen.")], SwedishLexicon.zipf)
    assert found == 0 and blocks[0].kind is BlockKind.PARAGRAPH


def test_listed_headings_are_top_level_and_may_be_long():
    toc = Block(
        "Innehåll Sammanfattning... 5 Response based practice Tillsammans kan vi förebygga våld "
        "Frukostseminarier för att sprida Inget att vänta på Tre pilotprojekt... 24"
    )
    page = Block(
        "Efterfrågan har varit stor. Frukostseminarier för att sprida Inget att vänta på Tid och pengar "
        "fanns inte inom uppdraget. Tillsammans kan vi förebygga våld Den 19 november genomförde vi "
        f"två konferenser. {FILLER}"
    )
    blocks, found = recover_headings([toc, page], SwedishLexicon.zipf)
    assert found == 2
    assert blocks[0] is toc  # the contents themselves are not split
    assert _headings(blocks) == [
        ("Frukostseminarier för att sprida Inget att vänta på", 1),
        ("Tillsammans kan vi förebygga våld", 1),
    ]


def test_numbered_lines_the_contents_list_become_numbered_headings():
    blocks = [
        Block("Innehåll", BlockKind.HEADING),
        Block("9. Unga leder Unga (121 380 kronor)..... | 9"),
        Block("10. Utbildningsplattformen (4 318 001 kronor)..... | 10"),
        Block("Text om annat."),
        Block("10. Utbildningsplattformen (4 318 001 kronor)", BlockKind.LIST_ITEM),
        Block("Socialstyrelsen bedömer att kostnaden inte överensstämmer med syftet."),
        Block("11. Köp av fika till mötet", BlockKind.LIST_ITEM),  # not in the contents: a list item
    ]
    indices, toc = table_of_contents(blocks)
    assert indices == {1, 2} and "10 utbildningsplattformen 4 318 001 kronor" in toc
    out, found = recover_headings(blocks, SwedishLexicon.zipf)
    assert found == 1
    assert out[4].kind is BlockKind.HEADING and out[4].level == 1
    assert out[6].kind is BlockKind.LIST_ITEM and out[1].kind is BlockKind.PARAGRAPH


def test_no_contents_no_listed_headings():
    assert table_of_contents([Block("Vanlig text utan innehållsförteckning.")]) == (set(), "")


def test_unlisted_headings_nest_under_the_numbered_chapter_they_follow():
    """The contents list "10. Utbildningsplattformen" and "Bilagor" but not "Ambitionshöjning":
    that one is a sub-heading of chapter 10; "Bilagor" ends the chapter; a numbered heading the
    contents do not list nests nothing."""
    blocks = [
        Block("Innehåll", BlockKind.HEADING),
        Block("Inledning..... | 2"),
        Block("10. Utbildningsplattformen (4 318 001 kronor)..... | 10"),
        Block("Bilagor..... | 30"),
        Block("Inledning", BlockKind.HEADING),
        Block("Text."),
        Block("10. Utbildningsplattformen (4 318 001 kronor)", BlockKind.HEADING),
        Block("Ambitionshöjning och komplement", BlockKind.HEADING),
        Block("Text."),
        Block("Bilagor", BlockKind.HEADING),
        Block("Utbetalningar", BlockKind.HEADING),
        Block("3. Ett avsnitt som inte listas", BlockKind.HEADING),
        Block("Efter det", BlockKind.HEADING),
    ]
    out, _ = recover_headings(blocks, SwedishLexicon.zipf)
    assert _headings(out) == [
        ("Innehåll", 1),
        ("Inledning", 1),  # before any numbered chapter
        ("10. Utbildningsplattformen (4 318 001 kronor)", 1),
        ("Ambitionshöjning och komplement", 2),
        ("Bilagor", 1),
        ("Utbetalningar", 1),  # "Bilagor" is listed: the chapter ended there
        ("3. Ett avsnitt som inte listas", 1),
        ("Efter det", 1),
    ]
    # Without contents the parser's levels stand.
    assert nest_unlisted(blocks, "") is blocks
