"""Headings the parser missed or misplaced: lines a table of contents lists, headings glued to
body text, and sub-headings of numbered chapters.

Three shapes of real documents hide their outline from ``unstructured``:

* Numbered section lines ("4. Trygghetsvandringar (250 000 kronor)") come out as list
  items. When the document's own table of contents lists the line, it is a heading.
* Text scraped from a PDF viewer, and pdfminer's "fast" PDF text, run a heading into the
  paragraph after it: "... 40 personer. Malmö Tillsammans med kommunen ...". A
  heading is cut out where a short phrase after a sentence end is followed by a capitalised
  common word that opens the next sentence ("Tillsammans", "Detta", "Syftet"). Swedish
  capitalises no common noun mid-sentence, so such a word after a short phrase marks a
  boundary. The phrase becomes a top-level heading when the table of contents lists it,
  otherwise a sub-heading: at most three capitalised words, not a person's name, before a
  function word or a very common word, so "Vidare bedömer Socialstyrelsen" and "Konferensen
  Hållbara investeringar" stay sentences.
* A numbered chapter ("6. Fritidsgården") followed by unnumbered headings the contents
  do not list: the parser puts them all at the top; the document means them as its sub-headings
  (``nest_unlisted``).

Passages then follow these headings and carry them as section, which the lexical index
reads as context: on the dev questions hybrid MRR@10 went from .687 to .717 (see the issue 4
note).

Usage::

    parsed.blocks, found = recover_headings(parsed.blocks, SwedishLexicon.zipf)
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.blocks import Block, BlockKind
from ingest.contents import CONTENTS_WORD, is_entry_line
from ingest.headings import heading_level, is_numbered, looks_like_heading
from search.lexical.analyzer import stop_words
from search.text import fold, folded_words

MAX_GLUED_WORDS = 14  # the longest heading looked for inside a paragraph
MAX_UNLISTED_WORDS = 3  # a heading no table of contents confirms is this short
MIN_PARAGRAPH_WORDS = 25  # only page-long runs of text hide headings
MIN_OPENER_ZIPF = 5.0  # "tillsammans" 5.5, "många" 6.1; "hållbara" 3.8, "socialstyrelsen" 3.7
MIN_COMMON_ZIPF = 3.5  # below this a capitalised word is taken for a name ("Theisz", "Pernilla")
# A page number in a table row's last cell ("Metod | 12"); a line with dot leaders is ``is_entry_line``.
_ROW_PAGE = re.compile(r"\s\|\s*\d{1,3}\s*$")
_TOKEN = re.compile(r"\S+")


def table_of_contents(blocks: list[Block]) -> tuple[set[int], str]:
    """The indices of the table-of-contents blocks and their folded text (padded with spaces)."""
    indices = {
        i
        for i, b in enumerate(blocks)
        if is_entry_line(b.text)
        or _ROW_PAGE.search(b.text)
        or (CONTENTS_WORD.match(fold(b.text)) and len(b.text.split()) > 8)
    }
    text = " ".join(folded_words(blocks[i].text) for i in sorted(indices))
    return indices, f" {text} " if text.strip() else ""


def _listed(phrase: str, toc: str, min_chars: int = 3) -> bool:
    """Whether the contents ``toc`` hold ``phrase`` as whole words, of ``min_chars`` or more: a
    phrase recovered from body text needs three, so a two-letter fragment never becomes a heading;
    a parsed heading looked up as a contents entry of its own may be short ("Mål")."""
    words = folded_words(phrase)
    return bool(toc) and len(words) >= min_chars and f" {words} " in toc


def _opens_sentence(word: str, zipf: Callable[[str], float]) -> bool:
    """A capitalised function word or very common word ("Den", "Detta", "Tillsammans"), not a
    name, an acronym or the first word of a cited title ("Hållbara investeringar", Zipf 3.8)."""
    core = word.strip("\"'”’(")
    if not (len(core) > 1 and core[0].isupper() and core[1:].islower() and core.isalpha()):
        return False
    return fold(core) in stop_words() or zipf(core.lower()) >= MIN_OPENER_ZIPF


def _glued_heading(tokens: list[re.Match], start: int, toc: str, zipf) -> tuple[int, bool] | None:
    """Where a heading that starts at token ``start`` ends, and whether the contents list it.

    The longest phrase the contents list wins; otherwise the first short unlisted one.
    """
    first = tokens[start].group()
    if not first[:1].isupper():
        return None
    listed: int | None = None
    unlisted: int | None = None
    for end in range(start + 1, min(start + MAX_GLUED_WORDS, len(tokens) - 1) + 1):
        if tokens[end - 1].group().endswith((".", "!", "?", ";", ",")):
            break  # a sentence or a clause, not a heading
        word = tokens[end].group()
        if not word[:1].isupper():
            continue
        phrase = " ".join(t.group() for t in tokens[start:end])
        if not looks_like_heading(phrase):
            continue
        if _listed(phrase, toc):
            listed = end
        elif unlisted is None and end - start <= MAX_UNLISTED_WORDS and _opens_sentence(word, zipf):
            words = phrase.split()
            capitalised = all(w[:1].isupper() or w[:1].isdigit() for w in words)
            if capitalised and fold(first) not in stop_words() and not _is_name(words, zipf):
                unlisted = end
    if listed is not None:
        return listed, True
    return (unlisted, False) if unlisted is not None else None


def _is_name(words: list[str], zipf: Callable[[str], float]) -> bool:
    """ "Karin Lindqvist" or "Anna Berg": two or more words none of which is a common word."""
    return len(words) >= 2 and all(zipf(w.lower()) < MIN_COMMON_ZIPF for w in words)


def _split_paragraph(block: Block, toc: str, zipf) -> list[Block]:
    text = block.text
    tokens = list(_TOKEN.finditer(text))
    if len(tokens) < MIN_PARAGRAPH_WORDS:
        return [block]
    # A sentence ends at a token ending in . ! or ? (what follows a token is always white space).
    starts = {0} | {i + 1 for i, t in enumerate(tokens[:-1]) if text[t.end() - 1] in ".!?"}
    out: list[Block] = []
    cursor = 0  # character offset of text not yet emitted
    i = 0
    while i < len(tokens):
        found = _glued_heading(tokens, i, toc, zipf) if i in starts else None
        if found is None:
            i += 1
            continue
        end, listed = found
        heading = text[tokens[i].start() : tokens[end - 1].end()]
        before = text[cursor : tokens[i].start()].strip()
        if before:
            out.append(Block(before, block.kind, block.page, block.level, block.outside))
        level = heading_level(heading) if listed else 2
        out.append(Block(heading, BlockKind.HEADING, block.page, level, block.outside))
        cursor = tokens[end].start()
        i = end
    rest = text[cursor:].strip()
    if rest:
        out.append(Block(rest, block.kind, block.page, block.level, block.outside))
    return out


def nest_unlisted(blocks: list[Block], toc: str) -> list[Block]:
    """Blocks where an unnumbered heading the contents do not list sits under the numbered heading
    before it.

    A report whose contents list "6. Fritidsgården (1 250 000 kronor)" but not the
    "Bakgrund och behov" that follows it in the text has made
    the latter a sub-heading of the former; the parser, seeing no number, puts both at the top.
    Only with a table of contents (the document's own word on its outline), only under a numbered
    heading the contents list, and an unnumbered heading the contents do list ("Bilagor") ends the
    numbered chapter.
    """
    if not toc:
        return blocks
    chapter: int | None = None  # the level of the listed numbered heading we are under
    out = []
    for block in blocks:
        if block.kind is BlockKind.HEADING and not block.outside:
            if is_numbered(block.text):
                chapter = block.level if _listed(block.text, toc, min_chars=1) else None
            elif chapter is not None and block.level <= chapter:
                if _listed(block.text, toc, min_chars=1):
                    chapter = None
                else:
                    block = Block(block.text, block.kind, block.page, chapter + 1, block.outside)
        out.append(block)
    return out


def recover_headings(blocks: list[Block], zipf: Callable[[str], float]) -> tuple[list[Block], int]:
    """Blocks with the missed headings made headings, and unlisted headings nested under the
    numbered chapter they follow (``nest_unlisted``); returns them and how many were found.

    ``zipf`` says how common a lower-case word is (``SwedishLexicon.zipf``, wordfreq's scale).
    """
    toc_indices, toc = table_of_contents(blocks)
    out: list[Block] = []
    found = 0
    for i, block in enumerate(blocks):
        if i in toc_indices or block.outside or block.kind is BlockKind.HEADING:
            out.append(block)
            continue
        if block.kind in (BlockKind.LIST_ITEM, BlockKind.PARAGRAPH) and _listed(block.text, toc):
            if looks_like_heading(block.text):
                out.append(Block(block.text, BlockKind.HEADING, block.page, heading_level(block.text)))
                found += 1
                continue
        if block.kind is BlockKind.PARAGRAPH:
            parts = _split_paragraph(block, toc, zipf)
            found += sum(p.kind is BlockKind.HEADING for p in parts)
            out.extend(parts)
            continue
        out.append(block)
    return nest_unlisted(out, toc), found
