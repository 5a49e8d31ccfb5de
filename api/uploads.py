"""Documents sent to ``POST /api/documents``: a safe name, a size limit, then the same pipeline.

The file is streamed to a hidden temporary file in ``VAKSAM_UPLOADS_DIR`` and counted as it
arrives, so a client that lies about (or omits) its Content-Length is cut off at the limit
rather than filling the disk. Only then is it renamed to its cleaned name: the same name
uploaded again is a new version of the same document (same id), as with files in a folder.

Usage::

    path = await save_upload(upload, settings.uploads_dir, max_bytes)
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from fastapi import UploadFile

from ingest.parsing import SUPPORTED_SUFFIXES

CHUNK = 1 << 16


class UploadError(ValueError):
    """The upload is refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def safe_name(filename: str | None) -> str:
    """The file's own name, without folders, control characters or anything a shell or a
    file system could misread; its suffix must be one Vaksam reads."""
    name = unicodedata.normalize("NFC", Path((filename or "").replace("\\", "/")).name)
    name = re.sub(r"[^\w .()-]", "_", name).strip(" .")
    if not name:
        raise UploadError("the upload has no file name; send it as multipart form field 'file' with a name")
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadError(f"unsupported file type {suffix or '(none)'!r}; supported: {supported}", 415)
    stem = Path(name).stem[:150]
    return f"{stem}{suffix}"


async def save_upload(upload: UploadFile, folder: Path, max_bytes: int) -> Path:
    """Stream ``upload`` into ``folder`` under its safe name; refuse it past ``max_bytes``."""
    name = safe_name(upload.filename)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=folder)
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadError(f"the file is larger than the limit of {max_bytes / 1e6:.0f} MB", 413)
                out.write(chunk)
        if size == 0:
            raise UploadError("the file is empty")
        target = folder / name
        os.replace(tmp, target)
        return target
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
