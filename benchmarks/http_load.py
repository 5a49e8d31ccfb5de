"""HTTP end to end on loopback: one client, then several at once, against a real `vaksam serve`.

The server is started here (its own process, the configured backends, rate limit off), on the
index given by ``--index``; questions are real and distinct (SweQuAD-MC, then the dev set), so
the query-embedding cache never answers. Each phase is bounded by a request count and a time
limit. Reported: p50/p95 latency, queries per second, errors, and the server's memory (RSS now
and its peak) with the model loaded.

Usage::

    .venv/bin/python benchmarks/http_load.py --index data/index --requests 300 --clients 1 8
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"p50_ms": float("nan"), "p95_ms": float("nan")}
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
    }


def memory_mb(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) // 1024
    return {"rss_mb": values.get("VmRSS", -1), "peak_rss_mb": values.get("VmHWM", -1)}


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the workers of ``vaksam serve --workers N``)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in children:
            found += process_tree(int(child))
    return found


def server_memory_mb(pid: int) -> dict[str, int]:
    """The serving process's memory and, with workers, every process's RSS summed."""
    tree = [memory_mb(p) for p in process_tree(pid)]
    return {**tree[0], "processes": len(tree), "total_rss_mb": sum(m["rss_mb"] for m in tree)}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (``/proc/PID/stat``, in clock ticks)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / tick


def load_questions(paths: list[Path]) -> list[str]:
    questions: list[str] = []
    for path in paths:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    item = json.loads(line)
                    questions.append(item.get("text") or item.get("query"))
    return list(dict.fromkeys(q for q in questions if q))


def run_phase(base: str, questions: list[str], clients: int, requests: int, seconds: float) -> dict:
    """``clients`` threads share one queue of ``requests`` questions; stop at the time limit."""
    lock = threading.Lock()
    queue = iter(questions[:requests])
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.perf_counter() < deadline:
                with lock:
                    question = next(queue, None)
                if question is None:
                    return
                started = time.perf_counter()
                try:
                    response = client.get("/api/v1/search", params={"q": question, "limit": 10})
                    ok = response.status_code == 200
                    detail = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    ok, detail = False, type(exc).__name__
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    (latencies.append(elapsed) if ok else errors.append(detail))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": len(latencies) + len(errors),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "qps": round(len(latencies) / wall, 1),
        **percentiles(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("data/index"))
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--requests", type=int, default=300, help="requests per phase (at most)")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per phase")
    parser.add_argument("--clients", nargs="+", type=int, default=[1, 8])
    parser.add_argument("--workers", type=int, default=1, help="HTTP worker processes (embedded: one index process)")
    parser.add_argument(
        "--questions",
        nargs="+",
        type=Path,
        default=[Path("../shared/eval/swequad_mc/queries.jsonl"), Path("../shared/eval/dev_queries.jsonl")],
    )
    args = parser.parse_args()
    questions = load_questions(args.questions)
    env = {
        **os.environ,
        "VAKSAM_QDRANT_PATH": str(args.index),
        "VAKSAM_RATE_LIMIT": "0",
        "VAKSAM_PORT": str(args.port),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    command = [sys.executable, "-m", "api.cli", "serve", "--workers", str(args.workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode}")
            time.sleep(0.5)
        health = httpx.get(f"{base}/healthz").json()
        print(
            json.dumps(
                {
                    "index": str(args.index),
                    "backend": health["backend"],
                    "passages": health["passages"],
                    "questions": len(questions),
                    "idle": server_memory_mb(server.pid),
                }
            ),
            flush=True,
        )
        run_phase(base, questions[-20:], 1, 20, 30)  # warm up on questions the phases do not use
        offset = 0
        for clients in args.clients:
            batch = questions[offset : offset + args.requests]
            offset = (offset + args.requests) % max(len(questions) - args.requests, 1)
            pids = process_tree(server.pid)
            server_cpu, own_cpu = cpu_seconds(pids), time.process_time()
            row = run_phase(base, batch, clients, args.requests, args.seconds)
            done = max(row["requests"], 1)
            cpu = {  # where the two cores went: is the server or this load generator the limit?
                "server_cpu_ms_per_request": round((cpu_seconds(pids) - server_cpu) / done * 1000, 1),
                "client_cpu_ms_per_request": round((time.process_time() - own_cpu) / done * 1000, 1),
            }
            print(json.dumps({**row, **cpu, **server_memory_mb(server.pid)}), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
