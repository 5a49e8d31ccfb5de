"""A PDF's title: the line on its cover that its document information names.

The first heading of a PDF is often a publisher's or a series' label, not the title: over the
real corpus the two PDFs came out as "Skolverkets publikation" and "Arbetsmiljöverkets
författningssamling". The document information's ``/Title`` knows better but cannot be trusted
as it stands: Skolverket's says "Läsåret 2021/22" on the 2024/25 report (a template's leftover),
and many files say "Microsoft Word - dokument1.docx". So the title is read from the cover
(the first two pages with text): the line that holds the most of ``/Title``'s words, when it
holds at least ``MIN_SHARE`` of them. Those two become "Särskilt stöd i grundskolan Läsåret
2024/25" and "Arbetsmiljöverkets föreskrifter och allmänna råd (AFS 2023:2) om planering och
organisering av arbetsmiljöarbete – grundläggande skyldigheter för arbetsgivare". A file without
a usable ``/Title`` keeps its first heading.

Usage::

    title = cover_title(blocks, claimed_title(path))
"""

from __future__ import annotations

import logging
from pathlib import Path

from ingest.blocks import Block
from search.text import folded_words

log = logging.getLogger(__name__)

MIN_SHARE = 0.5  # of the claimed title's words on the chosen line
MAX_TITLE_CHARS = 250  # a longer block is body text, not a cover line
COVER_PAGES = 2


def claimed_title(path: Path) -> str | None:
    """``/Title`` of the PDF's document information, decoded (PDFDocEncoding or UTF-16), or None
    when there is none or the file's trailer cannot be read."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    try:
        with path.open("rb") as fh:
            for info in PDFDocument(PDFParser(fh)).info:
                raw = resolve1(info.get("Title")) if isinstance(info, dict) else None
                if isinstance(raw, bytes):
                    raw = decode_text(raw)
                if isinstance(raw, str) and raw.strip():
                    return " ".join(raw.split())
    except Exception as exc:  # noqa: BLE001 - the title is a nicety; the text was read by then
        log.debug("no document information title in %s: %s", path, exc)
    return None


def cover_title(blocks: list[Block], claimed: str | None) -> str | None:
    """The cover line that ``claimed`` describes best, or None when no line holds enough of it."""
    wanted = set(folded_words(claimed or "").split())
    if not wanted:
        return None
    pages = sorted({b.page for b in blocks if b.page is not None})[:COVER_PAGES]
    best, best_share = None, 0.0
    for block in blocks:
        if block.page not in pages or len(block.text) > MAX_TITLE_CHARS:
            continue
        share = len(wanted & set(folded_words(block.text).split())) / len(wanted)
        if share > best_share:
            best, best_share = " ".join(block.text.split()), share
    return best if best_share >= MIN_SHARE else None
