"""Cleaning: from parsed blocks to text a careful archivist would sign off on.

One step per module, run in this order by :func:`clean_document`:

1. ``hyphenation``: undo line-end hyphenation ("samord- na" -> "samordna").
2. ``diacritics``: restore å/ä/ö in OCR text that lost them (audited).
3. ``boilerplate``: drop viewer chrome, page numbers, running heads, widget labels,
   link-farm cards and repeated blocks.
4. ``ingest.outline``: recover headings the parser missed (lines the table of contents
   lists, headings run into the paragraph after them).
5. ``ingest.contents``: drop the table of contents, once the outline has read it.

Usage::

    report = clean_document(parsed)  # changes parsed.blocks in place
    report.summary()  # {'hyphen_joins': 3, 'restored_words': 104, 'dropped': {...}}
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass, field

from ingest.blocks import Block, ParsedDocument
from ingest.cleaning.boilerplate import BoilerplateReport, edge_blocks, find_boilerplate
from ingest.cleaning.diacritics import Restoration, restore_diacritics
from ingest.cleaning.hyphenation import repair_hyphenation
from ingest.cleaning.lexicon import LexiconUnavailableError, SwedishLexicon
from ingest.contents import contents_blocks
from ingest.duplicates import fingerprint
from ingest.language import UNKNOWN, detect_language
from ingest.outline import recover_headings

__all__ = ["CleaningReport", "clean_document", "SwedishLexicon"]


@dataclass
class CleaningReport:
    hyphen_joins: int = 0
    restoration: Restoration = field(default_factory=Restoration)
    boilerplate: BoilerplateReport = field(default_factory=BoilerplateReport)
    notes: list[str] = field(default_factory=list)
    edge_prints: list[str] = field(default_factory=list)
    recovered_headings: int = 0

    def summary(self) -> dict:
        return {
            "hyphen_joins": self.hyphen_joins,
            "restored_words": self.restoration.replaced,
            "dropped": dict(self.boilerplate.dropped),
            "recovered_headings": self.recovered_headings,
        }


class _LazyKnows:
    """The lexicon's ``knows``, loaded on first use; without a lexicon, nothing is known."""

    def __init__(self, factory: Callable[[], SwedishLexicon], report: CleaningReport) -> None:
        self.factory, self.report = factory, report
        self._knows: Callable[[str], bool] | None = None

    def __call__(self, word: str) -> bool:
        if self._knows is None:
            try:
                self._knows = self.factory().knows
            except LexiconUnavailableError as exc:
                self.report.notes.append(str(exc))
                self._knows = lambda _word: False
        return self._knows(word) if self._knows is not None else False


def clean_document(
    parsed: ParsedDocument,
    *,
    restore: bool = True,
    site_prints: Set[str] = frozenset(),
    lexicon_factory: Callable[[], SwedishLexicon] = SwedishLexicon.default,
) -> CleaningReport:
    """Clean ``parsed.blocks`` in place and say what was done."""
    report = CleaningReport()
    knows = _LazyKnows(lexicon_factory, report)
    blocks: list[Block] = parsed.blocks
    for block in blocks:
        block.text, joined = repair_hyphenation(block.text, knows)
        report.hyphen_joins += joined
    if restore:
        sample = " ".join(b.text for b in blocks)[:5000]
        if detect_language(sample, default=UNKNOWN, min_chars=20) in ("sv", UNKNOWN):
            try:
                texts, report.restoration = restore_diacritics([b.text for b in blocks], lexicon_factory)
            except LexiconUnavailableError as exc:
                report.notes.append(f"diacritics not restored: {exc}")
            else:
                for block, text in zip(blocks, texts, strict=True):
                    block.text = text
    report.edge_prints = sorted({fingerprint(b.text) for b in edge_blocks(blocks)})
    parsed.blocks, report.boilerplate = find_boilerplate(blocks, site_prints)
    parsed.blocks, report.recovered_headings = recover_headings(parsed.blocks, SwedishLexicon.zipf)
    contents = contents_blocks(parsed.blocks)
    if contents:
        report.boilerplate.dropped["table of contents"] += len(contents)
        parsed.blocks = [b for i, b in enumerate(parsed.blocks) if i not in contents]
    return report
