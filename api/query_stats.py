"""Query statistics for administrators: which questions find nothing or only weak hits.

Off by default (``VAKSAM_QUERY_STATS``): a question can hold case details, so nothing is kept
unless the operator turns it on. When on, each search through the API adds to per-day counters in
a SQLite file (``VAKSAM_QUERY_STATS_FILE``): searches in all, with no hits and with weak hits
(``confidence`` low). The text of a question is kept only when it found nothing or only weak hits,
folded (lower case, no accents, spaces collapsed) so that one question typed two ways counts once,
and only for ``VAKSAM_QUERY_STATS_DAYS`` days: older days are deleted as new ones are written. No
client address, key or time of day is stored. ``GET /api/v1/stats/queries`` (an API key) and
``vaksam stats`` read the totals.

SQLite in WAL mode lets the workers of ``vaksam serve --workers N`` write to one file.

Usage::

    stats = QueryStats(Path("data/query-stats.sqlite"), days=30)
    stats.record("Hur bakar man kanelbullar?", hits=10, confidence="low")
    stats.summary(days=7)
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from search.text import fold

MAX_QUERY_CHARS = 200
TOP_QUERIES = 100
_SCHEMA = """
CREATE TABLE IF NOT EXISTS days (day TEXT PRIMARY KEY, searches INTEGER NOT NULL, no_hits INTEGER NOT NULL,
    weak INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS queries (day TEXT NOT NULL, query TEXT NOT NULL, no_hits INTEGER NOT NULL,
    weak INTEGER NOT NULL, PRIMARY KEY (day, query));
"""


@dataclass
class QuerySummary:
    days: int
    since: str
    searches: int = 0
    no_hits: int = 0
    weak: int = 0
    queries: list[dict] = field(default_factory=list)  # {"query", "no_hits", "weak", "last_day"}


def normalise(query: str) -> str:
    return " ".join(fold(query).split())[:MAX_QUERY_CHARS]


class QueryStats:
    """Per-day counters in one SQLite file; see the module docstring for what is kept."""

    def __init__(self, path: Path, days: int) -> None:
        self.path = path
        self.days = days
        self._lock = threading.Lock()
        self._pruned: str | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def record(self, query: str, hits: int, confidence: str, today: date | None = None) -> None:
        day = (today or date.today()).isoformat()
        empty, weak = hits == 0, hits > 0 and confidence == "low"
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT INTO days VALUES (?, 1, ?, ?) ON CONFLICT(day) DO UPDATE SET searches = searches + 1, "
                "no_hits = no_hits + excluded.no_hits, weak = weak + excluded.weak",
                (day, int(empty), int(weak)),
            )
            if empty or weak:
                db.execute(
                    "INSERT INTO queries VALUES (?, ?, ?, ?) ON CONFLICT(day, query) DO UPDATE SET "
                    "no_hits = no_hits + excluded.no_hits, weak = weak + excluded.weak",
                    (day, normalise(query), int(empty), int(weak)),
                )
            if self._pruned != day:
                self._prune(db, today or date.today())
                self._pruned = day

    def _prune(self, db: sqlite3.Connection, today: date) -> None:
        oldest = (today - timedelta(days=self.days - 1)).isoformat()
        db.execute("DELETE FROM days WHERE day < ?", (oldest,))
        db.execute("DELETE FROM queries WHERE day < ?", (oldest,))

    def summary(self, days: int | None = None, today: date | None = None) -> QuerySummary:
        """Totals of the last ``days`` days (at most the days kept), and the questions that found
        nothing or little, most frequent first."""
        today = today or date.today()
        days = min(days or self.days, self.days)
        since = (today - timedelta(days=days - 1)).isoformat()
        with self._lock, self._connect() as db:
            self._prune(db, today)
            searches, no_hits, weak = db.execute(
                "SELECT COALESCE(SUM(searches), 0), COALESCE(SUM(no_hits), 0), COALESCE(SUM(weak), 0) "
                "FROM days WHERE day >= ?",
                (since,),
            ).fetchone()
            rows = db.execute(
                "SELECT query, SUM(no_hits), SUM(weak), MAX(day) FROM queries WHERE day >= ? GROUP BY query "
                "ORDER BY SUM(no_hits) + SUM(weak) DESC, MAX(day) DESC, query LIMIT ?",
                (since, TOP_QUERIES),
            ).fetchall()
        queries = [{"query": q, "no_hits": n, "weak": w, "last_day": d} for q, n, w, d in rows]
        return QuerySummary(days, since, searches, no_hits, weak, queries)
