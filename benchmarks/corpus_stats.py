"""Statistics of an indexed collection: documents by status, passages, passage lengths, duplicates.

Reads the index only (no re-ingest), so it reports what ``make ingest-real`` produced:

    VAKSAM_COLLECTION=vaksam_real .venv/bin/python benchmarks/corpus_stats.py
"""

from __future__ import annotations

import statistics
from collections import Counter

from api.service import VaksamService
from api.settings import get_settings


def _quantiles(values: list[int]) -> str:
    if not values:
        return "-"
    q = statistics.quantiles(values, n=10)
    return (
        f"min {min(values)}  p10 {q[0]:.0f}  median {statistics.median(values):.0f}  "
        f"p90 {q[-1]:.0f}  max {max(values)}  mean {statistics.fmean(values):.0f}"
    )


def main() -> None:
    service = VaksamService(get_settings())
    try:
        docs = service.documents()
        passages = [p for d in docs for p in service.document_passages(d.id)]
        tokens = service.encoder.token_lengths([p.text for p in passages])
    finally:
        service.close()
    status = Counter(d.status.value for d in docs)
    print(f"collection {service.settings.collection}: {len(docs)} documents {dict(status)}, {len(passages)} passages")
    print(f"passages shared by several documents: {sum(1 for p in passages if p.also_in)}")
    print(f"tokens per passage:     {_quantiles(tokens)}")
    print(f"characters per passage: {_quantiles([len(p.text) for p in passages])}")
    buckets = Counter(min(t // 32 * 32, 256) for t in tokens)
    print("token histogram: " + "  ".join(f"{b}-{b + 31 if b < 256 else '':}: {buckets[b]}" for b in sorted(buckets)))
    for field in ("organisation", "document_type", "language", "year"):
        counts = Counter(str(getattr(d, field)) for d in docs if d.status.value == "indexed")
        print(f"{field}: " + ", ".join(f"{k} ({n})" for k, n in counts.most_common(8)))
    programs = Counter(p for d in docs if d.status.value == "indexed" for p in d.programs)
    print("programs: " + ", ".join(f"{k} ({n})" for k, n in programs.most_common()))
    cleaning = Counter()
    for d in docs:
        cleaning.update(d.cleaning.get("dropped", {}))
        cleaning["hyphen joins"] += d.cleaning.get("hyphen_joins", 0)
        cleaning["restored words"] += d.cleaning.get("restored_words", 0)
    print("cleaning: " + ", ".join(f"{k} {n}" for k, n in cleaning.most_common()))
    for d in docs:
        if d.status.value == "failed" or d.error:
            print(f"failed: {d.source}: {d.error}")


if __name__ == "__main__":
    main()
