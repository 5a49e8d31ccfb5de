"""Page numbers for text that was scraped from a PDF viewer.

Such text has one paragraph per PDF page, each starting with the page number
("1 Uppdrag om ...", "2", "3 ...", "14 Inbjudan till dagen ..."). When a
document has a run of at least ``MIN_PAGES`` such paragraphs counting up from
1 or 2, the numbers become page numbers and are cut from the text. A number
may be skipped (a page the viewer failed to render); anything before the first
or after the last page keeps no page and is marked ``outside``: it is the
viewer's own text, not the document's (``ingest.cleaning.boilerplate``).
"""

from __future__ import annotations

import re

from ingest.blocks import Block

MIN_PAGES = 3
MAX_GAP = 2
_LEADING_NUMBER = re.compile(r"^(\d{1,4})(?:\s+|$)")


def _page_markers(blocks: list[Block]) -> dict[int, int]:
    """Block index -> page number for the longest run of ascending page paragraphs."""
    best: dict[int, int] = {}
    for first in range(len(blocks)):
        m = _LEADING_NUMBER.match(blocks[first].text)
        if not m or int(m.group(1)) not in (1, 2):
            continue
        run = {first: int(m.group(1))}
        expected = int(m.group(1)) + 1
        for i in range(first + 1, len(blocks)):
            m = _LEADING_NUMBER.match(blocks[i].text)
            if m and expected <= int(m.group(1)) < expected + MAX_GAP:
                run[i] = int(m.group(1))
                expected = int(m.group(1)) + 1
        if len(run) > len(best):
            best = run
    return best if len(best) >= MIN_PAGES else {}


def assign_scraped_pages(blocks: list[Block]) -> list[Block]:
    """Give blocks the page numbers of a scraped PDF-viewer transcript; unchanged if there is none."""
    markers = _page_markers(blocks)
    if not markers:
        return blocks
    first, last = min(markers), max(markers)
    out: list[Block] = []
    page: int | None = None
    for i, block in enumerate(blocks):
        if i in markers:
            page = markers[i]
            text = _LEADING_NUMBER.sub("", block.text, count=1).strip()
            if text:
                out.append(Block(text, block.kind, page, block.level))
            continue
        inside = first <= i < last
        out.append(Block(block.text, block.kind, page if inside else None, block.level, outside=not inside))
    return out
