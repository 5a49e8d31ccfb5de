"""Where ingest time goes: each stage's share of the wall time, into a throwaway index.

The target is that embedding is the limit: every other stage together (parse, clean, chunk,
duplicate checks, lexical vectors, writes, index build) under 10% of the wall time.

Ingest reads files in turn by default. With files read ahead (``VAKSAM_READ_AHEAD=2``) parsing,
cleaning and chunking run on a second thread while the model embeds, so stage times overlap and
the embedding itself is slowed by sharing the cores. The honest share is then measured against embedding
alone: ``--compare`` ingests the folders once reading in turn (nothing overlaps, so its embed
time is the embedding alone) and once reading ahead, and reports
``not_embedding_percent = 1 - embed(in turn) / wall(ahead)`` next to each run's own breakdown.
The machine's speed drifts between runs by more than the distance to the target (three single
pairs gave 12.2%, 15.6% and 4.1%), so ``--rounds N`` runs N pairs back to back, each share taken
within its pair, and reports their median.

One-time start-up stays outside the measured runs, as for the model: loading the model and
loading the parsers and the Swedish lexicon (``ingest.preparation.warm_up``, ~3 s, which
``vaksam ingest`` does while it loads the model) are reported as ``startup_s``, and
``not_embedding_percent_in_turn_with_startup`` and ``..._ahead_with_startup`` count the parsers'
share in as well (as if none of it overlapped the model's loading, which ``vaksam ingest`` lets it).

Usage::

    .venv/bin/python benchmarks/ingest_stages.py ../shared/corpus/real            # default settings
    .venv/bin/python benchmarks/ingest_stages.py ../shared/corpus/real --compare  # in turn vs ahead
    .venv/bin/python benchmarks/ingest_stages.py ../shared/corpus/real --compare --rounds 3  # median of 3
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
from ingest.preparation import PREPARE_STAGES, warm_up
from search.settings import Settings


def run(folders: list[Path], read_ahead: int | None) -> dict:
    """One ingest into a fresh index; seconds and shares of the wall time per stage."""
    changes = {} if read_ahead is None else {"read_ahead": read_ahead}
    with tempfile.TemporaryDirectory(prefix="vaksam-ingest-") as tmp:
        service = VaksamService(Settings(qdrant_path=Path(tmp), _env_file=None, **changes))
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
        ahead = service.settings.read_ahead
    wall = summary.seconds
    stages = {s: round(summary.stage_seconds[s], 1) for s in STAGES}
    # The indexing thread's own time; what was prepared ahead ran beside it, and "wait" is the part
    # of that the indexing thread had to wait for.
    own = [s for s in STAGES if not (ahead and s in PREPARE_STAGES)]
    stages["untimed"] = round(wall - sum(summary.stage_seconds[s] for s in own), 1)
    return {
        "read_ahead": ahead,
        "files": summary.files,
        "passages": summary.passages,
        "wall_s": round(wall, 1),
        "seconds": stages,
        "percent": {s: round(100 * v / wall, 1) for s, v in stages.items()},
        "prepared_ahead": [s for s in PREPARE_STAGES if ahead],
        "not_embedding_percent_of_own_run": round(100 * (1 - summary.stage_seconds["embed"] / wall), 1),
        "embed_s": summary.stage_seconds["embed"],
        "startup_s": {"model": round(model_s, 1), "parsers": round(parsers_s, 1)},
    }


def _shares(in_turn: dict, ahead: dict, parsers_s: float) -> dict:
    """The comparison of one in-turn run with the reading-ahead run after it; ``parsers_s``: the
    parsers' one-time start-up (paid by the first run of the process only)."""
    alone = in_turn["embed_s"]
    return {
        "embedding_alone_s": round(alone, 1),
        "parsers_s": parsers_s,
        "wall_in_turn_s": in_turn["wall_s"],
        "wall_ahead_s": ahead["wall_s"],
        "ahead_vs_in_turn": round(ahead["wall_s"] / in_turn["wall_s"], 3),
        "not_embedding_percent_in_turn": round(100 * (1 - alone / in_turn["wall_s"]), 1),
        "not_embedding_percent_in_turn_with_startup": round(100 * (1 - alone / (in_turn["wall_s"] + parsers_s)), 1),
        "not_embedding_percent_ahead": round(100 * (1 - alone / ahead["wall_s"]), 1),
        "not_embedding_percent_ahead_with_startup": round(100 * (1 - alone / (ahead["wall_s"] + parsers_s)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--compare", action="store_true", help="ingest reading in turn, then reading ahead")
    parser.add_argument(
        "--rounds", type=int, default=1, help="with --compare: this many in-turn/ahead pairs, and their median"
    )
    args = parser.parse_args()
    if not args.compare:
        print(json.dumps(run(args.folders, None)))
        return
    rounds = []
    parsers_s: float | None = None  # the parsers start once per process: the first run pays for every round
    for _ in range(max(1, args.rounds)):
        in_turn = run(args.folders, 0)
        print(json.dumps(in_turn), flush=True)
        if parsers_s is None:
            parsers_s = in_turn["startup_s"]["parsers"]
        ahead = run(args.folders, Settings(_env_file=None).read_ahead or 2)
        print(json.dumps(ahead), flush=True)
        rounds.append(_shares(in_turn, ahead, parsers_s))
        print(json.dumps(rounds[-1]), flush=True)
    if len(rounds) > 1:
        keys = [k for k in rounds[0] if k.startswith("not_embedding") or k == "ahead_vs_in_turn"]
        print(json.dumps({"rounds": len(rounds), "median": {k: statistics.median(r[k] for r in rounds) for k in keys}}))


if __name__ == "__main__":
    main()
