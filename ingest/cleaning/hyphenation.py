"""Repair words that a PDF broke at a line end: "fort-\\nsatta" -> "fortsatta".

After parsing, a line break inside a paragraph is a space, so a broken word
looks like "samord- na". Swedish writes a real suspended compound the same
way ("arbets- och miljöfrågor", "våld- eller hot"), but the part after it is
always a conjunction, so that is what keeps the hyphen. Otherwise the halves
are joined, unless the lexicon knows both halves as words but not the joined
form ("handlingsplanen- våld" is a dash, not a break). Without a lexicon every
non-conjunction break is joined: a line-end hyphen before a lower-case
fragment is by far the common case.

Usage::

    repair_hyphenation("finansie- ring och arbets- och miljöfrågor")
    # 'finansiering och arbets- och miljöfrågor'
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A word, a hyphen, white space, then a word that starts in lower case.
_BROKEN = re.compile(r"(?<![\w-])([^\W\d_][\w]*?[^\W\d_])-[ \t\r\n]+([a-zåäöéü][\w]*)")
# Words that continue a suspended compound ("ungdoms- och civilsamhällesfrågor").
CONTINUATIONS = frozenset(
    "och eller samt respektive resp resp. liksom som till men alternativt såväl än and or to nor".split()
)


def repair_hyphenation(text: str, knows: Callable[[str], bool] | None = None) -> tuple[str, int]:
    """The text with line-end hyphenation undone, and how many words were joined."""
    joined = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal joined
        left, right = m.group(1), m.group(2)
        if right.lower().rstrip(".,;:") in CONTINUATIONS:
            return m.group(0)
        word = left + right
        if knows is not None and not knows(word) and knows(left) and knows(right):
            return m.group(0)  # two words with a dash between them, not a broken one
        joined += 1
        return word

    return _BROKEN.sub(fix, text), joined
