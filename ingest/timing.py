"""Seconds per ingest stage, summed over files (``vaksam ingest`` prints them; benchmarks read them)."""

from collections import defaultdict
from collections.abc import Mapping


class StageSeconds(defaultdict[str, float]):
    """Seconds by stage name, 0.0 for a stage not yet timed."""

    def __init__(self, seconds: Mapping[str, float] | None = None) -> None:
        super().__init__(float, seconds or {})

    def add(self, other: Mapping[str, float]) -> None:
        """Add ``other``'s seconds stage by stage."""
        for stage, seconds in other.items():
            self[stage] += seconds
