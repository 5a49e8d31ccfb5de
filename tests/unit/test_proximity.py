"""Term proximity: passages where the question's words stand together come first."""

import pytest

from search.lexical.analyzer import SwedishAnalyzer
from search.ranking.proximity import adjacency_share, adjacent_pairs, proximity_prior
from search.ranking.scored import ScoredPassage
from search.records import PassageRecord

ANALYZER = SwedishAnalyzer(None)  # no compound lexicon: plain stems


def _item(text: str, score: float) -> ScoredPassage:
    passage = PassageRecord(id=text, document_id="d", index=0, text=text, start=0, end=1, language="sv")
    return ScoredPassage(score, passage, None, {"lexical": 1.0})


def test_stems_drop_stop_words_and_match_inflections():
    assert ANALYZER.stems("Den tekniska samordnaren") == ANALYZER.stems("teknisk samordnare")
    assert ANALYZER.stems("samordnare för teknik")[0] == ANALYZER.stems("samordnarna")[0]
    assert ANALYZER.stems("och i på") == []


def test_pairs_are_unordered_and_a_repeated_word_is_no_pair():
    assert adjacent_pairs(["b", "a", "a"]) == {("a", "b")}
    assert adjacent_pairs(["a"]) == set()
    pairs = adjacent_pairs(["teknisk", "samordn", "stad"])
    assert adjacency_share(pairs, ["samordn", "teknisk", "x", "stad"]) == 0.5  # either order counts
    assert adjacency_share(pairs, ["teknisk", "x", "samordn"]) == 0.0
    assert adjacency_share(set(), ["a", "b"]) == 0.0


def test_the_passage_that_names_the_phrase_overtakes_the_scattered_one():
    scattered = _item("Teknisk utrustning köps in. Samordnaren för fritidsgården svarar för schemat.", 1.0)
    phrase = _item("Den tekniska samordnaren ansvarar för ljud och ljus.", 0.9)
    other = _item("Något helt annat.", 0.0)
    query = ANALYZER.stems("Vad gör en teknisk samordnare?")
    ranked = proximity_prior([scattered, phrase, other], query, ANALYZER, 0.3)
    assert [i.passage.id for i in ranked] == [phrase.passage.id, scattered.passage.id, other.passage.id]
    # "gör teknisk" is a pair too ("gör" is no stop word): half the pairs stand together
    assert ranked[0].score == pytest.approx(0.9 + 0.3 * 1.0 * 0.5)
    assert ranked[0].signals == {"lexical": 1.0, "proximity": 0.5}
    assert ranked[1].signals["proximity"] == 0.0


@pytest.mark.parametrize("query", ["Vad gör en samordnare?", "What does a coordinator do?"])
def test_one_content_word_or_no_shared_word_leaves_the_order(query):
    items = [_item("Samordnaren planerar.", 1.0), _item("Den tekniska samordnaren.", 0.9)]
    ranked = proximity_prior(items, ANALYZER.stems(query), ANALYZER, 0.3)
    assert [i.passage.id for i in ranked] == [i.passage.id for i in items]
    assert [i.score for i in ranked] == [1.0, 0.9]


def test_weight_zero_and_items_beyond_the_depth_are_untouched():
    items = [_item("a b", 1.0), _item("x y", 0.8), _item("teknisk samordnare", 0.5)]
    query = ANALYZER.stems("teknisk samordnare")
    assert proximity_prior(items, query, ANALYZER, 0.0) == items
    ranked = proximity_prior(items, query, ANALYZER, 0.3, depth=2)
    assert [i.passage.id for i in ranked] == ["a b", "x y", "teknisk samordnare"]
    assert ranked[2] is items[2]
