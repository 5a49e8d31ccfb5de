"""The intermediate form every parser produces: a document as a list of blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"


@dataclass
class Block:
    text: str
    kind: BlockKind = BlockKind.PARAGRAPH
    page: int | None = None
    level: int = 1  # heading depth, 1 = top level
    # Outside the pages of a paged rendering (a PDF viewer's chrome, its teasers of other documents).
    outside: bool = False


@dataclass
class ParsedDocument:
    path: Path
    blocks: list[Block]
    title: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def pages(self) -> int | None:
        numbers = [b.page for b in self.blocks if b.page is not None]
        return max(numbers) if numbers else None
