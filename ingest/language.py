"""Language of documents and passages with langdetect, made deterministic.

langdetect is random by design; a fixed seed makes the same text always get
the same answer. It is unreliable on short text (a 40-character Swedish line
often comes back as Norwegian or Danish), so passages shorter than
``MIN_CHARS`` inherit their document's language.
"""

from __future__ import annotations

import threading

MIN_CHARS = 200
UNKNOWN = "und"
_lock = threading.Lock()
_factory_ready = False


def _init() -> None:
    global _factory_ready
    from langdetect import DetectorFactory

    if not _factory_ready:
        DetectorFactory.seed = 0
        _factory_ready = True


def detect_language(text: str, default: str = UNKNOWN, min_chars: int = MIN_CHARS) -> str:
    """ISO 639-1 code of ``text`` (e.g. "sv", "en"), or ``default`` when the text is too short."""
    sample = " ".join(text.split())[:5000]
    if sum(c.isalpha() for c in sample) < min_chars:
        return default
    from langdetect import LangDetectException, detect

    with _lock:
        _init()
        try:
            return detect(sample)
        except LangDetectException:
            return default
