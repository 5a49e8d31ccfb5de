"""Which ``Title`` elements are real headings, and how deep they sit.

unstructured labels any short line ``Title`` (with pdfminer, also running
headers and stray words), so a heading must also look like one: short, with
letters, not ending like a sentence. Depth comes from numbering when there is
one: "4 kap." and "1." are top level, "2.3" second, "2.3.1" third.
"""

from __future__ import annotations

import re

from ingest.contents import is_entry_line

MAX_HEADING_CHARS = 120
MAX_HEADING_WORDS = 14
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+\S")
_BULLETS = set("•·»«>‣◦▪*–-")
# "a) ", "(b) ", "3) ", "iv) ": a point of a list. pdfminer gave 20 such lines of AFS 2023:2 as
# titles ("c) Arbetarskyddsstyrelsens kungörelse (AFS 1993:2) med"), and they became section paths.
_LIST_MARKER = re.compile(r"^\(?(?:[a-zåäö]|\d{1,2}|[ivx]{1,4})\)\s", re.IGNORECASE)
# "3 § Arbetsgivaren ska": a provision's text opens with its paragraph mark; seven such first
# lines of AFS 2023:2 came out as titles. A line that ends in a conjunction goes on below.
_PROVISION = re.compile(r"^\d{1,3}\s?[a-z]?\s?§\s")
_OPEN_END = re.compile(r"\b(och|eller|samt|men)$", re.IGNORECASE)
_CHAPTER = re.compile(r"^\d{1,2}\s+kap\.", re.I)


def looks_like_heading(text: str) -> bool:
    text = text.strip()
    if not text or len(text) > MAX_HEADING_CHARS or len(text.split()) > MAX_HEADING_WORDS:
        return False
    if text[0] in _BULLETS or _LIST_MARKER.match(text):
        return False  # an OCR'd or scraped bullet point, a lettered point: not a heading
    if _PROVISION.match(text) or _OPEN_END.search(text):
        return False  # the first line of a provision or of a sentence that wraps
    if is_entry_line(text):
        return False  # "Metod ..... 12": a line of the table of contents
    letters = sum(c.isalpha() for c in text)
    if letters < 3 or letters < len(text) * 0.5:
        return False
    return not text.endswith((",", ";")) and not (text.endswith(".") and not _CHAPTER.match(text))


def is_numbered(text: str) -> bool:
    """ "4. Trygghetsvandringar", "2.3 Metod", "4 kap. Ansvar": a heading with a number of its own."""
    return bool(_CHAPTER.match(text) or _NUMBERED.match(text))


def heading_level(text: str) -> int:
    if _CHAPTER.match(text):
        return 1
    m = _NUMBERED.match(text)
    return m.group(1).count(".") + 1 if m else 1
