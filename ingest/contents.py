"""A document's table of contents: found so that it can leave the passages.

A table of contents names every chapter in a few words, so it matches a question about any
chapter better than the chapter does: before this, "första hjälpen och krisstöd" over the real
corpus ranked the contents page of AFS 2023:2 first and the chapter itself second. The
contents still do their work before they go: ``ingest.outline`` reads them to recover headings,
and the metadata sees them.

An entry is a title, dot leaders (or an ellipsis) and a page number: "Metod ..... 12",
"Metod… | 12". Contents come in two shapes:

* one entry per block (PDFs, Word): a run of blocks that end in an entry, with a few short
  blocks between them (a chapter title without a page, an entry's wrapped first line);
* many entries in one block (a text file, a scraped PDF viewer): a block with three or more
  entries that starts with "Innehåll", ends in an entry or holds at most
  ``MAX_WORDS_PER_ENTRY`` words per entry, so prose with a few "..." pauses is never taken.

Either way the contents need ``MIN_ENTRIES`` entries, and the heading just before them
("Innehåll", "Innehållsförteckning", "Contents") goes with them.

Usage::

    drop = contents_blocks(parsed.blocks)
    parsed.blocks = [b for i, b in enumerate(parsed.blocks) if i not in drop]
"""

from __future__ import annotations

import re

from ingest.blocks import Block, BlockKind
from search.text import fold, folded_words

ENTRY = re.compile(r"(?:\.{3,}|…)\s*(?:\|\s*)?\d{1,3}\b")
ENTRY_END = re.compile(r"(?:\.{3,}|…)\s*(?:\|\s*)?\d{1,3}\s*$")
CONTENTS_WORD = re.compile(r"^(innehall(sforteckning)?|contents|table of contents)\b")
MIN_ENTRIES = 3
MAX_WORDS_PER_ENTRY = 15  # the two seed contents hold 5-7; prose with "..." pauses holds far more
MAX_GAP = 3  # blocks without an entry between two entries of one run
MAX_GAP_CHARS = 120  # such a block is a title or a wrapped line, never a paragraph


def is_entry_line(text: str) -> bool:
    """ "Metod ....... 12": a contents entry, which no heading or sentence ends like."""
    return bool(ENTRY_END.search(text))


def _entries(block: Block) -> int:
    """How many entries ``block`` holds when it belongs to a table of contents, else 0."""
    text = block.text.strip()
    found = len(ENTRY.findall(text))
    if not found:
        return 0
    if is_entry_line(text) and len(text) <= 2 * MAX_GAP_CHARS:
        return found  # an entry a block (a long title wraps)
    if found >= MIN_ENTRIES and (
        CONTENTS_WORD.match(fold(text)) or is_entry_line(text) or len(text.split()) <= MAX_WORDS_PER_ENTRY * found
    ):
        return found
    return 0


def _is_gap(block: Block) -> bool:
    return block.kind is not BlockKind.TABLE and len(block.text.strip()) <= MAX_GAP_CHARS


def _is_contents_heading(block: Block) -> bool:
    """ "Innehåll", "Innehållsförteckning:", "Table of contents" alone on a line."""
    return len(block.text.split()) <= 3 and bool(CONTENTS_WORD.fullmatch(folded_words(block.text)))


def contents_blocks(blocks: list[Block]) -> set[int]:
    """Indices of the blocks that make up tables of contents (there may be more than one: a
    report's and its appendix's)."""
    entries = [_entries(b) for b in blocks]
    found: set[int] = set()
    i = 0
    while i < len(blocks):
        if not entries[i]:
            i += 1
            continue
        start = end = i
        total = entries[i]
        j = i + 1
        while j < len(blocks) and j - end <= MAX_GAP + 1:
            if entries[j]:
                end, total = j, total + entries[j]
            elif not _is_gap(blocks[j]):
                break
            j += 1
        if total >= MIN_ENTRIES:
            if start > 0 and _is_contents_heading(blocks[start - 1]):
                start -= 1
            found.update(range(start, end + 1))
        i = end + 1
    return found
