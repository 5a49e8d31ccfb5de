"""Documents sent to ``POST /api/documents``: a safe name, a size limit, then the same pipeline.

The file is streamed to a hidden temporary file in ``VAKSAM_UPLOADS_DIR`` and counted as it
arrives, so a client that lies about (or omits) its Content-Length is cut off at the limit
rather than filling the disk. Only then is it renamed to its cleaned name: the same name
uploaded again is a new version of the same document (same id), as with files in a folder.

A crash between the two steps leaves only a hidden temporary, which the next start removes
(:func:`remove_stale_temporaries`); a crash after the rename leaves the file in place, which the
next start indexes (the service's recovery), as a client's retry would.

Usage::

    received = await receive_upload(upload, settings.uploads_dir, max_bytes)
    with write_lock:
        path = received.commit()
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile

from ingest.parsing import SUPPORTED_SUFFIXES

CHUNK = 1 << 16
TEMP_PREFIX = ".upload-"
BACKUP_PREFIX = ".previous-"
STALE_AFTER_S = 600.0


@contextmanager
def locked_folder(folder: Path) -> Iterator[None]:
    """An exclusive lock on the folder itself (no lock file left in it): every holder, thread or
    process, opens it anew, so they all take turns."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the folder releases its lock


class WriterLock:
    """One upload or delete at a time, across the threads of a process and across the processes
    of ``vaksam serve --workers N`` (:func:`locked_folder` on the uploads folder, as the start-up
    recovery takes: a worker recovering at its start and another's upload take turns too).

    Usage::

        with WriterLock(settings.uploads_dir):
            ...  # put the file in place and index it
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._threads = threading.Lock()  # this process's writers wait here, and guard ``_held``
        self._held: AbstractContextManager | None = None

    def __enter__(self) -> WriterLock:
        self._threads.acquire()
        held = locked_folder(self.folder)
        try:
            held.__enter__()
        except BaseException:
            self._threads.release()
            raise
        self._held = held
        return self

    def __exit__(self, *exc) -> None:
        held, self._held = self._held, None
        try:
            if held is not None:
                held.__exit__(None, None, None)
        finally:
            self._threads.release()


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


@dataclass
class ReceivedUpload:
    """A complete upload in a hidden temporary file, not yet in place under its name."""

    temp: Path
    target: Path

    @property
    def backup(self) -> Path:
        return self.target.with_name(f"{BACKUP_PREFIX}{self.target.name}")

    def commit(self) -> Path:
        """Put it in place atomically (a reader sees the old file or the new one, never half or
        none), keeping the version it replaces as a hard link until :meth:`settle` or
        :meth:`roll_back`."""
        self.backup.unlink(missing_ok=True)
        if self.target.exists():
            os.link(self.target, self.backup)
        os.replace(self.temp, self.target)
        return self.target

    def settle(self) -> None:
        """The new version is indexed: forget the old one."""
        self.backup.unlink(missing_ok=True)

    def roll_back(self) -> bool:
        """The new version failed: put the old one back. False when there was none."""
        if not self.backup.exists():
            self.target.unlink(missing_ok=True)
            return False
        os.replace(self.backup, self.target)
        return True


async def receive_upload(upload: UploadFile, folder: Path, max_bytes: int) -> ReceivedUpload:
    """Stream ``upload`` into a temporary file in ``folder``; refuse it past ``max_bytes``.
    Nothing under the file's own name changes until :meth:`ReceivedUpload.commit`."""
    name = safe_name(upload.filename)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
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
        return ReceivedUpload(Path(tmp), folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(folder: Path, older_than_s: float = STALE_AFTER_S) -> int:
    """Delete what a crashed server left mid-upload; returns how many files. Temporaries and the
    links to replaced versions, once not written to for ``older_than_s`` (another worker may be
    receiving one right now). The file under its own name is always whole, old or new."""
    removed = 0
    cutoff = time.time() - older_than_s
    leftovers = [*folder.glob(f"{TEMP_PREFIX}*"), *folder.glob(f"{BACKUP_PREFIX}*")] if folder.is_dir() else []
    for leftover in leftovers:
        try:
            if leftover.stat().st_mtime <= cutoff:
                leftover.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed
