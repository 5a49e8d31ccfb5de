"""The judging pool of a gold-string question file: what dense, sparse and hybrid put first that no
gold string marks, for a person to read and judge (TREC-style pooling).

Gold strings are written before any search and mark the passage their writer had in mind. A passage
that states the same answer in other words ("knappt 26 900 elever" where the gold reads "drygt 26 900
elever"), or a twin page holding the same paragraph, is not marked, and the metrics count it as a
miss. Pooling finds those: every question where some mode's first passage holds no gold string gets
the unmarked passages of each mode's best ``--depth``, printed whole for judging. Judgments go to
``eval/pooled_judgments.jsonl`` (``eval/README.md`` says how they were made), and ``vaksam eval
--judgments`` counts them beside the gold strings, so both numbers are reported.

    VAKSAM_QDRANT_PATH=/tmp/real .venv/bin/python -m benchmarks.pool --queries eval/real_queries_3.jsonl \\
        --judgments eval/pooled_judgments.jsonl > /tmp/pool.txt
"""

from __future__ import annotations

import argparse
from pathlib import Path

from api.evaluation import load_judgments, load_queries
from api.relevance import contains_gold
from api.service import VaksamService
from search.modes import SearchMode
from search.records import PassageRecord
from search.settings import Settings

MODES = (SearchMode.DENSE, SearchMode.SPARSE, SearchMode.HYBRID)


def pooled(
    service: VaksamService, query: str, strings: list[str], depth: int
) -> dict[str, tuple[list[str], PassageRecord]]:
    """The unmarked passages of each mode's best ``depth``, with where each mode ranked them; empty when every
    mode's first passage holds one of ``strings``."""
    ranked = {mode: service.searcher.ranked(service.check_query(query), depth, mode=mode) for mode in MODES}
    if all(hits and contains_gold(hits[0].passage.text, strings) for hits in ranked.values()):
        return {}
    pool: dict[str, tuple[list[str], PassageRecord]] = {}
    for mode, hits in ranked.items():
        for rank, hit in enumerate(hits, 1):
            if not contains_gold(hit.passage.text, strings):
                pool.setdefault(hit.passage.id, ([], hit.passage))[0].append(f"{mode.value} {rank}")
    return pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=Path, required=True, nargs="+")
    parser.add_argument("--depth", type=int, default=3, help="how many of each mode's first passages are pooled")
    parser.add_argument("--judgments", type=Path, help="strings already judged to answer count as gold")
    args = parser.parse_args()

    service = VaksamService(Settings())
    judged = load_judgments(args.judgments) if args.judgments else {}
    for path in args.queries:
        for item in load_queries(path):
            strings = [*item["gold"], *judged.get((path.stem, str(item["id"])), [])]
            pool = pooled(service, item["query"], strings, args.depth)
            if not pool:
                continue
            print(f"=== {path.stem} {item['id']} ({item.get('kind', '')}): {item['query']}")
            print(f"    gold: {item['gold']}")
            for pid, (where, passage) in pool.items():
                doc = service.store.get_document(passage.document_id)
                title = doc.title if doc else passage.document_id
                print(f"--- {pid} [{', '.join(where)}] {title} > {' > '.join(passage.section)}")
                print(passage.text)
            print()


if __name__ == "__main__":
    main()
