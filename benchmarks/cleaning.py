"""Retrieval quality with and without cleaning, in one run: dev questions and SweQuAD-MC.

Each setting gets its own throwaway index of the bundled corpus (``data/corpus``).

    .venv/bin/python benchmarks/cleaning.py --queries ../shared/eval/dev_queries.jsonl \\
        --beir ../shared/eval/swequad_mc
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from api.evaluation import evaluate_beir, evaluate_queries
from api.service import VaksamService
from search.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def run(clean: bool, queries: Path, beir: Path | None, corpus: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="vaksam-clean-") as tmp:
        settings = Settings(qdrant_path=Path(tmp), qdrant_url=None, collection="bench", clean=clean)
        service = VaksamService(settings)
        try:
            summary = service.ingest([corpus], progress=False)
            row = {"clean": clean, "passages": summary.passages, "ingest_s": round(summary.seconds, 1)}
            row.update({f"dev {k}": v for k, v in evaluate_queries(service, queries).metrics.items()})
            if beir is not None:
                row.update({f"swequad {k}": v for k, v in evaluate_beir(service, beir, progress=False).metrics.items()})
        finally:
            service.close()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--beir", type=Path)
    parser.add_argument("--corpus", type=Path, default=ROOT / "data" / "corpus")
    args = parser.parse_args()
    rows = [run(clean, args.queries, args.beir, args.corpus) for clean in (False, True)]
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(f"{row[k]:.3f}" if isinstance(row[k], float) else str(row[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
