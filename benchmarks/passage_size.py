"""Choose the passage size by measurement.

For every size, the bundled corpus is indexed into a throwaway embedded
index and evaluated on the dev questions; with ``--beir`` the BEIR folder too.
Run from the project root::

    .venv/bin/python benchmarks/passage_size.py --queries ../shared/eval/dev_queries.jsonl \
        --beir ../shared/eval/swequad_mc --sizes 96 128 160 200 256
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from api.evaluation import evaluate_beir, evaluate_queries
from api.service import VaksamService
from search.embedding.encoder import Encoder
from search.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--beir", type=Path)
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[96, 128, 160, 200, 256])
    args = parser.parse_args()

    base = Settings()
    encoder = Encoder.load(base)
    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(qdrant_path=Path(tmp), passage_tokens=size)
            service = VaksamService(settings, encoder=encoder)
            summary = service.ingest([args.corpus], progress=False)
            dev = evaluate_queries(service, args.queries)
            row = {
                "tokens": size,
                "passages": summary.passages,
                "ingest_s": round(summary.seconds, 1),
                **{f"dev_{k}": v for k, v in dev.metrics.items()},
            }
            if args.beir:
                reports = evaluate_beir(service, args.beir, progress=False)
                row.update({f"beir_{k}": v for k, v in reports[0].metrics.items()})
            service.close()
        rows.append(row)
        print(json.dumps(row), flush=True)
    keys = list(rows[0])
    print("\n" + " | ".join(keys))
    for row in rows:
        print(" | ".join(str(row[k]) for k in keys))


if __name__ == "__main__":
    main()
