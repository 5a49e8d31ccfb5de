"""Find the blocks that are the layout's or the site's, not the document's.

Everything here works on structure and repetition, never on what the words say:

* ``outside``: text a page-scraped transcript has before its first or after its
  last page (the viewer's "Save this PDF as" chrome, its related-document teasers).
* page numbers: blocks that are only a page number ("7", "Sida 3 av 9", "1/4").
* running heads: a short line repeated on three or more pages at a page's top or
  bottom; without pages, a short repeated heading that comes in a group with
  other repeated short lines (a slide's "BOTKYRKA / KOMMUN / title" footer).
  A single repeated heading ("Sammanfattning") is a real heading and stays.
* widget labels: a short, sentence-less line repeated three or more times
  ("Läs mer", "Ladda ner"), and the link-farm cards it closes: a title followed
  by a teaser that starts with the same title.
* across documents: a short block that is not a sentence, among a document's first or
  last three blocks, that
  at least ``SITE_MIN_DOCUMENTS`` documents in all carry at their edges (a site
  footer, a template's "Dokumentet uppdaterat ..." letterhead). The ingestor keeps
  these counts; a block is never dropped for repeating in the middle of documents,
  where repeated text is content (the same form in ten routines) and is stored once.
  On the real corpus, admitting sentences dropped "Lagändringarna föreslås träda i kraft
  den 1 juli 2025." from four press releases; labels with digits dropped the
  "Ikraftträdande: 1 juli 2022" lines of law listings. Neither is allowed now.
* repeats: a block of fifteen or more words that already appeared in the document
  (a proposal printed three times) is kept once. Shorter repeats are kept: a
  one-line verdict repeated under each of 26 activities belongs to each.

Labels and groups match on the exact text; only page-based running heads match
on the digit-free shape, since there the digits are the page number. (Matching
labels by shape dropped "(Bilaga 13.1)" and attachment lists.)

Usage::

    kept, dropped = find_boilerplate(blocks)
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Set
from dataclasses import dataclass, field

from ingest.blocks import Block, BlockKind
from ingest.duplicates import fingerprint
from search.text import fold

MIN_REPEATS = 3
EDGE_BLOCKS = 3
SITE_MIN_DOCUMENTS = 3  # documents (this one included) that carry a block at their edges
SHORT_WORDS = 12
LABEL_WORDS = 5
REPEAT_MIN_WORDS = 15
_PAGE_NUMBER = re.compile(
    r"^[\W_]*(?:(?:sida|sid|s|page|p)\.?\s*)?\d{1,4}(?:\s*(?:/|av|of|\||-)\s*\d{1,4})?[\W_]*$", re.I
)
_SENTENCE_END = re.compile(r"[.!?:;]\W*$")


@dataclass
class BoilerplateReport:
    dropped: Counter[str] = field(default_factory=Counter)
    site_dropped: list[str] = field(default_factory=list)
    # What the running heads and slide headers said (a deck's title on every slide): the
    # document's own name for itself, kept as lexical context although it leaves the passages.
    running_heads: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.dropped.values())


def shape(text: str) -> str:
    """Folded letters only: "Sida 3 av 9" and "Sida 4 av 9", "Långt ifrån" and "LANGT IFRAN" share a shape."""
    return " ".join(re.findall(r"[^\W\d_]+", fold(text)))


def _words(text: str) -> int:
    return len(text.split())


def _is_label(block: Block) -> bool:
    return (
        block.kind is not BlockKind.TABLE
        and _words(block.text) <= LABEL_WORDS
        and not _SENTENCE_END.search(block.text)
        and any(c.isalpha() for c in block.text)
        # "Ikraftträdande: 1 juli 2022", "Ändringar: Brottsbalken": fields of a listing, not labels
        and not any(c.isdigit() or c == ":" for c in block.text)
    )


def _page_edges(blocks: list[Block]) -> set[int]:
    """Indexes of the first two and last two blocks of every page."""
    by_page: dict[int, list[int]] = defaultdict(list)
    for i, b in enumerate(blocks):
        if b.page is not None:
            by_page[b.page].append(i)
    # A page of one block has no edge: its only block is its content.
    return {i for idxs in by_page.values() if len(idxs) > 1 for i in idxs[:2] + idxs[-2:]}


def _repeated(blocks: list[Block], keys: list[str]) -> dict[str, list[int]]:
    occurrences: dict[str, list[int]] = defaultdict(list)
    for i, b in enumerate(blocks):
        if keys[i] and _words(b.text) <= SHORT_WORDS and b.kind is not BlockKind.TABLE:
            occurrences[keys[i]].append(i)
    return {k: idxs for k, idxs in occurrences.items() if len(idxs) >= MIN_REPEATS}


def _page_heads(blocks: list[Block], shapes: list[str]) -> set[int]:
    """Short lines repeated at the top or bottom of many pages."""
    drop: set[int] = set()
    edges = _page_edges(blocks)
    pages = {b.page for b in blocks if b.page is not None}
    for idxs in _repeated(blocks, shapes).values():
        on_pages = {blocks[i].page for i in idxs if blocks[i].page is not None}
        at_edge = [i for i in idxs if i in edges]
        if len(on_pages) >= MIN_REPEATS and len(on_pages) >= 0.3 * len(pages) and len(at_edge) >= 0.6 * len(idxs):
            drop.update(idxs)
    return drop


def _running_heads(blocks: list[Block], page_heads: set[int]) -> set[int]:
    """Page heads, widget labels and the lines of repeated label groups (slide footers)."""
    drop = set(page_heads)
    exact = _repeated(blocks, [" ".join(fold(b.text).split()) for b in blocks])
    repeated_label = {i for idxs in exact.values() for i in idxs if _is_label(blocks[i])}
    for idxs in exact.values():
        if all(blocks[i].kind is not BlockKind.HEADING for i in idxs) and all(i in repeated_label for i in idxs):
            drop.update(idxs)  # a widget label: "Läs mer" after every teaser
            continue
        grouped = [i for i in idxs if (i - 1 in repeated_label) or (i + 1 in repeated_label)]
        if all(i in repeated_label for i in idxs) and len(grouped) >= 0.6 * len(idxs):
            drop.update(idxs)  # one line of a repeated group: a slide or letterhead footer
    return drop


def _link_cards(blocks: list[Block], shapes: list[str], labels: set[int]) -> set[int]:
    """Title + teaser pairs closed by a repeated widget label, when there are several of them."""
    cards: list[tuple[int, int]] = []
    for k in sorted(labels):
        if k >= 2:
            title, teaser = shapes[k - 2], shapes[k - 1]
            if title and teaser.startswith(title) and _words(blocks[k - 2].text) <= 30:
                cards.append((k - 2, k - 1))
    if len(cards) < MIN_REPEATS or len(cards) < 0.5 * len(labels):
        return set()
    return {i for pair in cards for i in pair}


def _repeats(blocks: list[Block], drop: set[int]) -> set[int]:
    seen: set[str] = set()
    again: set[int] = set()
    for i, b in enumerate(blocks):
        if i in drop or b.kind is BlockKind.HEADING or _words(b.text) < REPEAT_MIN_WORDS:
            continue
        key = fold(b.text)
        if key in seen:
            again.add(i)
        seen.add(key)
    return again


def _distinct_texts(blocks: list[Block], indices: list[int]) -> list[str]:
    """One text per shape, in document order, the first spelling seen."""
    seen: dict[str, str] = {}
    for i in indices:
        seen.setdefault(shape(blocks[i].text), " ".join(blocks[i].text.split()))
    return [t for key, t in seen.items() if key]


def edge_blocks(blocks: list[Block]) -> list[Block]:
    """Short non-heading blocks among a document's first and last ``EDGE_BLOCKS``: where a site
    or a template puts its letterhead and footer."""
    inside = [b for b in blocks if not b.outside]
    edges = inside[:EDGE_BLOCKS] + inside[-EDGE_BLOCKS:] if len(inside) > 2 * EDGE_BLOCKS else inside
    seen: list[Block] = []
    for b in edges:
        if (
            b.kind is not BlockKind.HEADING
            and _words(b.text) <= SHORT_WORDS
            and not _SENTENCE_END.search(b.text)  # a sentence repeated across documents is content
            and b not in seen
        ):
            seen.append(b)
    return seen


def find_boilerplate(blocks: list[Block], site_prints: Set[str] = frozenset()) -> tuple[list[Block], BoilerplateReport]:
    """The blocks worth indexing, and how many of each kind of boilerplate were dropped.

    ``site_prints`` are fingerprints of edge blocks that other documents of the corpus
    repeat (a site's footer, a template's letterhead); such blocks are dropped at the edges.
    """
    report = BoilerplateReport()
    shapes = [shape(b.text) for b in blocks]
    reasons: dict[int, str] = {}
    edges = {id(b) for b in edge_blocks(blocks)} if site_prints else set()
    for i, b in enumerate(blocks):
        if b.outside:
            reasons[i] = "outside pages"
        elif _PAGE_NUMBER.match(b.text):
            reasons[i] = "page number"
        elif id(b) in edges and fingerprint(b.text) in site_prints:
            reasons[i] = "repeated across documents"
            report.site_dropped.append(fingerprint(b.text))
    page_heads = _page_heads(blocks, shapes)
    heads = _running_heads(blocks, page_heads)
    labels = {i for i in heads if _is_label(blocks[i]) and blocks[i].kind is not BlockKind.HEADING}
    for i in heads:
        reasons.setdefault(i, "running head or label")
    named = page_heads | {i for i in heads if blocks[i].kind is BlockKind.HEADING}  # not widget labels
    report.running_heads = _distinct_texts(blocks, sorted(i for i in named if reasons[i] == "running head or label"))
    for i in _link_cards(blocks, shapes, labels):
        reasons.setdefault(i, "link card")
    for i in _repeats(blocks, set(reasons)):
        reasons[i] = "repeated block"
    report.dropped.update(reasons.values())
    return [b for i, b in enumerate(blocks) if i not in reasons], report
