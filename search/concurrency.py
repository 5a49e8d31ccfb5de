"""A readers-writer lock: many searches at once, a document swap alone.

The edge engine and a Qdrant server answer concurrent reads safely, but a document's new
version is published in two steps (show the new passages, delete the old ones); a search
between the two would see both. Writes that must look atomic take the lock exclusively,
searches share it. qdrant-client's local mode is not thread-safe at all, so there reads are
exclusive too (``shared_reads=False``).

Usage::

    gate = ReadWriteLock()
    with gate.read():
        ...  # search
    with gate.write():
        ...  # swap a document's passages
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class Gate(Protocol):
    """What the store runs its methods under: this process's :class:`ReadWriteLock`, or the index
    process's for a worker of ``vaksam serve --workers``."""

    def read(self) -> AbstractContextManager[None]: ...

    def write(self) -> AbstractContextManager[None]: ...


class ReadWriteLock:
    """Writer-preferring: a waiting writer stops new readers, so a swap never starves under load."""

    def __init__(self, *, shared_reads: bool = True) -> None:
        self.shared_reads = shared_reads
        self._cond = threading.Condition()
        self._readers = 0
        self._writer: int | None = None  # thread id; a writer may read and write again (re-entrant)
        self._depth = 0
        self._waiting_writers = 0
        self._mine = threading.local()  # this thread's read depth: nested reads never wait

    @contextmanager
    def read(self) -> Iterator[None]:
        if not self.shared_reads or self._writer == threading.get_ident():
            with self.write():
                yield
            return
        depth = getattr(self._mine, "depth", 0)
        if depth:  # already reading: waiting for a queued writer here would deadlock
            self._mine.depth = depth + 1
            try:
                yield
            finally:
                self._mine.depth -= 1
            return
        with self._cond:
            while self._writer is not None or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        self._mine.depth = 1
        try:
            yield
        finally:
            self._mine.depth = 0
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._cond:
            if self._writer != me:
                self._waiting_writers += 1
                while self._writer is not None or self._readers:
                    self._cond.wait()
                self._waiting_writers -= 1
                self._writer = me
            self._depth += 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if not self._depth:
                    self._writer = None
                    self._cond.notify_all()
