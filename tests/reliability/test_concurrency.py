"""Ingesting while 8 clients search, over loopback, for 60 s: no errors, nothing stale or half new.

`vaksam serve` runs in its own process. A writer uploads version after version of one document
(every sentence of version N says "utgåva N") and, between them, new documents; eight readers
search all the time, half of them within that document. Every response must be a 200; every hit
of the document in one response must come from one version (no half-swapped document), never one
older than the last version whose upload had been answered before the search was sent (nothing
stale), and a search within the document must always find it. ``VAKSAM_CONCURRENCY_SECONDS``
sets the duration (60). It runs again, for half as long, with ``--workers 2``: two HTTP processes
over the embedded index held by the serving process (search/engines/remote.py), so uploads and
searches land on different processes and must still agree.
"""

from __future__ import annotations

import os
import re
import statistics
import threading
import time

import httpx
import pytest

from tests.conftest import ROOT
from tests.reliability.conftest import server_env
from tests.servers import ServerProcess, free_port

SECONDS = float(os.environ.get("VAKSAM_CONCURRENCY_SECONDS", "60"))
READERS = 8
NAME = "larmrutin.txt"
VERSION = re.compile(r"utgåva (\d+)")


def document_text(version: int) -> str:
    steps = [
        "kontrollera att larmknappen fungerar",
        "ring larmcentralen vid akut hot",
        "meddela närmaste chef samma dag",
        "dokumentera händelsen i incidentrapporten",
        "erbjud den drabbade stödsamtal",
        "följ upp händelsen på nästa arbetsplatsträff",
        "se över rutinen tillsammans med skyddsombudet",
        "informera nya medarbetare om larmrutinen",
    ]
    sentences = [f"Steg {i + 1} i larmrutinen enligt utgåva {version}: {step}." for i, step in enumerate(steps)]
    return f"Larmrutin utgåva {version}\n\n" + "\n\n".join(" ".join(sentences[i : i + 2]) for i in range(0, 8, 2))


@pytest.fixture(params=[1, 2], ids=["one-process", "two-workers"])
def server(request, tmp_path, tiny_encoder, ingest_child):
    from api.keys import KeyStore

    keys = tmp_path / "keys.json"
    key = KeyStore(keys).create("writer")
    env = server_env(tiny_encoder.name, ingest_child.model_dir, tmp_path, keys)
    workers = request.param
    args = ["--workers", str(workers)] if workers > 1 else []
    with ServerProcess(env, free_port(), tmp_path / "server.log", ROOT, args) as running:
        yield running, key, workers


def test_searches_during_ingest_see_whole_current_versions(server):
    server, key, workers = server
    seconds = SECONDS / workers
    auth = {"Authorization": f"Bearer {key}"}
    client = httpx.Client(base_url=server.url, timeout=60)
    first = client.post("/api/v1/documents", files={"file": (NAME, document_text(1).encode())}, headers=auth)
    assert first.status_code == 201, first.text
    doc_id = first.json()["document"]["id"]
    lock = threading.Lock()
    committed = {"version": 1}
    errors: list[str] = []
    latencies: list[float] = []
    counts = {"searches": 0, "uploads": 1, "new_documents": 0}
    deadline = time.monotonic() + seconds

    def writer() -> None:
        version, extra = 1, 0
        with httpx.Client(base_url=server.url, timeout=60) as http:
            while time.monotonic() < deadline:
                version += 1
                response = http.post(
                    "/api/v1/documents", files={"file": (NAME, document_text(version).encode())}, headers=auth
                )
                if response.status_code != 201:
                    errors.append(f"upload of version {version}: {response.status_code} {response.text[:200]}")
                    return
                with lock:
                    committed["version"] = version
                    counts["uploads"] += 1
                extra += 1  # and a new document beside it: the index grows while it is searched
                text = f"Rutin {extra} om trygghet på arbetsplatsen. " + document_text(0).replace("utgåva 0", "bilaga")
                response = http.post(
                    "/api/v1/documents", files={"file": (f"bilaga_{extra}.txt", text.encode())}, headers=auth
                )
                if response.status_code != 201:
                    errors.append(f"new document {extra}: {response.status_code} {response.text[:200]}")
                    return
                counts["new_documents"] += 1

    def reader(number: int) -> None:
        within = number % 2 == 0
        params = {"q": "larmrutin utgåva larmcentralen", "limit": 10}
        if within:
            params["document"] = doc_id
        with httpx.Client(base_url=server.url, timeout=60) as http:
            while time.monotonic() < deadline and not errors:
                with lock:
                    floor = committed["version"]
                started = time.perf_counter()
                try:
                    response = http.get("/api/v1/search", params=params)
                except httpx.HTTPError as exc:
                    errors.append(f"reader {number}: {type(exc).__name__}: {exc}")
                    return
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors.append(f"reader {number}: {response.status_code} {response.text[:200]}")
                    return
                hits = [h for h in response.json()["hits"] if h["document"]["id"] == doc_id]
                seen = {int(v) for h in hits for v in VERSION.findall(h["text"])}
                if len(seen) > 1:
                    errors.append(f"reader {number}: one response mixes versions {sorted(seen)}")
                elif seen and min(seen) < floor:
                    errors.append(f"reader {number}: version {min(seen)} after version {floor} was answered")
                elif within and not hits:
                    errors.append(f"reader {number}: the document was missing from a search within it")
                with lock:
                    counts["searches"] += 1

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 300)
    client.close()
    assert errors == [], errors[:5]
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)]
    health = httpx.get(f"{server.url}/healthz").json()
    print(
        f"{workers} process(es), engine {health['backend']}: "
        f"{seconds:.0f} s: {counts['searches']} searches by {READERS} clients "
        f"({counts['searches'] / seconds:.1f}/s, p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms), {counts['uploads']} versions and {counts['new_documents']} new documents "
        "indexed meanwhile; 0 errors, nothing stale or mixed"
    )
    assert counts["uploads"] >= 5 and counts["searches"] >= 100
