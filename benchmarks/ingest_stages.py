"""Where ingest time goes: each stage's share of the wall time, into a throwaway index.

The target is that embedding is the limit: every other stage together (parse, clean, chunk,
duplicate checks, lexical vectors, writes, index build) under 10% of the wall time. The machine's
speed drifts between runs by more than the distance to the target, so ``--rounds N`` ingests N times
back to back and reports the median share.

One-time start-up stays outside the measured runs, as for the model: loading the model and
loading the parsers and the Swedish lexicon (``ingest.preparation.warm_up``, ~3 s, which
``vaksam ingest`` does while it loads the model) are reported as ``startup_s``, and
``not_embedding_percent_with_startup`` counts the parsers' share in as well (as if none of it
overlapped the model's loading, which ``vaksam ingest`` lets it).

(Preparing the next files on a second thread while the model embedded was measured here too,
ahead/in turn x1.01 at the median, and removed; benchmarks/README.md has those runs.)

Usage::

    .venv/bin/python benchmarks/ingest_stages.py ../shared/corpus/real              # one run
    .venv/bin/python benchmarks/ingest_stages.py ../shared/corpus/real --rounds 3   # median of 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from api.service import VaksamService
from ingest.pipeline import STAGES
from ingest.preparation import warm_up
from search.settings import Settings


def run(folders: list[Path]) -> dict:
    """One ingest into a fresh index; seconds and shares of the wall time per stage."""
    with tempfile.TemporaryDirectory(prefix="vaksam-ingest-") as tmp:
        service = VaksamService(Settings(qdrant_path=Path(tmp), _env_file=None))
        started = time.perf_counter()
        service.encoder  # noqa: B018 - load (and export) the model outside the measured run
        model_s = time.perf_counter() - started
        started = time.perf_counter()
        warm_up()  # and the parsers (cached: only the first run of a process pays)
        parsers_s = time.perf_counter() - started
        try:
            summary = service.ingest(folders, progress=False)
        finally:
            service.close()
    wall = summary.seconds
    stages = {s: round(summary.stage_seconds[s], 1) for s in STAGES}
    stages["untimed"] = round(wall - sum(summary.stage_seconds[s] for s in STAGES), 1)
    embed = summary.stage_seconds["embed"]
    return {
        "files": summary.files,
        "passages": summary.passages,
        "wall_s": round(wall, 1),
        "seconds": stages,
        "percent": {s: round(100 * v / wall, 1) for s, v in stages.items()},
        "not_embedding_percent": round(100 * (1 - embed / wall), 1),
        "not_embedding_percent_with_startup": round(100 * (1 - embed / (wall + parsers_s)), 1),
        "embed_s": round(embed, 1),
        "startup_s": {"model": round(model_s, 1), "parsers": round(parsers_s, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=1, help="ingest this many times and report the median")
    args = parser.parse_args()
    rounds = []
    for _ in range(max(1, args.rounds)):
        rounds.append(run(args.folders))
        print(json.dumps(rounds[-1]), flush=True)
    if len(rounds) > 1:
        keys = ["not_embedding_percent", "not_embedding_percent_with_startup"]
        print(json.dumps({"rounds": len(rounds), "median": {k: statistics.median(r[k] for r in rounds) for k in keys}}))


if __name__ == "__main__":
    main()
