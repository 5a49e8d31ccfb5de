"""Files to blocks with ``unstructured``: PDF, DOCX, PPTX, HTML, Markdown and text.

PDFs use the "fast" strategy (pdfminer, no OCR, no layout model), so all
formats parse on a plain CPU without torch. Page numbers come from PDF pages
and PPTX slides, and for scraped PDF-viewer text from its page lines
(``ingest.pages``). Headings come from unstructured's ``Title`` elements,
filtered by shape (``ingest.headings``), with depth from Markdown/HTML/DOCX
levels or from section numbering ("2.3 ...", "4 kap.").
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest import offline_nlp
from ingest.blocks import Block, BlockKind, ParsedDocument
from ingest.headings import heading_level, looks_like_heading
from ingest.pages import assign_scraped_pages

SUPPORTED_SUFFIXES = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".txt": "text",
}
_DROPPED = {"PageNumber", "PageBreak", "Image", "Formula"}
# unstructured calls anything near a page edge a header or footer, real text included;
# only those that repeat across pages (or hold no words) are running heads to drop.
_RUNNING = {"Header", "Footer"}
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


class UnsupportedFileError(ValueError):
    """The file type is not one Vaksam ingests."""


class EmptyDocumentError(ValueError):
    """The file parsed, but holds no text."""


def read_text(path: Path) -> str:
    """Decode a text file: UTF-8 (with or without BOM), else cp1252, which also covers latin-1."""
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ValueError("binary data in a text file")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Simple ``key: value`` YAML front matter, as in our Markdown exports."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta: dict[str, str] = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "#")):
            meta[key.strip()] = value.strip().strip("'\"")
    return meta, text[m.end() :]


def _partition(path: Path, kind: str, text: str | None):
    offline_nlp.install()
    common = {"languages": ["swe"]}
    if kind == "pdf":
        from unstructured.partition.pdf import partition_pdf

        return partition_pdf(filename=str(path), strategy="fast", **common)
    if kind == "docx":
        from unstructured.partition.docx import partition_docx

        return partition_docx(filename=str(path), **common)
    if kind == "pptx":
        from unstructured.partition.pptx import partition_pptx

        return partition_pptx(filename=str(path), **common)
    if kind == "html":
        from unstructured.partition.html import partition_html

        return partition_html(text=text, **common)
    if kind == "md":
        from unstructured.partition.md import partition_md

        return partition_md(text=text, **common)
    from unstructured.partition.text import partition_text

    return partition_text(text=text, **common)


def _running_heads(elements) -> set[str]:
    counts: dict[str, int] = {}
    for e in elements:
        if getattr(e, "category", "") in _RUNNING:
            key = _shape(str(e))
            counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if n > 1 or len(key) < 3}


def _shape(text: str) -> str:
    """Text with digits removed, so "Sida 3 av 9" and "Sida 4 av 9" count as the same running head."""
    return re.sub(r"[\d\s]+", " ", text).strip().lower()


def _to_block(element, numbered_levels: bool, running: set[str]) -> Block | None:
    category = getattr(element, "category", type(element).__name__)
    text = " ".join(str(element).split())
    if category in _DROPPED or not text or (category in _RUNNING and _shape(text) in running):
        return None
    page = getattr(element.metadata, "page_number", None)
    if category == "Title" and looks_like_heading(text):
        depth = getattr(element.metadata, "category_depth", None)
        level = depth + 1 if depth is not None and not numbered_levels else heading_level(text)
        return Block(text, BlockKind.HEADING, page, level)
    if category == "ListItem":
        return Block(text, BlockKind.LIST_ITEM, page)
    if category == "Table":
        return Block(text, BlockKind.TABLE, page)
    return Block(text, BlockKind.PARAGRAPH, page)


def parse_file(path: Path) -> ParsedDocument:
    """Parse one file into blocks; raises a ``ValueError`` subclass with a readable reason."""
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise UnsupportedFileError(
            f"unsupported file type {path.suffix or '(none)'!r}; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}"
        )
    metadata: dict[str, str] = {}
    text = None
    if kind in ("text", "md", "html"):
        text = read_text(path)
        if kind == "md":
            metadata, text = split_front_matter(text)
        if not text.strip():
            raise EmptyDocumentError("the file has no text")
    elements = _partition(path, kind, text)
    numbered = kind in ("pdf", "text")
    running = _running_heads(elements)
    blocks = [b for b in (_to_block(e, numbered, running) for e in elements) if b is not None]
    if kind == "text":
        blocks = assign_scraped_pages(blocks)
    if not blocks:
        raise EmptyDocumentError("no text could be extracted (a scanned PDF without a text layer?)")
    title = metadata.get("title") or _first_heading(blocks) or path.stem
    return ParsedDocument(path=path, blocks=blocks, title=title, metadata=metadata)


def _first_heading(blocks: list[Block]) -> str | None:
    for block in blocks[:10]:
        if block.kind is BlockKind.HEADING and len(block.text) >= 4:
            return block.text
    return None
