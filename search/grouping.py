"""Result lists grouped by document, or by organisation on a time line.

``group_by=document`` keeps each document's best passages together, documents in the order of
their best passage. ``group_by=organisation`` answers "Vem har gjort det före oss?": the
organisations whose documents answer the question, best first, each with its documents in date
order (oldest first, undated last: the decision, then the report, then the routine), each document
with its best passages and the other documents of the time line it shares a diarienummer or a
program with, so a decision and the report that followed it up read as one story.

Usage::

    groups = group_by_organisation(ranked_items, limit=5, group_size=2, hit=searcher.hit)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from search.ranking.scored import ScoredPassage
from search.recency import document_date
from search.records import Hit, HitGroup, OrganisationGroup, TimelineEntry

UNKNOWN_ORGANISATION = "Okänd organisation"
DOCUMENTS_PER_ORGANISATION = 10


def _by_document(items: Sequence[ScoredPassage], group_size: int) -> dict[str, list[ScoredPassage]]:
    grouped: dict[str, list[ScoredPassage]] = {}
    for item in items:
        members = grouped.setdefault(item.passage.document_id, [])
        if len(members) < group_size:
            members.append(item)
    return grouped


def group_by_document(
    items: Sequence[ScoredPassage], limit: int, group_size: int, hit: Callable[[ScoredPassage], Hit]
) -> list[HitGroup]:
    groups = []
    for members in list(_by_document(items, group_size).values())[:limit]:
        hits = [hit(item) for item in members]
        groups.append(HitGroup(document=hits[0].document, score=hits[0].score, hits=hits))
    return groups


def group_by_organisation(
    items: Sequence[ScoredPassage], limit: int, group_size: int, hit: Callable[[ScoredPassage], Hit]
) -> list[OrganisationGroup]:
    """``limit`` organisations, each with up to ``DOCUMENTS_PER_ORGANISATION`` documents."""
    organisations: dict[str, list[list[ScoredPassage]]] = {}
    for members in _by_document(items, group_size).values():
        first = members[0]
        name = (first.document.organisation if first.document else None) or first.passage.organisation
        documents = organisations.setdefault(name or UNKNOWN_ORGANISATION, [])
        if len(documents) < DOCUMENTS_PER_ORGANISATION:
            documents.append(members)
    groups = []
    for name, documents in list(organisations.items())[:limit]:
        # oldest first, undated last; a document's place otherwise follows its relevance
        dates = [document_date(members[0]) for members in documents]
        order = sorted(range(len(documents)), key=lambda n: (dates[n] is None, dates[n] or date.min, n))
        entries = [_entry(documents[n], hit) for n in order]
        _link(entries)
        groups.append(OrganisationGroup(organisation=name, score=documents[0][0].score, documents=entries))
    return groups


def _entry(members: list[ScoredPassage], hit: Callable[[ScoredPassage], Hit]) -> TimelineEntry:
    hits = [hit(item) for item in members]
    programs = list(members[0].document.programs) if members[0].document else list(members[0].passage.programs)
    return TimelineEntry(document=hits[0].document, score=hits[0].score, hits=hits, programs=programs)


def _link(entries: list[TimelineEntry]) -> None:
    for entry in entries:
        numbers, programs = set(entry.document.diarienummer), set(entry.programs)
        entry.related = [
            other.document.id
            for other in entries
            if other is not entry and (numbers & set(other.document.diarienummer) or programs & set(other.programs))
        ]
