"""Synonyms an administrator keeps in a text file, used to widen the lexical query.

The file has the format of Solr's and Elasticsearch's synonym files, one rule a line:

* ``hedersvåld, hedersrelaterat våld och förtryck``: equivalent expressions; a query holding any
  of them also looks for the others;
* ``VIN => våld i nära relationer``: one way: "VIN" also looks for the right side, not back;
* ``#`` starts a comment; blank lines are ignored.

Expressions match whole words, folded ("hedersvald" is "hedersvåld"). Only the lexical signal
is widened (the embedding model already places close wordings near each other), the added
words are highlighted in the hits like the typed ones, and the answer says which expansions
were made. A line that cannot be read is reported with its number and skipped; the other rules
still apply. The file is read again when it changes, so an edit needs no restart.

Usage::

    synonyms = Synonyms.load(Path("data/synonyms.txt"))
    synonyms.expand("Hur arbetar skolan mot hedersvåld?")
    # [SynonymExpansion(matched='hedersvåld', added=['hedersrelaterat våld och förtryck'])]
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from search.suggestions.vocabulary import folded_phrase

log = logging.getLogger(__name__)
MAX_RULES = 10_000


@dataclass(frozen=True)
class SynonymExpansion:
    matched: str  # as the rule spells it
    added: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Rule:
    sources: tuple[str, ...]  # expressions that trigger the rule, as written
    targets: tuple[str, ...]  # expressions added when one of them is in the query


class Synonyms:
    """Parsed rules; ``problems`` lists the lines that were skipped and why."""

    def __init__(self, rules: list[_Rule] | None = None, problems: list[str] | None = None) -> None:
        self.rules = rules or []
        self.problems = problems or []
        self._lookup: list[tuple[str, str, tuple[str, ...]]] = []  # (folded source, source, targets)
        for rule in self.rules:
            for source in rule.sources:
                others = tuple(t for t in rule.targets if folded_phrase(t) != folded_phrase(source))
                if others:
                    self._lookup.append((folded_phrase(source), source, others))
        self._lookup.sort(key=lambda item: -len(item[0]))  # the longest expression first

    @classmethod
    def parse(cls, text: str, name: str = "synonyms") -> Synonyms:
        rules: list[_Rule] = []
        problems: list[str] = []
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if len(rules) >= MAX_RULES:
                problems.append(f"{name}:{number}: more than {MAX_RULES} rules; the rest are ignored")
                break
            if "=>" in line:
                left, _, right = line.partition("=>")
                if "=>" in right:
                    problems.append(f"{name}:{number}: '=>' may appear once in a rule: {raw.strip()!r}")
                    continue
                sources, targets = _expressions(left), _expressions(right)
            else:
                sources = targets = _expressions(line)
            empty = [e for e in (*sources, *targets) if not folded_phrase(e)]
            if not sources or not targets or empty:
                problems.append(f"{name}:{number}: a rule needs words on both sides: {raw.strip()!r}")
                continue
            if "=>" not in line and len(sources) < 2:
                problems.append(
                    f"{name}:{number}: one expression alone; separate equivalents with commas: {raw.strip()!r}"
                )
                continue
            rules.append(_Rule(tuple(sources), tuple(targets)))
        for problem in problems:
            log.warning("synonyms: %s", problem)
        return cls(rules, problems)

    @classmethod
    def load(cls, path: Path | None) -> Synonyms:
        """The rules of ``path``; none (and no problem) when it is unset or missing."""
        if path is None or not path.is_file():
            return cls()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("synonyms: cannot read %s: %s", path, exc)
            return cls(problems=[f"{path}: cannot be read: {exc}"])
        return cls.parse(text, str(path))

    def __len__(self) -> int:
        return len(self.rules)

    def expand(self, query: str) -> list[SynonymExpansion]:
        """The rules the query's words meet, longest expressions first; a part of the query that one
        rule matched is not matched again by a shorter one ("våld i nära relationer" before "våld")."""
        words = f" {folded_phrase(query)} "
        found: list[SynonymExpansion] = []
        for folded, source, targets in self._lookup:
            needle = f" {folded} "
            if needle in words:
                found.append(SynonymExpansion(matched=source, added=list(targets)))
                words = words.replace(needle, " \x00 ")
        return found


def _expressions(side: str) -> list[str]:
    return [" ".join(e.split()) for e in side.split(",") if e.strip()]


class SynonymFile:
    """A synonym file read again whenever its modification time or size changes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._synonyms = Synonyms()
        self._lock = threading.Lock()

    def current(self) -> Synonyms:
        try:
            stat = self.path.stat() if self.path is not None else None
            stamp = (stat.st_mtime_ns, stat.st_size) if stat else None
        except OSError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                self._synonyms = Synonyms.load(self.path) if stamp else Synonyms()
                self._stamp = stamp
            return self._synonyms
