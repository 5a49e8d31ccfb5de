"""Blocks to passages that follow headings, pages and sentences.

A passage never crosses a heading or a page, ends on a sentence boundary,
and stays under the model's window (510 tokens plus prompt). Headings are section paths.
Lines the parser took for headings but that head nothing are content: two or more in a row
that no later text sits under (a list of questions, a few short statements, a list of
attachments: unstructured calls every short line without a full stop a title), and a run of
short lines that ends a document (a signature: "Anna Andersson / Enhetschef"). Before, they
were dropped, and with them facts such as what a municipality paid back: over the real corpus
and the seeds 21 passages of 5,635 come back, and on the dev questions (with the table of
contents gone too, ``ingest.contents``) dense MRR@10 rose from .776 to .838, hybrid stayed .943.
A single heading that heads nothing stays a path that led nowhere: that is mostly a chapter
whose sub-headings the parser put at its own level.
A heading that recurs within a document nests under the last one that does not, so
a template sub-heading reads "Aktivitet A › Effekt av aktiviteten". Within those
rules sentences are packed up to ``target_tokens``; the last sentence of a
passage is repeated at the start of the next one when it is short, so a fact
that straddles two sentences is still found whole. The target is a setting
(``VAKSAM_PASSAGE_TOKENS``, 160): re-judged on held-out questions with
``benchmarks/passage_size.py``, no size from 128 to 256 gained significantly on one set
without losing significantly on another (the table and its history are in benchmarks/README.md).

Usage::

    chunks = chunk_document(parsed, token_lengths=encoder.token_lengths, target_tokens=160)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.blocks import BlockKind, ParsedDocument
from search.text import fold, split_sentences

BLOCK_SEPARATOR = "\n\n"
# Tokens the model adds around every passage: prompt ("passage: " = 3) and <s> </s>.
_OVERHEAD = 6
_MIN_TRAILING_WORDS = 4
_MIN_BODILESS_RUN = 2  # headings in a row that head nothing: then they are lines of content


@dataclass
class Chunk:
    text: str
    start: int
    end: int
    page: int | None
    section: list[str]


@dataclass
class _Unit:
    start: int
    end: int
    page: int | None
    section: tuple[str, ...]
    heading: bool
    tokens: int = 0


def document_text(parsed: ParsedDocument) -> tuple[str, list[int]]:
    """The canonical text of a document (blocks joined by blank lines) and each block's offset."""
    offsets, parts, pos = [], [], 0
    for block in parsed.blocks:
        offsets.append(pos)
        parts.append(block.text)
        pos += len(block.text) + len(BLOCK_SEPARATOR)
    return BLOCK_SEPARATOR.join(parts), offsets


def _units(parsed: ParsedDocument, offsets: list[int]) -> list[_Unit]:
    units: list[_Unit] = []
    stack: list[tuple[int, str]] = []
    # A heading that recurs in a document ("Effekt av aktiviteten" under every activity) is a
    # template sub-heading: it nests under the last heading that does not recur.
    seen = Counter(fold(b.text) for b in parsed.blocks if b.kind is BlockKind.HEADING)
    parent_level = 0
    for block, offset in zip(parsed.blocks, offsets, strict=False):
        if block.kind is BlockKind.HEADING:
            level = block.level
            repeated_title = bool(stack) and fold(stack[0][1]) == fold(block.text)
            if seen[fold(block.text)] > 1 and parent_level and not repeated_title:
                level = max(level, parent_level + 1)
            else:
                parent_level = level
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, block.text))
            section = tuple(text for _, text in stack)
            units.append(_Unit(offset, offset + len(block.text), block.page, section, True))
            continue
        section = tuple(text for _, text in stack)
        spans = split_sentences(block.text) if block.kind is not BlockKind.TABLE else [(0, len(block.text))]
        for s, e in spans:
            units.append(_Unit(offset + s, offset + e, block.page, section, False))
    return units


MAX_WORD_CHARS = 200  # longer than any URL a passage should carry whole
# A tokenizer may count such a word as one unknown token (WordPiece gives up past 100 characters).
_GIANT_WORD = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")


def _split_long(text: str, unit: _Unit, limit: int, token_lengths) -> list[_Unit]:
    """Cut a sentence longer than the model window into word windows that fit. A "word" longer
    than ``MAX_WORD_CHARS`` (a base64 image, a hash, a file of "aaaa...") is left out: it is not
    language, and kept whole it would make one passage of any size."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[unit.start : unit.end])]
    words = [(a, b) for a, b in spans if b - a <= MAX_WORD_CHARS]
    if not words:
        return []
    tokens = unit.tokens
    if len(words) < len(spans):  # a window's share of tokens is counted on what is kept
        tokens = token_lengths([" ".join(text[unit.start + a : unit.start + b] for a, b in words)])[0]
    per_window = max(1, int(len(words) * limit / max(tokens, 1) * 0.9))
    out: list[_Unit] = []
    i = 0
    while i < len(words):
        n = min(per_window, len(words) - i)
        while True:
            start, end = unit.start + words[i][0], unit.start + words[i + n - 1][1]
            tokens = token_lengths([text[start:end]])[0] - 2
            if tokens <= limit or n == 1:
                break
            n = max(1, int(n * 0.8))
        out.append(_Unit(start, end, unit.page, unit.section, unit.heading, tokens))
        i += n
    return out


def _is_boundary(last: _Unit, unit: _Unit) -> bool:
    return unit.heading or unit.page != last.page or unit.section != last.section


def _must_break(current: list[_Unit], unit: _Unit, budget: int) -> bool:
    if _is_boundary(current[-1], unit):
        return True
    if all(u.heading for u in current):
        return False  # a heading always keeps its first sentence
    return sum(u.tokens for u in current) + unit.tokens > budget


def _carry_over(current: list[_Unit], unit: _Unit, budget: int) -> list[_Unit]:
    """Repeat a short last sentence in the next passage, when it fits with the next unit."""
    last = current[-1]
    if _is_boundary(last, unit) or last.heading or len(current) < 2:
        return []
    if last.tokens * 4 <= budget and last.tokens + unit.tokens <= budget:
        return [last]
    return []


def _bodiless_runs(headings: list[_Unit], section: tuple[str, ...]) -> list[list[_Unit]]:
    """The runs of ``headings`` (met since the last passage) that are not on ``section``, the
    path of the passage that follows them: lines that head nothing."""
    runs: list[list[_Unit]] = [[]]
    for unit in headings:
        if section[: len(unit.section)] == unit.section:
            runs.append([])  # an ancestor of what follows: a real heading
        else:
            runs[-1].append(unit)
    return [run for run in runs if len(run) >= _MIN_BODILESS_RUN]


def _content_chunks(text: str, units: list[_Unit], budget: int) -> list[Chunk]:
    """``units`` as passages of at most ``budget`` tokens that do not cross a page, each under
    the path its lines share."""
    groups: list[list[_Unit]] = []
    tokens = 0  # in the last group: a sum per line would be quadratic in a file of 100,000 short lines
    for unit in units:
        if groups and unit.page == groups[-1][-1].page and tokens + unit.tokens <= budget:
            groups[-1].append(unit)
            tokens += unit.tokens
        else:
            groups.append([unit])
            tokens = unit.tokens
    chunks = []
    for group in groups:
        start, end = group[0].start, group[-1].end
        shared = group[0].section
        for unit in group[1:]:
            while unit.section[: len(shared)] != shared:
                shared = shared[:-1]
        chunks.append(Chunk(text[start:end], start, end, group[-1].page, list(shared)))
    return chunks


def chunk_document(
    parsed: ParsedDocument,
    token_lengths: Callable[[Sequence[str]], list[int]],
    target_tokens: int = 160,
    max_tokens: int = 512,
) -> tuple[str, list[Chunk]]:
    """Split a parsed document into passages; returns the document text and the chunks."""
    text, offsets = document_text(parsed)
    units = _units(parsed, offsets)
    if not units:
        return text, []
    lengths = token_lengths([text[u.start : u.end] for u in units])
    limit = max_tokens - _OVERHEAD
    sized: list[_Unit] = []
    for unit, n in zip(units, lengths, strict=False):
        unit.tokens = n - 2
        too_long = unit.tokens > limit or _GIANT_WORD.search(text, unit.start, unit.end) is not None
        sized.extend(_split_long(text, unit, limit, token_lengths) if too_long else [unit])

    chunks: list[Chunk] = []
    current: list[_Unit] = []

    dropped: list[_Unit] = []  # heading-only groups since the last passage

    def flush() -> None:
        if not current:
            return
        if all(u.heading for u in current):
            dropped.extend(current)
            return
        for run in _bodiless_runs(dropped, current[-1].section):
            chunks.extend(_content_chunks(text, run, budget))
        dropped.clear()
        start, end = current[0].start, current[-1].end
        chunks.append(Chunk(text[start:end], start, end, current[-1].page, list(current[-1].section)))

    budget = min(target_tokens, limit)
    for unit in sized:
        if current and _must_break(current, unit, budget):
            flush()
            current = _carry_over(current, unit, budget)
        current.append(unit)
    flush()
    # Headings with no body are only a section path, except a run of short lines that ends a
    # document with body text: that is a signature or contact block, not a heading.
    if chunks and sum(len(text[u.start : u.end].split()) for u in dropped) >= _MIN_TRAILING_WORDS:
        chunks.extend(_content_chunks(text, dropped, budget))
    return text, chunks
