"""What a result says when it probably does not answer: a Swedish notice with things to try.

Shown when nothing was found or the best hit is weak (:mod:`search.confidence`). It proposes,
in this order: removing each active filter; the corrected spelling ("Menade du"); broader wording,
the question's words that some passage holds (at most ``BROADER_WORDS``); and, for a long
question, fewer words. Each proposal is a query or filters to drop, so a page can make it a link.

Usage::

    notice = build_notice(Confidence.LOW, query, filters, did_you_mean, known_words)
"""

from __future__ import annotations

from collections.abc import Callable

from search.confidence import Confidence
from search.filters import SearchFilters
from search.records import Notice, NoticeSuggestion, SpellingSuggestion
from search.suggestions.vocabulary import words_of

BROADER_WORDS = 4
LONG_QUESTION = 8
_FILTER_LABELS = {
    "document": "dokumentet",
    "language": "språket",
    "organisation": "organisationen",
    "document_type": "dokumenttypen",
    "program": "programmet",
    "year_from": "från år",
    "year_to": "till år",
}
# the query parameter of each filter field (the API and the page call document_type "type")
FILTER_PARAMS = {"document_type": "type"}


def build_notice(
    confidence: Confidence,
    query: str,
    filters: SearchFilters | None,
    did_you_mean: SpellingSuggestion | None,
    is_content_word: Callable[[str], bool],
) -> Notice | None:
    """The notice for a result of this ``confidence``; None when it is high.
    ``is_content_word`` tells a word some passage holds and that is no stop word."""
    if confidence is Confidence.HIGH:
        return None
    if confidence is Confidence.NONE:
        message = f"Inga träffar för ”{query}”."
    else:
        message = (
            f"Träffarna för ”{query}” verkar inte svara på frågan. "
            "Pröva en bredare formulering eller färre avgränsningar."
        )
    suggestions: list[NoticeSuggestion] = []
    active = filters.active() if filters is not None else {}
    for field, value in active.items():
        param = FILTER_PARAMS.get(field, field)
        label = f"Ta bort avgränsningen {_FILTER_LABELS.get(field, field)} ({value})"
        suggestions.append(NoticeSuggestion(label=label, remove_filters=[param]))
    if len(active) > 1:
        params = [FILTER_PARAMS.get(f, f) for f in active]
        suggestions.append(NoticeSuggestion(label="Ta bort alla avgränsningar", remove_filters=params))
    if did_you_mean is not None:
        suggestions.append(NoticeSuggestion(label=f"Sök på ”{did_you_mean.text}”", query=did_you_mean.text))
    words = list(dict.fromkeys(words_of(query)))
    known = [w for w in words if is_content_word(w)][:BROADER_WORDS]
    broader = " ".join(known)
    if known and broader.lower() != " ".join(words).lower():
        suggestions.append(NoticeSuggestion(label=f"Sök bredare: ”{broader}”", query=broader))
    elif len(words) >= LONG_QUESTION:
        suggestions.append(NoticeSuggestion(label="Pröva färre ord, till exempel bara de viktigaste orden"))
    return Notice(level=confidence.value, message=message, suggestions=suggestions)
