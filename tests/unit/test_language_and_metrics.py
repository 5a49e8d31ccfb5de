import pytest

from api.evaluation import score_ranking
from api.relevance import contains_gold, fold_compact
from ingest.language import detect_language, plain_language
from search.text import best_snippet

SV = (
    "Kommunen arbetar med våldsförebyggande insatser i skolan tillsammans med socialtjänsten, "
    "polisen och civilsamhället för att minska våldet bland unga i området. "
) * 2
EN = (
    "The municipality works with violence prevention in schools together with social services, "
    "the police and civil society to reduce violence among young people. "
) * 2


def test_language_is_detected_and_deterministic():
    assert detect_language(SV) == "sv"
    assert detect_language(EN) == "en"
    assert {detect_language(SV) for _ in range(5)} == {"sv"}


DANISH = (
    "Det er vigtigt at kommunen arbejder med forebyggelse af vold i nære relationer, og at medarbejderne ved "
    "hvad de skal gøre når de møder et barn som har været udsat for vold. Vi har derfor udarbejdet en handleplan "
    "for hele organisationen som skal gælde fra næste år og frem."
)
NORWEGIAN = (
    "Det er viktig at kommunen arbeider med forebygging av vold i nære relasjoner, og at de ansatte vet hva de "
    "skal gjøre når de møter et barn som har vært utsatt for vold. Vi har derfor laget en handlingsplan for hele "
    "organisasjonen som skal gjelde fra neste år."
)


def test_the_function_word_shortcut_never_takes_a_neighbour_for_swedish():
    assert plain_language(SV * 2) == "sv" and plain_language(EN * 2) == "en"
    for text, code in ((DANISH, "da"), (NORWEGIAN, "no")):
        assert plain_language(text) is None  # left to langdetect, which knows them
        assert detect_language(text) == code
    assert plain_language("och att är") is None  # too few words to judge
    # "in", "be", "by", "it" are Swedish words too: they do not make Swedish text look English
    swedish = "Lämna in ansökan i tid och be om hjälp, för IT-stödet i vår by är inte bemannat. " * 4
    assert plain_language(swedish) == "sv"


def test_a_text_langdetect_judged_is_answered_from_memory_the_same():
    from search.language import langdetect_language as _langdetect

    text = NORWEGIAN.replace("barn", "ungdom")  # not asked before in this process
    before = _langdetect.cache_info()
    answers = [detect_language(text) for _ in range(3)]
    after = _langdetect.cache_info()
    assert answers == ["no"] * 3
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 2)


def test_short_text_inherits_the_default():
    assert detect_language("Hej då", default="sv") == "sv"


def test_folding_matches_the_eval_rule():
    assert fold_compact("Långt ifrån lagom!") == "langtifranlagom"
    assert contains_gold("Framtidens Botkyrka är en inspirerande plats", ["Framtidens Botkyrka ar en"])
    assert not contains_gold("något annat", ["Botkyrka"])


def test_rank_metrics_are_ir_measures_with_the_order_kept():
    scores = score_ranking(["x", "y", "a"], {"a": 1}, ("mrr@10", "hit@1", "hit@5", "ndcg@10"))
    assert scores["mrr@10"] == pytest.approx(1 / 3) and scores["hit@1"] == 0 and scores["hit@5"] == 1
    assert scores["ndcg@10"] == pytest.approx(0.5)  # 1 / log2(4)
    assert score_ranking(["a", "b"], {"b": 1})["ndcg@10"] == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert score_ranking(["a", "b", "c"], {"c": 1, "d": 1}, ("recall@10",)) == {"recall@10": 0.5}
    # graded judgements: linear gains, the ideal ranking over every judged id
    graded = score_ranking(["y", "x"], {"x": 2, "y": 1}, ("ndcg@10",))["ndcg@10"]
    assert graded == pytest.approx((1 + 2 / 1.5849625) / (2 + 1 / 1.5849625), rel=1e-6)
    # ids whose scores would tie or sort otherwise keep the ranked order
    assert score_ranking(["b", "a"], {"b": 1})["mrr@10"] == 1.0
    # nothing relevant or nothing ranked scores 0, never leaves the question out
    assert score_ranking(["a"], {}) == dict.fromkeys(("hit@1", "hit@5", "mrr@10", "ndcg@10"), 0.0)
    assert score_ranking([], {"a": 1})["mrr@10"] == 0.0


def test_snippet_picks_the_matching_sentence():
    text = "Första meningen handlar om budget. Julmarknaden lockade cirka 500 besökare. Sista meningen."
    assert best_snippet(text, "Hur många besökare kom till julmarknaden?") == "Julmarknaden lockade cirka 500 besökare."
