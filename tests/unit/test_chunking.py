from pathlib import Path

from ingest.blocks import Block, BlockKind, ParsedDocument
from ingest.chunking import chunk_document
from ingest.headings import heading_level, looks_like_heading
from search.text import split_sentences


def words(texts):
    """A stand-in tokenizer: one token per word plus <s> and </s>."""
    return [len(t.split()) + 2 for t in texts]


def doc(blocks):
    return ParsedDocument(path=Path("x.txt"), blocks=blocks)


def test_passages_follow_headings_pages_and_offsets():
    blocks = [
        Block("Inledning", BlockKind.HEADING, 1, 1),
        Block("Första meningen här. Andra meningen här. Tredje meningen här.", page=1),
        Block("Metod", BlockKind.HEADING, 2, 1),
        Block("Vi använde MVP. Det gick bra.", page=2),
    ]
    text, chunks = chunk_document(doc(blocks), words, target_tokens=100)
    assert [c.section for c in chunks] == [["Inledning"], ["Metod"]]
    assert [c.page for c in chunks] == [1, 2]
    for c in chunks:
        assert text[c.start : c.end] == c.text
    assert chunks[0].text.startswith("Inledning")


def test_sub_headings_build_a_path():
    blocks = [
        Block("2 kap. Organisation", BlockKind.HEADING, level=1),
        Block("2.1 Ansvar", BlockKind.HEADING, level=2),
        Block("Chefen ansvarar."),
        Block("3 kap. Mål", BlockKind.HEADING, level=1),
        Block("Målen är tydliga."),
    ]
    _, chunks = chunk_document(doc(blocks), words)
    assert [c.section for c in chunks] == [["2 kap. Organisation", "2.1 Ansvar"], ["3 kap. Mål"]]


def test_recurring_headings_nest_under_the_last_unique_one():
    blocks = []
    for activity in ("Julmarknaden", "Hälsodagen"):
        blocks += [
            Block(activity, BlockKind.HEADING, level=1),
            Block(f"{activity} genomfördes i år."),
            Block("Effekt av aktiviteten", BlockKind.HEADING, level=1),
            Block("Aktiviteten lockade många."),
        ]
    _, chunks = chunk_document(doc(blocks), words)
    assert [c.section for c in chunks] == [
        ["Julmarknaden"],
        ["Julmarknaden", "Effekt av aktiviteten"],
        ["Hälsodagen"],
        ["Hälsodagen", "Effekt av aktiviteten"],
    ]


def test_a_run_of_short_lines_that_ends_a_document_is_content():
    blocks = [
        Block("Beslut", BlockKind.HEADING, level=1),
        Block("Nämnden godkänner resan."),
        Block("Pernilla Conde Hellman", BlockKind.HEADING, level=1),
        Block("Kultur- och fritidschef", BlockKind.HEADING, level=1),
    ]
    text, chunks = chunk_document(doc(blocks), words)
    assert [c.text for c in chunks] == ["Beslut\n\nNämnden godkänner resan.", text[text.index("Pernilla") :]]
    # a document of headings alone still has nothing to index, and a lone last heading is no signature
    assert chunk_document(doc(blocks[2:]), words)[1] == []
    assert len(chunk_document(doc([*blocks[:2], Block("Bilagor", BlockKind.HEADING, level=1)]), words)[1]) == 1


def test_lines_taken_for_headings_that_head_nothing_are_content():
    """unstructured calls a short line without a full stop a title: a section's whole body can
    come out as headings. Two or more in a row that no text sits under are indexed, under the
    path they share; a lone heading that heads nothing (a chapter the parser flattened) is not."""
    H = BlockKind.HEADING
    blocks = [
        Block("7. Simskola (300 000 kronor)", H, level=1),
        Block("Myndigheten bedömer att delar av kostnaden avser 2024", H, level=2),
        Block("Kommunen delar bedömningen och återför 120 000:-", H, level=2),
        Block("16. Ej statsbidrag", H, level=1),
        Block("Kommunen avser återbetala aktiviteten."),
        Block("9 kap. Anteckningar om jourtid", H, level=1),
        Block("Då gäller föreskrifterna", H, level=1),
        Block("Föreskrifterna gäller alla."),
    ]
    text, chunks = chunk_document(doc(blocks), words)
    assert [(c.section, c.text.split("\n\n")[0]) for c in chunks] == [
        (["7. Simskola (300 000 kronor)"], "7. Simskola (300 000 kronor)"),
        (["16. Ej statsbidrag"], "16. Ej statsbidrag"),
        (["Då gäller föreskrifterna"], "Då gäller föreskrifterna"),
    ]
    assert chunks[0].text.endswith("återför 120 000:-")
    assert all(text[c.start : c.end] == c.text for c in chunks)


def test_heading_lines_made_content_keep_to_the_budget_and_the_page():
    H = BlockKind.HEADING
    questions = [Block(f"Fråga nummer {i} om hur det är hemma?", H, page=1 + i // 4, level=2) for i in range(8)]
    blocks = [Block("Exempel på frågor:", H, page=1, level=1), *questions, Block("Rutin", H, page=3, level=1)]
    blocks.append(Block("Personalen följer rutinen.", page=3))
    _, chunks = chunk_document(doc(blocks), words, target_tokens=20)
    made = chunks[:-1]
    assert [c.page for c in made] == [1, 1, 2, 2] and all(words([c.text])[0] - 2 <= 20 for c in made)
    assert all(c.section == ["Exempel på frågor:"] for c in made)
    assert " ".join(c.text for c in made).count("Fråga nummer") == 8


def test_packing_respects_the_budget_and_overlaps_short_sentences():
    sentences = [f"Mening nummer {i} om våld." for i in range(40)]
    _, chunks = chunk_document(doc([Block(" ".join(sentences))]), words, target_tokens=30)
    assert len(chunks) > 5
    assert all(words([c.text])[0] - 2 <= 30 for c in chunks)
    # each passage after the first starts with the last sentence of the one before
    assert chunks[1].text.split(".")[0] == chunks[0].text.split(".")[-2].strip()
    covered = " ".join(c.text for c in chunks)
    assert all(s in covered for s in sentences)


def test_a_sentence_longer_than_the_window_is_split():
    long = " ".join(["ord"] * 1500) + "."
    text, chunks = chunk_document(doc([Block(long)]), words, target_tokens=200, max_tokens=512)
    assert len(chunks) >= 3
    assert all(words([c.text])[0] <= 512 for c in chunks)
    assert sum(len(c.text.split()) for c in chunks) == 1500


def test_heading_shape():
    assert looks_like_heading("Sammanfattning")
    assert looks_like_heading("4 kap. Första hjälpen och krisstöd")
    assert not looks_like_heading("Detta är en vanlig mening som slutar med punkt.")
    assert not looks_like_heading("12")
    for point in ("c) Arbetarskyddsstyrelsens kungörelse (AFS 1993:2) med", "(b) H371: kan orsaka", "iv) Ansvar"):
        assert not looks_like_heading(point)
    for wrapped in ("3 § Arbetsgivaren ska", "12 a § Anteckningar om övertid ska ange", "av bedömningen, och"):
        assert not looks_like_heading(wrapped)
    assert looks_like_heading("Vem föreskrifterna riktar sig till") and looks_like_heading("Frågor och svar")
    assert heading_level("2.3 Ansvar") == 2 and heading_level("4 kap. Första hjälpen") == 1


def test_sentence_split_keeps_abbreviations():
    text = "Vi arbetar bl.a. med MVP. Nästa mening börjar här."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["Vi arbetar bl.a. med MVP.", "Nästa mening börjar här."]


def test_sentence_split_keeps_a_numbered_heading_whole():
    text = "10. Fritidsgården (1 250 000 kronor)\n\n2.3. Metod och urval. Vi valde 12 skolor."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "10. Fritidsgården (1 250 000 kronor)",
        "2.3. Metod och urval.",
        "Vi valde 12 skolor.",
    ]


def test_sentence_split_ends_at_blank_lines_and_reads_the_whole_last_word():
    # The last word is looked for near the sentence end first; here only its "b" lies that near,
    # and "b." alone would pass for an initial and keep the sentence open.
    tail = ")" * 46
    text = f"  Första stycket. Andra meningen\n \n- \n\nHon heter Ab{tail}. Nästa mening. Sista\tord.\n"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Första stycket.",
        "Andra meningen",
        f"- \n\nHon heter Ab{tail}.",  # a one-character paragraph runs on into the next one
        "Nästa mening.",
        "Sista\tord.",
    ]
