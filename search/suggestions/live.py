"""The index's vocabulary kept current while the index changes under a running server.

The vocabulary is read from every live passage (0.16 s for the bundled corpus's 270). It is
rebuilt when the index is known to have changed (``invalidate()``, called after each ingest,
upload or delete of this process) or when the index's document and passage counts differ from
those it was built on, which is checked at most every ``check_seconds`` (another process
writing to a shared Qdrant server). While a rebuild runs on a background thread the previous
vocabulary keeps answering; only the very first one is waited for.

Usage::

    words = LiveWords(store, analyzer, programs={"mvp": "MVP (Mentors in Violence Prevention)"})
    words.current().corrector.correct_query("våldsprevension")
    words.current().completer.complete("trygg")
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from search.lexical.analyzer import SwedishAnalyzer
from search.store import QdrantStore
from search.suggestions.completion import Completer
from search.suggestions.spelling import SpellingCorrector
from search.suggestions.vocabulary import Vocabulary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexWords:
    """One vocabulary and the corrector and completer built on it."""

    vocabulary: Vocabulary
    corrector: SpellingCorrector
    completer: Completer
    signature: tuple[int, int]


class LiveWords:
    """The current :class:`IndexWords` of a store (see the module docstring)."""

    def __init__(
        self,
        store: QdrantStore,
        analyzer: SwedishAnalyzer | None = None,
        programs: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
        *,
        check_seconds: float = 30.0,
    ) -> None:
        self.store = store
        self.analyzer = analyzer
        self._programs = programs
        self.check_seconds = check_seconds
        self._words: IndexWords | None = None
        self._checked = 0.0
        self._stale = False
        self._lock = threading.Lock()
        self._building: threading.Thread | None = None

    def _signature(self) -> tuple[int, int]:
        return self.store.count_documents(), self.store.count_passages()

    def build(self) -> IndexWords:
        started = time.perf_counter()
        signature = self._signature()
        programs = self._programs() if callable(self._programs) else self._programs
        vocabulary = Vocabulary.build(self.store.live_passages(), self.store.list_documents(), programs)
        stop = self.analyzer.stop_words if self.analyzer is not None else frozenset()
        corrector = SpellingCorrector(vocabulary, self.analyzer)
        words = IndexWords(vocabulary, corrector, Completer(vocabulary, stop), signature)
        log.info("index vocabulary: %d words in %.2f s", len(vocabulary), time.perf_counter() - started)
        return words

    def warm(self) -> threading.Thread:
        """Build the first vocabulary on a background thread (a server's start), so that the first
        search does not pay for it; a search that comes first waits for it."""
        thread = threading.Thread(target=self._warm, name="vaksam-vocabulary", daemon=True)
        thread.start()
        return thread

    def _warm(self) -> None:
        try:
            self.current()
        except Exception:  # noqa: BLE001 - the first search will build it again and report the error
            log.exception("could not build the index vocabulary")

    def invalidate(self) -> None:
        """The index changed: the next call rebuilds (in the background once one exists)."""
        with self._lock:
            self._stale = True

    def current(self) -> IndexWords:
        with self._lock:
            words = self._words
            if words is not None:
                now = time.monotonic()
                if not self._stale and now - self._checked >= self.check_seconds:
                    self._checked = now
                    self._stale = self._signature() != words.signature
                if self._stale and (self._building is None or not self._building.is_alive()):
                    self._stale = False
                    self._building = threading.Thread(target=self._rebuild, name="vaksam-vocabulary", daemon=True)
                    self._building.start()
                return words
            self._words = self.build()
            self._checked = time.monotonic()
            self._stale = False
            return self._words

    def _rebuild(self) -> None:
        try:
            words = self.build()
        except Exception:  # noqa: BLE001 - the old vocabulary keeps answering; the next change retries
            log.exception("could not rebuild the index vocabulary")
            return
        with self._lock:
            self._words = words
            self._checked = time.monotonic()
