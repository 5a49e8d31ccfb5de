"""Files to blocks with ``unstructured``: PDF, DOCX, PPTX, HTML, Markdown and text.

PDFs use the "fast" strategy (pdfminer, no OCR, no layout model), so all
formats parse on a plain CPU without torch. Page numbers come from PDF pages
and PPTX slides, and for scraped PDF-viewer text from its page lines
(``ingest.pages``). Headings come from unstructured's ``Title`` elements,
filtered by shape (``ingest.headings``), with depth from Markdown/HTML/DOCX
levels or from section numbering ("2.3 ...", "4 kap.").
"""

from __future__ import annotations

import codecs
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest import html_text_types, offline_nlp
from ingest.blocks import Block, BlockKind, ParsedDocument
from ingest.headings import heading_level, looks_like_heading
from ingest.pages import assign_scraped_pages
from ingest.pdf_title import claimed_title, cover_title
from ingest.safety import UnsafeFileError, check_text

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


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _legacy_bytes(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 are read as Windows-1252 (latin-1 where it has no character)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "".join(_cp1252(b) for b in error.object[error.start : error.end]), error.end


def _cp1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


codecs.register_error("vaksam-legacy", _legacy_bytes)


def read_text(path: Path) -> str:
    """Decode a text file: UTF-16/32 by their byte order mark, else UTF-8 (with or without BOM) in
    which any byte that is not UTF-8 is read as Windows-1252. Files pasted together from old and
    new systems mix the two; decoding the whole file as cp1252 would garble its UTF-8 å/ä/ö."""
    raw = path.read_bytes()
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnsafeFileError(
                    f"the file starts as {encoding.upper()} but does not decode: {exc.reason}"
                ) from None
            check_text(text.encode("utf-8"))
            return text
    check_text(raw)
    return raw.decode("utf-8-sig", errors="vaksam-legacy")


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


@lru_cache(maxsize=1)
def ocr_available() -> bool:
    """Swedish OCR needs tesseract with its "swe" data and poppler's pdftoppm (Debian packages)."""
    if not (shutil.which("tesseract") and shutil.which("pdftoppm")):
        return False
    try:
        langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "swe" in langs.split()


_CANONICAL = re.compile(
    r"<link\b[^>]*\brel=[\"']?canonical[\"']?[^>]*\bhref=[\"']([^\"'>\s]+)"
    r"|<link\b[^>]*\bhref=[\"']([^\"'>\s]+)[\"'][^>]*\brel=[\"']?canonical",
    re.I,
)
_OG_URL = re.compile(r"<meta\b[^>]*\bproperty=[\"']og:url[\"'][^>]*\bcontent=[\"']([^\"'>\s]+)", re.I)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption footer h1 h2 h3 h4 h5 h6 header hr li main "
    "nav ol p pre section table td th tr ul".split()
)


def flat_html_text(html: str) -> str:
    """A page's visible text, paragraphs at block elements, scripts and styles left out. Python's
    own HTML parser reads events, not a tree, so no depth of nesting stops it."""
    from html.parser import HTMLParser

    parts: list[str] = []
    skipping = 0

    class Flattener(HTMLParser):
        def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001
            nonlocal skipping
            if tag in ("script", "style", "template", "noscript"):
                skipping += 1
            elif tag in _BLOCK_TAGS:
                parts.append("\n\n")

        def handle_endtag(self, tag: str) -> None:
            nonlocal skipping
            if tag in ("script", "style", "template", "noscript"):
                skipping = max(0, skipping - 1)
            elif tag in _BLOCK_TAGS:
                parts.append("\n\n")

        def handle_data(self, data: str) -> None:
            if not skipping:
                parts.append(data)

    flattener = Flattener(convert_charrefs=True)
    flattener.feed(html)
    flattener.close()
    return re.sub(r"\n\s*\n\s*", "\n\n", re.sub(r"[ \t\r\f\v]+", " ", "".join(parts))).strip()


def html_metadata(html: str) -> dict[str, str]:
    """Title and canonical URL from an HTML page's head (the page's own claim of its address)."""
    import html as html_lib

    head = html[:200_000]
    meta: dict[str, str] = {}
    if m := _CANONICAL.search(head):
        meta["source_url"] = html_lib.unescape(m.group(1) or m.group(2))
    elif m := _OG_URL.search(head):
        meta["source_url"] = html_lib.unescape(m.group(1))
    if (m := _HTML_TITLE.search(head)) and m.group(1).strip():
        meta["title"] = " ".join(html_lib.unescape(m.group(1)).split())
    return meta


def _partition(path: Path, kind: str, text: str | None, *, ocr: bool = False):
    offline_nlp.install()
    html_text_types.install()
    common: dict[str, Any] = {"languages": ["swe"]}
    if kind == "pdf":
        from unstructured.partition.pdf import partition_pdf

        return partition_pdf(filename=str(path), strategy="ocr_only" if ocr else "fast", **common)
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


def _table_rows(html: str) -> str:
    """An HTML table as one line per row, cells joined by " | ", so rows stay readable."""
    from lxml import html as lxml_html

    try:
        root = lxml_html.fromstring(html)
    except (ValueError, TypeError):
        return ""
    rows = []
    for tr in root.iter("tr"):
        cells = [" ".join(td.text_content().split()) for td in tr if td.tag in ("td", "th")]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _element_text(element, category: str) -> str:
    """Collapsed white space, except that table rows and tab-separated cells keep their structure."""
    raw = str(element)
    if category == "Table" and getattr(element.metadata, "text_as_html", None):
        rows = _table_rows(element.metadata.text_as_html)
        if rows:
            return rows
    if "\t" in raw.strip():
        lines = [" | ".join(" ".join(c.split()) for c in line.split("\t") if c.strip()) for line in raw.splitlines()]
        return "\n".join(line for line in lines if line)
    return " ".join(raw.split())


def _to_block(element, numbered_levels: bool, running: set[str]) -> Block | None:
    category = getattr(element, "category", type(element).__name__)
    text = _element_text(element, category)
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
        if kind == "html":
            metadata = html_metadata(text)
        if not text.strip():
            raise EmptyDocumentError("the file has no text")
    elements = _partition(path, kind, text)
    numbered = kind in ("pdf", "text")
    running = _running_heads(elements)
    blocks = [b for b in (_to_block(e, numbered, running) for e in elements) if b is not None]
    if kind == "text":
        blocks = assign_scraped_pages(blocks)
    if not blocks and kind == "pdf":
        if not ocr_available():
            raise EmptyDocumentError(
                "a scanned PDF without a text layer; OCR is not available (install tesseract-ocr, "
                "tesseract-ocr-swe and poppler-utils)"
            )
        elements = _partition(path, kind, text, ocr=True)
        blocks = [b for b in (_to_block(e, numbered, set()) for e in elements) if b is not None]
        metadata["ocr"] = "tesseract (swe)"
    if not blocks and kind == "html" and (flat := flat_html_text(text or "")).strip():
        # libxml2 stops at 255 levels of nesting and drops what lies deeper, silently: read the
        # page's text without its structure instead (a generated page of 50,000 nested <div>s).
        blocks = [b for b in (_to_block(e, True, set()) for e in _partition(path, "text", flat)) if b is not None]
        metadata["parsed_as"] = "text (the HTML nests too deep for its structure to be read)"
    if not blocks:
        raise EmptyDocumentError("no text could be extracted")
    if kind == "pdf" and (cover := cover_title(blocks, claimed_title(path))):
        metadata["cover_title"] = cover
    title = metadata.get("title") or metadata.get("cover_title") or _first_heading(blocks) or path.stem
    return ParsedDocument(path=path, blocks=blocks, title=title, metadata=metadata)


def _first_heading(blocks: list[Block]) -> str | None:
    for block in blocks[:10]:
        if block.kind is BlockKind.HEADING and len(block.text) >= 4:
            return block.text
    return None
