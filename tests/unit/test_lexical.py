"""The Swedish analyzer, the compound lexicon and BM25 sparse vectors."""

import pytest

from search.lexical import SparseEncoder, SwedishAnalyzer
from search.lexical.hunspell import CompoundLexicon
from search.lexical.sparse import term_id


@pytest.fixture(scope="module")
def analyzer():
    return SwedishAnalyzer.default()


def test_folding_makes_words_without_diacritics_match(analyzer):
    assert set(analyzer.terms("valdsprevention")) == set(analyzer.terms("våldsprevention"))
    assert analyzer.terms("MÅNGFALD") == analyzer.terms("mångfald")


def test_stemming_joins_inflections(analyzer):
    assert analyzer.terms("kommunerna") == analyzer.terms("kommunen") == analyzer.terms("kommun")
    assert analyzer.terms("insatser") == analyzer.terms("insatsen")


def test_stop_words_are_dropped_but_content_words_kept(analyzer):
    assert analyzer.terms("Vem är det som har det?") == []
    # words other lists call stop words but that carry meaning in municipal documents
    assert analyzer.terms("beslut")
    assert analyzer.terms("dag")


@pytest.mark.parametrize(
    ("compound", "part"),
    [
        ("våldsförebyggande", "våld"),
        ("våldsförebyggande", "förebygga"),
        ("våldsprevention", "prevention"),
        ("kommunstyrelsen", "styrelse"),
        ("sommarlovsaktiviteter", "aktivitet"),
        ("knattefotbollsskolan", "fotboll"),
    ],
)
def test_compounds_are_found_by_their_parts(analyzer, compound, part):
    whole_word = analyzer.terms(part)[0]  # a part may itself be a compound ("fotboll")
    assert whole_word in analyzer.terms(compound)


def test_compound_splitting_keeps_ordinary_words_whole():
    lexicon = CompoundLexicon.default()
    assert lexicon.split("vald") == ()
    assert lexicon.split("kultur") == ()
    assert lexicon.split("valdsprevention") == ("vald", "prevention")


def test_highlights_are_offsets_into_the_original_text(analyzer):
    text = "Våldsprevention i skolan. Förebyggande arbete mot våld."
    spans = analyzer.highlights(text, analyzer.terms("vald"))
    assert [text[a:b] for a, b in spans] == ["Våldsprevention", "våld"]


def test_adjacent_matches_merge_into_one_span(analyzer):
    text = "Arbetet med socioekologisk modell i Botkyrka."
    spans = analyzer.highlights(text, analyzer.terms("socioekologisk modell"))
    assert [text[a:b] for a, b in spans] == ["socioekologisk modell"]


def test_term_ids_are_stable_32_bit():
    assert term_id("vald") == term_id("vald")
    assert 0 <= term_id("vald") < 2**32
    assert term_id("vald") != term_id("valdsprevention")


def test_bm25_weights_saturate_and_normalise_length(analyzer):
    encoder = SparseEncoder(analyzer)
    once = encoder.encode_passage("våld")
    many = encoder.encode_passage("våld " * 10)
    assert len(once) == 1 and len(many) == 1
    assert once.values[0] < many.values[0] < encoder.k1 + 1  # grows with tf but saturates
    long = encoder.encode_passage("våld " + "skola " * 200)
    assert long.values[long.indices.index(term_id("vald"))] < once.values[0]


def test_context_words_count_with_their_weight(analyzer):
    off = SparseEncoder(analyzer, context_weight=0.0).encode_passage("Till seminariet kom 98 personer.", "Göteborg")
    on = SparseEncoder(analyzer, context_weight=1.0).encode_passage("Till seminariet kom 98 personer.", "Göteborg")
    assert term_id("goteborg") not in off.indices
    assert term_id("goteborg") in on.indices


def test_query_vector_has_one_entry_per_distinct_term(analyzer):
    query = SparseEncoder(analyzer).encode_query("våld och våld i skolan")
    assert len(query.indices) == len(set(query.indices)) == 2
    assert query.values == [1.0, 1.0]
    assert query.indices == sorted(query.indices)


def test_running_heads_are_lexical_context_of_every_passage():
    from ingest.pipeline import lexical_context
    from search.records import PassageRecord

    passage = PassageRecord(
        id="p",
        document_id="d",
        index=0,
        text="Rani Kasapi, utbildning",
        start=0,
        end=1,
        language="sv",
        section=["Kultur för social hållbarhet", "Rani Kasapi"],
    )
    context = lexical_context("Kultur för social hållbarhet", passage, ["Långt ifrån lagom", "BOTKYRKA"])
    assert context.split("\n") == ["Kultur för social hållbarhet", "Långt ifrån lagom", "BOTKYRKA", "Rani Kasapi"]
    assert lexical_context(None, passage).split("\n") == ["Kultur för social hållbarhet", "Rani Kasapi"]


def test_abbreviations_carry_their_written_out_form(analyzer):
    assert {"dnr", analyzer.terms("diarienummer")[0]} <= set(analyzer.terms("Dnr KOF/2017:175"))
    assert set(analyzer.terms("diarienummer")) <= set(analyzer.terms("dnr"))
    assert analyzer.highlights("Dnr KOF/2017:175", analyzer.terms("diarienummer")) == [(0, 3)]
    # abbreviations that fold to common words are not expanded: "bra" is not "BRÅ"
    assert analyzer.terms("det var bra") == ["bra"]
