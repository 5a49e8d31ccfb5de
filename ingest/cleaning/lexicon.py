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
import os
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

_DICTIONARY = "sv_SE"


class LexiconUnavailableError(RuntimeError):
    """No Swedish Hunspell dictionary could be found."""


def dictionary_dirs() -> list[Path]:
    """Where ``sv_SE.dic`` may lie: VAKSAM_HUNSPELL_DIR, this environment's share/, the system's."""
    dirs = []
    if os.environ.get("VAKSAM_HUNSPELL_DIR"):
        dirs.append(Path(os.environ["VAKSAM_HUNSPELL_DIR"]))
    dirs += [
        Path(sysconfig.get_path("data")) / "share" / "hunspell",
        Path(sys.prefix) / "share" / "hunspell",
        Path("/usr/share/hunspell"),
        Path("/usr/share/myspell/dicts"),
    ]
    return dirs


class SwedishLexicon:
    """Word validity from Hunspell, word frequency from wordfreq."""

    def __init__(self, dictionary) -> None:
        self._dictionary = dictionary
        self.knows = lru_cache(maxsize=200_000)(self._knows)

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> SwedishLexicon:
        from spylls.hunspell import Dictionary

        for folder in dictionary_dirs():
            if (folder / f"{_DICTIONARY}.dic").is_file() and (folder / f"{_DICTIONARY}.aff").is_file():
                log.info("loading the Swedish lexicon from %s", folder)
                return cls(Dictionary.from_files(str(folder / _DICTIONARY)))
        tried = ", ".join(str(d) for d in dictionary_dirs())
        raise LexiconUnavailableError(f"no {_DICTIONARY}.dic found (install hunspell-sv); looked in {tried}")

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
