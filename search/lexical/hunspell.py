"""Swedish compound structure read straight from the Hunspell dictionary.

``hunspell-sv`` marks which word forms may begin (flag ``X``, or a suffix rule whose
continuation carries ``X``, such as "våld" -> "vålds") and which may end a compound
(flag ``Y``, with its inflections). Reading those flags gives a decompounder that
knows Swedish linking morphemes (-s-, -e-, -o-, -u-, -a-) without a hand-made list,
in about 3 s; the parsed tables are cached next to the model cache so later
processes load them in a fraction of that.

Usage::

    lexicon = CompoundLexicon.default()
    lexicon.split("valdsforebyggande")  # ("vald", "forebyggande"), folded
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path

from search.text import fold

log = logging.getLogger(__name__)

DICTIONARY = "sv_SE"
_BEGIN_FLAG, _END_FLAG = "X", "Y"
_CACHE_VERSION = 1
MIN_PART = 3  # shorter heads or tails ("en", "ö") split too many ordinary words
MIN_WORD = 7
# Sweden's longest dictionary compounds have about 40 letters; a longer "word" is a hash, a URL
# or garbage, and splitting it costs time quadratic in its length (a 2 MB run of letters hung ingest).
MAX_WORD = 60


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


def find_dictionary() -> Path:
    """The path stem (without .dic/.aff) of the first Swedish dictionary found."""
    for folder in dictionary_dirs():
        if (folder / f"{DICTIONARY}.dic").is_file() and (folder / f"{DICTIONARY}.aff").is_file():
            return folder / DICTIONARY
    tried = ", ".join(str(d) for d in dictionary_dirs())
    raise LexiconUnavailableError(f"no {DICTIONARY}.dic found (install hunspell-sv); looked in {tried}")


def _suffix_rules(aff: Path) -> dict[str, list[tuple[str, str, str, re.Pattern]]]:
    rules: dict[str, list[tuple[str, str, str, re.Pattern]]] = {}
    for line in aff.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0] == "SFX":
            flag, strip, add, condition = parts[1], parts[2], parts[3], parts[4]
            add, _, continuation = add.partition("/")
            try:
                pattern = re.compile(f"(?:{condition})$")
            except re.error:
                continue
            rules.setdefault(flag, []).append(
                ("" if strip == "0" else strip, "" if add == "0" else add, continuation, pattern)
            )
    return rules


def parse_dictionary(stem: Path, stemmer) -> tuple[dict[str, str], set[str]]:
    """(compound-initial form -> its word, stems of compound-final forms), all folded."""
    rules = _suffix_rules(stem.with_suffix(".aff"))
    begin: dict[str, str] = {}
    end: set[str] = set()
    lines = stem.with_suffix(".dic").read_text(encoding="utf-8", errors="replace").splitlines()[1:]
    for line in lines:
        word, _, flags = line.partition("/")
        word = word.strip()
        if not word.isalpha() or not word.islower():
            continue
        folded = fold(word)
        if _BEGIN_FLAG in flags:
            begin.setdefault(folded, folded)
        ends = _END_FLAG in flags
        if ends:
            end.add(folded)
        for flag in flags:
            for strip, add, continuation, condition in rules.get(flag, ()):
                if not word.endswith(strip) or not condition.search(word):
                    continue
                form = fold(word[: len(word) - len(strip)] + add)
                if _BEGIN_FLAG in continuation:
                    begin.setdefault(form, folded)
                elif ends:
                    end.add(form)
    end_stems = {s for s in stemmer.stemWords(sorted(end)) if len(s) >= MIN_PART}
    return begin, end_stems


class CompoundLexicon:
    """Splits folded Swedish compounds into their parts ("vald", "prevention")."""

    def __init__(self, begin: dict[str, str], end_stems: set[str], stemmer) -> None:
        self._begin = begin
        self._end = end_stems
        self._stemmer = stemmer
        self.split = lru_cache(maxsize=500_000)(self._split)

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> CompoundLexicon:
        import Stemmer

        stemmer = Stemmer.Stemmer("swedish")
        stem = find_dictionary()
        dic = stem.with_suffix(".dic")
        key = hashlib.sha1(f"{_CACHE_VERSION}:{dic.resolve()}:{dic.stat().st_size}:{dic.stat().st_mtime_ns}".encode())
        cache = _cache_dir() / f"compounds-{key.hexdigest()[:16]}.pickle"
        try:
            with cache.open("rb") as fh:
                begin, end = pickle.load(fh)
        except (OSError, pickle.PickleError, EOFError, ValueError):
            log.info("reading Swedish compound flags from %s", dic)
            begin, end = parse_dictionary(stem, stemmer)
            try:
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_suffix(f".{os.getpid()}.tmp")
                with tmp.open("wb") as fh:
                    pickle.dump((begin, end), fh, protocol=pickle.HIGHEST_PROTOCOL)
                tmp.replace(cache)
            except OSError as exc:  # a read-only home only costs the 3 s next time
                log.info("could not cache the compound tables: %s", exc)
        return cls(begin, end, stemmer)

    def _split(self, word: str, depth: int = 0) -> tuple[str, ...]:
        """The parts of a folded word (longest known head first), or () when it is no compound."""
        if len(word) < (MIN_WORD if depth == 0 else 2 * MIN_PART) or len(word) > MAX_WORD or depth > 2:
            return ()
        for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            root = self._begin.get(head)
            if root is None or len(root) < MIN_PART:
                continue
            if self._stemmer.stemWord(tail) in self._end:
                return (root, tail)
            rest = self._split(tail, depth + 1)
            if rest:
                return (root, *rest)
        return ()


def _cache_dir() -> Path:
    base = os.environ.get("VAKSAM_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path("~/.cache").expanduser()) / "vaksam"
