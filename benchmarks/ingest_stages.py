"""Where ingest time goes: each stage's share of the wall time, into a throwaway index.

The target is that embedding is the limit: every other stage together (parse, clean, chunk,
duplicate checks, lexical vectors, writes, index build) under 10% of the wall time.

Usage::

    .venv/bin/python benchmarks/ingest_stages.py ../shared/corpus/real
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from api.service import VaksamService
from ingest.pipeline import STAGES
from search.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vaksam-ingest-") as tmp:
        service = VaksamService(Settings(qdrant_path=Path(tmp), _env_file=None))
        service.encoder  # noqa: B018 - load (and export) the model outside the measured run
        try:
            summary = service.ingest(args.folders, progress=False)
        finally:
            service.close()
    wall = summary.seconds
    stages = {s: round(summary.stage_seconds[s], 1) for s in STAGES}
    stages["untimed"] = round(wall - sum(summary.stage_seconds.values()), 1)
    shares = {s: round(100 * v / wall, 1) for s, v in stages.items()}
    print(
        json.dumps(
            {
                "files": summary.files,
                "passages": summary.passages,
                "wall_s": round(wall, 1),
                "seconds": stages,
                "percent": shares,
                "not_embedding_percent": round(100 - shares["embed"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
