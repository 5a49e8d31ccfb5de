"""Checks that run before a file is parsed, so hostile input fails fast and alone.

Each check raises :class:`UnsafeFileError` with one readable line: the reason
shown in the ingest summary and in the document's status. Memory stays
bounded because nothing larger than ``max_file_mb`` is read, and Office files
are checked as zip archives (declared sizes and ratios) before any parser
inflates them.

Usage::

    check_file(path, kind="docx", max_file_mb=100)
"""

from __future__ import annotations

import zipfile
from pathlib import Path

MAX_UNZIPPED_MB = 512
MAX_ZIP_RATIO = 200  # real DOCX/PPTX compress about 3-10x; bombs compress thousands of times
MAX_ZIP_MEMBERS = 20_000
_CONTROL = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])  # all but tab, newline, carriage return


class UnsafeFileError(ValueError):
    """The file is not one we should or can parse."""


def check_size(path: Path, max_file_mb: float) -> None:
    size = path.stat().st_size
    if size == 0:
        raise UnsafeFileError("the file is empty")
    if size > max_file_mb * (1 << 20):
        raise UnsafeFileError(f"the file is {size / (1 << 20):.0f} MB, over the {max_file_mb:g} MB limit")


def check_zip(path: Path, kind: str) -> None:
    """DOCX and PPTX are zip archives: refuse broken ones and bombs before unzipping anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeFileError(f"not a valid .{kind} file (corrupt, or not a zip archive): {exc}") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise UnsafeFileError(f"the .{kind} archive has {len(members)} members; refusing a possible zip bomb")
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if unpacked > MAX_UNZIPPED_MB * (1 << 20) or unpacked / packed > MAX_ZIP_RATIO:
        raise UnsafeFileError(
            f"the .{kind} file unpacks to {unpacked / (1 << 20):.0f} MB ({unpacked / packed:.0f}x its size); "
            "refusing a possible zip bomb"
        )
    names = {m.filename for m in members}
    expected = "word/document.xml" if kind == "docx" else "ppt/presentation.xml"
    if expected not in names:
        raise UnsafeFileError(f"not a valid .{kind} file: the archive has no {expected}")


def check_pdf(path: Path) -> None:
    """A PDF must start like one and not be locked; pypdf reads only the trailer and xref here."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise UnsafeFileError("not a PDF file (no %PDF header): corrupt or misnamed")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnsafeFileError("the PDF is encrypted (password protected) and cannot be read")
        len(reader.pages)
    except UnsafeFileError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnsafeFileError(f"corrupt PDF: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds of errors on broken files
        if "encrypt" in str(exc).lower() or "crypt" in type(exc).__name__.lower():
            raise UnsafeFileError(f"the PDF is encrypted and cannot be read: {exc}") from None
        raise UnsafeFileError(f"corrupt PDF: {type(exc).__name__}: {exc}") from None


def check_text(raw: bytes) -> None:
    """Text files must be text: no NUL bytes, few control characters."""
    sample = raw[:65536]
    if b"\x00" in sample:
        raise UnsafeFileError("binary data in a text file (NUL bytes)")
    if sample and (len(sample) - len(sample.translate(None, _CONTROL))) / len(sample) > 0.02:
        raise UnsafeFileError("binary data in a text file (control characters)")


def check_file(path: Path, kind: str, max_file_mb: float) -> None:
    check_size(path, max_file_mb)
    if kind in ("docx", "pptx"):
        check_zip(path, kind)
    elif kind == "pdf":
        check_pdf(path)
