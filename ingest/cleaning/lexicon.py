"""The Swedish lexicon behind hyphenation repair and diacritic restoration.

Two maintained resources from PyPI, both loaded lazily and once per process:

* ``hunspell-sv`` (SFOL + SALDO, LGPL-3.0) says whether a word form is Swedish.
  It is read by ``spylls``, a pure-Python Hunspell, so affixes and compounds
  ("jordbruksmiljö", "miljonprogramsområden") count as words (~1 ms a lookup,
  2.4 s to load, cached per word).
* ``wordfreq`` (Swedish frequency list) breaks ties between two real words:
  "for" and "för" are both in the lexicon, but "för" is 160 times as common.

Usage::

    lexicon = SwedishLexicon.default()
    lexicon.knows("mångfald")  # True
    lexicon.zipf("för")        # 7.15
"""

from __future__ import annotations

import logging
from functools import lru_cache

from ingest.long_lived import long_lived
from search.lexical.hunspell import LexiconUnavailableError, find_dictionary

log = logging.getLogger(__name__)

__all__ = ["LexiconUnavailableError", "SwedishLexicon"]


class SwedishLexicon:
    """Word validity from Hunspell, word frequency from wordfreq."""

    def __init__(self, dictionary) -> None:
        self._dictionary = dictionary
        self.knows = lru_cache(maxsize=200_000)(self._knows)

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> SwedishLexicon:
        from spylls.hunspell import Dictionary

        stem = find_dictionary()
        log.info("loading the Swedish lexicon from %s", stem.parent)
        with long_lived():
            return cls(Dictionary.from_files(str(stem)))

    def _knows(self, word: str) -> bool:
        try:
            return bool(self._dictionary.lookup(word))
        except Exception:  # noqa: BLE001 - spylls can trip on odd characters; such a word is unknown
            return False

    @staticmethod
    @lru_cache(maxsize=200_000)
    def zipf(word: str) -> float:
        """How common a word is in Swedish, on the Zipf scale (0 = unseen, 7 = "och")."""
        from wordfreq import zipf_frequency

        return zipf_frequency(word, "sv")
