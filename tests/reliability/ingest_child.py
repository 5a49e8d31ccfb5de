"""An ingest run in its own process, for tests that measure its memory or kill it.

It loads the model and opens the index first, prints ``ready`` (so a killer's clock starts when
the work does), ingests, and prints one JSON line: the summary, its peak RSS and, with
``--snapshot``, the whole index as comparable tuples plus :meth:`QdrantStore.integrity_problems`.
``--kill-at-write N`` sends SIGKILL to itself just before the index's N-th write request: the
same kill -9 as from outside, but landing on every write boundary a sweep asks for.

    python -m tests.reliability.ingest_child --model M --model-dir D --index I [--snapshot] FOLDER...
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

WRITES = ("upsert", "delete", "set_payload", "batch_update", "create", "drop")


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ``ru_maxrss``: Linux carries ``ru_maxrss`` over from
    the parent through fork and exec, so a child of a big pytest process reports the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def snapshot(store) -> dict:
    """The index as sorted, comparable rows: what two runs must agree on (not timestamps)."""
    passages = sorted(
        [pid, p.get("document_id"), p.get("fingerprint"), p.get("state"), sorted(p.get("also_in") or []), p.get("text")]
        for pid, p in store.passage_payloads()
    )
    documents = sorted(
        [
            d.id,
            Path(d.source).name,
            d.status,
            d.passages,
            d.shared_passages,
            d.content_hash[:12],
            d.duplicate_of,
            sorted(d.duplicates),
            d.error,
        ]
        for d in store.list_documents()
    )
    return {"passages": passages, "documents": documents}


def _kill_at_write(engine, n: int) -> None:
    count = 0

    def wrap(method):
        def counted(*args, **kwargs):
            nonlocal count
            count += 1
            if count >= n:
                os.kill(os.getpid(), signal.SIGKILL)
            return method(*args, **kwargs)

        return counted

    for name in WRITES:
        setattr(engine, name, wrap(getattr(engine, name)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--model-dir", required=True, type=Path)
    parser.add_argument("--index", required=True, type=Path)
    parser.add_argument("--snapshot", action="store_true")
    parser.add_argument("--kill-at-write", type=int, default=0)
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)

    from api.service import VaksamService
    from search.settings import Settings

    settings = Settings(
        embedding_model=args.model,
        model_dir=args.model_dir,
        qdrant_path=args.index,
        passage_tokens=64,
        _env_file=None,
    )
    service = VaksamService(settings)
    service.encoder  # noqa: B018 - load before the clock starts
    service.store.ensure_collections(service.encoder.name, service.encoder.dimension)
    if args.kill_at_write:
        _kill_at_write(service.store.engine, args.kill_at_write)
    print("ready", flush=True)
    summary = service.ingest(args.paths, progress=False)
    out = {
        "indexed": summary.indexed,
        "failed": {Path(f.path).name: f.reason for f in summary.failed},
        "unsupported": [Path(p).name for p in summary.unsupported],
        "maxrss_mb": peak_rss_mb(),
    }
    if args.snapshot:
        out["snapshot"] = snapshot(service.store)
        out["problems"] = service.store.integrity_problems()
    service.close()
    print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
