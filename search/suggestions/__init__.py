"""What a search box offers besides hits: spelling suggestions, completions and synonyms, all
built from the index's own words (:mod:`search.suggestions.vocabulary`)."""

from search.suggestions.completion import Completer, Completion, CompletionKind
from search.suggestions.spelling import Correction, SpellingCorrector
from search.suggestions.synonyms import SynonymExpansion, SynonymFile, Synonyms
from search.suggestions.vocabulary import Vocabulary

__all__ = [
    "Completer",
    "Completion",
    "CompletionKind",
    "Correction",
    "SpellingCorrector",
    "SynonymExpansion",
    "SynonymFile",
    "Synonyms",
    "Vocabulary",
]
